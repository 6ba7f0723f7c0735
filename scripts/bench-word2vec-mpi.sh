#!/usr/bin/env bash
# Benchmarks mx-word2vec's MPI mode on this machine (docs/word2vec.md, "MPI
# mode"): words/s of one process against 1 and 2 MPI ranks, each with one
# compute thread, the all-reduce share of the training time (rank 0's "mpi:"
# summary line), and the all-reduce cost per MB (mx-word2vec
# -mpi-allreduce-bench), the inputs of the scaling model.
#
#   scripts/bench-word2vec-mpi.sh [--words N] [--rounds R] [--size D]
#                                 [--sync-period S] [--bench-mb "1 4 16 64"]
#
# The corpus is the first N words (1,000,000) of the benchmark corpus
# (scripts/corpus/bench-corpus.sh, built on demand); the vocabulary is
# counted once and given with -read-vocab, so every run times training
# only. Runs are interleaved round-robin, R rounds (3), medians reported.
# words/s and CPU-s are the tool's own figures: from reading the corpus
# shards to the end of the final sync (JIT compilation and mpirun start-up
# excluded; all ranks' CPU time summed). On a shared machine the per-CPU
# rate is the robust one. Prints markdown tables.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MX_BUILD_DIR:-$root/build}
cache=${MX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mxir}
words=1000000
rounds=3
size=100
period=0.1
bench_mb="1 4 16 64"
while [ $# -gt 0 ]; do
  case "$1" in
    --words) words=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --sync-period) period=$2; shift 2 ;;
    --bench-mb) bench_mb=$2; shift 2 ;;
    *) echo "bench-word2vec-mpi: error: unknown option $1" >&2; exit 1 ;;
  esac
done

command -v mpirun >/dev/null ||
  { echo "bench-word2vec-mpi: error: no mpirun (scripts/setup.sh installs openmpi-bin)" >&2; exit 1; }
[ -x "$build/bin/mx-word2vec" ] || "$root/scripts/build.sh" mx-word2vec
w2v=$build/bin/mx-word2vec

# Open MPI on one host: shared memory, no core binding (the cores are
# shared with other work), root allowed, idle ranks yield.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_hwloc_base_binding_policy=none
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
mpirun=(mpirun --oversubscribe)

corpus=$cache/corpus/bench.txt
[ -f "$corpus" ] || "$root/scripts/corpus/bench-corpus.sh" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Whole lines of 1000 words.
head -n $(( (words + 999) / 1000 )) "$corpus" > "$work/corpus.txt"
"$w2v" -train "$work/corpus.txt" -save-vocab "$work/vocab" -min-count 5 \
  -iter 1 -threads 1 -debug 0 -size 8 >/dev/null
common=(-train "$work/corpus.txt" -read-vocab "$work/vocab" -size "$size"
        -window 5 -negative 5 -sample 1e-4 -min-count 5 -iter 1 -threads 1
        -debug 1)

run() { # name, command...: appends "name words/s words/CPU-s share%" to results
  local name=$1; shift
  "$@" 2> "$work/log" >/dev/null
  awk -v name="$name" '
    /^summary:/ { for (i = 1; i <= NF; ++i) {
                    if ($i == "words/s,") rate = $(i - 1)
                    if ($i == "per" && $(i + 1) == "CPU-second;") cpu = $(i - 2) } }
    /^mpi:/     { for (i = 1; i <= NF; ++i) {
                    if ($i == "=" && share == "") share = $(i + 1)
                    if ($i == "thread" && $(i + 1) == "CPU") thread = $(i + 5) } }
    END { if (share == "") share = "-"; else sub("%", "", share)
          if (thread == "") thread = "-"; else sub("%", "", thread)
          if (name == "1-process") print cpu >> "'"$work/rate"'"
          print name, rate, cpu, share, thread }' "$work/log" >> "$work/results"
}

: > "$work/results"
: > "$work/rate"
for r in $(seq "$rounds"); do
  run "1-process" "$w2v" "${common[@]}"
  run "mpi-1-rank" "${mpirun[@]}" -np 1 "$w2v" "${common[@]}" -sync-period "$period"
  run "mpi-2-ranks" "${mpirun[@]}" -np 2 "$w2v" "${common[@]}" -sync-period "$period"
done

echo "### mx-word2vec MPI mode: $(wc -w < "$work/corpus.txt") words x 1 iteration, -size $size, 1 compute thread per rank, -sync-period $period, medians of $rounds"
echo
echo "| run | words/s | words/CPU-s | par | allreduce share of computing (wall) | sync thread share of CPU | words/s x 1-process | words/CPU-s x 1-process |"
echo "|---|---|---|---|---|---|---|---|"
awk '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; ++i) for (j = i + 1; j <= n; ++j)
      if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { rate[$1] = rate[$1] " " $2; cpu[$1] = cpu[$1] " " $3; share[$1] = share[$1] " " $4
    thread[$1] = thread[$1] " " $5
    if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
  END {
    base = median(rate["1-process"]); cpubase = median(cpu["1-process"])
    for (i = 1; i <= n; ++i) {
      k = order[i]; s = (share[k] ~ /-/) ? "-" : sprintf("%.1f%%", median(share[k]))
      t = (thread[k] ~ /-/) ? "-" : sprintf("%.1f%%", median(thread[k]))
      printf "| %s | %.0f | %.0f | %.2f | %s | %s | %.2f | %.2f |\n", k, median(rate[k]), median(cpu[k]), median(rate[k]) / median(cpu[k]), s, t, median(rate[k]) / base, median(cpu[k]) / cpubase
    }
  }' "$work/results"

echo
echo "### MPI_Allreduce (float sum, 2 ranks, one host), median of 10"
echo
echo "| MB | seconds | s per MB | MB/s |"
echo "|---|---|---|---|"
for mb in $bench_mb; do
  "${mpirun[@]}" -np 2 "$w2v" -mpi-allreduce-bench "$mb" |
    awk '/^allreduce:/ { for (i = 1; i <= NF; ++i) { if ($i == "median") s = $(i + 1)
                                                      if ($i == "per") per = substr($(i - 2), 2)
                                                      if ($i == "MB/s)") bw = $(i - 1) }
                         printf "| %s | %s | %s | %s |\n", "'"$mb"'", s, per, bw
                         print per > "'"$work/per-mb"'" }'
done

# Latency: a 1 KB all-reduce of 2 ranks is about two ring steps.
latency=$("${mpirun[@]}" -np 2 "$w2v" -mpi-allreduce-bench 0.001 |
  awk '/^allreduce:/ { for (i = 1; i <= NF; ++i) if ($i == "median") print $(i + 1) / 2 }')
echo
echo "1 KB all-reduce: per-step latency alpha = $latency s (half the median)"

# The scaling model (docs/word2vec.md): P nodes of one compute thread at
# the measured rate r (one process's words per CPU-second: what a
# dedicated core does, whatever the load of this machine); a ring all-reduce of B MB costs 2 (P-1) (alpha +
# B / P x beta), beta = the s/MB of the largest message above (at P = 2 the
# bandwidth term is B x beta); per round the word counts (latency only)
# and the sub-model schedule's mean rows per round over one cycle, both
# tables.
vocab_rows=$(wc -l < "$work/vocab")
rate=$(sort -n "$work/rate" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
beta=$(cat "$work/per-mb")
model() { # rows, dim: per round k of one schedule cycle, t_k = the two
  # all-reduces, the round lasts max(period, t_k); r scales as 1/dim from
  # the measured -size.
  local r_dim
  r_dim=$(awk -v r="$rate" -v d="$2" -v d0="$size" 'BEGIN { printf "%.0f", r * d0 / d }')
  echo
  echo "### Scaling model: V = $1 rows, -size $2, -min-sync-words 1024, -sync-period $period, r = $r_dim words/s per compute thread, alpha = $latency s, beta = $beta s/MB"
  echo
  echo "| nodes | words/s (P r) | mean MB per round | full sync (s) | mean round (s) | comm thread busy | full-vocabulary sync every (s) |"
  echo "|---|---|---|---|---|---|---|"
  awk -v V="$1" -v d="$2" -v period="$period" -v r="$r_dim" -v beta="$beta" -v alpha="$latency" '
    function cost(P, mb) { return 2 * (P - 1) * (2 * alpha + mb / P * beta) }
    BEGIN {
      m = 1024; L = 1; while (m * L < V) L *= 2
      for (P = 2; P <= 32; P *= 2) {
        total = 0; busy = 0; volume = 0
        for (k = 1; k <= L; ++k) {
          s = m; for (j = k; j % 2 == 0 && s < V; j /= 2) s *= 2
          mb = 2 * (s < V ? s : V) * d * 4 / 1048576
          t = cost(P, mb)
          total += (t > period ? t : period); busy += t; volume += mb
        }
        printf "| %d | %.0f | %.2f | %.4f | %.3f | %.0f%% | %.2f |\n", P, P * r, volume / L, cost(P, 2 * V * d * 4 / 1048576), total / L, 100 * busy / total, total
      }
    }'
}
model "$vocab_rows" "$size"
model 1000000 300
