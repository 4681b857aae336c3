// Entries that gpu-check.sh compiles with qnk-compile --device=cuda (and for
// the CPU, as the reference) and runs with qnk-cuda-harness on a GPU.
func.func @mm_bf16_1024(%a: tensor<1024x1024xbf16>, %b: tensor<1024x1024xbf16>) -> tensor<1024x1024xf32> {
  %c = qnk.matmul %a, %b : tensor<1024x1024xbf16>, tensor<1024x1024xbf16> -> tensor<1024x1024xf32>
  return %c : tensor<1024x1024xf32>
}
func.func @mm_f16_odd(%a: tensor<33x77xf16>, %b: tensor<77x45xf16>) -> tensor<33x45xf32> {
  %c = qnk.matmul %a, %b : tensor<33x77xf16>, tensor<77x45xf16> -> tensor<33x45xf32>
  return %c : tensor<33x45xf32>
}
func.func @linear_i8(%x: tensor<16x4096xi8>, %w: tensor<1024x4096xi8>) -> tensor<16x1024xi32> {
  %c = qnk.matmul %x, %w transpose_b : tensor<16x4096xi8>, tensor<1024x4096xi8> -> tensor<16x1024xi32>
  return %c : tensor<16x1024xi32>
}
func.func @linear_bf16(%x: tensor<128x4096xbf16>, %w: tensor<4096x4096xbf16>) -> tensor<128x4096xf32> {
  %y = qnk.matmul %x, %w transpose_b : tensor<128x4096xbf16>, tensor<4096x4096xbf16> -> tensor<128x4096xf32>
  return %y : tensor<128x4096xf32>
}
