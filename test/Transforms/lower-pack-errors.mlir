// RUN: qnk-opt %s --qnk-lower-pack -verify-diagnostics

func.func @tensors(%a: tensor<16x8xf32>, %d: tensor<3x8x6xf32>) -> tensor<3x8x6xf32> {
  // expected-error @+1 {{'qnk.pack' op must be bufferized before it is lowered}}
  %p = qnk.pack %a into %d panel_dim = 0 : tensor<16x8xf32>, tensor<3x8x6xf32> -> tensor<3x8x6xf32>
  return %p : tensor<3x8x6xf32>
}
