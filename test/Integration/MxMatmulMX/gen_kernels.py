#!/usr/bin/env python3
# ===- gen_kernels.py - block-scaled mx.matmul test kernels --------------=== #
#
# Part of mxir.
#
# ===---------------------------------------------------------------------=== #
#
# Writes one MLIR module with a destination-passing kernel per configuration
# below (mx.matmul of two MX tensors assembled from storage buffers, added to
# an f32 accumulator) and a C++ header with the kernel table that
# Inputs/check_mx_matmul.cpp reads. Every kernel takes five rank-2 memref
# descriptors: A elements, A scales, B elements, B scales, C (in/out).
# Configurations with constant operands (ca, cb) ignore the memrefs of that
# operand and use storage constants (random codes and scales, written to the
# header for the checker), which the lowering packs at compile time.
#
# Usage: gen_kernels.py --mlir OUT.mlir --header OUT.h [--quick] [--parallel]
#                       [--only SUBSTRING]
#
# --quick keeps QUICK, a subset that still covers every code path (each
# decode, both dot paths, edge tiles, padded and odd blocks, transposes),
# for the slower generic and emulated targets; --parallel keeps PARALLEL.
#
# ===---------------------------------------------------------------------=== #

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "Inputs"))
from mx_kernels import REF, Random, cfg, constant_refs, mx_kernel, name_of, \
    write_constants  # noqa: E402

rand = Random(0x9E3779B97F4A7C15)


def configurations():
    cfgs = []
    # Every integer pair (the exact int32 path) on a shape that is not a
    # multiple of the 6-row tile, the 32-column panel, or 16 lanes.
    ints = ["int8", "e2m1", "e2m3"]
    for fa in ints:
        for fb in ints:
            cfgs.append(cfg(fa, fb, 13, 96, 37))
    # Floating-point pairs (the bf16 path), including mixed ones.
    for fa, fb in [("e4m3", "e4m3"), ("e5m2", "e5m2"), ("e3m2", "e3m2"),
                   ("e4m3", "e5m2"), ("e4m3", "e2m1"), ("e2m1", "e5m2"),
                   ("int8", "e4m3"), ("e3m2", "int8"), ("e2m3", "e3m2")]:
        cfgs.append(cfg(fa, fb, 13, 96, 37))
    # Shapes: single element, exact tiles, a row tile and a panel plus one,
    # a narrow last panel (<= 16 columns), a wide one, M < 6, one block.
    for m, k, n in [(1, 32, 1), (6, 64, 32), (7, 32, 33), (12, 128, 64),
                    (5, 64, 17), (19, 160, 70), (2, 32, 48), (24, 256, 100)]:
        cfgs.append(cfg("int8", "int8", m, k, n))
        cfgs.append(cfg("e4m3", "e2m1", m, k, n))
    cfgs.append(cfg("e2m1", "e2m1", 31, 512, 45))
    cfgs.append(cfg("e5m2", "e4m3", 31, 512, 45))
    # A long K (50 blocks, a B panel larger than L1) with groups of several
    # row tiles in one parallel iteration, and every edge tile.
    cfgs.append(cfg("int8", "int8", 103, 1600, 37))
    cfgs.append(cfg("e4m3", "e2m1", 31, 1600, 45))
    # C larger than the caches (2 MiB, 32 x 16500): each row tile sweeps a
    # group of panels (int8: all 515; e4m3 x e2m1: 512, then 3).
    cfgs.append(cfg("int8", "int8", 32, 8, 16500, block=4))
    cfgs.append(cfg("e4m3", "e2m1", 32, 8, 16500, block=4))
    # K chunks (a packed B panel over 96 KiB): integer pairs at K = 3136
    # (three chunks of 1024 in a loop, then 64), transposed and constant
    # operands (unrolled chunks, constants sliced at compile time), FP6
    # (three bytes per four positions); floating-point pairs at K = 1100
    # with blocks of 4 (1024, then 76) and at K = 3200 (AArch64 splits
    # these too).
    cfgs.append(cfg("int8", "e2m1", 5, 3136, 21))
    cfgs.append(cfg("int8", "int8", 6, 3104, 33, ta=True, cb=True))
    cfgs.append(cfg("e2m3", "int8", 7, 3104, 20, tb=True, ca=True))
    cfgs.append(cfg("e4m3", "e5m2", 3, 1100, 9, block=4))
    cfgs.append(cfg("e4m3", "e2m1", 3, 3200, 9, tb=True))
    # Rows split between the workers (16 row tiles or more, packed B of at
    # most 1 MiB): each packs its row tiles of A and its own copy of B. A
    # last row tile of one row, exact tiles on the floating-point path,
    # transposed A, transposed B with a partial panel (zero-filled per
    # worker) and a constant A, a constant B.
    cfgs.append(cfg("int8", "int8", 97, 64, 37))
    cfgs.append(cfg("e4m3", "e2m1", 96, 96, 70))
    cfgs.append(cfg("e2m1", "e2m3", 100, 96, 37, ta=True))
    cfgs.append(cfg("int8", "int8", 98, 64, 33, tb=True, ca=True))
    cfgs.append(cfg("e2m3", "int8", 97, 64, 37, cb=True))
    # Fewer row tiles and 16 panels or more (packed A of at most 1 MiB):
    # panels split between the workers, each packing its own copy of A and
    # its own panels of B. A last panel of 8 columns and a last row
    # tile of 2 rows, whole panels and tiles on the floating-point path,
    # transposed B with a partial panel (zero-filled by its worker), constant
    # A, constant B, and a fill accumulator.
    cfgs.append(cfg("int8", "int8", 20, 64, 520))
    cfgs.append(cfg("e4m3", "e2m1", 12, 96, 512))
    cfgs.append(cfg("int8", "e2m1", 20, 64, 520, tb=True))
    cfgs.append(cfg("e2m3", "int8", 20, 64, 520, ca=True))
    cfgs.append(cfg("e4m3", "int8", 20, 64, 520, ta=True, cb=True))
    cfgs.append(cfg("e2m1", "e4m3", 20, 64, 520, zero=True))
    # Rows split between the workers and K chunks: each worker goes through
    # the chunks in order inside the one parallel loop. Integer pairs at
    # K = 3136 (three chunks of 1024 in a loop, then 64); a transposed
    # floating-point A at K = 2080 with a fill accumulator (the first chunk
    # peeled, one in the loop, then 32).
    cfgs.append(cfg("int8", "e2m1", 97, 3136, 21))
    cfgs.append(cfg("e4m3", "e2m1", 100, 2080, 37, ta=True, zero=True))
    # C = A B (the accumulator a zero fill, C passed as NaN): tiles start
    # from zero and never read C. Edge tiles on both dot paths, K chunks in
    # a loop (the first chunk peeled: it alone starts from the fill) and
    # unrolled with a constant operand, rows split between the workers, C
    # larger than the caches.
    cfgs.append(cfg("int8", "e2m1", 13, 96, 37, zero=True))
    cfgs.append(cfg("e4m3", "e2m1", 19, 160, 70, zero=True))
    cfgs.append(cfg("int8", "e2m1", 5, 3136, 21, zero=True))
    cfgs.append(cfg("e4m3", "e2m1", 3, 3200, 9, tb=True, zero=True))
    cfgs.append(cfg("int8", "int8", 6, 3104, 33, ta=True, cb=True, zero=True))
    cfgs.append(cfg("e4m3", "e2m1", 96, 96, 70, zero=True))
    cfgs.append(cfg("int8", "int8", 32, 8, 16500, block=4, zero=True))
    # Block sizes other than 32: 16 and 64, a block that is not a multiple
    # of four (padded words) and an odd one (the floating-point tail).
    cfgs.append(cfg("int8", "e2m1", 9, 64, 20, block=16))
    cfgs.append(cfg("e2m3", "int8", 9, 128, 20, block=64))
    cfgs.append(cfg("e4m3", "e3m2", 9, 64, 20, block=16))
    cfgs.append(cfg("int8", "int8", 9, 30, 20, block=6))
    cfgs.append(cfg("e4m3", "int8", 9, 30, 20, block=6))
    cfgs.append(cfg("e4m3", "e5m2", 9, 27, 20, block=3))
    cfgs.append(cfg("int8", "int8", 9, 27, 20, block=9))
    # Transposed storage.
    for fa, fb in [("int8", "e2m1"), ("e4m3", "e2m3"), ("e2m1", "e2m1")]:
        cfgs.append(cfg(fa, fb, 13, 96, 37, ta=True))
        cfgs.append(cfg(fa, fb, 13, 96, 37, tb=True))
        cfgs.append(cfg(fa, fb, 13, 96, 37, ta=True, tb=True))
    cfgs.append(cfg("int8", "int8", 7, 64, 70, tb=True))
    cfgs.append(cfg("e2m3", "e5m2", 7, 64, 70, ta=True))
    # Constant operands, packed at compile time.
    cfgs.append(cfg("int8", "e2m1", 13, 96, 37, cb=True))
    cfgs.append(cfg("e2m1", "e4m3", 13, 96, 37, ca=True))
    cfgs.append(cfg("e2m3", "int8", 13, 96, 37, ca=True, cb=True, tb=True))
    cfgs.append(cfg("e3m2", "e2m1", 13, 64, 20, ca=True, ta=True, cb=True))
    return cfgs


QUICK = {
    "mm_int8_int8_13x96x37_b32", "mm_e2m1_e2m3_13x96x37_b32",
    "mm_e2m3_int8_13x96x37_b32", "mm_e4m3_e5m2_13x96x37_b32",
    "mm_e3m2_int8_13x96x37_b32", "mm_e2m1_e5m2_13x96x37_b32",
    "mm_int8_int8_1x32x1_b32", "mm_e4m3_e2m1_7x32x33_b32",
    "mm_int8_int8_5x64x17_b32", "mm_int8_e2m1_9x64x20_b16",
    "mm_int8_int8_9x27x20_b9", "mm_e4m3_e5m2_9x27x20_b3",
    "mm_e2m3_int8_9x128x20_b64", "mm_int8_e2m1_13x96x37_b32_ta_tb",
    "mm_e4m3_e2m3_13x96x37_b32_ta", "mm_e2m1_e2m1_13x96x37_b32_tb",
    "mm_int8_e2m1_13x96x37_b32_cb", "mm_e3m2_e2m1_13x64x20_b32_ta_ca_cb",
    "mm_e4m3_e2m1_32x8x16500_b4", "mm_int8_int8_9x30x20_b6",
    "mm_int8_e2m1_13x96x37_b32_ta", "mm_e2m3_int8_13x96x37_b32_tb_ca_cb",
    "mm_e4m3_e2m1_3x3200x9_b32_tb", "mm_int8_int8_6x3104x33_b32_ta_cb",
    "mm_int8_int8_97x64x37_b32", "mm_e4m3_e2m1_96x96x70_b32",
    "mm_int8_int8_98x64x33_b32_tb_ca", "mm_int8_e2m1_13x96x37_b32_z",
    "mm_e4m3_e2m1_19x160x70_b32_z", "mm_int8_e2m1_5x3136x21_b32_z",
    "mm_int8_e2m1_97x3136x21_b32", "mm_e4m3_e2m1_100x2080x37_b32_ta_z",
    "mm_int8_int8_20x64x520_b32", "mm_int8_e2m1_20x64x520_b32_tb",
    "mm_e2m1_e4m3_20x64x520_b32_z",
}


# Kernels whose lowering splits the work between parallel workers: shared
# phases, rows split (with K chunks), panels split; for the OpenMP runs of
# the generic target, whose kernels take minutes to compile.
PARALLEL = {
    "mm_int8_int8_13x96x37_b32", "mm_int8_int8_97x64x37_b32",
    "mm_e4m3_e2m1_96x96x70_b32", "mm_int8_int8_98x64x33_b32_tb_ca",
    "mm_int8_e2m1_97x3136x21_b32", "mm_e4m3_e2m1_100x2080x37_b32_ta_z",
    "mm_int8_int8_20x64x520_b32", "mm_int8_e2m1_20x64x520_b32_tb",
    "mm_e2m1_e4m3_20x64x520_b32_z",
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mlir", required=True)
    parser.add_argument("--header", required=True)
    parser.add_argument("--only", default="")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--parallel", action="store_true")
    args = parser.parse_args()
    cfgs = [c for c in configurations() if args.only in name_of(c) and
            (not args.quick or name_of(c) in QUICK) and
            (not args.parallel or name_of(c) in PARALLEL)]
    with open(args.mlir, "w") as f:
        for c in cfgs:
            c["data"] = {}
            f.write(mx_kernel(c, name_of(c), rand))
    with open(args.header, "w") as f:
        f.write("// Generated by gen_kernels.py.\n")
        # Codes and scales of the constant operands.
        write_constants(f, cfgs)
        for c in cfgs:
            f.write("extern \"C\" void _mlir_ciface_%s(MemRef2D *, MemRef2D *,"
                    " MemRef2D *, MemRef2D *, MemRef2D *);\n" % name_of(c))
        f.write("static const MatmulKernel kKernels[] = {\n")
        for c in cfgs:
            f.write("    {\"%s\", mx::ref::Format::%s, mx::ref::Format::%s, "
                    "%d, %d, %d, %d, %s, %s, %s, _mlir_ciface_%s, %s},\n"
                    % (name_of(c), REF[c["fa"]], REF[c["fb"]], c["m"], c["k"],
                       c["n"], c["block"], "true" if c["ta"] else "false",
                       "true" if c["tb"] else "false",
                       "true" if c["zero"] else "false", name_of(c),
                       ", ".join(constant_refs(c))))
        f.write("};\n")


main()
