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
# Usage: gen_kernels.py --mlir OUT.mlir --header OUT.h [--quick]
#                       [--only SUBSTRING]
#
# --quick keeps QUICK, a subset that still covers every code path (each
# decode, both dot paths, edge tiles, padded and odd blocks, transposes),
# for the slower generic and emulated targets.
#
# ===---------------------------------------------------------------------=== #

import argparse

BITS = {"e4m3": 8, "e5m2": 8, "e2m3": 6, "e3m2": 6, "e2m1": 4, "int8": 8}
REF = {"e4m3": "E4M3", "e5m2": "E5M2", "e2m3": "E2M3", "e3m2": "E3M2",
       "e2m1": "E2M1", "int8": "Int8"}


def cfg(fa, fb, m, k, n, block=32, ta=False, tb=False, ca=False, cb=False):
    return dict(fa=fa, fb=fb, m=m, k=k, n=n, block=block, ta=ta, tb=tb,
                ca=ca, cb=cb)


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
}


def name_of(c):
    name = "mm_%s_%s_%dx%dx%d_b%d" % (c["fa"], c["fb"], c["m"], c["k"],
                                       c["n"], c["block"])
    if c["ta"]:
        name += "_ta"
    if c["tb"]:
        name += "_tb"
    if c["ca"]:
        name += "_ca"
    if c["cb"]:
        name += "_cb"
    return name


state = [0x9E3779B97F4A7C15]


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
        packed = []
        if bits == 8:
            packed = seq
        elif bits == 4:
            packed = [seq[i] | seq[i + 1] << 4 for i in range(0, length, 2)]
        else:
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


def kernel(c):
    name = name_of(c)
    m, k, n, block = c["m"], c["k"], c["n"], c["block"]
    a = storage(c["fa"], *((k, m, 0) if c["ta"] else (m, k, 1)), block)
    b = storage(c["fb"], *((n, k, 1) if c["tb"] else (k, n, 0)), block)
    t = lambda s, e: "%dx%dx%s" % (s[0], s[1], e)
    ae, as_, bE, bs = (t(a[0], "i8"), t(a[1], "f8E8M0FNU"), t(b[0], "i8"),
                       t(b[1], "f8E8M0FNU"))
    cc = "%dx%dxf32" % (m, n)
    attrs = (" transpose_a" if c["ta"] else "") + \
        (" transpose_b" if c["tb"] else "")
    data = {}
    consts = ""
    for side, st, fmt, shape in (("a", a, c["fa"], (k, m, 0) if c["ta"] else (m, k, 1)),
                                 ("b", b, c["fb"], (n, k, 1) if c["tb"] else (k, n, 0))):
        if not c["c" + side]:
            continue
        codes, scales, elements = constant_operand(fmt, *shape, block)
        data[side] = (codes, scales)
        # Storage as hex literals (raw bytes, row-major).
        consts += '  %%%se_k = arith.constant dense<"0x%s"> : tensor<%dx%dxi8>\n' % (
            side, "".join("%02X" % e for e in elements), st[0][0], st[0][1])
        consts += ('  %%%ss_k = arith.constant dense<"0x%s"> '
                   ': tensor<%dx%dxf8E8M0FNU>\n') % (
            side, "".join("%02X" % x for x in scales), st[1][0], st[1][1])
    aE, aS = ("%ae_k", "%as_k") if c["ca"] else ("%aet", "%ast")
    bEv, bSv = ("%be_k", "%bs_k") if c["cb"] else ("%bet", "%bst")
    c["data"] = data
    return name, f"""
func.func @{name}(%ae: memref<{ae}>, %as: memref<{as_}>, %be: memref<{bE}>,
    %bs: memref<{bs}>, %c: memref<{cc}>) attributes {{llvm.emit_c_interface}} {{
  %aet = bufferization.to_tensor %ae restrict : memref<{ae}> to tensor<{ae}>
  %ast = bufferization.to_tensor %as restrict : memref<{as_}> to tensor<{as_}>
  %bet = bufferization.to_tensor %be restrict : memref<{bE}> to tensor<{bE}>
  %bst = bufferization.to_tensor %bs restrict : memref<{bs}> to tensor<{bs}>
  %ct = bufferization.to_tensor %c restrict writable : memref<{cc}> to tensor<{cc}>
{consts}  %a = mx.assemble {aE}, {aS} : tensor<{ae}>, tensor<{as_}> -> {a[2]}
  %b = mx.assemble {bEv}, {bSv} : tensor<{bE}>, tensor<{bs}> -> {b[2]}
  %r = mx.matmul %a, %b, %ct{attrs} : {a[2]}, {b[2]} -> tensor<{cc}>
  bufferization.materialize_in_destination %r in restrict writable %c
      : (tensor<{cc}>, memref<{cc}>) -> ()
  return
}}
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mlir", required=True)
    parser.add_argument("--header", required=True)
    parser.add_argument("--only", default="")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    cfgs = [c for c in configurations() if args.only in name_of(c) and
            (not args.quick or name_of(c) in QUICK)]
    with open(args.mlir, "w") as f:
        for c in cfgs:
            f.write(kernel(c)[1])
    def array(name, values):
        return "static const uint8_t %s[] = {%s};\n" % (
            name, ", ".join(map(str, values)))
    with open(args.header, "w") as f:
        f.write("// Generated by gen_kernels.py.\n")
        # Codes and scales of the constant operands.
        for c in cfgs:
            for side in ("a", "b"):
                if side in c["data"]:
                    codes, scales = c["data"][side]
                    f.write(array("%s_%s_codes" % (name_of(c), side), codes))
                    f.write(array("%s_%s_scales" % (name_of(c), side), scales))
        for c in cfgs:
            f.write("extern \"C\" void _mlir_ciface_%s(MemRef2D *, MemRef2D *,"
                    " MemRef2D *, MemRef2D *, MemRef2D *);\n" % name_of(c))
        f.write("static const MatmulKernel kKernels[] = {\n")
        for c in cfgs:
            consts = []
            for side in ("a", "b"):
                if side in c["data"]:
                    consts += ["%s_%s_codes" % (name_of(c), side),
                               "%s_%s_scales" % (name_of(c), side)]
                else:
                    consts += ["nullptr", "nullptr"]
            f.write("    {\"%s\", mx::ref::Format::%s, mx::ref::Format::%s, "
                    "%d, %d, %d, %d, %s, %s, _mlir_ciface_%s, %s},\n"
                    % (name_of(c), REF[c["fa"]], REF[c["fb"]], c["m"], c["k"],
                       c["n"], c["block"], "true" if c["ta"] else "false",
                       "true" if c["tb"] else "false", name_of(c),
                       ", ".join(consts)))
        f.write("};\n")


main()
