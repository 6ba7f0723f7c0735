#!/usr/bin/env bash
# The main job: installs dependencies, builds, and runs mxir: the word2vec
# training step (the HogBatch SGNS update) built by mx-compile, JIT-compiled
# for this CPU, checked against the C++ reference and timed; and the bundled
# examples: parse and print MX IR, then lower it and execute it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MX_BUILD_DIR:-$root/build}

"$root/scripts/setup.sh"
"$root/scripts/build.sh" mx-opt mx-compile
echo "== mx-opt examples/quantize.mlir (parsed, verified, printed)"
"$build/bin/mx-opt" "$root/examples/quantize.mlir"
echo "== examples/quantize-and-print.mlir lowered with mx-to-llvm and run by mlir-runner"
"$build/bin/mx-opt" "$root/examples/quantize-and-print.mlir" --mx-to-llvm=target=host |
  /usr/lib/llvm-22/bin/mlir-runner -e main -entry-point-result=void \
    -shared-libs=/usr/lib/llvm-22/lib/libmlir_c_runner_utils.so
echo "== mx-compile --model=word2vec --run: the word2vec step (dim 100, batch 11, 5 negatives), JIT-compiled for this CPU"
"$build/bin/mx-compile" --model=word2vec --run
echo "== the same at dim 300 with BF16 GEMM operands and the K-TanH sigmoid"
"$build/bin/mx-compile" --model=word2vec --dim=300 --precision=bf16 --activations=ktanh --run
