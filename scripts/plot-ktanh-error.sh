#!/usr/bin/env bash
# Regenerates docs/ktanh-error.png: K-TanH's error against x beside MLIR's
# polynomial tanh, from the compiled benchmark kernels. Needs a build with
# mx-bench (./scripts/build.sh mx-bench) and gnuplot (Debian: gnuplot-nox).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MX_BUILD_DIR:-$root/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
clang++-22 -O2 -std=c++17 -fuse-ld=lld "$root/scripts/ktanh-error/error_table.cpp" \
  "$build/tools/mx-bench/KTanhKernels-host.o" -o "$tmp/error_table" -lm
"$tmp/error_table" > "$tmp/errors.dat"
gnuplot -c "$root/scripts/ktanh-error/plot.gp" "$tmp/errors.dat" \
  "$root/docs/ktanh-error.png"
echo "wrote $root/docs/ktanh-error.png"
