// RUN: mx-opt %s --mx-legalize-bf16-vectors | FileCheck %s

// CHECK-LABEL: llvm.func @masked
// CHECK: %[[PASS:.*]] = llvm.bitcast %{{.*}} : vector<16xbf16> to vector<16xi16>
// CHECK: %[[LOAD:.*]] = llvm.intr.masked.load %{{.*}}, %{{.*}}, %[[PASS]] {alignment = 2 : i32} : (!llvm.ptr, vector<16xi1>, vector<16xi16>) -> vector<16xi16>
// The store of the loaded value needs no bitcast once the pair folds.
// CHECK: llvm.intr.masked.store %[[LOAD]], %{{.*}}, %{{.*}} {alignment = 2 : i32} : vector<16xi16>, vector<16xi1> into !llvm.ptr
// f32 accesses are left alone.
// CHECK: llvm.intr.masked.load %{{.*}} : (!llvm.ptr, vector<16xi1>, vector<16xf32>) -> vector<16xf32>
llvm.func @masked(%p: !llvm.ptr, %q: !llvm.ptr, %m: vector<16xi1>, %pass: vector<16xbf16>, %fpass: vector<16xf32>) -> vector<16xf32> {
  %v = llvm.intr.masked.load %p, %m, %pass {alignment = 2 : i32} : (!llvm.ptr, vector<16xi1>, vector<16xbf16>) -> vector<16xbf16>
  llvm.intr.masked.store %v, %q, %m {alignment = 2 : i32} : vector<16xbf16>, vector<16xi1> into !llvm.ptr
  %f = llvm.intr.masked.load %p, %m, %fpass {alignment = 4 : i32} : (!llvm.ptr, vector<16xi1>, vector<16xf32>) -> vector<16xf32>
  llvm.return %f : vector<16xf32>
}
