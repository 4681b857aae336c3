// RUN: qnk-opt %s --split-input-file --verify-diagnostics --qnk-cuda-outline-matmul=chip=sm_80
// RUN: not qnk-opt %s --split-input-file --qnk-cuda-outline-matmul=chip=sm_75 2>&1 | FileCheck %s --check-prefix=CHIP

// CHIP: error: unknown CUDA chip 'sm_75' (expected sm_80 or sm_90a)

// Kernel choice is gated by the chip: fp8 tensor cores arrived with sm_90.
func.func @fp8(%a: tensor<64x64xf8E4M3FN>, %b: tensor<64x64xf8E4M3FN>) -> tensor<64x64xf32> {
  // expected-error @below {{fp8 matmul needs fp8 tensor cores (wgmma, sm_90a); chip sm_80 has none}}
  %c = qnk.matmul %a, %b : tensor<64x64xf8E4M3FN>, tensor<64x64xf8E4M3FN> -> tensor<64x64xf32>
  return %c : tensor<64x64xf32>
}

// -----

func.func @f32(%a: tensor<64x64xf32>, %b: tensor<64x64xf32>) -> tensor<64x64xf32> {
  // expected-error @below {{no CUDA tensor-core kernel for 'f32' x 'f32' on sm_80 (supported: bf16 x bf16, f16 x f16, i8 x i8)}}
  %c = qnk.matmul %a, %b : tensor<64x64xf32>, tensor<64x64xf32> -> tensor<64x64xf32>
  return %c : tensor<64x64xf32>
}

// -----

func.func @transpose_a(%a: tensor<64x32xbf16>, %b: tensor<64x16xbf16>) -> tensor<32x16xf32> {
  // expected-error @below {{CUDA kernels take A stored M×K only (transpose_a is not supported yet)}}
  %c = qnk.matmul %a, %b transpose_a : tensor<64x32xbf16>, tensor<64x16xbf16> -> tensor<32x16xf32>
  return %c : tensor<32x16xf32>
}

// -----

func.func @i8_kn(%a: tensor<16x64xi8>, %b: tensor<64x32xi8>) -> tensor<16x32xi32> {
  // expected-error @below {{i8 CUDA kernels take B stored N×K (transpose_b) only}}
  %c = qnk.matmul %a, %b : tensor<16x64xi8>, tensor<64x32xi8> -> tensor<16x32xi32>
  return %c : tensor<16x32xi32>
}

// -----

func.func @dynamic(%a: tensor<?x64xbf16>, %b: tensor<64x32xbf16>) -> tensor<?x32xf32> {
  // expected-error @below {{CUDA kernels need static shapes}}
  %c = qnk.matmul %a, %b : tensor<?x64xbf16>, tensor<64x32xbf16> -> tensor<?x32xf32>
  return %c : tensor<?x32xf32>
}

// -----

func.func @epilogue(%a: tensor<16x64xi8>, %b: tensor<32x64xi8>, %sa: tensor<f32>, %sb: tensor<f32>) -> tensor<16x32xf32> {
  // expected-error @below {{CUDA kernels take no epilogue clauses yet (dequantize, bias, activation, quantize)}}
  %c = qnk.matmul %a, %b transpose_b dequantize(%sa, %sb : tensor<f32>, tensor<f32>) : tensor<16x64xi8>, tensor<32x64xi8> -> tensor<16x32xf32>
  return %c : tensor<16x32xf32>
}

// -----

func.func @empty(%a: tensor<16x0xbf16>, %b: tensor<0x32xbf16>) -> tensor<16x32xf32> {
  // expected-error @below {{CUDA kernels need non-empty operands}}
  %c = qnk.matmul %a, %b : tensor<16x0xbf16>, tensor<0x32xbf16> -> tensor<16x32xf32>
  return %c : tensor<16x32xf32>
}
