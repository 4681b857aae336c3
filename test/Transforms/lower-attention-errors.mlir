// RUN: qnk-opt %s --qnk-lower-attention -verify-diagnostics
// qnk-lower-attention sizes its tiles from the module's target: without
// one it says so at the op.

func.func @no_target(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'qnk.attention' op needs a #qnk.cpu_target: run qnk-set-target first}}
  %o = qnk.attention %q, %k, %v : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}
