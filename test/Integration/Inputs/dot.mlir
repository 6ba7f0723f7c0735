// A 64-element dot product in 16-lane vectors, shared by the native and the
// AArch64 integration tests.
func.func @dot(%a: memref<64xf32>, %b: memref<64xf32>) -> f32
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant dense<0.0> : vector<16xf32>
  %acc = scf.for %i = %c0 to %c64 step %c16 iter_args(%s = %zero) -> vector<16xf32> {
    %va = vector.load %a[%i] : memref<64xf32>, vector<16xf32>
    %vb = vector.load %b[%i] : memref<64xf32>, vector<16xf32>
    %next = vector.fma %va, %vb, %s : vector<16xf32>
    scf.yield %next : vector<16xf32>
  }
  %r = vector.reduction <add>, %acc : vector<16xf32> into f32
  return %r : f32
}
