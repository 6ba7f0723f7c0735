#!/usr/bin/python3
"""Benchmarks mx-word2vec against word2vec.c, gensim and fastText.

Run through scripts/bench-word2vec.sh, which installs the peers and builds
the corpus. Every tool is measured the same way, from outside:

  train_s   wall time of training: the whole process for the tools given a
            vocabulary file (-read-vocab: mx-word2vec, word2vec.c); for
            fastText the run minus a run with -epoch 0 (vocabulary pass and
            set-up); for gensim the wall time of model.train()
  cpu_s     process CPU time (user + system) of the same interval
  words/s   corpus words (wc -w) x iterations / train_s; per CPU-second:
            / cpu_s, the robust figure on a shared machine

Quality: analogy accuracy (questions-words.txt, top 30,000 words) and
WordSim-353 Spearman, computed by `mx-word2vec -eval` on every tool's
vectors. Tools run in turn, round-robin; the table shows medians.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run_timed(cmd, log):
    """Runs cmd; returns (wall, cpu) of the child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    with open(log, "w") as out:
        result = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit("bench: %s failed (see %s)" % (cmd[0], log))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


GENSIM = r"""
import sys, time, logging
from gensim.models import Word2Vec
corpus, out, size, window, neg, sample, mincount, it, threads, alpha = sys.argv[1:]
m = Word2Vec(vector_size=int(size), window=int(window), negative=int(neg),
             sample=float(sample), min_count=int(mincount), workers=int(threads),
             sg=1, hs=0, alpha=float(alpha), min_alpha=float(alpha) * 1e-4, seed=1)
m.build_vocab(corpus_file=corpus)
w0, c0 = time.monotonic(), time.process_time()
m.train(corpus_file=corpus, total_words=m.corpus_total_words, epochs=int(it))
print("TIMES %f %f" % (time.monotonic() - w0, time.process_time() - c0))
m.wv.save_word2vec_format(out, binary=True)
"""


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="bench-w2v-", dir=args.workdir)
        self.words = int(subprocess.run(["wc", "-w", args.corpus], check=True,
                                        capture_output=True, text=True).stdout.split()[0])

    def hp(self, size, it):
        a = self.args
        return dict(size=size, window=a.window, negative=a.negative,
                    sample=a.sample, mincount=a.min_count, iter=it, alpha=a.alpha)

    def vocab(self):
        path = os.path.join(self.work, "vocab.txt")
        if not os.path.exists(path):
            subprocess.run([self.args.mx_word2vec, "-train", self.args.corpus,
                            "-save-vocab", path, "-min-count", "1", "-size", "4",
                            "-iter", "1", "-threads", "1", "-debug", "0"],
                           check=True)
        return path

    def run(self, tool, size, threads, it, out):
        a, h = self.args, self.hp(size, it)
        log = out + ".log"
        common = ["-size", str(size), "-window", str(h["window"]),
                  "-negative", str(h["negative"]), "-sample", str(h["sample"]),
                  "-min-count", str(h["mincount"]), "-iter", str(it),
                  "-alpha", str(h["alpha"]), "-threads", str(threads)]
        if tool.startswith("mx-word2vec"):
            precision = tool.split("-")[-1]
            cmd = [a.mx_word2vec, "-train", a.corpus, "-read-vocab", self.vocab(),
                   "-output", out, "-binary", "1", "-precision", precision,
                   "-debug", "1"] + common
            return run_timed(cmd, log)
        if tool == "word2vec.c":
            cmd = [a.word2vec_c, "-train", a.corpus, "-read-vocab", self.vocab(),
                   "-output", out, "-binary", "1", "-cbow", "0", "-hs", "0"] + common
            return run_timed(cmd, log)
        if tool == "fasttext":
            base = ["skipgram", "-input", a.corpus, "-dim", str(size),
                    "-ws", str(h["window"]), "-neg", str(h["negative"]),
                    "-t", str(h["sample"]), "-minCount", str(h["mincount"]),
                    "-lr", str(h["alpha"]), "-thread", str(threads),
                    "-minn", "0", "-maxn", "0", "-verbose", "1"]
            wall0, cpu0 = run_timed([a.fasttext] + base + ["-epoch", "0", "-output", out + ".e0"], log + ".e0")
            wall, cpu = run_timed([a.fasttext] + base + ["-epoch", str(it), "-output", out], log)
            for suffix in (".e0.bin", ".e0.vec", ".bin"):
                if os.path.exists(out + suffix):
                    os.unlink(out + suffix)
            os.replace(out + ".vec", out)
            return wall - wall0, cpu - cpu0
        if tool == "gensim":
            cmd = ["/usr/bin/python3", "-c", GENSIM, a.corpus, out, str(size),
                   str(h["window"]), str(h["negative"]), str(h["sample"]),
                   str(h["mincount"]), str(it), str(threads), str(h["alpha"])]
            run_timed(cmd, log)
            with open(log) as f:
                times = [l for l in f if l.startswith("TIMES")][-1].split()
            return float(times[1]), float(times[2])
        raise ValueError(tool)

    def evaluate(self, vectors):
        result = subprocess.run([self.args.mx_word2vec, "-eval", vectors,
                                 "-analogy", self.args.questions,
                                 "-wordsim", self.args.wordsim],
                                check=True, capture_output=True, text=True).stdout
        analogy = wordsim = None
        for line in result.splitlines():
            if line.startswith("analogy:"):
                parts = line.split()
                analogy = (float(parts[1].rstrip("%")), float(parts[6].rstrip("%")),
                           float(parts[8].rstrip("%;")))
            if line.startswith("wordsim:"):
                wordsim = float(line.split()[2])
        return analogy, wordsim


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", required=True)
    p.add_argument("--quality-corpus", help="corpus for the quality runs (default --corpus)")
    p.add_argument("--mx-word2vec", required=True)
    p.add_argument("--word2vec-c", required=True)
    p.add_argument("--fasttext", default="/usr/bin/fasttext")
    p.add_argument("--questions", required=True)
    p.add_argument("--wordsim", required=True)
    p.add_argument("--tools", default="mx-word2vec-fp32,mx-word2vec-bf16,word2vec.c,gensim,fasttext")
    p.add_argument("--sizes", default="100,300")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--iter", type=int, default=1, help="iterations of the speed runs")
    p.add_argument("--quality-iter", type=int, default=3)
    p.add_argument("--quality-threads", type=int, default=2)
    p.add_argument("--no-quality", action="store_true")
    p.add_argument("--no-speed", action="store_true")
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--negative", type=int, default=5)
    p.add_argument("--sample", default="1e-4")
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--alpha", default="0.025")
    p.add_argument("--workdir", default=None)
    args = p.parse_args()
    tools = args.tools.split(",")

    if not args.no_quality:
        qargs = argparse.Namespace(**vars(args))
        qargs.corpus = args.quality_corpus or args.corpus
        bench = Bench(qargs)
        print("\nQuality: %d words, -size 100 -iter %d -threads %d, window %d "
              "negative %d sample %s min-count %d" % (
                  bench.words, args.quality_iter, args.quality_threads,
                  args.window, args.negative, args.sample, args.min_count))
        print("| tool | analogy % (sem / syn) | WS-353 rho | words/s | words/CPU-s |")
        print("|---|---|---|---|---|")
        for tool in tools:
            out = os.path.join(bench.work, "q-%s.bin" % tool)
            wall, cpu = bench.run(tool, 100, args.quality_threads, args.quality_iter, out)
            (acc, sem, syn), rho = bench.evaluate(out)
            n = bench.words * args.quality_iter
            print("| %s | %.2f (%.2f / %.2f) | %.3f | %.0f | %.0f |" % (
                tool, acc, sem, syn, rho, n / wall, n / cpu), flush=True)

    if not args.no_speed:
        bench = Bench(args)
        print("\nSpeed: %d words x %d iterations, medians of %d rounds "
              "(round-robin), window %d negative %d sample %s min-count %d"
              % (bench.words, args.iter, args.rounds, args.window,
                 args.negative, args.sample, args.min_count))
        results = {}
        configs = [(int(s), int(t)) for s in args.sizes.split(",")
                   for t in args.threads.split(",")]
        for r in range(args.rounds):
            for size, threads in configs:
                for tool in tools:
                    out = os.path.join(bench.work, "s-%s.bin" % tool)
                    wall, cpu = bench.run(tool, size, threads, args.iter, out)
                    results.setdefault((size, threads, tool), []).append((wall, cpu))
                    print("round %d size %d threads %d %-18s train %.2f s, "
                          "cpu %.2f s" % (r + 1, size, threads, tool, wall, cpu),
                          file=sys.stderr, flush=True)
        n = bench.words * args.iter
        print("| size | threads | tool | words/s | words/CPU-s | par | x word2vec.c (CPU) | x gensim (CPU) |")
        print("|---|---|---|---|---|---|---|---|")
        for size, threads in configs:
            med = {}
            for tool in tools:
                runs = results[(size, threads, tool)]
                med[tool] = (statistics.median(n / w for w, c in runs),
                             statistics.median(n / c for w, c in runs),
                             statistics.median(c / w for w, c in runs))
            for tool in tools:
                wps, wpc, par = med[tool]
                ratio = lambda peer: ("%.2f" % (wpc / med[peer][1])) if peer in med else "-"
                print("| %d | %d | %s | %.0f | %.0f | %.2f | %s | %s |" % (
                    size, threads, tool, wps, wpc, par, ratio("word2vec.c"),
                    ratio("gensim")), flush=True)


if __name__ == "__main__":
    main()
