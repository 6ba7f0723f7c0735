// mx-lower-worker-count: omp_get_max_threads() (at least 1) for OpenMP
// parallel loops, declared once in the module; 1 for sequential loops.
// RUN: mx-opt %s --mx-lower-worker-count=openmp=true | FileCheck %s --check-prefix=OMP
// RUN: mx-opt %s --mx-lower-worker-count | FileCheck %s --check-prefix=SEQ

// OMP: func.func private @omp_get_max_threads() -> i32
// OMP-NOT: @omp_get_max_threads() -> i32
// OMP-LABEL: func.func @two
// OMP: %[[ONE:.*]] = arith.constant 1 : index
// OMP: %[[N:.*]] = call @omp_get_max_threads() : () -> i32
// OMP: %[[I:.*]] = arith.index_cast %[[N]] : i32 to index
// OMP: %[[W:.*]] = arith.maxsi %[[I]], %[[ONE]] : index
// OMP: call @omp_get_max_threads()
// OMP: return %[[W]], %{{.*}} : index, index
// SEQ-NOT: omp_get_max_threads
// SEQ-LABEL: func.func @two
// SEQ: %[[ONE:.*]] = arith.constant 1 : index
// SEQ: %[[ONE2:.*]] = arith.constant 1 : index
// SEQ: return %[[ONE]], %[[ONE2]] : index, index
func.func @two() -> (index, index) {
  %a = mx.worker_count
  %b = mx.worker_count
  return %a, %b : index, index
}
