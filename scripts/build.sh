#!/usr/bin/env bash
# Configures (once) and builds mxir in build/ with clang-22, Ninja, ccache,
# lld and libMLIR.so. Extra arguments go to ninja (e.g. a target name).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MX_BUILD_DIR:-$root/build}

werror=OFF
[ "${CI:-}" = "true" ] && werror=ON

if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DLLVM_USE_LINKER=lld \
    -DMLIR_LINK_MLIR_DYLIB=ON \
    -DMX_ENABLE_WERROR=$werror
fi
ninja -C "$build" "$@"
