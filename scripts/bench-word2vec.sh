#!/usr/bin/env bash
# Benchmarks mx-word2vec against word2vec.c, gensim and fastText on the
# benchmark corpus (scripts/corpus/bench-corpus.sh), same hyperparameters,
# same threads, tools run in turn. The peers are installed here, at
# benchmark time, and never committed: word2vec.c is built from the sources
# in the npm package `word2vec`, gensim and fastText come from Debian.
#
#   scripts/bench-word2vec.sh [--words N] [--quality-words N] [bench-word2vec.py options]
#
# --words N cuts the speed corpus to its first N words (whole lines of
# 1000), --quality-words the one of the quality runs (default: all).
# Everything else goes to scripts/bench-word2vec.py (--sizes, --threads,
# --rounds, --tools, --no-quality, ...). Prints markdown tables.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MX_BUILD_DIR:-$root/build}
cache=${MX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mxir}
data=${MX_W2V_DATA:-$(cd "$root/.." && pwd)/shared/data}
word2vec_version=1.1.5

words=0
quality_words=0
rest=()
while [ $# -gt 0 ]; do
  case "$1" in
    --words) words=$2; shift 2 ;;
    --quality-words) quality_words=$2; shift 2 ;;
    *) rest+=("$1"); shift ;;
  esac
done

for f in questions-words.txt wordsim353.tsv; do
  [ -f "$data/$f" ] || { echo "bench: error: $data/$f missing (set MX_W2V_DATA)" >&2; exit 1; }
done
[ -x "$build/bin/mx-word2vec" ] || "$root/scripts/build.sh" mx-word2vec

# Peers from Debian.
missing=()
for pkg in python3-gensim fasttext; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# word2vec.c from the npm package's sources, built as its makefile does.
w2v_npm=$cache/npm-word2vec
w2v_src=$w2v_npm/node_modules/word2vec/src
if [ ! -f "$w2v_src/word2vec.c" ] || ! grep -q "\"version\": \"$word2vec_version\"" "$w2v_npm/node_modules/word2vec/package.json"; then
  mkdir -p "$w2v_npm"
  npm install --prefix "$w2v_npm" --no-save --no-audit --no-fund --no-package-lock \
    --ignore-scripts "word2vec@$word2vec_version" >&2
fi
w2v_bin=$cache/bin/word2vec
if [ ! -x "$w2v_bin" ] || [ "$w2v_src/word2vec.c" -nt "$w2v_bin" ]; then
  mkdir -p "$cache/bin"
  gcc -O3 -march=native -funroll-loops -Wno-unused-result -pthread \
    "$w2v_src/word2vec.c" -o "$w2v_bin.tmp" -lm
  mv "$w2v_bin.tmp" "$w2v_bin"
fi

corpus=$cache/corpus/bench.txt
[ -f "$corpus" ] || "$root/scripts/corpus/bench-corpus.sh" "$corpus" >&2
cut_corpus() { # words -> path
  if [ "$1" -eq 0 ]; then echo "$corpus"; return; fi
  local out=$cache/corpus/bench-$1.txt
  [ -f "$out" ] || { head -n $(( $1 / 1000 )) "$corpus" > "$out.tmp" && mv "$out.tmp" "$out"; }
  echo "$out"
}
speed_corpus=$(cut_corpus "$words")
quality_corpus=$(cut_corpus "$quality_words")

workdir=$(mktemp -d "${TMPDIR:-/tmp}/bench-word2vec.XXXXXX")
trap 'rm -rf "$workdir"' EXIT
/usr/bin/python3 "$root/scripts/bench-word2vec.py" \
  --corpus "$speed_corpus" --quality-corpus "$quality_corpus" \
  --mx-word2vec "$build/bin/mx-word2vec" --word2vec-c "$w2v_bin" \
  --questions "$data/questions-words.txt" --wordsim "$data/wordsim353.tsv" \
  --workdir "$workdir" "${rest[@]}"
