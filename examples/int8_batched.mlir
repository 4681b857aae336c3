// Batched u8 x s8 -> s32, as quantized attention scores are computed.
//   build/bin/qnk-run examples/int8_batched.mlir -e scores --verify
func.func @scores(%q: tensor<8x64x128xui8>, %k: tensor<8x128x64xi8>) -> tensor<8x64x64xi32> {
  %s = qnk.batch_matmul %q, %k : tensor<8x64x128xui8>, tensor<8x128x64xi8> -> tensor<8x64x64xi32>
  return %s : tensor<8x64x64xi32>
}
