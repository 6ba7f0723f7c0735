// Quantizes a constant block to MXFP4 and MXFP8, prints the packed element
// bytes and the scale bytes, and dequantizes back. Run it with the stock
// mlir-runner (see README.md, "Running MX code with mlir-runner").
func.func @main() {
  %c0 = arith.constant 0 : index
  // FP4 tie points (0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5) round to even;
  // amax 6 gives the scale 2^0 (byte 127).
  %x = arith.constant dense<[0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5.0, 6.0,
                             -0.0, -1.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                             0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                             0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]> : tensor<32xf32>
  %q = mx.quantize %x : tensor<32xf32> -> !mx.tensor<32, e2m1, axis = 0>
  %e, %s = mx.disassemble %q : !mx.tensor<32, e2m1, axis = 0> -> tensor<16xi8>, tensor<1xf8E8M0FNU>
  %zero = arith.constant 0 : i8
  %bytes = vector.transfer_read %e[%c0], %zero : tensor<16xi8>, vector<16xi8>
  %bytes32 = arith.extui %bytes : vector<16xi8> to vector<16xi32>
  vector.print %bytes32 : vector<16xi32>
  %scale = tensor.extract %s[%c0] : tensor<1xf8E8M0FNU>
  %scaleByte = arith.bitcast %scale : f8E8M0FNU to i8
  %scale32 = arith.extui %scaleByte : i8 to i32
  vector.print %scale32 : i32

  %y = mx.dequantize %q : !mx.tensor<32, e2m1, axis = 0> -> tensor<32xf32>
  %f0 = arith.constant 0.0 : f32
  %values = vector.transfer_read %y[%c0], %f0 : tensor<32xf32>, vector<10xf32>
  vector.print %values : vector<10xf32>

  // MXFP8 E4M3: amax 959.56 gives scale 2^1 (byte 128); 957 / 2 saturates
  // to 448, so it decodes to 896; 400 / 2 = 200 is a tie that rounds to 192.
  %w = arith.constant dense<[959.56, 957.0, 400.0, 1.0, 0.0, 0.0, 0.0, 0.0,
                             0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                             0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                             0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]> : tensor<32xf32>
  %qw = mx.quantize %w : tensor<32xf32> -> !mx.tensor<32, e4m3, axis = 0>
  %ew, %sw = mx.disassemble %qw : !mx.tensor<32, e4m3, axis = 0> -> tensor<32xi8>, tensor<1xf8E8M0FNU>
  %wbytes = vector.transfer_read %ew[%c0], %zero : tensor<32xi8>, vector<4xi8>
  %wbytes32 = arith.extui %wbytes : vector<4xi8> to vector<4xi32>
  vector.print %wbytes32 : vector<4xi32>
  %yw = mx.dequantize %qw : !mx.tensor<32, e4m3, axis = 0> -> tensor<32xf32>
  %wvalues = vector.transfer_read %yw[%c0], %f0 : tensor<32xf32>, vector<4xf32>
  vector.print %wvalues : vector<4xf32>
  return
}
