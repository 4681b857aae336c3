// RUN: qnk-opt %s --split-input-file --verify-diagnostics --qnk-cuda-outline-matmul="chip=sm_90a mma=wgmma"

// wgmma reads B from shared memory K-major: B must be stored N×K.
func.func @kn(%a: tensor<128x64xbf16>, %b: tensor<64x128xbf16>) -> tensor<128x128xf32> {
  // expected-error @below {{wgmma kernels take B stored N×K (transpose_b) only}}
  %c = qnk.matmul %a, %b : tensor<128x64xbf16>, tensor<64x128xbf16> -> tensor<128x128xf32>
  return %c : tensor<128x128xf32>
}

// -----

func.func @i8(%a: tensor<128x64xi8>, %b: tensor<128x64xi8>) -> tensor<128x128xi32> {
  // expected-error @below {{wgmma kernels take bf16 or f16 operands only (so far)}}
  %c = qnk.matmul %a, %b transpose_b : tensor<128x64xi8>, tensor<128x64xi8> -> tensor<128x128xi32>
  return %c : tensor<128x128xi32>
}
