// mx.lookup on 16-bit tables of 32, 64 and 128 entries, every i8 index
// (256 lanes). lookup.test lowers this file for x86-64-avx512 (vpermw /
// vpermi2w) and, renamed, for the generic target (compare/select chains).
func.func @lookup32(%t: memref<32xi16>, %i: memref<256xi8>, %o: memref<256xi16>) {
  %c0 = arith.constant 0 : index
  %table = vector.load %t[%c0] : memref<32xi16>, vector<32xi16>
  %index = vector.load %i[%c0] : memref<256xi8>, vector<256xi8>
  %r = mx.lookup %table[%index] : vector<32xi16>, vector<256xi8> -> vector<256xi16>
  vector.store %r, %o[%c0] : memref<256xi16>, vector<256xi16>
  return
}
func.func @lookup64(%t: memref<64xi16>, %i: memref<256xi8>, %o: memref<256xi16>) {
  %c0 = arith.constant 0 : index
  %table = vector.load %t[%c0] : memref<64xi16>, vector<64xi16>
  %index = vector.load %i[%c0] : memref<256xi8>, vector<256xi8>
  %r = mx.lookup %table[%index] : vector<64xi16>, vector<256xi8> -> vector<256xi16>
  vector.store %r, %o[%c0] : memref<256xi16>, vector<256xi16>
  return
}
func.func @lookup128(%t: memref<128xi16>, %i: memref<256xi8>, %o: memref<256xi16>) {
  %c0 = arith.constant 0 : index
  %table = vector.load %t[%c0] : memref<128xi16>, vector<128xi16>
  %index = vector.load %i[%c0] : memref<256xi8>, vector<256xi8>
  %r = mx.lookup %table[%index] : vector<128xi16>, vector<256xi8> -> vector<256xi16>
  vector.store %r, %o[%c0] : memref<256xi16>, vector<256xi16>
  return
}
