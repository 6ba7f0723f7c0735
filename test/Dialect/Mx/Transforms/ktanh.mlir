// RUN: mx-opt %s --mx-ktanh --split-input-file | FileCheck %s
// RUN: mx-opt %s --mx-ktanh="ops=tanh,sigmoid" --split-input-file \
// RUN:   | FileCheck %s --check-prefix=SOME
// RUN: mx-opt %s --mx-ktanh="dtypes=bf16 mantissa=bf16" --split-input-file \
// RUN:   | FileCheck %s --check-prefix=BF16
// RUN: mx-opt %s --mx-ktanh="mantissa=bf16" --split-input-file \
// RUN:   | FileCheck %s --check-prefix=MANT
// RUN: not mx-opt %s --mx-ktanh="ops=relu" 2>&1 | FileCheck %s --check-prefix=BADOP
// RUN: not mx-opt %s --mx-ktanh="dtypes=f16" 2>&1 | FileCheck %s --check-prefix=BADTYPE
// RUN: not mx-opt %s --mx-ktanh="mantissa=tf32" 2>&1 | FileCheck %s --check-prefix=BADMANT

// BADOP: mx-ktanh: unknown op 'relu' in ops=; expected tanh, sigmoid, swish or gelu
// BADTYPE: mx-ktanh: unknown dtype 'f16' in dtypes=; expected f32 or bf16
// BADMANT: mx-ktanh: unknown mantissa 'tf32'; expected full or bf16

// CHECK-LABEL: func @tanh
// CHECK-NEXT: %[[T:.*]] = mx.ktanh %arg0 : tensor<4x64xf32>
// CHECK-NEXT: %[[H:.*]] = mx.ktanh %arg1 : tensor<128xbf16>
// CHECK-NEXT: return %[[T]], %[[H]]
// SOME-LABEL: func @tanh
// SOME: mx.ktanh %arg0 : tensor<4x64xf32>
// BF16-LABEL: func @tanh
// BF16: math.tanh %arg0 : tensor<4x64xf32>
// BF16: mx.ktanh %arg1 : tensor<128xbf16>
// MANT-LABEL: func @tanh
// MANT: mx.ktanh %arg0 mantissa(bf16) : tensor<4x64xf32>
// MANT: mx.ktanh %arg1 : tensor<128xbf16>
func.func @tanh(%x: tensor<4x64xf32>, %h: tensor<128xbf16>) -> (tensor<4x64xf32>, tensor<128xbf16>) {
  %0 = math.tanh %x : tensor<4x64xf32>
  %1 = math.tanh %h : tensor<128xbf16>
  return %0, %1 : tensor<4x64xf32>, tensor<128xbf16>
}

// -----

// Scalars, vectors and f16 tensors are not rewritten.
// CHECK-LABEL: func @not_tensors
// CHECK: math.tanh %arg0 : f32
// CHECK: math.tanh %arg1 : vector<16xf32>
// CHECK: math.tanh %arg2 : tensor<8xf16>
// CHECK-NOT: mx.
func.func @not_tensors(%s: f32, %v: vector<16xf32>, %h: tensor<8xf16>) -> (f32, vector<16xf32>, tensor<8xf16>) {
  %0 = math.tanh %s : f32
  %1 = math.tanh %v : vector<16xf32>
  %2 = math.tanh %h : tensor<8xf16>
  return %0, %1, %2 : f32, vector<16xf32>, tensor<8xf16>
}

// -----

// CHECK-LABEL: func @sigmoid
// CHECK-NEXT: %[[S:.*]] = mx.ksigmoid %arg0 : tensor<64xf32>
// CHECK-NEXT: %[[T:.*]] = mx.ksigmoid %arg0 : tensor<64xf32>
// CHECK-NEXT: return %[[S]], %[[T]]
// SOME-LABEL: func @sigmoid
// SOME: mx.ksigmoid
func.func @sigmoid(%x: tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>) {
  %one = arith.constant dense<1.0> : tensor<64xf32>
  %n = arith.negf %x : tensor<64xf32>
  %e = math.exp %n : tensor<64xf32>
  %d = arith.addf %one, %e : tensor<64xf32>
  %s = arith.divf %one, %d : tensor<64xf32>
  // The other operand order of the add.
  %d2 = arith.addf %e, %one : tensor<64xf32>
  %s2 = arith.divf %one, %d2 : tensor<64xf32>
  return %s, %s2 : tensor<64xf32>, tensor<64xf32>
}

// -----

// Not a sigmoid: exp(x) instead of exp(-x), and 2 / (1 + exp(-x)).
// CHECK-LABEL: func @not_sigmoid
// CHECK-NOT: mx.
// CHECK: return
func.func @not_sigmoid(%x: tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>) {
  %one = arith.constant dense<1.0> : tensor<64xf32>
  %two = arith.constant dense<2.0> : tensor<64xf32>
  %e = math.exp %x : tensor<64xf32>
  %d = arith.addf %one, %e : tensor<64xf32>
  %s = arith.divf %one, %d : tensor<64xf32>
  %n = arith.negf %x : tensor<64xf32>
  %e2 = math.exp %n : tensor<64xf32>
  %d2 = arith.addf %one, %e2 : tensor<64xf32>
  %s2 = arith.divf %two, %d2 : tensor<64xf32>
  return %s, %s2 : tensor<64xf32>, tensor<64xf32>
}

// -----

// CHECK-LABEL: func @swish
// CHECK-NEXT: %[[A:.*]] = mx.kswish %arg0 : tensor<8x32xbf16>
// CHECK-NEXT: %[[B:.*]] = mx.kswish %arg0 : tensor<8x32xbf16>
// CHECK-NEXT: return %[[A]], %[[B]]
// With ops=tanh,sigmoid only the sigmoid is rewritten.
// SOME-LABEL: func @swish
// SOME: %[[S:.*]] = mx.ksigmoid %arg0 : tensor<8x32xbf16>
// SOME: arith.mulf %arg0, %[[S]]
// SOME: arith.divf %arg0
func.func @swish(%x: tensor<8x32xbf16>) -> (tensor<8x32xbf16>, tensor<8x32xbf16>) {
  %one = arith.constant dense<1.0> : tensor<8x32xbf16>
  %n = arith.negf %x : tensor<8x32xbf16>
  %e = math.exp %n : tensor<8x32xbf16>
  %d = arith.addf %one, %e : tensor<8x32xbf16>
  %s = arith.divf %one, %d : tensor<8x32xbf16>
  %y = arith.mulf %x, %s : tensor<8x32xbf16>
  %y2 = arith.divf %x, %d : tensor<8x32xbf16>
  return %y, %y2 : tensor<8x32xbf16>, tensor<8x32xbf16>
}

// -----

// GELU, tanh form, written three ways.
// CHECK-LABEL: func @gelu
// CHECK-NEXT: %[[A:.*]] = mx.kgelu %arg0 : tensor<16x64xf32>
// CHECK-NEXT: %[[B:.*]] = mx.kgelu %arg0 : tensor<16x64xf32>
// CHECK-NEXT: %[[C:.*]] = mx.kgelu %arg0 : tensor<16x64xf32>
// CHECK-NEXT: return %[[A]], %[[B]], %[[C]]
// SOME-LABEL: func @gelu
// SOME-NOT: mx.kgelu
// SOME: mx.ktanh
// MANT-LABEL: func @gelu
// MANT-COUNT-3: mx.kgelu %arg0 mantissa(bf16) : tensor<16x64xf32>
func.func @gelu(%x: tensor<16x64xf32>) -> (tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>) {
  %half = arith.constant dense<0.5> : tensor<16x64xf32>
  %one = arith.constant dense<1.0> : tensor<16x64xf32>
  %c = arith.constant dense<0.797884583> : tensor<16x64xf32>
  %k = arith.constant dense<0.044715> : tensor<16x64xf32>
  %three = arith.constant dense<3.0> : tensor<16x64xf32>
  // (0.5 * x) * (1 + tanh(c * (x + k * (x * x * x))))
  %x2 = arith.mulf %x, %x : tensor<16x64xf32>
  %x3 = arith.mulf %x2, %x : tensor<16x64xf32>
  %kx3 = arith.mulf %k, %x3 : tensor<16x64xf32>
  %in = arith.addf %x, %kx3 : tensor<16x64xf32>
  %z = arith.mulf %c, %in : tensor<16x64xf32>
  %t = math.tanh %z : tensor<16x64xf32>
  %p = arith.addf %one, %t : tensor<16x64xf32>
  %hx = arith.mulf %half, %x : tensor<16x64xf32>
  %g = arith.mulf %hx, %p : tensor<16x64xf32>
  // x * ((1 + tanh(...)) * 0.5) with powf and the operands swapped.
  %y3 = math.powf %x, %three : tensor<16x64xf32>
  %ky3 = arith.mulf %y3, %k : tensor<16x64xf32>
  %in2 = arith.addf %ky3, %x : tensor<16x64xf32>
  %z2 = arith.mulf %in2, %c : tensor<16x64xf32>
  %t2 = math.tanh %z2 : tensor<16x64xf32>
  %p2 = arith.addf %t2, %one : tensor<16x64xf32>
  %q2 = arith.mulf %p2, %half : tensor<16x64xf32>
  %g2 = arith.mulf %x, %q2 : tensor<16x64xf32>
  // 0.5 * (x * (1 + tanh(...))), the cube as x * (x * x).
  %x2b = arith.mulf %x, %x : tensor<16x64xf32>
  %x3b = arith.mulf %x, %x2b : tensor<16x64xf32>
  %kx3b = arith.mulf %x3b, %k : tensor<16x64xf32>
  %inb = arith.addf %x, %kx3b : tensor<16x64xf32>
  %zb = arith.mulf %inb, %c : tensor<16x64xf32>
  %tb = math.tanh %zb : tensor<16x64xf32>
  %pb = arith.addf %one, %tb : tensor<16x64xf32>
  %xpb = arith.mulf %x, %pb : tensor<16x64xf32>
  %g3 = arith.mulf %half, %xpb : tensor<16x64xf32>
  return %g, %g2, %g3 : tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>
}

// -----

// A wrong GELU constant (0.5 instead of 0.044715) is left alone, but its
// tanh is still a tanh.
// CHECK-LABEL: func @not_gelu
// CHECK-NOT: mx.kgelu
// CHECK: mx.ktanh
// CHECK-NOT: mx.kgelu
func.func @not_gelu(%x: tensor<64xf32>) -> tensor<64xf32> {
  %half = arith.constant dense<0.5> : tensor<64xf32>
  %one = arith.constant dense<1.0> : tensor<64xf32>
  %c = arith.constant dense<0.797884583> : tensor<64xf32>
  %x2 = arith.mulf %x, %x : tensor<64xf32>
  %x3 = arith.mulf %x2, %x : tensor<64xf32>
  %kx3 = arith.mulf %half, %x3 : tensor<64xf32>
  %in = arith.addf %x, %kx3 : tensor<64xf32>
  %z = arith.mulf %c, %in : tensor<64xf32>
  %t = math.tanh %z : tensor<64xf32>
  %p = arith.addf %one, %t : tensor<64xf32>
  %hx = arith.mulf %half, %x : tensor<64xf32>
  %g = arith.mulf %hx, %p : tensor<64xf32>
  return %g : tensor<64xf32>
}

// -----

// An intermediate with another use stays; the activation is still replaced.
// CHECK-LABEL: func @shared
// CHECK: %[[E:.*]] = math.exp
// CHECK: %[[S:.*]] = mx.ksigmoid %arg0
// CHECK: return %[[S]], %[[E]]
func.func @shared(%x: tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>) {
  %one = arith.constant dense<1.0> : tensor<64xf32>
  %n = arith.negf %x : tensor<64xf32>
  %e = math.exp %n : tensor<64xf32>
  %d = arith.addf %one, %e : tensor<64xf32>
  %s = arith.divf %one, %d : tensor<64xf32>
  return %s, %e : tensor<64xf32>, tensor<64xf32>
}

// -----

// linalg.generic bodies: a body that is only the activation of an
// identity-mapped input becomes the K-TanH op on that input.
// CHECK-LABEL: func @generic_tanh
// CHECK-NEXT: %[[T:.*]] = mx.ktanh %arg0 : tensor<4x64xf32>
// CHECK-NEXT: return %[[T]]
// BF16-LABEL: func @generic_tanh
// BF16: linalg.generic
// BF16: math.tanh %{{.*}} : f32
// MANT-LABEL: func @generic_tanh
// MANT-NEXT: mx.ktanh %arg0 mantissa(bf16) : tensor<4x64xf32>
func.func @generic_tanh(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %init = tensor.empty() : tensor<4x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x64xf32>) outs(%init : tensor<4x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  } -> tensor<4x64xf32>
  return %r : tensor<4x64xf32>
}

// -----

// GELU of a broadcast bias add, with bf16 scalar constants (sqrt(2/pi) and
// 0.044715 rounded to bf16): the bias add stays a generic, the GELU becomes
// mx.kgelu of its result, and the generic left only forwarding it goes.
// With ops=tanh,sigmoid only the tanh is replaced: its argument is computed
// by a new generic, and the rest of the body reads mx.ktanh's result.
// CHECK-LABEL: func @generic_bias_gelu
// CHECK: %[[V:.*]] = linalg.generic
// CHECK-SAME: ins(%arg0, %arg1 : tensor<4x64xbf16>, tensor<64xbf16>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: bf16, %[[B:.*]]: bf16, %{{.*}}: bf16):
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[A]], %[[B]] : bf16
// CHECK-NEXT: linalg.yield %[[S]] : bf16
// CHECK: %[[G:.*]] = mx.kgelu %[[V]] : tensor<4x64xbf16>
// CHECK-NEXT: return %[[G]]
// SOME-LABEL: func @generic_bias_gelu
// SOME: %[[Z:.*]] = linalg.generic
// SOME-NOT: math.tanh
// SOME: linalg.yield
// SOME: %[[T:.*]] = mx.ktanh %[[Z]] : tensor<4x64xbf16>
// SOME: linalg.generic
// SOME-SAME: ins(%arg0, %arg1, %[[T]] : tensor<4x64xbf16>, tensor<64xbf16>, tensor<4x64xbf16>)
// SOME-NOT: math.tanh
// SOME: return
// BF16-LABEL: func @generic_bias_gelu
// BF16: mx.kgelu %{{.*}} : tensor<4x64xbf16>
func.func @generic_bias_gelu(%x: tensor<4x64xbf16>, %b: tensor<64xbf16>) -> tensor<4x64xbf16> {
  %init = tensor.empty() : tensor<4x64xbf16>
  %half = arith.constant 0.5 : bf16
  %one = arith.constant 1.0 : bf16
  %c = arith.constant 0.797884583 : bf16
  %k = arith.constant 0.044715 : bf16
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : tensor<4x64xbf16>, tensor<64xbf16>) outs(%init : tensor<4x64xbf16>) {
  ^bb0(%a: bf16, %bb: bf16, %o: bf16):
    %v = arith.addf %a, %bb : bf16
    %v2 = arith.mulf %v, %v : bf16
    %v3 = arith.mulf %v2, %v : bf16
    %kv3 = arith.mulf %k, %v3 : bf16
    %in = arith.addf %v, %kv3 : bf16
    %z = arith.mulf %c, %in : bf16
    %t = math.tanh %z : bf16
    %p = arith.addf %one, %t : bf16
    %hv = arith.mulf %half, %v : bf16
    %g = arith.mulf %hv, %p : bf16
    linalg.yield %g : bf16
  } -> tensor<4x64xbf16>
  return %r : tensor<4x64xbf16>
}

// -----

// A sigmoid whose result is used further: the generic keeps the rest and
// reads mx.ksigmoid's result (dynamic sizes, an accumulating output).
// CHECK-LABEL: func @generic_sigmoid_used
// CHECK-NEXT: %[[S:.*]] = mx.ksigmoid %arg0 : tensor<?x8xf32>
// CHECK-NEXT: %[[R:.*]] = linalg.generic
// CHECK-SAME: ins(%[[S]] : tensor<?x8xf32>) outs(%arg1 : tensor<?x8xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %[[OUT:.*]]: f32):
// CHECK-NEXT: %[[Y:.*]] = arith.addf %[[IN]], %[[OUT]] : f32
// CHECK-NEXT: linalg.yield %[[Y]] : f32
// CHECK: return %[[R]]
// BF16-LABEL: func @generic_sigmoid_used
// BF16-NOT: mx.
// BF16: return
func.func @generic_sigmoid_used(%x: tensor<?x8xf32>, %acc: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x8xf32>) outs(%acc : tensor<?x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a : f32
    %e = math.exp %n : f32
    %d = arith.addf %one, %e : f32
    %s = arith.divf %one, %d : f32
    %y = arith.addf %s, %o : f32
    linalg.yield %y : f32
  } -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}

// -----

// Swish (x / (1 + exp(-x))) of a broadcast input: a generic broadcasts it,
// mx.kswish takes the result.
// CHECK-LABEL: func @generic_swish_broadcast
// CHECK: %[[B:.*]] = linalg.generic
// CHECK-SAME: ins(%arg0 : tensor<64xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]] : f32
// CHECK: %[[W:.*]] = mx.kswish %[[B]] : tensor<4x64xf32>
// CHECK-NEXT: return %[[W]]
// SOME-LABEL: func @generic_swish_broadcast
// SOME-NOT: mx.
// SOME: return
// MANT-LABEL: func @generic_swish_broadcast
// MANT: mx.kswish %{{.*}} mantissa(bf16) : tensor<4x64xf32>
func.func @generic_swish_broadcast(%b: tensor<64xf32>) -> tensor<4x64xf32> {
  %init = tensor.empty() : tensor<4x64xf32>
  %one = arith.constant 1.0 : f32
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<64xf32>) outs(%init : tensor<4x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    %e = math.exp %n : f32
    %d = arith.addf %one, %e : f32
    %y = arith.divf %a, %d : f32
    linalg.yield %y : f32
  } -> tensor<4x64xf32>
  return %r : tensor<4x64xf32>
}

// -----

// Not rewritten: a reduction, an f16 body, and the tanh of a scalar from
// outside the body (not one value per element).
// CHECK-LABEL: func @generic_not_rewritten
// CHECK-NOT: mx.
// CHECK: math.tanh %{{.*}} : f32
// CHECK: math.tanh %{{.*}} : f16
// CHECK: math.tanh %arg2 : f32
// CHECK-NOT: mx.
// CHECK: return
func.func @generic_not_rewritten(%x: tensor<4x64xf32>, %h: tensor<64xf16>, %s: f32) -> (tensor<4xf32>, tensor<64xf16>, tensor<64xf16>) {
  %init = tensor.empty() : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x64xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.tanh %a : f32
    %y = arith.addf %t, %o : f32
    linalg.yield %y : f32
  } -> tensor<4xf32>
  %hinit = tensor.empty() : tensor<64xf16>
  %q = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%h : tensor<64xf16>) outs(%hinit : tensor<64xf16>) {
  ^bb0(%a: f16, %o: f16):
    %t = math.tanh %a : f16
    linalg.yield %t : f16
  } -> tensor<64xf16>
  %u = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%h : tensor<64xf16>) outs(%hinit : tensor<64xf16>) {
  ^bb0(%a: f16, %o: f16):
    %t = math.tanh %s : f32
    %tt = arith.truncf %t : f32 to f16
    %y = arith.addf %a, %tt : f16
    linalg.yield %y : f16
  } -> tensor<64xf16>
  return %r, %q, %u : tensor<4xf32>, tensor<64xf16>, tensor<64xf16>
}

// -----

// bf16 GELU on tensors with its constants rounded to bf16.
// CHECK-LABEL: func @gelu_bf16_constants
// CHECK-NEXT: %[[G:.*]] = mx.kgelu %arg0 : tensor<64xbf16>
// CHECK-NEXT: return %[[G]]
func.func @gelu_bf16_constants(%x: tensor<64xbf16>) -> tensor<64xbf16> {
  %half = arith.constant dense<0.5> : tensor<64xbf16>
  %one = arith.constant dense<1.0> : tensor<64xbf16>
  %c = arith.constant dense<0.797884583> : tensor<64xbf16>
  %k = arith.constant dense<0.044715> : tensor<64xbf16>
  %x2 = arith.mulf %x, %x : tensor<64xbf16>
  %x3 = arith.mulf %x2, %x : tensor<64xbf16>
  %kx3 = arith.mulf %k, %x3 : tensor<64xbf16>
  %in = arith.addf %x, %kx3 : tensor<64xbf16>
  %z = arith.mulf %c, %in : tensor<64xbf16>
  %t = math.tanh %z : tensor<64xbf16>
  %p = arith.addf %one, %t : tensor<64xbf16>
  %hx = arith.mulf %half, %x : tensor<64xbf16>
  %g = arith.mulf %hx, %p : tensor<64xbf16>
  return %g : tensor<64xbf16>
}
