#!/usr/bin/env python3
# ===- aarch64-mca.py - modeled speed of the AArch64 matmul kernels -----=== #
#
# Part of mxir.
#
# ===---------------------------------------------------------------------=== #
#
# There is no AArch64 machine here (qemu runs the code, but its timing means
# nothing), so this models the inner loops instead: each mx.matmul kernel of
# the table below is lowered with mx-to-llvm{target=aarch64-neon}, compiled
# for Armv8.6-A, and the basic block with the most multiply-accumulate
# instructions (the micro-kernel's loop over K blocks) goes through llvm-mca
# for several Neoverse cores. Printed per kernel and core: cycles per loop
# iteration, multiply-accumulate instructions per iteration, operations per
# cycle (2 per multiply-add), GOP/s per core at 3 GHz, and the fraction of
# the peak rate of that instruction on that core's model. A model, not a
# measurement: it assumes every load hits L1.
#
# Usage: scripts/aarch64-mca.py [--build build] [--cpus neoverse-v2,...]
#
# ===---------------------------------------------------------------------=== #

import argparse
import os
import re
import subprocess
import sys
import tempfile

LLVM_BIN = "/usr/lib/llvm-22/bin"

# Operations (2 per multiply-add) of one instruction.
OPS = {"smmla": 2 * 2 * 2 * 8, "bfmmla": 2 * 2 * 2 * 4, "bfmlalb": 2 * 4,
       "bfmlalt": 2 * 4, "fmla": 2 * 4}

# name, A format, B format, unordered, the instructions that count.
KERNELS = [
    ("MXINT8", "int8", "int8", False, ["smmla"]),
    ("MXFP4", "e2m1", "e2m1", False, ["smmla"]),
    ("MXFP8 E4M3", "e4m3", "e4m3", False, ["fmla"]),
    ("MXFP8 E4M3 unordered", "e4m3", "e4m3", True, ["bfmmla"]),
    ("bf16", "bf16", "bf16", False, ["bfmlalb", "bfmlalt"]),
    ("bf16 unordered", "bf16", "bf16", True, ["bfmmla"]),
]

M, K, N = 256, 2304, 196  # ResNet-50 conv4_x, batch 1


def kernel_mlir(fa, fb, unordered):
    """A destination-passing kernel (MX operands assembled from storage)."""
    attr = " unordered" if unordered else ""
    c = f"memref<{M}x{N}xf32>"
    tail = f"""  bufferization.materialize_in_destination %r in restrict writable %c
      : (tensor<{M}x{N}xf32>, {c}) -> ()
  return
}}
"""
    if fa == "bf16":
        return f"""func.func @mm(%a: memref<{M}x{K}xbf16>, %b: memref<{K}x{N}xbf16>,
              %c: {c}) {{
  %at = bufferization.to_tensor %a restrict : memref<{M}x{K}xbf16> to tensor<{M}x{K}xbf16>
  %bt = bufferization.to_tensor %b restrict : memref<{K}x{N}xbf16> to tensor<{K}x{N}xbf16>
  %ct = bufferization.to_tensor %c restrict writable : {c} to tensor<{M}x{N}xf32>
  %r = mx.matmul %at, %bt, %ct{attr}
      : tensor<{M}x{K}xbf16>, tensor<{K}x{N}xbf16> -> tensor<{M}x{N}xf32>
""" + tail
    bits = {"e2m1": 4, "e2m3": 6, "e3m2": 6}
    ae, be, kb = K * bits.get(fa, 8) // 8, K * bits.get(fb, 8) // 8, K // 32
    ta = f"!mx.tensor<{M}x{K}, {fa}, axis = 1>"
    tb = f"!mx.tensor<{K}x{N}, {fb}, axis = 0>"
    scale = "f8E8M0FNU"
    return f"""func.func @mm(%ae: memref<{M}x{ae}xi8>, %as: memref<{M}x{kb}x{scale}>,
              %be: memref<{be}x{N}xi8>, %bs: memref<{kb}x{N}x{scale}>,
              %c: {c}) {{
  %aet = bufferization.to_tensor %ae restrict : memref<{M}x{ae}xi8> to tensor<{M}x{ae}xi8>
  %ast = bufferization.to_tensor %as restrict : memref<{M}x{kb}x{scale}> to tensor<{M}x{kb}x{scale}>
  %bet = bufferization.to_tensor %be restrict : memref<{be}x{N}xi8> to tensor<{be}x{N}xi8>
  %bst = bufferization.to_tensor %bs restrict : memref<{kb}x{N}x{scale}> to tensor<{kb}x{N}x{scale}>
  %ct = bufferization.to_tensor %c restrict writable : {c} to tensor<{M}x{N}xf32>
  %a = mx.assemble %aet, %ast : tensor<{M}x{ae}xi8>, tensor<{M}x{kb}x{scale}> -> {ta}
  %b = mx.assemble %bet, %bst : tensor<{be}x{N}xi8>, tensor<{kb}x{N}x{scale}> -> {tb}
  %r = mx.matmul %a, %b, %ct{attr} : {ta}, {tb} -> tensor<{M}x{N}xf32>
""" + tail


def run(cmd, **kw):
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        sys.exit(f"aarch64-mca: {' '.join(cmd)} failed:\n{result.stderr}")
    return result.stdout


def hottest_loop(asm, mnemonics):
    """The body of the basic block with the most `mnemonics`, up to its
    branch back to itself."""
    blocks, label = {}, None
    for line in asm.splitlines():
        match = re.match(r"^(\.LBB[0-9_]+):", line)
        if match:
            label = match.group(1)
            blocks[label] = []
        elif label:
            blocks[label].append(line)
    pattern = re.compile(r"\s+(" + "|".join(mnemonics) + r")\b")

    def count(lines):
        return sum(1 for line in lines if pattern.match(line))

    best = max(blocks, key=lambda name: count(blocks[name]))
    body = []
    for line in blocks[best]:
        text = line.split("//")[0].rstrip()
        if not text.strip():
            continue
        body.append(text)
        if re.search(r"\b" + re.escape(best) + r"\b", text):
            break
    return body, count(body)


def model(body, cpu, mnemonics):
    with tempfile.NamedTemporaryFile("w", suffix=".s") as f:
        f.write("\n".join(body) + "\n")
        f.flush()
        out = run([f"{LLVM_BIN}/llvm-mca", "-mtriple=aarch64-linux-gnu",
                   f"-mcpu={cpu}", "-mattr=+bf16,+i8mm", "-iterations=200",
                   f.name])
    cycles = int(re.search(r"Total Cycles:\s+(\d+)", out).group(1)) / 200
    # RThroughput of the counted instructions (column 3 of the info table).
    rthroughput = None
    for line in out.splitlines():
        match = re.match(r"\s*\d+\s+\d+\s+([\d.]+)\s+(?:[*U]\s+)*(\w+)", line)
        if match and match.group(2) in mnemonics:
            rthroughput = float(match.group(1))
            break
    return cycles, rthroughput


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "build"))
    parser.add_argument("--cpus", default="neoverse-v1,neoverse-v2,neoverse-n2")
    args = parser.parse_args()
    mx_opt = os.path.join(args.build, "bin", "mx-opt")
    cpus = args.cpus.split(",")
    print(f"{M}x{K}x{N}, mx-to-llvm target=aarch64-neon, llvm-mca, 3 GHz")
    print("| kernel | core | cycles / iteration | MAC instructions | "
          "ops / cycle | GOP/s | of the instruction's peak |")
    print("|---|---|---|---|---|---|---|")
    for name, fa, fb, unordered, mnemonics in KERNELS:
        llvm_dialect = run([mx_opt, "-", "--mx-to-llvm=target=aarch64-neon"],
                           input=kernel_mlir(fa, fb, unordered))
        llvm_ir = run([f"{LLVM_BIN}/mlir-translate", "--mlir-to-llvmir"],
                      input=llvm_dialect)
        asm = run([f"{LLVM_BIN}/clang", "--target=aarch64-linux-gnu", "-O3",
                   "-march=armv8.6-a+bf16+i8mm", "-Wno-override-module",
                   "-x", "ir", "-", "-S", "-o", "-"], input=llvm_ir)
        body, macs = hottest_loop(asm, mnemonics)
        ops = sum(OPS[m] for line in body for m in mnemonics
                  if re.match(r"\s+" + m + r"\b", line))
        for cpu in cpus:
            cycles, rthroughput = model(body, cpu, mnemonics)
            per_cycle = ops / cycles
            if not rthroughput:
                sys.exit(f"aarch64-mca: no {mnemonics[0]} in llvm-mca's table")
            peak = OPS[mnemonics[0]] / rthroughput
            print(f"| {name} | {cpu} | {cycles:.1f} | {macs} | "
                  f"{per_cycle:.1f} | {per_cycle * 3:.0f} | "
                  f"{per_cycle / peak:.0%} |")


if __name__ == "__main__":
    main()
