//===- Word2VecMpi.cpp - distributed word2vec on MPI ----------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Runtime/Word2VecMpi.h"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <unistd.h>

using namespace mx::rt::w2v;
using namespace mx::rt::w2v::mpi;

namespace {

double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string mpiErrorString(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS)
    return "MPI error " + std::to_string(code);
  return std::string(text, size_t(length));
}

int64_t environmentInt(const char *name) {
  const char *value = std::getenv(name);
  if (!value || !*value)
    return 0;
  char *end = nullptr;
  long long parsed = std::strtoll(value, &end, 10);
  return *end == '\0' && parsed > 0 ? parsed : 0;
}

// What a rank prints when the launcher ends the job (it sends SIGTERM to
// every rank when one fails or calls MPI_Abort). Built before the handler
// is installed: only write() and _exit() run in it.
char terminationMessage[256];
size_t terminationLength = 0;

extern "C" void onTerminate(int) {
  if (terminationLength)
    (void)!write(STDERR_FILENO, terminationMessage, terminationLength);
  _exit(1);
}

} // namespace

bool mx::rt::w2v::mpi::launchedByMpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK") ||
         std::getenv("PMI_RANK");
}

int64_t mx::rt::w2v::mpi::launcherWorldSize() {
  if (int64_t size = environmentInt("OMPI_COMM_WORLD_SIZE"))
    return size;
  return environmentInt("PMI_SIZE");
}

int64_t mx::rt::w2v::mpi::launcherLocalSize() {
  if (int64_t size = environmentInt("OMPI_COMM_WORLD_LOCAL_SIZE"))
    return size;
  return environmentInt("MPI_LOCALNRANKS");
}

//===----------------------------------------------------------------------===//
// Cluster
//===----------------------------------------------------------------------===//

bool Cluster::init(int *argc, char ***argv, std::string &error) {
  int provided = 0;
  int rc = MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided);
  if (rc != MPI_SUCCESS) {
    error = "MPI_Init_thread failed: " + mpiErrorString(rc);
    return false;
  }
  initialized = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rankId);
  MPI_Comm_size(MPI_COMM_WORLD, &worldSize);
  if (provided < MPI_THREAD_MULTIPLE) {
    error = "the MPI library provides thread support level " +
            std::to_string(provided) +
            "; mx-word2vec needs MPI_THREAD_MULTIPLE (" +
            std::to_string(MPI_THREAD_MULTIPLE) +
            "): use an MPI built with thread support (Debian's Open MPI "
            "has it)";
    return false;
  }
  // Errors come back as codes (reported, then MPI_Abort) instead of the
  // default handler's silent abort.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int length = std::snprintf(
      terminationMessage, sizeof(terminationMessage),
      "mx-word2vec: error: %sterminated by the MPI launcher (another rank "
      "failed or aborted the job); no output written\n",
      tag().c_str());
  terminationLength =
      length > 0 ? std::min(size_t(length), sizeof(terminationMessage) - 1) : 0;
  std::signal(SIGTERM, onTerminate);
  return true;
}

void Cluster::finalize() {
  if (!initialized)
    return;
  initialized = false;
  std::signal(SIGTERM, SIG_DFL);
  MPI_Finalize();
}

std::string Cluster::tag() const {
  return "[rank " + std::to_string(rankId) + "/" + std::to_string(worldSize) +
         "] ";
}

void Cluster::abort(const std::string &message) {
  std::fprintf(stderr, "mx-word2vec: error: %s%s\n", tag().c_str(),
               message.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);
}

void Cluster::wait(void *opaque, const char *what, double timeoutSeconds) {
  MPI_Request *request = static_cast<MPI_Request *>(opaque);
  const double start = now();
  bool sleeping = false;
  for (int64_t polls = 0;; ++polls) {
    int flag = 0;
    int rc = MPI_Test(request, &flag, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS)
      abort(std::string(what) + " failed: " + mpiErrorString(rc) +
            "; aborting the job");
    if (flag)
      return;
    if (timeoutSeconds > 0 && now() - start > timeoutSeconds) {
      char seconds[32];
      std::snprintf(seconds, sizeof(seconds), "%g", timeoutSeconds);
      abort(std::string("no answer from the other ranks for ") + seconds +
            " s in " + what +
            ": a rank died or hangs; aborting the job (-mpi-timeout)");
    }
    // Between polls the core goes to any runnable compute thread (a
    // yield, as Open MPI's mpi_yield_when_idle); sleeping instead would
    // cap a large message's bandwidth at one shared-memory fragment per
    // sleep. After a second the wait is for a slow rank, not for data:
    // then sleep.
    if (polls % 1024 == 0 && now() - start > 1.0)
      sleeping = true;
    if (sleeping)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    else
      std::this_thread::yield();
  }
}

bool Cluster::agree(bool ok, std::string &error, const char *what,
                    double timeoutSeconds) {
  int mine = ok ? worldSize : rankId, lowest = 0;
  MPI_Request request;
  MPI_Iallreduce(&mine, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD, &request);
  wait(&request, what, timeoutSeconds);
  if (lowest == worldSize)
    return true;
  // The lowest failing rank's message, to everyone.
  std::string text = rankId == lowest ? error : std::string();
  int64_t length = int64_t(text.size());
  MPI_Ibcast(&length, 1, MPI_INT64_T, lowest, MPI_COMM_WORLD, &request);
  wait(&request, what, timeoutSeconds);
  text.resize(size_t(std::min<int64_t>(length, 1 << 20)));
  MPI_Ibcast(text.data(), int(text.size()), MPI_CHAR, lowest, MPI_COMM_WORLD,
             &request);
  wait(&request, what, timeoutSeconds);
  error = text;
  if (lowest != rankId)
    error += " (reported by rank " + std::to_string(lowest) + ")";
  return false;
}

void Cluster::broadcastVocabulary(Vocabulary &vocab, int64_t minCount) {
  // "word\0" + 8 count bytes per word, in rank 0's (sorted) order.
  std::vector<char> bytes;
  if (rankId == 0) {
    for (int64_t i = 0; i < vocab.size(); ++i) {
      const VocabWord &w = vocab[i];
      bytes.insert(bytes.end(), w.word.begin(), w.word.end());
      bytes.push_back('\0');
      char count[8];
      std::memcpy(count, &w.count, 8);
      bytes.insert(bytes.end(), count, count + 8);
    }
  }
  int64_t length = int64_t(bytes.size());
  MPI_Request request;
  MPI_Ibcast(&length, 1, MPI_INT64_T, 0, MPI_COMM_WORLD, &request);
  wait(&request, "the vocabulary broadcast", timeout);
  bytes.resize(size_t(length));
  const int64_t piece = int64_t(1) << 30;
  for (int64_t offset = 0; offset < length; offset += piece) {
    MPI_Ibcast(bytes.data() + offset, int(std::min(piece, length - offset)),
               MPI_CHAR, 0, MPI_COMM_WORLD, &request);
    wait(&request, "the vocabulary broadcast", timeout);
  }
  if (rankId == 0)
    return;
  // Added in rank 0's order, sorting keeps it (ties stay in insertion
  // order), so indices and trainWords match.
  vocab = Vocabulary();
  size_t position = 0;
  while (position < bytes.size()) {
    size_t end = position;
    while (end < bytes.size() && bytes[end] != '\0')
      ++end;
    std::string_view word(bytes.data() + position, end - position);
    int64_t count = 0;
    std::memcpy(&count, bytes.data() + end + 1, 8);
    vocab.add(word, count);
    position = end + 9;
  }
  vocab.sortAndPrune(minCount);
}

void Cluster::allreduceSum(int64_t *values, int64_t count, const char *what,
                           double timeoutSeconds) {
  MPI_Request request;
  MPI_Iallreduce(MPI_IN_PLACE, values, int(count), MPI_INT64_T, MPI_SUM,
                 MPI_COMM_WORLD, &request);
  wait(&request, what, timeoutSeconds);
}

void Cluster::allreduceSum(double *values, int64_t count, const char *what,
                           double timeoutSeconds) {
  MPI_Request request;
  MPI_Iallreduce(MPI_IN_PLACE, values, int(count), MPI_DOUBLE, MPI_SUM,
                 MPI_COMM_WORLD, &request);
  wait(&request, what, timeoutSeconds);
}

void Cluster::allreduceSum(const float *in, float *out, int64_t count,
                           const char *what, double timeoutSeconds) {
  MPI_Request request;
  MPI_Iallreduce(in, out, int(count), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD,
                 &request);
  wait(&request, what, timeoutSeconds);
}

void Cluster::averageIdentical(float *data, float *scratch, int64_t count,
                               const char *what, double timeoutSeconds) {
  MPI_Request request;
  MPI_Ireduce(data, scratch, int(count), MPI_FLOAT, MPI_SUM, 0, MPI_COMM_WORLD,
              &request);
  wait(&request, what, timeoutSeconds);
  if (rankId == 0)
    for (int64_t i = 0; i < count; ++i)
      data[i] = scratch[i] / float(worldSize);
  MPI_Ibcast(data, int(count), MPI_FLOAT, 0, MPI_COMM_WORLD, &request);
  wait(&request, what, timeoutSeconds);
}

double Cluster::benchmarkAllreduce(double megabytes, int64_t repeats) {
  const int64_t count =
      std::max<int64_t>(1, int64_t(megabytes * 1048576.0 / sizeof(float)));
  std::vector<float> in(size_t(count), 1.0f), out(size_t(count), 0.0f);
  std::vector<double> times;
  for (int64_t r = 0; r <= repeats; ++r) {
    int64_t align = 0; // start together
    allreduceSum(&align, 1, "the all-reduce benchmark", timeout);
    double start = now();
    allreduceSum(in.data(), out.data(), count, "the all-reduce benchmark",
                 timeout);
    if (r > 0) // the first is a warm-up
      times.push_back(now() - start);
  }
  std::sort(times.begin(), times.end());
  return times.empty() ? 0 : times[times.size() / 2];
}

//===----------------------------------------------------------------------===//
// MpiWordCounter
//===----------------------------------------------------------------------===//

int64_t MpiWordCounter::add(int64_t words) {
  int64_t local = localWords += words;
  std::lock_guard<std::mutex> lock(mutex);
  return globalBase + (local - localBase) * ranks;
}

void MpiWordCounter::synced(int64_t global, int64_t localAtSync) {
  std::lock_guard<std::mutex> lock(mutex);
  globalBase = global;
  localBase = localAtSync;
}

//===----------------------------------------------------------------------===//
// ModelSync
//===----------------------------------------------------------------------===//

ModelSync::ModelSync(Cluster &cluster, Trainer &trainer,
                     MpiWordCounter &counter, const SyncOptions &options)
    : cluster(cluster), trainer(trainer), counter(counter), options(options) {}

ModelSync::~ModelSync() {
  if (thread.joinable())
    finish();
}

int64_t ModelSync::rowsForRound(int64_t round, int64_t minSyncWords,
                                int64_t rows) {
  // 2^ctz(round) x minSyncWords, saturating: every 2^k-th round syncs
  // 2^k times the minimum.
  int64_t synced = minSyncWords;
  for (int64_t r = round; r > 0 && (r & 1) == 0 && synced < rows; r >>= 1)
    synced *= 2;
  return std::min(synced, rows);
}

void ModelSync::start() {
  const int64_t dim = trainer.dim();
  int64_t chunkRows =
      std::max<int64_t>(1, int64_t(options.messageSizeMB * 1048576.0) /
                               int64_t(sizeof(float) * size_t(dim)));
  chunkRows = std::min(chunkRows, trainer.rows());
  copy.assign(size_t(chunkRows * dim), 0.0f);
  sum.assign(size_t(chunkRows * dim), 0.0f);
  thread = std::thread([this] { loop(); });
}

void ModelSync::finish() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    localDone = true;
  }
  wake.notify_all();
  thread.join();
}

double ModelSync::syncRows(int64_t rows, bool final) {
  const int64_t dim = trainer.dim();
  const int64_t chunkRows = int64_t(copy.size()) / dim;
  const float ranks = float(cluster.size());
  // A round waits at most for the other ranks' next timer tick.
  const double timeout = cluster.getTimeout() + options.syncPeriod;
  double seconds = 0;
  for (float *table : {trainer.inputVectors(), trainer.outputVectors()}) {
    for (int64_t first = 0; first < rows; first += chunkRows) {
      const int64_t count = std::min(chunkRows, rows - first) * dim;
      float *live = table + first * dim;
      if (final) {
        double start = now();
        cluster.averageIdentical(live, sum.data(), count, "the final sync",
                                 timeout);
        seconds += now() - start;
      } else {
        std::memcpy(copy.data(), live, size_t(count) * sizeof(float));
        double start = now();
        cluster.allreduceSum(copy.data(), sum.data(), count,
                             "the model all-reduce", timeout);
        seconds += now() - start;
        // Keep what the compute threads added meanwhile.
        for (int64_t i = 0; i < count; ++i)
          live[i] += sum[size_t(i)] / ranks - copy[size_t(i)];
      }
      stats.bytes += double(count) * sizeof(float);
    }
  }
  return seconds;
}

void ModelSync::loop() {
  int64_t round = 0, nextFull = 1;
  bool doneReported = false;
  const double timeout = cluster.getTimeout() + options.syncPeriod;
  for (;;) {
    {
      // Sleep one period, or less when this rank just finished (the
      // others learn it at the next round).
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait_for(lock, std::chrono::duration<double>(options.syncPeriod),
                    [&] { return localDone && !doneReported; });
      doneReported = localDone;
    }
    while (options.hang) // testing: a rank that stops answering
      std::this_thread::sleep_for(std::chrono::seconds(3600));
    double start = now();
    int64_t localNow = counter.local();
    int64_t values[2] = {localNow, doneReported ? 0 : 1};
    cluster.allreduceSum(values, 2, "the word-count all-reduce", timeout);
    double allreduce = now() - start;
    counter.synced(values[0], localNow);
    if (values[1] != 0) { // somebody still computes
      ++round;
      int64_t rows = rowsForRound(round, options.minSyncWords, trainer.rows());
      // Extra full syncs at 1/(F+1), 2/(F+1), ... of the global progress;
      // decided from the all-reduced count, so every rank decides alike.
      if (nextFull <= options.fullSyncTimes &&
          double(values[0]) * double(options.fullSyncTimes + 1) >=
              double(nextFull) * double(options.totalWords)) {
        rows = trainer.rows();
        ++nextFull;
        ++stats.fullSyncs;
      }
      if (options.debug >= 3 && cluster.rank() == 0)
        std::fprintf(stderr, "sync round %lld: %lld of %lld rows%s\n",
                     static_cast<long long>(round),
                     static_cast<long long>(rows),
                     static_cast<long long>(trainer.rows()),
                     rows == trainer.rows() ? " (full)" : "");
      allreduce += syncRows(rows, false);
      ++stats.rounds;
    }
    if (doneReported) {
      stats.tailSeconds += now() - start;
    } else {
      stats.allreduceSeconds += allreduce;
      stats.syncSeconds += now() - start;
    }
    if (values[1] == 0)
      break;
  }
  if (!options.skipFinalSync) {
    double start = now();
    syncRows(trainer.rows(), true);
    stats.finalSeconds += now() - start;
  }
  timespec cpu;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
  stats.cpuSeconds = double(cpu.tv_sec) + double(cpu.tv_nsec) * 1e-9;
}

uint64_t mx::rt::w2v::mpi::replicaChecksum(Trainer &trainer) {
  uint64_t hash = 1469598103934665603ULL;
  const size_t bytes = size_t(trainer.rows() * trainer.dim()) * sizeof(float);
  for (const float *table : {trainer.inputVectors(), trainer.outputVectors()}) {
    const unsigned char *data = reinterpret_cast<const unsigned char *>(table);
    for (size_t i = 0; i < bytes; ++i) {
      hash ^= data[i];
      hash *= 1099511628211ULL;
    }
  }
  return hash;
}
