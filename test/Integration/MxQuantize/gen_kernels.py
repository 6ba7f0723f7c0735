#!/usr/bin/env python3
# ===- gen_kernels.py - MX quantize/dequantize test kernels --------------=== #
#
# Part of mxir.
#
# ===---------------------------------------------------------------------=== #
#
# Generates, from the configuration table below,
#   - one MLIR module with one destination-passing kernel per configuration
#     (mx.quantize or mx.dequantize between memrefs, llvm.emit_c_interface),
#   - a C++ header with the kernel table read by Inputs/check_mx.cpp.
#
# Every kernel takes three memref descriptors, so every C entry point is
# `void _mlir_ciface_<name>(void *, void *, void *)`:
#   quantize:   (input f32/bf16, packed elements i8, scales f8E8M0FNU)
#   dequantize: (packed elements i8, scales f8E8M0FNU, output f32/bf16)
#
# Usage: gen_kernels.py --mlir OUT.mlir --header OUT.h [--only SUBSTRING]
#
# ===---------------------------------------------------------------------=== #

import argparse
import os
import sys

FORMATS = {
    # name: (bits, mx::ref::Format enumerator)
    "e4m3": (8, "E4M3"),
    "e5m2": (8, "E5M2"),
    "e2m3": (6, "E2M3"),
    "e3m2": (6, "E3M2"),
    "e2m1": (4, "E2M1"),
    "int8": (8, "Int8"),
}
RULES = {"floor": "Floor", "ceil": "Ceil", "rceil": "RCeil", "even": "Even"}
ALL_FORMATS = list(FORMATS)

# Layouts: (tag, shape, axis). The blocked dimension must be a multiple of
# every block size used with the layout (16, 32, 64).
#   c: contiguous blocks, [64, 1024] axis 1 (2048 blocks of 32 per call);
#   s: strided blocks, [K, N] axis 0 with N = 37 (not a multiple of 16);
#   t: strided blocks in 3-D, [2, 64, 5] axis 1;
#   u: contiguous blocks whose count per row is not a multiple of 16, [6, 192]
#      axis 1 (the one-block-at-a-time path of the vector lowering).
LAYOUTS = {
    "c": ([64, 1024], 1),
    "u": ([6, 192], 1),
    "s": ([128, 37], 0),
    "t": ([2, 64, 5], 1),
}
# A non-default block size per format.
OTHER_BLOCK = {"e4m3": 64, "e5m2": 16, "e2m3": 16, "e3m2": 64, "e2m1": 16,
               "int8": 64}


def q(fmt, layout, block=32, dtype="f32", rule="floor", flush=False):
    return dict(kind="q", fmt=fmt, layout=layout, block=block, dtype=dtype,
                rule=rule, flush=flush)


def dq(fmt, layout, block=32, dtype="f32"):
    return dict(kind="dq", fmt=fmt, layout=layout, block=block, dtype=dtype,
                rule="floor", flush=False)


def configurations():
    """The configuration table (duplicates are dropped by name)."""
    cfgs = []
    for fmt in ALL_FORMATS:
        # Floor, f32, block 32, every layout.
        for layout in LAYOUTS:
            cfgs.append(q(fmt, layout))
        # A non-default block size, contiguous and strided.
        for layout in ("c", "s"):
            cfgs.append(q(fmt, layout, block=OTHER_BLOCK[fmt]))
        # The other scale rules, contiguous, for every format.
        for rule in ("ceil", "rceil", "even"):
            cfgs.append(q(fmt, "c", rule=rule))
    # The other scale rules in the strided layouts for e4m3, e2m1, int8.
    for fmt in ("e4m3", "e2m1", "int8"):
        for rule in ("ceil", "rceil", "even"):
            cfgs.append(q(fmt, "s", rule=rule))
        cfgs.append(q(fmt, "t", rule="rceil"))
    # bf16 input.
    for fmt in ("e4m3", "e2m1", "int8", "e3m2"):
        for layout in ("c", "s"):
            cfgs.append(q(fmt, layout, dtype="bf16"))
    cfgs.append(q("e2m3", "t", dtype="bf16"))
    cfgs.append(q("e5m2", "c", dtype="bf16", rule="even"))
    cfgs.append(q("e2m1", "c", dtype="bf16", rule="rceil"))
    # flush_subnormals.
    for fmt in ("e4m3", "e5m2", "e2m1", "int8"):
        cfgs.append(q(fmt, "c", flush=True))
    cfgs.append(q("e2m3", "s", flush=True))
    cfgs.append(q("e3m2", "t", flush=True))
    cfgs.append(q("e2m1", "s", rule="rceil", flush=True))
    cfgs.append(q("int8", "c", rule="ceil", flush=True))
    cfgs.append(q("e4m3", "s", dtype="bf16", flush=True))
    # Dequantize: f32 for every format and layout, the other block size,
    # bf16 output for three formats.
    for fmt in ALL_FORMATS:
        for layout in LAYOUTS:
            cfgs.append(dq(fmt, layout))
        cfgs.append(dq(fmt, "c", block=OTHER_BLOCK[fmt]))
        cfgs.append(dq(fmt, "s", block=OTHER_BLOCK[fmt]))
    for fmt in ("e4m3", "e2m1", "int8"):
        for layout in ("c", "s"):
            cfgs.append(dq(fmt, layout, dtype="bf16"))
    cfgs.append(dq("e5m2", "t", dtype="bf16"))
    return cfgs


def kernel_name(c):
    name = "%s_%s_%s_b%d_%s" % (c["kind"], c["fmt"], c["layout"], c["block"],
                                c["dtype"])
    if c["kind"] == "q":
        name += "_" + c["rule"]
        if c["flush"]:
            name += "_ftz"
    return name


def shape_str(shape):
    return "x".join(str(d) for d in shape)


def packed_shape(shape, axis, bits):
    s = list(shape)
    assert (s[axis] * bits) % 8 == 0
    s[axis] = s[axis] * bits // 8
    return s


def scales_shape(shape, axis, block):
    s = list(shape)
    assert s[axis] % block == 0
    s[axis] //= block
    return s


def mx_type(c, shape, axis):
    t = "!mx.tensor<%s, %s, axis = %d" % (shape_str(shape), c["fmt"], axis)
    if c["block"] != 32:
        t += ", block = %d" % c["block"]
    return t + ">"


def emit_kernel(c, layouts):
    shape, axis = layouts[c["layout"]]
    bits = FORMATS[c["fmt"]][0]
    bs = c["block"]
    # The verifier's rules, checked here so that a bad table fails early.
    assert shape[axis] % bs == 0
    assert bs % {8: 1, 6: 4, 4: 2}[bits] == 0
    name = kernel_name(c)
    logical = "%sx%s" % (shape_str(shape), c["dtype"])
    packed = "%sxi8" % shape_str(packed_shape(shape, axis, bits))
    scales = "%sxf8E8M0FNU" % shape_str(scales_shape(shape, axis, bs))
    mxt = mx_type(c, shape, axis)
    lines = []
    if c["kind"] == "q":
        attrs = ""
        if c["rule"] != "floor":
            attrs += " scale(%s)" % c["rule"]
        if c["flush"]:
            attrs += " flush_subnormals"
        lines += [
            "func.func @%s(%%x: memref<%s>, %%e: memref<%s>, "
            "%%s: memref<%s>) attributes {llvm.emit_c_interface} {"
            % (name, logical, packed, scales),
            "  %%t = bufferization.to_tensor %%x restrict : memref<%s> to "
            "tensor<%s>" % (logical, logical),
            "  %%q = mx.quantize %%t%s : tensor<%s> -> %s"
            % (attrs, logical, mxt),
            "  %%et, %%st = mx.disassemble %%q : %s -> tensor<%s>, tensor<%s>"
            % (mxt, packed, scales),
            "  bufferization.materialize_in_destination %%et in restrict "
            "writable %%e : (tensor<%s>, memref<%s>) -> ()" % (packed, packed),
            "  bufferization.materialize_in_destination %%st in restrict "
            "writable %%s : (tensor<%s>, memref<%s>) -> ()" % (scales, scales),
            "  return",
            "}",
        ]
    else:
        lines += [
            "func.func @%s(%%e: memref<%s>, %%s: memref<%s>, "
            "%%y: memref<%s>) attributes {llvm.emit_c_interface} {"
            % (name, packed, scales, logical),
            "  %%et = bufferization.to_tensor %%e restrict : memref<%s> to "
            "tensor<%s>" % (packed, packed),
            "  %%st = bufferization.to_tensor %%s restrict : memref<%s> to "
            "tensor<%s>" % (scales, scales),
            "  %%q = mx.assemble %%et, %%st : tensor<%s>, tensor<%s> -> %s"
            % (packed, scales, mxt),
            "  %%yt = mx.dequantize %%q : %s -> tensor<%s>" % (mxt, logical),
            "  bufferization.materialize_in_destination %%yt in restrict "
            "writable %%y : (tensor<%s>, memref<%s>) -> ()"
            % (logical, logical),
            "  return",
            "}",
        ]
    return "\n".join(lines)


def emit_header(cfgs, layouts, out):
    w = out.write
    w("// Generated by gen_kernels.py. Do not edit.\n")
    w("#ifndef MX_TEST_KERNELS_H\n#define MX_TEST_KERNELS_H\n\n")
    w("#include \"mx/Reference/MxFormats.h\"\n\n")
    w("extern \"C\" {\n")
    for c in cfgs:
        w("void _mlir_ciface_%s(void *, void *, void *);\n" % kernel_name(c))
    w("}\n\n")
    w("namespace mxtest {\n\n")
    w("enum class Kind { Quantize, Dequantize };\n")
    w("enum class DType { F32, BF16 };\n")
    w("using KernelFn = void (*)(void *, void *, void *);\n\n")
    w("struct Kernel {\n")
    w("  const char *name;\n")
    w("  Kind kind;\n")
    w("  mx::ref::Format format;\n")
    w("  mx::ref::ScaleRule rule;\n")
    w("  bool flush;\n")
    w("  int rank;\n")
    w("  long long shape[3];\n")
    w("  int axis;\n")
    w("  int block;\n")
    w("  DType inType;  // quantize input (dequantize: unused, F32)\n")
    w("  DType outType; // dequantize output (quantize: unused, F32)\n")
    w("  KernelFn fn;\n")
    w("};\n\n")
    w("inline const Kernel kKernels[] = {\n")
    for c in cfgs:
        shape, axis = layouts[c["layout"]]
        dims = list(shape) + [1] * (3 - len(shape))
        dt = "DType::BF16" if c["dtype"] == "bf16" else "DType::F32"
        in_t = dt if c["kind"] == "q" else "DType::F32"
        out_t = dt if c["kind"] == "dq" else "DType::F32"
        w("    {\"%s\", Kind::%s, mx::ref::Format::%s, mx::ref::ScaleRule::%s, "
          "%s, %d, {%s}, %d, %d, %s, %s, &_mlir_ciface_%s},\n"
          % (kernel_name(c), "Quantize" if c["kind"] == "q" else "Dequantize",
             FORMATS[c["fmt"]][1], RULES[c["rule"]],
             "true" if c["flush"] else "false", len(shape),
             ", ".join(str(d) for d in dims), axis, c["block"], in_t, out_t,
             kernel_name(c)))
    w("};\n\n} // namespace mxtest\n\n#endif // MX_TEST_KERNELS_H\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mlir", required=True, help="output .mlir module")
    ap.add_argument("--header", required=True, help="output C++ header")
    ap.add_argument("--only", default="",
                    help="keep only kernels whose name contains this string")
    args = ap.parse_args()

    cfgs, layouts = configurations(), LAYOUTS
    seen, unique = set(), []
    for c in cfgs:
        n = kernel_name(c)
        if n in seen or args.only not in n:
            continue
        seen.add(n)
        unique.append(c)
    if not unique:
        sys.exit("gen_kernels.py: no kernel selected")

    for path in (args.mlir, args.header):
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(args.mlir, "w") as f:
        f.write("// Generated by gen_kernels.py (%d kernels). Do not edit.\n"
                % len(unique))
        f.write("module {\n")
        f.write("\n\n".join(emit_kernel(c, layouts) for c in unique))
        f.write("\n}\n")
    with open(args.header, "w") as f:
        emit_header(unique, layouts, f)


if __name__ == "__main__":
    main()
