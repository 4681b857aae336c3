// RUN: qnk-opt %s | qnk-opt | FileCheck %s
// The block-scaled and llama.cpp ops print and parse back.

// CHECK-LABEL: func @ops
// CHECK: qnk.mx_quantize %{{.*}} block_size = 32 : tensor<2x64xf32> -> tensor<2x64xf8E5M2>, tensor<2x2xf8E8M0FNU>
// CHECK: qnk.mx_quantize %{{.*}}, %{{.*}} block_size = 16 : tensor<2x64xf16>, tensor<f32> -> tensor<2x64xf4E2M1FN>, tensor<2x4xf8E4M3FN>
// CHECK: qnk.unpack_ggml %{{.*}} format = q4_0 : tensor<2x36xui8> -> tensor<2x64xi4>, tensor<2x2xf16>
// CHECK: qnk.unpack_ggml %{{.*}} format = q8_0 : tensor<34xi8> -> tensor<32xi8>, tensor<1xf16>
// CHECK: qnk.quantize %{{.*}}, %{{.*}} axis = 1 group_size = 32 : tensor<2x64xf32>, tensor<2x2xf8E8M0FNU> -> tensor<2x64xf4E2M1FN>
func.func @ops(%x: tensor<2x64xf32>, %h: tensor<2x64xf16>, %g: tensor<f32>, %r4: tensor<2x36xui8>, %r8: tensor<34xi8>, %e: tensor<2x2xf8E8M0FNU>) {
  %q, %s = qnk.mx_quantize %x block_size = 32 : tensor<2x64xf32> -> tensor<2x64xf8E5M2>, tensor<2x2xf8E8M0FNU>
  %n, %t = qnk.mx_quantize %h, %g block_size = 16 : tensor<2x64xf16>, tensor<f32> -> tensor<2x64xf4E2M1FN>, tensor<2x4xf8E4M3FN>
  %v, %d = qnk.unpack_ggml %r4 format = q4_0 : tensor<2x36xui8> -> tensor<2x64xi4>, tensor<2x2xf16>
  %w, %c = qnk.unpack_ggml %r8 format = q8_0 : tensor<34xi8> -> tensor<32xi8>, tensor<1xf16>
  %f = qnk.quantize %x, %e axis = 1 group_size = 32 : tensor<2x64xf32>, tensor<2x2xf8E8M0FNU> -> tensor<2x64xf4E2M1FN>
  return
}
