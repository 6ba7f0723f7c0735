// RUN: mx-opt %s --mx-lower-to-linalg --split-input-file | FileCheck %s

// MXFP8: the blocked axis 1 is split into [blocks, 32]; amax reduces over the
// block, the scale generic works per block, the codes generic per element
// (per-block operands broadcast over the block), and 8-bit codes are the
// storage bytes.

// CHECK-DAG: #[[$ELEM:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$BLOCK:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @quantize_e4m3
// CHECK-SAME: (%[[X:.+]]: tensor<4x64xf32>)
// CHECK: %[[XB:.+]] = tensor.expand_shape %[[X]] {{\[}}[0], [1, 2]] output_shape [4, 2, 32] : tensor<4x64xf32> into tensor<4x2x32xf32>
// CHECK: %[[ZERO:.+]] = linalg.fill ins(%{{.+}} : i32) outs(%{{.+}} : tensor<4x2xi32>)
// CHECK: %[[AMAX:.+]] = linalg.generic {indexing_maps = [#[[$ELEM]], #[[$BLOCK]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[XB]] : tensor<4x2x32xf32>) outs(%[[ZERO]] : tensor<4x2xi32>)
// CHECK-NEXT: ^bb0(%[[V:.+]]: f32, %[[ACC:.+]]: i32):
// CHECK: arith.bitcast %[[V]] : f32 to i32
// CHECK: %[[MAX:.+]] = arith.maxui %[[ACC]], %{{.+}} : i32
// CHECK-NEXT: linalg.yield %[[MAX]] : i32
// CHECK: %[[SCALES:.+]]:2 = linalg.generic {indexing_maps = [#[[$ID2]], #[[$ID2]], #[[$ID2]]], iterator_types = ["parallel", "parallel"]} ins(%[[AMAX]] : tensor<4x2xi32>) outs(%{{.+}}, %{{.+}} : tensor<4x2xi32>, tensor<4x2xf8E8M0FNU>)
// CHECK: %[[BYTE:.+]] = arith.trunci %{{.+}} : i32 to i8
// CHECK-NEXT: %[[SCALE:.+]] = arith.bitcast %[[BYTE]] : i8 to f8E8M0FNU
// CHECK-NEXT: linalg.yield %{{.+}}, %[[SCALE]] : i32, f8E8M0FNU
// CHECK: %[[CODES:.+]] = linalg.generic {indexing_maps = [#[[$ELEM]], #[[$BLOCK]], #[[$BLOCK]], #[[$ELEM]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[XB]], %[[SCALES]]#0, %[[AMAX]] : tensor<4x2x32xf32>, tensor<4x2xi32>, tensor<4x2xi32>) outs(%{{.+}} : tensor<4x2x32xi8>)
// CHECK: linalg.yield %{{.+}} : i8
// CHECK: %[[ELEMENTS:.+]] = tensor.collapse_shape %[[CODES]] {{\[}}[0], [1, 2]] : tensor<4x2x32xi8> into tensor<4x64xi8>
// CHECK: %[[Q:.+]] = mx.assemble %[[ELEMENTS]], %[[SCALES]]#1 : tensor<4x64xi8>, tensor<4x2xf8E8M0FNU> -> !mx.tensor<4x64, e4m3, axis = 1>
// CHECK: return %[[Q]]
func.func @quantize_e4m3(%x: tensor<4x64xf32>) -> !mx.tensor<4x64, e4m3, axis = 1> {
  %0 = mx.quantize %x : tensor<4x64xf32> -> !mx.tensor<4x64, e4m3, axis = 1>
  return %0 : !mx.tensor<4x64, e4m3, axis = 1>
}

// -----

// MXFP4 blocked along dim 0: the codes of a block are grouped in pairs and
// each pair is reduced into one byte, code k shifted to nibble k.

// CHECK-DAG: #[[$ELEM:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$BLOCK:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[$PAIR:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$BYTE:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-LABEL: func.func @quantize_e2m1
// CHECK: %[[XB:.+]] = tensor.expand_shape %{{.+}} {{\[}}[0, 1], [2]] output_shape [2, 32, 8] : tensor<64x8xf32> into tensor<2x32x8xf32>
// CHECK: %[[AMAX:.+]] = linalg.generic {indexing_maps = [#[[$ELEM]], #[[$BLOCK]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[XB]] : tensor<2x32x8xf32>) outs(%{{.+}} : tensor<2x8xi32>)
// Subnormals are flushed before the max.
// CHECK: arith.select
// CHECK: arith.maxui
// CHECK: %[[SCALES:.+]]:2 = linalg.generic
// CHECK-SAME: outs(%{{.+}}, %{{.+}} : tensor<2x8xi32>, tensor<2x8xf8E8M0FNU>)
// CHECK: %[[CODES:.+]] = linalg.generic {indexing_maps = [#[[$ELEM]], #[[$BLOCK]], #[[$BLOCK]], #[[$ELEM]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[XB]], %[[SCALES]]#0, %[[AMAX]] : {{.*}}) outs(%{{.+}} : tensor<2x32x8xi8>)
// CHECK: %[[PAIRS:.+]] = tensor.expand_shape %[[CODES]] {{\[}}[0], [1, 2], [3]] output_shape [2, 16, 2, 8] : tensor<2x32x8xi8> into tensor<2x16x2x8xi8>
// CHECK: %[[ZERO:.+]] = linalg.fill ins(%{{.+}} : i8) outs(%{{.+}} : tensor<2x16x8xi8>)
// CHECK: %[[PACKED:.+]] = linalg.generic {indexing_maps = [#[[$PAIR]], #[[$BYTE]]], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%[[PAIRS]] : tensor<2x16x2x8xi8>) outs(%[[ZERO]] : tensor<2x16x8xi8>)
// CHECK-NEXT: ^bb0(%[[CODE:.+]]: i8, %[[ACC:.+]]: i8):
// CHECK-NEXT: %[[MASK:.+]] = arith.constant 15 : i8
// CHECK-NEXT: %[[NIBBLE:.+]] = arith.andi %[[CODE]], %[[MASK]] : i8
// CHECK-NEXT: %[[WIDE:.+]] = arith.extui %[[NIBBLE]] : i8 to i32
// CHECK-NEXT: %[[K:.+]] = linalg.index 2 : index
// CHECK-NEXT: %[[KI:.+]] = arith.index_cast %[[K]] : index to i32
// CHECK-NEXT: %[[FOUR:.+]] = arith.constant 4 : i32
// CHECK-NEXT: %[[SHIFT:.+]] = arith.muli %[[KI]], %[[FOUR]] : i32
// CHECK-NEXT: %[[PLACED:.+]] = arith.shli %[[WIDE]], %[[SHIFT]] : i32
// CHECK-NEXT: %[[PART:.+]] = arith.trunci %[[PLACED]] : i32 to i8
// CHECK-NEXT: %[[OR:.+]] = arith.ori %[[ACC]], %[[PART]] : i8
// CHECK-NEXT: linalg.yield %[[OR]] : i8
// CHECK: %[[ELEMENTS:.+]] = tensor.collapse_shape %[[PACKED]] {{\[}}[0, 1], [2]] : tensor<2x16x8xi8> into tensor<32x8xi8>
// CHECK: mx.assemble %[[ELEMENTS]], %[[SCALES]]#1 : tensor<32x8xi8>, tensor<2x8xf8E8M0FNU> -> !mx.tensor<64x8, e2m1, axis = 0>
func.func @quantize_e2m1(%x: tensor<64x8xf32>) -> !mx.tensor<64x8, e2m1, axis = 0> {
  %0 = mx.quantize %x scale(rceil) flush_subnormals
         : tensor<64x8xf32> -> !mx.tensor<64x8, e2m1, axis = 0>
  return %0 : !mx.tensor<64x8, e2m1, axis = 0>
}

// -----

// MXFP6: groups of four codes fill three bytes; the packing generic loops over
// [..., group, byte r, code j] and reduces over j, taking bits [8r, 8r + 8)
// of code j placed at bit 6j.

// CHECK-DAG: #[[$CODE:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[$BYTE:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @quantize_e2m3
// CHECK: tensor.expand_shape %{{.+}} {{\[}}[0], [1, 2]] output_shape [2, 4, 16] : tensor<2x64xf32> into tensor<2x4x16xf32>
// CHECK: %[[SCALES:.+]]:2 = linalg.generic
// CHECK: %[[CODES:.+]] = linalg.generic
// CHECK-SAME: outs(%{{.+}} : tensor<2x4x16xi8>)
// CHECK: %[[GROUPS:.+]] = tensor.expand_shape %[[CODES]] {{\[}}[0], [1], [2, 3]] output_shape [2, 4, 4, 4] : tensor<2x4x16xi8> into tensor<2x4x4x4xi8>
// CHECK: %[[ZERO:.+]] = linalg.fill ins(%{{.+}} : i8) outs(%{{.+}} : tensor<2x4x4x3xi8>)
// CHECK: %[[PACKED:.+]] = linalg.generic {indexing_maps = [#[[$CODE]], #[[$BYTE]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[GROUPS]] : tensor<2x4x4x4xi8>) outs(%[[ZERO]] : tensor<2x4x4x3xi8>)
// CHECK-NEXT: ^bb0(%[[CODE:.+]]: i8, %[[ACC:.+]]: i8):
// CHECK-NEXT: %[[MASK:.+]] = arith.constant 63 : i8
// CHECK-NEXT: %[[BITS:.+]] = arith.andi %[[CODE]], %[[MASK]] : i8
// CHECK-NEXT: %[[WIDE:.+]] = arith.extui %[[BITS]] : i8 to i32
// CHECK-NEXT: %[[J:.+]] = linalg.index 4 : index
// CHECK-NEXT: %[[JI:.+]] = arith.index_cast %[[J]] : index to i32
// CHECK-NEXT: %[[SIX:.+]] = arith.constant 6 : i32
// CHECK-NEXT: %[[SHL:.+]] = arith.muli %[[JI]], %[[SIX]] : i32
// CHECK-NEXT: %[[PLACED:.+]] = arith.shli %[[WIDE]], %[[SHL]] : i32
// CHECK-NEXT: %[[R:.+]] = linalg.index 3 : index
// CHECK-NEXT: %[[RI:.+]] = arith.index_cast %[[R]] : index to i32
// CHECK-NEXT: %[[EIGHT:.+]] = arith.constant 8 : i32
// CHECK-NEXT: %[[SHR:.+]] = arith.muli %[[RI]], %[[EIGHT]] : i32
// CHECK-NEXT: %[[SHIFTED:.+]] = arith.shrui %[[PLACED]], %[[SHR]] : i32
// CHECK-NEXT: %[[PART:.+]] = arith.trunci %[[SHIFTED]] : i32 to i8
// CHECK-NEXT: %[[OR:.+]] = arith.ori %[[ACC]], %[[PART]] : i8
// CHECK-NEXT: linalg.yield %[[OR]] : i8
// CHECK: %[[ELEMENTS:.+]] = tensor.collapse_shape %[[PACKED]] {{\[}}[0], [1, 2, 3]] : tensor<2x4x4x3xi8> into tensor<2x48xi8>
// CHECK: mx.assemble %[[ELEMENTS]], %[[SCALES]]#1 : tensor<2x48xi8>, tensor<2x4xf8E8M0FNU> -> !mx.tensor<2x64, e2m3, axis = 1, block = 16>
func.func @quantize_e2m3(%x: tensor<2x64xf32>) -> !mx.tensor<2x64, e2m3, axis = 1, block = 16> {
  %0 = mx.quantize %x : tensor<2x64xf32> -> !mx.tensor<2x64, e2m3, axis = 1, block = 16>
  return %0 : !mx.tensor<2x64, e2m3, axis = 1, block = 16>
}

// -----

// bf16 inputs are widened (exactly) to f32 in every body that reads them.

// CHECK-LABEL: func.func @quantize_bf16
// CHECK: %[[XB:.+]] = tensor.expand_shape %{{.+}} {{\[}}[0, 1], [2]] output_shape [1, 32, 4] : tensor<32x4xbf16> into tensor<1x32x4xbf16>
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[XB]] : tensor<1x32x4xbf16>) outs(%{{.+}} : tensor<1x4xi32>)
// CHECK-NEXT: ^bb0(%[[V:.+]]: bf16, %{{.+}}: i32):
// CHECK-NEXT: arith.extf %[[V]] : bf16 to f32
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.+}}, %{{.+}} : tensor<1x4xi32>, tensor<1x4xf8E8M0FNU>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[XB]], %{{.+}}, %{{.+}} : tensor<1x32x4xbf16>, tensor<1x4xi32>, tensor<1x4xi32>) outs(%{{.+}} : tensor<1x32x4xi8>)
// CHECK-NEXT: ^bb0(%[[W:.+]]: bf16, %{{.+}}: i32, %{{.+}}: i32, %{{.+}}: i8):
// CHECK-NEXT: arith.extf %[[W]] : bf16 to f32
// CHECK: tensor.collapse_shape %{{.+}} {{\[}}[0, 1], [2]] : tensor<1x32x4xi8> into tensor<32x4xi8>
// CHECK: mx.assemble {{.*}} -> !mx.tensor<32x4, int8, axis = 0>
func.func @quantize_bf16(%x: tensor<32x4xbf16>) -> !mx.tensor<32x4, int8, axis = 0> {
  %0 = mx.quantize %x scale(even) : tensor<32x4xbf16> -> !mx.tensor<32x4, int8, axis = 0>
  return %0 : !mx.tensor<32x4, int8, axis = 0>
}

// -----

// MXFP4 dequantize: nibble k of each byte is code k of its pair; the decode
// generic broadcasts the E8M0 scale over the block.

// CHECK-DAG: #[[$BYTE:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[$PAIR:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$ELEM:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$BLOCK:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @dequantize_e2m1
// CHECK-SAME: (%[[Q:.+]]: !mx.tensor<4x64, e2m1, axis = 1>)
// CHECK: %[[E:.+]], %[[S:.+]] = mx.disassemble %[[Q]] : !mx.tensor<4x64, e2m1, axis = 1> -> tensor<4x32xi8>, tensor<4x2xf8E8M0FNU>
// CHECK: %[[EB:.+]] = tensor.expand_shape %[[E]] {{\[}}[0], [1, 2]] output_shape [4, 2, 16] : tensor<4x32xi8> into tensor<4x2x16xi8>
// CHECK: %[[PAIRS:.+]] = linalg.generic {indexing_maps = [#[[$BYTE]], #[[$PAIR]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[EB]] : tensor<4x2x16xi8>) outs(%{{.+}} : tensor<4x2x16x2xi8>)
// CHECK-NEXT: ^bb0(%[[B:.+]]: i8, %{{.+}}: i8):
// CHECK-NEXT: %[[WORD:.+]] = arith.extui %[[B]] : i8 to i32
// CHECK-NEXT: %[[K:.+]] = linalg.index 3 : index
// CHECK-NEXT: %[[KI:.+]] = arith.index_cast %[[K]] : index to i32
// CHECK-NEXT: %[[FOUR:.+]] = arith.constant 4 : i32
// CHECK-NEXT: %[[SHIFT:.+]] = arith.muli %[[KI]], %[[FOUR]] : i32
// CHECK-NEXT: %[[SHIFTED:.+]] = arith.shrui %[[WORD]], %[[SHIFT]] : i32
// CHECK-NEXT: %[[MASK:.+]] = arith.constant 15 : i32
// CHECK-NEXT: %[[BITS:.+]] = arith.andi %[[SHIFTED]], %[[MASK]] : i32
// CHECK-NEXT: %[[CODE:.+]] = arith.trunci %[[BITS]] : i32 to i8
// CHECK-NEXT: linalg.yield %[[CODE]] : i8
// CHECK: %[[CODES:.+]] = tensor.collapse_shape %[[PAIRS]] {{\[}}[0], [1], [2, 3]] : tensor<4x2x16x2xi8> into tensor<4x2x32xi8>
// CHECK: %[[Y:.+]] = linalg.generic {indexing_maps = [#[[$ELEM]], #[[$BLOCK]], #[[$ELEM]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[CODES]], %[[S]] : tensor<4x2x32xi8>, tensor<4x2xf8E8M0FNU>) outs(%{{.+}} : tensor<4x2x32xf32>)
// CHECK-NEXT: ^bb0(%{{.+}}: i8, %[[SCALE:.+]]: f8E8M0FNU, %{{.+}}: f32):
// CHECK-NEXT: arith.bitcast %[[SCALE]] : f8E8M0FNU to i8
// CHECK: linalg.yield %{{.+}} : f32
// CHECK: %[[R:.+]] = tensor.collapse_shape %[[Y]] {{\[}}[0], [1, 2]] : tensor<4x2x32xf32> into tensor<4x64xf32>
// CHECK: return %[[R]]
func.func @dequantize_e2m1(%q: !mx.tensor<4x64, e2m1, axis = 1>) -> tensor<4x64xf32> {
  %0 = mx.dequantize %q : !mx.tensor<4x64, e2m1, axis = 1> -> tensor<4x64xf32>
  return %0 : tensor<4x64xf32>
}

// -----

// MXFP6 dequantize to bf16: the three bytes of each group are sliced apart,
// joined into a 24-bit little-endian word, and code j is bits [6j, 6j + 6).

// CHECK-DAG: #[[$GROUP:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[$CODE:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$ELEM:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$BLOCK:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @dequantize_e3m2
// CHECK: %[[E:.+]], %[[S:.+]] = mx.disassemble %{{.+}} : !mx.tensor<64x2, e3m2, axis = 0> -> tensor<48x2xi8>, tensor<2x2xf8E8M0FNU>
// CHECK: %[[EB:.+]] = tensor.expand_shape %[[E]] {{\[}}[0, 1, 2], [3]] output_shape [2, 8, 3, 2] : tensor<48x2xi8> into tensor<2x8x3x2xi8>
// CHECK: %[[B0:.+]] = tensor.extract_slice %[[EB]][0, 0, 0, 0] [2, 8, 1, 2] [1, 1, 1, 1] : tensor<2x8x3x2xi8> to tensor<2x8x2xi8>
// CHECK: %[[B1:.+]] = tensor.extract_slice %[[EB]][0, 0, 1, 0] [2, 8, 1, 2] [1, 1, 1, 1] : tensor<2x8x3x2xi8> to tensor<2x8x2xi8>
// CHECK: %[[B2:.+]] = tensor.extract_slice %[[EB]][0, 0, 2, 0] [2, 8, 1, 2] [1, 1, 1, 1] : tensor<2x8x3x2xi8> to tensor<2x8x2xi8>
// CHECK: %[[GROUPS:.+]] = linalg.generic {indexing_maps = [#[[$GROUP]], #[[$GROUP]], #[[$GROUP]], #[[$CODE]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[B0]], %[[B1]], %[[B2]] : tensor<2x8x2xi8>, tensor<2x8x2xi8>, tensor<2x8x2xi8>) outs(%{{.+}} : tensor<2x8x4x2xi8>)
// CHECK-NEXT: ^bb0(%[[X0:[^:]+]]: i8, %[[X1:[^:]+]]: i8, %[[X2:[^:]+]]: i8, %{{.+}}: i8):
// CHECK-NEXT: %[[W0:.+]] = arith.extui %[[X0]] : i8 to i32
// CHECK-NEXT: %[[W1:.+]] = arith.extui %[[X1]] : i8 to i32
// CHECK-NEXT: %[[EIGHT:.+]] = arith.constant 8 : i32
// CHECK-NEXT: %[[H1:.+]] = arith.shli %[[W1]], %[[EIGHT]] : i32
// CHECK-NEXT: %[[W01:.+]] = arith.ori %[[W0]], %[[H1]] : i32
// CHECK-NEXT: %[[W2:.+]] = arith.extui %[[X2]] : i8 to i32
// CHECK-NEXT: %[[SIXTEEN:.+]] = arith.constant 16 : i32
// CHECK-NEXT: %[[H2:.+]] = arith.shli %[[W2]], %[[SIXTEEN]] : i32
// CHECK-NEXT: %[[WORD:.+]] = arith.ori %[[W01]], %[[H2]] : i32
// CHECK-NEXT: %[[J:.+]] = linalg.index 2 : index
// CHECK-NEXT: %[[JI:.+]] = arith.index_cast %[[J]] : index to i32
// CHECK-NEXT: %[[SIX:.+]] = arith.constant 6 : i32
// CHECK-NEXT: %[[SHIFT:.+]] = arith.muli %[[JI]], %[[SIX]] : i32
// CHECK-NEXT: %[[SHIFTED:.+]] = arith.shrui %[[WORD]], %[[SHIFT]] : i32
// CHECK-NEXT: %[[MASK:.+]] = arith.constant 63 : i32
// CHECK-NEXT: %[[BITS:.+]] = arith.andi %[[SHIFTED]], %[[MASK]] : i32
// CHECK-NEXT: %[[CODE:.+]] = arith.trunci %[[BITS]] : i32 to i8
// CHECK-NEXT: linalg.yield %[[CODE]] : i8
// CHECK: %[[CODES:.+]] = tensor.collapse_shape %[[GROUPS]] {{\[}}[0], [1, 2], [3]] : tensor<2x8x4x2xi8> into tensor<2x32x2xi8>
// CHECK: %[[Y:.+]] = linalg.generic {indexing_maps = [#[[$ELEM]], #[[$BLOCK]], #[[$ELEM]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[CODES]], %[[S]] : tensor<2x32x2xi8>, tensor<2x2xf8E8M0FNU>) outs(%{{.+}} : tensor<2x32x2xbf16>)
// CHECK: %[[V:.+]] = arith.truncf %{{.+}} : f32 to bf16
// CHECK-NEXT: linalg.yield %[[V]] : bf16
// CHECK: %[[R:.+]] = tensor.collapse_shape %[[Y]] {{\[}}[0, 1], [2]] : tensor<2x32x2xbf16> into tensor<64x2xbf16>
// CHECK: return %[[R]]
func.func @dequantize_e3m2(%q: !mx.tensor<64x2, e3m2, axis = 0>) -> tensor<64x2xbf16> {
  %0 = mx.dequantize %q : !mx.tensor<64x2, e3m2, axis = 0> -> tensor<64x2xbf16>
  return %0 : tensor<64x2xbf16>
}
