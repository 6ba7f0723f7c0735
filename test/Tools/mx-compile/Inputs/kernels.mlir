// Entry points with the signature kinds the C header covers: memref and
// tensor arguments (static and dynamic), scalars of several types, a scalar
// result, a tensor result (allocated by the callee) and named arguments.

// x[i] *= s, in place.
func.func @scale(%x: memref<?xf32> loc("x"), %s: f32 loc("s")) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %x[%i] : memref<?xf32>
    %w = arith.mulf %v, %s : f32
    memref.store %w, %x[%i] : memref<?xf32>
  }
  return
}

// The sum of a tensor's elements.
func.func @sum(%x: tensor<8xf32>) -> f32 {
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<f32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<f32>) -> tensor<f32>
  %r = linalg.reduce ins(%x : tensor<8xf32>) outs(%acc : tensor<f32>) dimensions = [0]
    (%in: f32, %a: f32) {
      %s = arith.addf %in, %a : f32
      linalg.yield %s : f32
    }
  %v = tensor.extract %r[] : tensor<f32>
  return %v : f32
}

// y = a * x + b on a 2 x 3 tensor, as a new tensor.
func.func @affine(%x: tensor<2x3xf32> loc("x"), %a: f32 loc("a"),
                  %b: f32 loc("b")) -> tensor<2x3xf32> {
  %init = tensor.empty() : tensor<2x3xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>,
                                        affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<2x3xf32>) outs(%init : tensor<2x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %a : f32
    %s = arith.addf %m, %b : f32
    linalg.yield %s : f32
  } -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// Integer and index scalars, an i64 result.
func.func @mix(%n: index loc("n"), %k: i32 loc("k"), %w: i64 loc("w"),
               %d: f64 loc("d")) -> i64 {
  %n64 = arith.index_cast %n : index to i64
  %k64 = arith.extsi %k : i32 to i64
  %d64 = arith.fptosi %d : f64 to i64
  %s = arith.addi %n64, %k64 : i64
  %t = arith.addi %s, %w : i64
  %u = arith.addi %t, %d64 : i64
  return %u : i64
}

// A private helper gets no C interface.
func.func private @helper(%x: f32) -> f32 {
  return %x : f32
}
