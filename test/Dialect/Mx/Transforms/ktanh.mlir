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
