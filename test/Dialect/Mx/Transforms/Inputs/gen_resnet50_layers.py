#!/usr/bin/env python3
"""Writes the 54 weighted layers of ResNet-50 v1.5 (224x224, batch 1) as
mx.masked_conv2d / mx.masked_matmul ops with a made-up non-uniform
per-layer sparsity, and FileCheck lines with the sparse totals computed
here: sum (1 - s_l) * MACs_l (forward), sum (2 d_l + 1) MACs_l (training,
alpha > 0) and sum 3 d_l MACs_l (alpha = 0).

usage: gen_resnet50_layers.py OUT.mlir OUT.check
"""
import sys

layers = []  # (name, cin, cout, kernel, stride, pad, map_in)
layers.append(("conv1", 3, 64, 7, 2, 3, 224))
cin, size = 64, 56
for stage, (blocks, width, out, stride) in enumerate(
        [(3, 64, 256, 1), (4, 128, 512, 2), (6, 256, 1024, 2),
         (3, 512, 2048, 2)]):
    for b in range(blocks):
        p = "layer%d.%d." % (stage + 1, b)
        s = stride if b == 0 else 1
        layers.append((p + "conv1", cin, width, 1, 1, 0, size))
        layers.append((p + "conv2", width, width, 3, s, 1, size))
        out_size = (size + 2 - 3) // s + 1
        layers.append((p + "conv3", width, out, 1, 1, 0, out_size))
        if b == 0:
            layers.append((p + "downsample.0", cin, out, 1, s, 0, size))
        cin, size = out, out_size

# A made-up budget (not STR's): heavier pruning in the middle stages.
def sparsity(i):
    return round(0.6 + 0.35 * ((i * 7) % 11) / 10.0, 4)

ops, args, macs_list = [], [], []
for i, (name, ci, co, k, s, p, m) in enumerate(layers):
    o = (m + 2 * p - k) // s + 1
    x, w, y = "1x%dx%dx%dxf32" % (ci, m, m), "%dx%dx%dx%dxf32" % (co, ci, k, k), \
        "1x%dx%dx%dxf32" % (co, o, o)
    args += ["%%x%d: tensor<%s>" % (i, x), "%%w%d: tensor<%s>" % (i, w)]
    ops.append('  %%y%d = mx.masked_conv2d %%x%d, %%w%d, %%s {mx.layer = "%s", '
               'mx.sparsity = %s : f64, strides = array<i64: %d, %d>, '
               'padding = array<i64: %d, %d>} : tensor<%s>, tensor<%s>, f32 '
               '-> tensor<%s>' % (i, i, i, name, repr(sparsity(i)), s, s, p,
                                  p, x, w, y))
    macs_list.append(co * ci * k * k * o * o)
i = len(layers)
args += ["%%x%d: tensor<2048x1xf32>" % i, "%%w%d: tensor<1000x2048xf32>" % i]
ops.append('  %%y%d = mx.masked_matmul %%w%d, %%x%d, %%s {mx.layer = "fc", '
           'mx.sparsity = %s : f64} : tensor<1000x2048xf32>, '
           'tensor<2048x1xf32>, f32 -> tensor<1000x1xf32>'
           % (i, i, i, repr(sparsity(i))))
macs_list.append(1000 * 2048)
names = [l[0] for l in layers] + ["fc"]

with open(sys.argv[1], "w") as f:
    f.write("func.func @resnet50_layers(%s, %%s: f32) {\n" % ", ".join(args))
    f.write("\n".join(ops) + "\n  return\n}\n")

dense = sum(macs_list)
fwd = sum((1 - sparsity(i)) * m for i, m in enumerate(macs_list))
ga = sum((2 * (1 - sparsity(i)) + 1) * m for i, m in enumerate(macs_list))
strc = sum(3 * (1 - sparsity(i)) * m for i, m in enumerate(macs_list))
with open(sys.argv[2], "w") as f:
    f.write("CHECK: mx-flops-report: %d layers\n" % len(macs_list))
    for i, (n, m) in enumerate(zip(names, macs_list)):
        f.write("CHECK: layer %s: {{.*}} d=%.6f (attr) dense=%d sparse=%d\n"
                % (n, 1 - sparsity(i), m, round((1 - sparsity(i)) * m)))
    f.write("CHECK: total forward: dense=%d sparse=%d\n" % (dense, round(fwd)))
    f.write("CHECK: total training step (alpha > 0, dense weight gradient): "
            "dense=%d sparse=%d\n" % (3 * dense, round(ga)))
    f.write("CHECK: total training step (alpha = 0, SDDMM weight gradient): "
            "dense=%d sparse=%d\n" % (3 * dense, round(strc)))
