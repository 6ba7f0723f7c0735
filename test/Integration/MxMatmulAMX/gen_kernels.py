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
# `mx.matmul ... unordered` (AMX tiles on x86-64-amx) and `<name>_o` without
# it (the ordered kernel), so the checker can compare the two. MX kernels
# take five rank-2 memrefs (A elements, A scales, B elements, B scales, C
# in/out), bf16 kernels three (A, B, C in/out; C out only for the `_z`
# kernels, whose accumulator is a zero fill). Configurations with constant
# operands (ca, cb) ignore the memrefs of that operand and use storage
# constants (random codes and scales, also written to the header for the
# checker), which both lowerings pack at compile time.
#
# Usage: gen_kernels.py --mlir OUT.mlir --header OUT.h
#
# ===---------------------------------------------------------------------=== #

import argparse

BITS = {"e4m3": 8, "e5m2": 8, "e2m3": 6, "e3m2": 6, "e2m1": 4, "int8": 8}
REF = {"e4m3": "E4M3", "e5m2": "E5M2", "e2m3": "E2M3", "e3m2": "E3M2",
       "e2m1": "E2M1", "int8": "Int8"}


def cfg(fa, fb, m, k, n, block=32, ta=False, tb=False, ca=False, cb=False,
        zero=False):
    return dict(fa=fa, fb=fb, m=m, k=k, n=n, block=block, ta=ta, tb=tb,
                ca=ca, cb=cb, zero=zero)


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
    # slabs of panels: one panel split into two row ranges (100x1000x20),
    # two slabs with the partial panel in the second (64x256x100), nine
    # slabs of 3 or 4 panels (48x576x1000), K over three chunks with a
    # partial last K tile (33x1537x70), a last row block of one whole tile
    # (48x64x40); with A larger than the L2 budget (1600x1024x40) B is
    # packed once up front instead.
    for m, k, n in [(1, 1, 1), (5, 7, 3), (16, 32, 16), (37, 70, 45),
                    (32, 64, 32), (33, 33, 17), (64, 256, 100),
                    (48, 513, 50), (100, 1000, 20), (48, 576, 1000),
                    (33, 1537, 70), (48, 64, 40), (1600, 1024, 40)]:
        cfgs.append(cfg("bf16", "bf16", m, k, n))
    # C = A B: the accumulator is a zero fill, which the AMX path writes
    # without reading (the checker passes NaN in C). Fused packing with
    # partial tiles, slabs, K over three chunks; separate packing with two
    # K chunks and a partial column tail.
    for m, k, n in [(37, 70, 45), (48, 576, 1000), (33, 1537, 70),
                    (1600, 1024, 40)]:
        cfgs.append(cfg("bf16", "bf16", m, k, n, zero=True))
    return cfgs


def name_of(c):
    name = "mm_%s_%s_%dx%dx%d" % (c["fa"], c["fb"], c["m"], c["k"], c["n"])
    if c["fa"] != "bf16":
        name += "_b%d" % c["block"]
    if c["ta"]:
        name += "_ta"
    if c["tb"]:
        name += "_tb"
    if c["ca"]:
        name += "_ca"
    if c["cb"]:
        name += "_cb"
    if c["zero"]:
        name += "_z"
    return name


state = [0x2545F4914F6CDD1D]


def rand(bound):
    state[0] = (state[0] * 6364136223846793005 + 1442695040888963407) % 2**64
    return (state[0] >> 33) % bound


def finite(fmt, code):
    if fmt == "e4m3":
        return code & 0x7F != 0x7F
    if fmt == "e5m2":
        return (code >> 2) & 0x1F != 0x1F
    return True


def constant_operand(fmt, rows, cols, axis, block):
    """Random finite codes ([rows][cols]), scale bytes (117..137) and the
    packed element bytes of a constant operand."""
    bits = BITS[fmt]
    codes = []
    for _ in range(rows * cols):
        while True:
            code = rand(1 << bits)
            if finite(fmt, code):
                break
        codes.append(code)
    srows, scols = (rows, cols // block) if axis == 1 else (rows // block, cols)
    scales = [117 + rand(21) for _ in range(srows * scols)]
    length = cols if axis == 1 else rows
    lines = rows if axis == 1 else cols
    ecols = cols * bits // 8 if axis == 1 else cols
    erows = rows if axis == 1 else rows * bits // 8
    elements = [0] * (erows * ecols)
    for line in range(lines):
        seq = [codes[line * cols + i] if axis == 1 else codes[i * cols + line]
               for i in range(length)]
        if bits == 8:
            packed = seq
        elif bits == 4:
            packed = [seq[i] | seq[i + 1] << 4 for i in range(0, length, 2)]
        else:
            packed = []
            for i in range(0, length, 4):
                w = seq[i] | seq[i + 1] << 6 | seq[i + 2] << 12 | seq[i + 3] << 18
                packed += [w & 0xFF, (w >> 8) & 0xFF, w >> 16]
        for j, byte in enumerate(packed):
            if axis == 1:
                elements[line * ecols + j] = byte
            else:
                elements[j * ecols + line] = byte
    return codes, scales, elements


def storage(fmt, rows, cols, axis, block):
    """(elements shape, scales shape, mx type) of a 2-D MX tensor."""
    shape = [rows, cols]
    elements = list(shape)
    elements[axis] = shape[axis] * BITS[fmt] // 8
    scales = list(shape)
    scales[axis] = shape[axis] // block
    suffix = "" if block == 32 else ", block = %d" % block
    mx = "!mx.tensor<%dx%d, %s, axis = %d%s>" % (rows, cols, fmt, axis, suffix)
    return elements, scales, mx


def mx_kernel(c, name, unordered):
    m, k, n, block = c["m"], c["k"], c["n"], c["block"]
    a = storage(c["fa"], *((k, m, 0) if c["ta"] else (m, k, 1)), block)
    b = storage(c["fb"], *((n, k, 1) if c["tb"] else (k, n, 0)), block)
    t = lambda s, e: "%dx%dx%s" % (s[0], s[1], e)
    ae, as_, be, bs = (t(a[0], "i8"), t(a[1], "f8E8M0FNU"), t(b[0], "i8"),
                       t(b[1], "f8E8M0FNU"))
    cc = "%dx%dxf32" % (m, n)
    attrs = (" transpose_a" if c["ta"] else "") + \
        (" transpose_b" if c["tb"] else "") + (" unordered" if unordered else "")
    consts = ""
    for side, st, fmt, shape in (
            ("a", a, c["fa"], (k, m, 0) if c["ta"] else (m, k, 1)),
            ("b", b, c["fb"], (n, k, 1) if c["tb"] else (k, n, 0))):
        if not c["c" + side]:
            continue
        if side not in c["data"]:
            c["data"][side] = constant_operand(fmt, *shape, block)
        codes, scales, elements = c["data"][side]
        consts += '  %%%se_k = arith.constant dense<"0x%s"> : tensor<%dx%dxi8>\n' % (
            side, "".join("%02X" % e for e in elements), st[0][0], st[0][1])
        consts += ('  %%%ss_k = arith.constant dense<"0x%s"> '
                   ': tensor<%dx%dxf8E8M0FNU>\n') % (
            side, "".join("%02X" % x for x in scales), st[1][0], st[1][1])
    aE, aS = ("%ae_k", "%as_k") if c["ca"] else ("%aet", "%ast")
    bEv, bSv = ("%be_k", "%bs_k") if c["cb"] else ("%bet", "%bst")
    return f"""
func.func @{name}(%ae: memref<{ae}>, %as: memref<{as_}>, %be: memref<{be}>,
    %bs: memref<{bs}>, %c: memref<{cc}>) attributes {{llvm.emit_c_interface}} {{
  %aet = bufferization.to_tensor %ae restrict : memref<{ae}> to tensor<{ae}>
  %ast = bufferization.to_tensor %as restrict : memref<{as_}> to tensor<{as_}>
  %bet = bufferization.to_tensor %be restrict : memref<{be}> to tensor<{be}>
  %bst = bufferization.to_tensor %bs restrict : memref<{bs}> to tensor<{bs}>
  %ct = bufferization.to_tensor %c restrict writable : memref<{cc}> to tensor<{cc}>
{consts}  %a = mx.assemble {aE}, {aS} : tensor<{ae}>, tensor<{as_}> -> {a[2]}
  %b = mx.assemble {bEv}, {bSv} : tensor<{be}>, tensor<{bs}> -> {b[2]}
  %r = mx.matmul %a, %b, %ct{attrs} : {a[2]}, {b[2]} -> tensor<{cc}>
  bufferization.materialize_in_destination %r in restrict writable %c
      : (tensor<{cc}>, memref<{cc}>) -> ()
  return
}}
"""


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
  %at = bufferization.to_tensor %a restrict : memref<{at}> to tensor<{at}>
  %bt = bufferization.to_tensor %b restrict : memref<{bt}> to tensor<{bt}>
  %ct = bufferization.to_tensor %c restrict writable : memref<{cc}> to tensor<{cc}>
{fill}  %r = mx.matmul %at, %bt, {acc}{attrs} : tensor<{at}>, tensor<{bt}> -> tensor<{cc}>
  bufferization.materialize_in_destination %r in restrict writable %c
      : (tensor<{cc}>, memref<{cc}>) -> ()
  return
}}
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mlir", required=True)
    parser.add_argument("--header", required=True)
    args = parser.parse_args()
    cfgs = configurations()
    for c in cfgs:
        c["data"] = {}
    with open(args.mlir, "w") as f:
        for c in cfgs:
            gen = bf16_kernel if c["fa"] == "bf16" else mx_kernel
            f.write(gen(c, name_of(c) + "_u", True))
            f.write(gen(c, name_of(c) + "_o", False))
    with open(args.header, "w") as f:
        f.write("// Generated by gen_kernels.py.\n")
        # Codes and scales of the constant operands.
        for c in cfgs:
            for side, (codes, scales, _) in sorted(c["data"].items()):
                f.write("static const uint8_t %s_%s_codes[] = {%s};\n" % (
                    name_of(c), side, ", ".join(map(str, codes))))
                f.write("static const uint8_t %s_%s_scales[] = {%s};\n" % (
                    name_of(c), side, ", ".join(map(str, scales))))
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
            consts = []
            for side in ("a", "b"):
                if side in c["data"]:
                    consts += ["%s_%s_codes" % (name_of(c), side),
                               "%s_%s_scales" % (name_of(c), side)]
                else:
                    consts += ["nullptr", "nullptr"]
            f.write("    {\"%s\", %s, mx::ref::Format::%s, mx::ref::Format::%s, "
                    "%d, %d, %d, %d, %s, %s, %s, %s, %s},\n"
                    % (name_of(c), "true" if bf else "false", fa, fb, c["m"],
                       c["k"], c["n"], c["block"],
                       "true" if c["ta"] else "false",
                       "true" if c["tb"] else "false",
                       "true" if c["zero"] else "false", fns,
                       ", ".join(consts)))
        f.write("};\n")


main()
