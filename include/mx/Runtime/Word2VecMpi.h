//===- Word2VecMpi.h - distributed word2vec on MPI ---------------*- C++
//-*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The multi-process mode of the word2vec trainer, after pWord2Vec_mpi (Ji et
// al., arXiv 1604.04661): data parallel, every rank holds a replica of both
// tables and trains its parts of the corpus; one communication thread per
// rank averages the replicas while the other threads compute.
//
// - Every `syncPeriod` seconds the ranks all-reduce their word counts (the
//   global count drives alpha and progress) and then average the first S
//   rows of Wih and Woh, S = min(2^ctz(round) minSyncWords, V): the
//   vocabulary is sorted by frequency, so the most frequent rows are synced
//   every round, twice as many every second round, and so on until every
//   2^k-th round syncs the whole vocabulary (sub-model synchronisation).
//   `fullSyncTimes` extra full syncs are spread evenly over the run.
// - An averaging round copies the rows, all-reduces the copy and adds
//   (average - copy) to the live rows, so updates the compute threads make
//   meanwhile are kept (the live tables are never an MPI buffer).
// - Training ends when no rank is still computing; a final full sync then
//   makes all replicas equal (reduce to rank 0 and broadcast: the same
//   bytes on every rank, whatever the all-reduce algorithm).
// - Every collective is non-blocking and polled, yielding the core to the
//   compute threads between polls (sleeping after a second of waiting),
//   under a watchdog: a collective that does not finish within `timeout`
//   seconds (a rank died or hangs) prints an error and calls MPI_Abort,
//   which ends the job.
//
// The header does not include <mpi.h>: only Word2VecMpi.cpp does.
//
//===----------------------------------------------------------------------===//

#ifndef MX_RUNTIME_WORD2VECMPI_H
#define MX_RUNTIME_WORD2VECMPI_H

#include "mx/Runtime/Word2VecTrainer.h"
#include "mx/Runtime/Word2VecVocab.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mx::rt::w2v::mpi {

/// True when this process was started by an MPI launcher (mpirun sets
/// OMPI_COMM_WORLD_SIZE, PMIx and MPICH launchers PMIX_RANK / PMI_RANK).
bool launchedByMpirun();
/// The launcher's world size and ranks on this node, 0 if unknown
/// (read from the environment, before MPI_Init).
int64_t launcherWorldSize();
int64_t launcherLocalSize();

/// No timeout for a collective.
constexpr double kNoTimeout = 0;

/// MPI_COMM_WORLD, initialised with MPI_THREAD_MULTIPLE (the communication
/// thread and a watchdog call MPI while the main thread may too).
class Cluster {
public:
  /// MPI_Init_thread; false with `error` set if MPI_THREAD_MULTIPLE is not
  /// provided (MPI is then finalized).
  bool init(int *argc, char ***argv, std::string &error);
  /// MPI_Finalize (if initialised).
  void finalize();
  int rank() const { return rankId; }
  int size() const { return worldSize; }
  /// Prefix of this rank's messages: "[rank r/N] ".
  std::string tag() const;

  /// Seconds a collective may take before the job is aborted.
  void setTimeout(double seconds) { timeout = seconds; }
  double getTimeout() const { return timeout; }

  /// Every rank passes its `ok`; true if all are ok. Otherwise `error`
  /// becomes the message of the lowest failing rank, with its rank, on
  /// every rank. `what` names the step for the watchdog.
  bool agree(bool ok, std::string &error, const char *what,
             double timeoutSeconds);
  /// Rank 0's vocabulary (already sorted and pruned) to every rank; the
  /// others rebuild it with the same order and counts.
  void broadcastVocabulary(Vocabulary &vocab, int64_t minCount);

  /// Sums over all ranks (in place for the integer and double forms;
  /// non-blocking, polled, under the watchdog).
  void allreduceSum(int64_t *values, int64_t count, const char *what,
                    double timeoutSeconds);
  void allreduceSum(double *values, int64_t count, const char *what,
                    double timeoutSeconds);
  void allreduceSum(const float *in, float *out, int64_t count,
                    const char *what, double timeoutSeconds);
  /// Replaces `data` by its average over the ranks, the same bytes on
  /// every rank: a sum to rank 0 (into `scratch`), divided there, then
  /// broadcast.
  void averageIdentical(float *data, float *scratch, int64_t count,
                        const char *what, double timeoutSeconds);

  /// Prints "mx-word2vec: error: [rank r/N] message" and ends the job
  /// (MPI_Abort): every rank stops within bounded time.
  [[noreturn]] void abort(const std::string &message);

  /// -mpi-allreduce-bench: median time of an all-reduce of `megabytes` MB
  /// of floats over `repeats` runs (after one warm-up), through the same
  /// path the training uses.
  double benchmarkAllreduce(double megabytes, int64_t repeats);

private:
  void wait(void *request, const char *what, double timeoutSeconds);

  int rankId = 0, worldSize = 1;
  bool initialized = false;
  double timeout = 300;
};

/// The global word count: the sum over ranks at the last sync round plus
/// this rank's words since then times the number of ranks (pWord2Vec's
/// estimate between rounds).
class MpiWordCounter : public WordCounter {
public:
  explicit MpiWordCounter(int64_t ranks) : ranks(ranks) {}
  int64_t add(int64_t words) override;
  int64_t local() const { return localWords.load(); }
  /// The all-reduced count `global` when this rank had done `localAtSync`.
  void synced(int64_t global, int64_t localAtSync);

private:
  int64_t ranks;
  std::atomic<int64_t> localWords{0};
  std::mutex mutex;
  int64_t globalBase = 0, localBase = 0;
};

struct SyncOptions {
  double syncPeriod = 0.1;
  int64_t minSyncWords = 1024;
  int64_t fullSyncTimes = 0;
  /// Largest all-reduce message, in MB.
  double messageSizeMB = 1024;
  /// Words of all ranks over the run (iterations x trainWords), to place
  /// the extra full syncs.
  int64_t totalWords = 1;
  /// 3: rank 0 prints every round's row count (stderr).
  int debug = 0;
  /// Testing: skip the final full sync (replicas then differ).
  bool skipFinalSync = false;
  /// Testing: the communication thread stops answering (a hung rank).
  bool hang = false;
};

struct SyncStats {
  int64_t rounds = 0, fullSyncs = 0;
  /// Bytes this rank all-reduced (both tables, all rounds, final included).
  double bytes = 0;
  /// Wall seconds inside all-reduce calls (waiting for the others
  /// included) while this rank computed, and of those rounds as a whole
  /// (copies and merges too).
  double allreduceSeconds = 0, syncSeconds = 0;
  /// After this rank finished: the rounds while others still computed
  /// (load imbalance) and the final sync.
  double tailSeconds = 0, finalSeconds = 0;
  /// CPU seconds of the communication thread (polling included).
  double cpuSeconds = 0;
};

/// The communication thread of one rank.
class ModelSync {
public:
  ModelSync(Cluster &cluster, Trainer &trainer, MpiWordCounter &counter,
            const SyncOptions &options);
  ~ModelSync();
  /// Starts the thread (call after Trainer::load, before Trainer::run).
  void start();
  /// This rank's training is over: waits until every rank's is and the
  /// final full sync is done, then joins the thread.
  void finish();
  const SyncStats &getStats() const { return stats; }
  /// Rows synced in round `round` (1-based) without extra full syncs.
  static int64_t rowsForRound(int64_t round, int64_t minSyncWords,
                              int64_t rows);

private:
  void loop();
  /// Returns the seconds spent in all-reduce calls.
  double syncRows(int64_t rows, bool final);

  Cluster &cluster;
  Trainer &trainer;
  MpiWordCounter &counter;
  SyncOptions options;
  SyncStats stats;
  std::thread thread;
  std::mutex mutex;
  std::condition_variable wake;
  bool localDone = false;
  std::vector<float> copy, sum;
};

/// FNV-1a of both tables' bytes (-debug-replica-checksum).
uint64_t replicaChecksum(Trainer &trainer);

} // namespace mx::rt::w2v::mpi

#endif // MX_RUNTIME_WORD2VECMPI_H
