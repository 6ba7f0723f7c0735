#!/usr/bin/env python3
# ===- gen_kernels.py - mx.matmul unordered (AMX) test kernels -----------=== #
#
# Part of mxir.
#
# ===---------------------------------------------------------------------=== #
#
# Writes one MLIR module and a C++ header (the kernel table of
# Inputs/check_amx_matmul.cpp). Every configuration gets two
# destination-passing kernels of the same product: `<name>_u` with
# `mx.matmul ... unordered` (AMX tiles on x86-64-amx, bfmmla on
# aarch64-neon) and `<name>_o` without it (the ordered kernel), so the
# checker can compare the two. MX kernels
# take five rank-2 memrefs (A elements, A scales, B elements, B scales, C
# in/out), bf16 kernels three (A, B, C in/out; C out only for the `_z`
# kernels, whose accumulator is a zero fill). Configurations with constant
# operands (ca, cb) ignore the memrefs of that operand and use storage
# constants (MX: random codes and scales; bf16: random values; also written
# to the header for the checker), which both lowerings pack at compile
# time.
#
# Usage: gen_kernels.py --mlir OUT.mlir --header OUT.h [--mmla]
#
# --mmla keeps the products of at most MMLA_MACS multiply-adds: the larger
# ones exercise the AMX lowering's K split, slabs and ring slots, which the
# AArch64 mmla kernel does not have (it packs whole lines, with no K
# chunks), and took 20 of the 22 minutes of aarch64-neon.test under qemu.
#
# ===---------------------------------------------------------------------=== #

import argparse
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "Inputs"))
from mx_kernels import REF, Random, cfg, constant_refs, mx_kernel, name_of, \
    write_constants  # noqa: E402

rand = Random(0x2545F4914F6CDD1D)


def configurations():
    cfgs = []
    # Every FP8/E3M2 pair kind, FP4 x FP8 and INT8 x FP8, on a shape that is
    # no multiple of the 16 x 16 tile or the 32 x 32 block.
    for fa, fb in [("e4m3", "e4m3"), ("e5m2", "e5m2"), ("e3m2", "e3m2"),
                   ("e4m3", "e5m2"), ("e2m1", "e4m3"), ("e4m3", "e2m1"),
                   ("int8", "e4m3"), ("e2m3", "e3m2")]:
        cfgs.append(cfg(fa, fb, 37, 96, 45))
    # Shapes: one element, one tile, one block, a block plus one row and
    # column, partial tails of one and two tiles, K over one cache chunk.
    for m, k, n in [(1, 32, 1), (16, 32, 16), (32, 64, 32), (33, 96, 47),
                    (17, 160, 70), (48, 64, 16), (64, 576, 96),
                    (50, 1024, 45), (96, 64, 200)]:
        cfgs.append(cfg("e4m3", "e4m3", m, k, n))
        cfgs.append(cfg("e2m1", "e4m3", m, k, n))
    # B stored K x N is decoded inside the parallel loop (as bf16 B is
    # packed); with A over 512 KiB packed, K is split in halves: a partial
    # panel and partial rows (130x2112x100), one whole panel and a partial
    # one (300x1024x40), two slabs and a partial panel (130x2112x260); A is
    # decoded per half of K by the first item that needs it.
    cfgs.append(cfg("e4m3", "e2m1", 130, 2112, 100))
    cfgs.append(cfg("e2m1", "e4m3", 300, 1024, 40))
    cfgs.append(cfg("e4m3", "e4m3", 130, 2112, 260))
    # Block sizes 16, 64 and an odd one (K not a multiple of 32).
    cfgs.append(cfg("e4m3", "e3m2", 19, 64, 20, block=16))
    cfgs.append(cfg("e5m2", "e4m3", 19, 128, 20, block=64))
    cfgs.append(cfg("e4m3", "e5m2", 9, 27, 20, block=3))
    cfgs.append(cfg("e3m2", "e2m1", 9, 96, 33, block=12))
    # Transposed storage.
    for fa, fb in [("e4m3", "e2m3"), ("e2m1", "e4m3"), ("e3m2", "e5m2")]:
        cfgs.append(cfg(fa, fb, 37, 96, 45, ta=True))
        cfgs.append(cfg(fa, fb, 37, 96, 45, tb=True))
        cfgs.append(cfg(fa, fb, 37, 96, 45, ta=True, tb=True))
    # Constant operands (quantized weights), packed at compile time.
    cfgs.append(cfg("e4m3", "e2m1", 37, 96, 45, cb=True))
    cfgs.append(cfg("e2m1", "e4m3", 37, 96, 45, ca=True, tb=True))
    cfgs.append(cfg("e5m2", "e3m2", 19, 64, 33, ca=True, cb=True, ta=True))
    # bf16 x bf16 (K any size). B is packed inside the parallel loop in
    # slabs of whole panels, a partial last panel in two row ranges of its
    # own: only a partial panel (100x1000x20, 33x33x17), one whole panel
    # split into two row ranges and a partial one (37x70x45), two slabs and
    # the partial panel in two items (64x256x100) or, with one row block,
    # in one (20x96x80), nine slabs of 3 or 4 panels (48x576x1000), K over
    # three chunks with a partial last K tile (33x1537x70), a last row block
    # of one whole tile (48x64x40); with A larger than the L2 budget
    # (1600x1024x40) B is packed once up front instead. A of whole tiles
    # (16x32x16, 32x64x32, 64x256x100, 48x576x1000, 48x64x40) is read in
    # place when it starts on a cache line and packed otherwise: the
    # checker runs every bf16 kernel with A on a line and 16 bytes off.
    # With A over 512 KiB
    # each unit (a slab or the partial panel) is two items, one per half
    # of K: a partial last K tile and rows (130x2100x100), an odd K tile
    # count and no partial panel (260x1040x64), only a partial panel
    # (300x1000x20), all with A packed into a ring slot per K chunk; two
    # slabs and a partial panel, A packed per half (130x2100x300).
    for m, k, n in [(1, 1, 1), (5, 7, 3), (16, 32, 16), (37, 70, 45),
                    (32, 64, 32), (33, 33, 17), (64, 256, 100),
                    (20, 96, 80), (48, 513, 50), (100, 1000, 20),
                    (48, 576, 1000), (33, 1537, 70), (48, 64, 40),
                    (130, 2100, 100), (260, 1040, 64), (300, 1000, 20),
                    (130, 2100, 300), (1600, 1024, 40)]:
        cfgs.append(cfg("bf16", "bf16", m, k, n))
    # C = A B: the accumulator is a zero fill, which the AMX path writes
    # without reading (the checker passes NaN in C). Fused packing with
    # partial tiles, slabs, K over three chunks, K split in halves (one
    # whole panel and a partial one; two slabs and a partial panel);
    # separate packing with two K chunks and a partial column tail.
    for m, k, n in [(37, 70, 45), (48, 576, 1000), (33, 1537, 70),
                    (300, 1000, 40), (256, 2304, 196), (1600, 1024, 40)]:
        cfgs.append(cfg("bf16", "bf16", m, k, n, zero=True))
    # Constant bf16 operands (weights that mx-bf16 rounded), packed at
    # compile time: B (packed up front instead of in the parallel loop; a
    # partial panel and tiles, K over three chunks), A (packed, not read
    # in place), both with a zero fill.
    cfgs.append(cfg("bf16", "bf16", 37, 70, 45, cb=True))
    cfgs.append(cfg("bf16", "bf16", 33, 1537, 70, cb=True))
    cfgs.append(cfg("bf16", "bf16", 64, 256, 100, ca=True))
    cfgs.append(cfg("bf16", "bf16", 48, 576, 200, ca=True, cb=True,
                    zero=True))
    return cfgs


def mx_unordered_kernel(c, name, unordered):
    return mx_kernel(c, name, rand, " unordered" if unordered else "")


def random_bf16():
    """A normal bf16 (bits), |x| in [2^-8, 2^8) (as the checker's)."""
    return rand(2) << 15 | (127 - 8 + rand(16)) << 7 | rand(128)


def bf16_operand(c, side, shape):
    """The tensor of operand `side`: its memref, or for a constant operand
    a constant (the same values for both kernels of the configuration,
    kept in c["bf16"] for the header)."""
    if not c["c" + side]:
        return ("%%%st = bufferization.to_tensor %%%s restrict : memref<%s> "
                "to tensor<%s>" % (side, side, shape, shape))
    rows, cols = map(int, shape.split("x")[:2])
    constants = c.setdefault("bf16", {})
    if side not in constants:
        constants[side] = [random_bf16() for _ in range(rows * cols)]
    values = constants[side]
    blob = struct.pack("<%dH" % len(values), *values).hex()
    return "%%%st = arith.constant dense<\"0x%s\"> : tensor<%s>" % (
        side, blob, shape)


def bf16_kernel(c, name, unordered):
    m, k, n = c["m"], c["k"], c["n"]
    at, bt, cc = "%dx%dxbf16" % (m, k), "%dx%dxbf16" % (k, n), "%dx%dxf32" % (m, n)
    attrs = " unordered" if unordered else ""
    acc = "%ct"
    fill = ""
    if c["zero"]:
        acc = "%zero"
        fill = f"""  %f0 = arith.constant 0.0 : f32
  %zero = linalg.fill ins(%f0 : f32) outs(%ct : tensor<{cc}>) -> tensor<{cc}>
"""
    return f"""
func.func @{name}(%a: memref<{at}>, %b: memref<{bt}>, %c: memref<{cc}>)
    attributes {{llvm.emit_c_interface}} {{
  {bf16_operand(c, "a", at)}
  {bf16_operand(c, "b", bt)}
  %ct = bufferization.to_tensor %c restrict writable : memref<{cc}> to tensor<{cc}>
{fill}  %r = mx.matmul %at, %bt, {acc}{attrs} : tensor<{at}>, tensor<{bt}> -> tensor<{cc}>
  bufferization.materialize_in_destination %r in restrict writable %c
      : (tensor<{cc}>, memref<{cc}>) -> ()
  return
}}
"""


def bf16_refs(c):
    """The kernel-table entries A and B bf16 values: the header arrays of
    constant bf16 operands, else nullptr."""
    return ["%s_%s_bf16" % (name_of(c), side) if side in c.get("bf16", {})
            else "nullptr" for side in ("a", "b")]


MMLA_MACS = 6 << 20


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mlir", required=True)
    parser.add_argument("--header", required=True)
    parser.add_argument("--mmla", action="store_true")
    args = parser.parse_args()
    cfgs = [c for c in configurations()
            if not args.mmla or c["m"] * c["k"] * c["n"] <= MMLA_MACS]
    for c in cfgs:
        c["data"] = {}
    with open(args.mlir, "w") as f:
        for c in cfgs:
            gen = bf16_kernel if c["fa"] == "bf16" else mx_unordered_kernel
            f.write(gen(c, name_of(c) + "_u", True))
            f.write(gen(c, name_of(c) + "_o", False))
    with open(args.header, "w") as f:
        f.write("// Generated by gen_kernels.py.\n")
        # Codes and scales of the constant MX operands, values of the
        # constant bf16 ones.
        write_constants(f, cfgs)
        for c in cfgs:
            for side, values in sorted(c.get("bf16", {}).items()):
                f.write("static const uint16_t %s_%s_bf16[] = {%s};\n" % (
                    name_of(c), side, ", ".join(map(str, values))))
        for c in cfgs:
            for v in ("u", "o"):
                if c["fa"] == "bf16":
                    f.write("extern \"C\" void _mlir_ciface_%s_%s(MemRef2D *, "
                            "MemRef2D *, MemRef2D *);\n" % (name_of(c), v))
                else:
                    f.write("extern \"C\" void _mlir_ciface_%s_%s(MemRef2D *, "
                            "MemRef2D *, MemRef2D *, MemRef2D *, MemRef2D *);\n"
                            % (name_of(c), v))
        f.write("static const AmxKernel kKernels[] = {\n")
        for c in cfgs:
            bf = c["fa"] == "bf16"
            fa = "E4M3" if bf else REF[c["fa"]]
            fb = "E4M3" if bf else REF[c["fb"]]
            fns = ("nullptr, nullptr, _mlir_ciface_%s_u, _mlir_ciface_%s_o" if bf
                   else "_mlir_ciface_%s_u, _mlir_ciface_%s_o, nullptr, nullptr") % (
                name_of(c), name_of(c))
            f.write("    {\"%s\", %s, mx::ref::Format::%s, mx::ref::Format::%s, "
                    "%d, %d, %d, %d, %s, %s, %s, %s, %s},\n"
                    % (name_of(c), "true" if bf else "false", fa, fb, c["m"],
                       c["k"], c["n"], c["block"],
                       "true" if c["ta"] else "false",
                       "true" if c["tb"] else "false",
                       "true" if c["zero"] else "false", fns,
                       ", ".join(constant_refs(c) + bf16_refs(c))))
        f.write("};\n")


main()
