#!/usr/bin/env python3
"""Writes the mx.matmul (bf16 x bf16 -> f32) test kernels and their table.

usage: gen_kernels.py OUT.mlir OUT.h [--parallel]

--parallel keeps the shapes whose lowering splits the work between parallel
workers in more than one way (PARALLEL_SHAPES), for the OpenMP runs of the
generic target, whose kernels take minutes to compile.
"""
import random
import struct
import sys

# (M, K, N): odd and even K, K = 1 (tail only), N below, at and above a
# multiple of 16, M = 1; for the packed kernels (6 x 32 tiles on x86, 6 x 8
# on AArch64, K in blocks of 32): partial row tiles and panels, K within
# one block, whole blocks, and whole blocks plus a tail of one pair and an
# odd element; many tiles and panels (several parallel work items).
SHAPES = [(7, 33, 20), (16, 64, 48), (1, 2, 1), (5, 1, 17), (3, 130, 16),
          (13, 31, 65), (50, 99, 70), (96, 67, 100),
          # K over 1024: on x86 and generic, K chunks of 1024 in order (the
          # last one 37 long, odd).
          (5, 2085, 33),
          # 16 row tiles or more: rows split between the workers, each with
          # its own packed B (a last row tile of one row); with K chunks,
          # each worker goes through them in order in the one parallel loop.
          (193, 67, 70), (193, 2085, 33),
          # Fewer row tiles and 16 panels or more: panels split between the
          # workers, each packing its own panels of B (a last panel of 8
          # columns, a last row tile of 2 rows; whole panels).
          (20, 67, 520), (12, 40, 512)]
# (M, K, N, constant operands): A, B or both are constants (weights), which
# the lowerings pack at compile time; the kernel ignores that memref and the
# checker uses the same values (kConst_<name>_<operand> in the header).
CONSTANT_SHAPES = [(7, 33, 20, "a"), (50, 99, 70, "b"), (13, 31, 65, "ab"),
                   (5, 1, 17, "b"), (9, 1500, 40, "ab"), (200, 40, 33, "a"),
                   (20, 67, 520, "b")]
# (M, K, N, constant operands, fill): C = fill + A B, the accumulator a
# linalg.fill of C (the checker passes C as NaN), which the lowerings write
# without reading: edge tiles, K chunks in a loop (the first one peeled)
# and unrolled around constants, rows or panels split between the workers. The fill
# -0.0 keeps the sign of the all -0 trials.
FILL_SHAPES = [(13, 31, 65, "", -0.0), (5, 2085, 33, "", 0.75),
               (9, 1500, 40, "ab", -0.0), (193, 67, 70, "", 0.75),
               (193, 2085, 33, "", -0.0), (20, 67, 520, "", 0.75)]


def random_bf16(rng):
    """A normal bf16 with an exponent in [-8, 8] (as check_matmul.cpp)."""
    return (rng.getrandbits(1) << 15 | (127 - 8 + rng.randrange(17)) << 7
            | rng.getrandbits(7))


def kernel(m, k, n, constants="", fill=None, rng=None):
    name = "mm_%dx%dx%d" % (m, k, n) + ("_c" + constants if constants else "")
    acc = "%ct"
    fill_ops = ""
    if fill is not None:
        name += "_f"
        acc = "%fill"
        fill_ops = (f"%f = arith.constant {fill!r} : f32\n  %fill = linalg.fill "
                    f"ins(%f : f32) outs(%ct : tensor<{m}x{n}xf32>) -> "
                    f"tensor<{m}x{n}xf32>\n  ")
    a, b, c = ("%dx%dxbf16" % (m, k), "%dx%dxbf16" % (k, n),
               "%dx%dxf32" % (m, n))
    values = {}

    def operand(tag, memref, count):
        if tag not in constants:
            return ("%%%st = bufferization.to_tensor %%%s restrict : "
                    "memref<%s> to tensor<%s>" % (tag, tag, memref, memref))
        values[tag] = [random_bf16(rng) for _ in range(count)]
        blob = struct.pack("<%dH" % count, *values[tag]).hex()
        return "%%%st = arith.constant dense<\"0x%s\"> : tensor<%s>" % (
            tag, blob, memref)

    return name, values, f"""
func.func @{name}(%a: memref<{a}>, %b: memref<{b}>, %c: memref<{c}>)
    attributes {{llvm.emit_c_interface}} {{
  {operand("a", a, m * k)}
  {operand("b", b, k * n)}
  %ct = bufferization.to_tensor %c restrict writable : memref<{c}> to tensor<{c}>
  {fill_ops}%r = mx.matmul %at, %bt, {acc} : tensor<{a}>, tensor<{b}> -> tensor<{c}>
  bufferization.materialize_in_destination %r in restrict writable %c
      : (tensor<{c}>, memref<{c}>) -> ()
  return
}}
"""


# Several row tiles and panels (shared phases), rows split between the
# workers (with K chunks, with a constant A), panels split between them.
PARALLEL_SHAPES = {(96, 67, 100), (193, 67, 70), (193, 2085, 33),
                   (200, 40, 33), (20, 67, 520), (12, 40, 512)}


def main():
    mlir, header = sys.argv[1], sys.argv[2]
    rng = random.Random(20261130)
    shapes = ([s + ("", None) for s in SHAPES] +
              [s + (None,) for s in CONSTANT_SHAPES] + FILL_SHAPES)
    if "--parallel" in sys.argv[3:]:
        shapes = [s for s in shapes if s[:3] in PARALLEL_SHAPES]
    kernels = [kernel(*s, rng=rng) for s in shapes]
    with open(mlir, "w") as f:
        f.write("".join(text for _, _, text in kernels))
    with open(header, "w") as f:
        f.write("// Generated by gen_kernels.py.\n")
        for name, values, _ in kernels:
            f.write("extern \"C\" void _mlir_ciface_%s(MemRef2D *, MemRef2D *,"
                    " MemRef2D *);\n" % name)
            for tag, bits in sorted(values.items()):
                f.write("static const uint16_t kConst_%s_%s[] = {%s};\n"
                        % (name, tag, ", ".join(map(str, bits))))
        f.write("static const MatmulKernel kKernels[] = {\n")
        for (name, values, _), (m, k, n, _, fill) in zip(kernels, shapes):
            consts = ["kConst_%s_%s" % (name, t) if t in values else "nullptr"
                      for t in "ab"]
            f.write("    {\"%s\", %d, %d, %d, _mlir_ciface_%s, %s, %s, %s, "
                    "%sf},\n" % (name, m, k, n, name, consts[0], consts[1],
                                 "true" if fill is not None else "false",
                                 repr(fill if fill is not None else 0.0)))
        f.write("};\n")


main()
