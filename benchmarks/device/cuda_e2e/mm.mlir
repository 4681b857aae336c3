// Entries for the end-to-end check of qnk-cuda-pipeline's host code through
// QNK's CUDA runtime (see run.sh): wgmma, mma.sync with B K×N, i8 with rows
// that are not 16-byte aligned, a decode shape.
func.func @bf16_tb(%a: tensor<300x1000xbf16>, %b: tensor<517x1000xbf16>) -> tensor<300x517xf32> {
  %c = qnk.matmul %a, %b transpose_b : tensor<300x1000xbf16>, tensor<517x1000xbf16> -> tensor<300x517xf32>
  return %c : tensor<300x517xf32>
}
func.func @f16_kn(%a: tensor<129x96xf16>, %b: tensor<96x250xf16>) -> tensor<129x250xf32> {
  %c = qnk.matmul %a, %b : tensor<129x96xf16>, tensor<96x250xf16> -> tensor<129x250xf32>
  return %c : tensor<129x250xf32>
}
func.func @i8_tb(%a: tensor<33x77xi8>, %b: tensor<45x77xi8>) -> tensor<33x45xi32> {
  %c = qnk.matmul %a, %b transpose_b : tensor<33x77xi8>, tensor<45x77xi8> -> tensor<33x45xi32>
  return %c : tensor<33x45xi32>
}
func.func @bf16_decode(%a: tensor<16x4096xbf16>, %b: tensor<4096x4096xbf16>) -> tensor<16x4096xf32> {
  %c = qnk.matmul %a, %b transpose_b : tensor<16x4096xbf16>, tensor<4096x4096xbf16> -> tensor<16x4096xf32>
  return %c : tensor<16x4096xf32>
}
