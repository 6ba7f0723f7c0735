# ===- mx_kernels.py - shared parts of the mx.matmul test generators ----=== #
#
# Part of mxir.
#
# ===---------------------------------------------------------------------=== #
#
# Configurations, names, constant MX operands (random codes and scales and
# their packed storage) and the kernel text of an mx.matmul on two MX
# tensors assembled from storage buffers, as MxMatmulMX/gen_kernels.py and
# MxMatmulAMX/gen_kernels.py write them. A configuration is a dict (see
# cfg); generated constant operands are cached in its "data" entry, which the
# caller sets to {} before the first kernel, so that every kernel of one
# configuration uses the same constants.
#
# ===---------------------------------------------------------------------=== #

BITS = {"e4m3": 8, "e5m2": 8, "e2m3": 6, "e3m2": 6, "e2m1": 4, "int8": 8}
REF = {"e4m3": "E4M3", "e5m2": "E5M2", "e2m3": "E2M3", "e3m2": "E3M2",
       "e2m1": "E2M1", "int8": "Int8"}


def cfg(fa, fb, m, k, n, block=32, ta=False, tb=False, ca=False, cb=False,
        zero=False):
    return dict(fa=fa, fb=fb, m=m, k=k, n=n, block=block, ta=ta, tb=tb,
                ca=ca, cb=cb, zero=zero)


def name_of(c):
    """mm_<fa>_<fb>_<m>x<k>x<n>[_b<block>][_ta][_tb][_ca][_cb][_z]; no block
    for bf16."""
    name = "mm_%s_%s_%dx%dx%d" % (c["fa"], c["fb"], c["m"], c["k"], c["n"])
    if c["fa"] != "bf16":
        name += "_b%d" % c["block"]
    for flag, suffix in (("ta", "_ta"), ("tb", "_tb"), ("ca", "_ca"),
                         ("cb", "_cb"), ("zero", "_z")):
        if c[flag]:
            name += suffix
    return name


class Random:
    """The 64-bit LCG of the generators; draws the top 31 bits mod bound."""

    def __init__(self, seed):
        self.state = seed

    def __call__(self, bound):
        self.state = (self.state * 6364136223846793005 +
                      1442695040888963407) % 2**64
        return (self.state >> 33) % bound


def finite(fmt, code):
    if fmt == "e4m3":
        return code & 0x7F != 0x7F
    if fmt == "e5m2":
        return (code >> 2) & 0x1F != 0x1F
    return True


def constant_operand(rand, fmt, rows, cols, axis, block):
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


def mx_kernel(c, name, rand, extra_attrs=""):
    """A destination-passing kernel `name` (five rank-2 memrefs: A elements,
    A scales, B elements, B scales, C in/out) computing C += A B on the
    configuration's MX operands, or C = A B with `zero` (the accumulator a
    zero fill of C, as mx-quantize writes it); constant operands (ca, cb)
    come from c["data"], drawn from `rand` on first use."""
    m, k, n, block = c["m"], c["k"], c["n"], c["block"]
    a_shape = (k, m, 0) if c["ta"] else (m, k, 1)
    b_shape = (n, k, 1) if c["tb"] else (k, n, 0)
    a = storage(c["fa"], *a_shape, block)
    b = storage(c["fb"], *b_shape, block)
    t = lambda s, e: "%dx%dx%s" % (s[0], s[1], e)
    ae, as_, be, bs = (t(a[0], "i8"), t(a[1], "f8E8M0FNU"), t(b[0], "i8"),
                       t(b[1], "f8E8M0FNU"))
    cc = "%dx%dxf32" % (m, n)
    attrs = (" transpose_a" if c["ta"] else "") + \
        (" transpose_b" if c["tb"] else "") + extra_attrs
    consts = ""
    for side, st, fmt, shape in (("a", a, c["fa"], a_shape),
                                 ("b", b, c["fb"], b_shape)):
        if not c["c" + side]:
            continue
        if side not in c["data"]:
            c["data"][side] = constant_operand(rand, fmt, *shape, block)
        codes, scales, elements = c["data"][side]
        # Storage as hex literals (raw bytes, row-major).
        consts += '  %%%se_k = arith.constant dense<"0x%s"> : tensor<%dx%dxi8>\n' % (
            side, "".join("%02X" % e for e in elements), st[0][0], st[0][1])
        consts += ('  %%%ss_k = arith.constant dense<"0x%s"> '
                   ': tensor<%dx%dxf8E8M0FNU>\n') % (
            side, "".join("%02X" % x for x in scales), st[1][0], st[1][1])
    acc = "%ct"
    if c["zero"]:
        acc = "%zero"
        consts += ("  %%f0 = arith.constant 0.0 : f32\n  %%zero = linalg.fill "
                   "ins(%%f0 : f32) outs(%%ct : tensor<%s>) -> tensor<%s>\n"
                   % (cc, cc))
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
  %r = mx.matmul %a, %b, {acc}{attrs} : {a[2]}, {b[2]} -> tensor<{cc}>
  bufferization.materialize_in_destination %r in restrict writable %c
      : (tensor<{cc}>, memref<{cc}>) -> ()
  return
}}
"""


def write_constants(f, cfgs):
    """The header arrays <name>_<side>_codes and _scales of every constant
    operand."""
    for c in cfgs:
        for side, (codes, scales, _) in sorted(c["data"].items()):
            f.write("static const uint8_t %s_%s_codes[] = {%s};\n" % (
                name_of(c), side, ", ".join(map(str, codes))))
            f.write("static const uint8_t %s_%s_scales[] = {%s};\n" % (
                name_of(c), side, ", ".join(map(str, scales))))


def constant_refs(c):
    """The four kernel-table entries A codes, A scales, B codes, B scales:
    the arrays of write_constants, nullptr for an operand passed at run
    time."""
    refs = []
    for side in ("a", "b"):
        if side in c["data"]:
            refs += ["%s_%s_codes" % (name_of(c), side),
                     "%s_%s_scales" % (name_of(c), side)]
        else:
            refs += ["nullptr", "nullptr"]
    return refs
