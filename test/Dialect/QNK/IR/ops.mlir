// RUN: qnk-opt %s | FileCheck %s
// RUN: qnk-opt %s | qnk-opt | FileCheck %s
// Round trip of every qnk op and attribute.

// CHECK-LABEL: func @matmul_types
func.func @matmul_types(%a: tensor<128x256xbf16>, %b: tensor<256x64xbf16>,
                        %c: tensor<4x8xf16>, %d: tensor<8x3xf16>,
                        %e: tensor<5x7xi8>, %f: tensor<7x2xi8>,
                        %g: tensor<5x7xui8>, %h: tensor<3x3xf32>) {
  // CHECK: qnk.matmul %{{.*}}, %{{.*}} : tensor<128x256xbf16>, tensor<256x64xbf16> -> tensor<128x64xf32>
  %0 = qnk.matmul %a, %b : tensor<128x256xbf16>, tensor<256x64xbf16> -> tensor<128x64xf32>
  // CHECK: qnk.matmul {{.*}} : tensor<4x8xf16>, tensor<8x3xf16> -> tensor<4x3xf32>
  %1 = qnk.matmul %c, %d : tensor<4x8xf16>, tensor<8x3xf16> -> tensor<4x3xf32>
  // CHECK: qnk.matmul {{.*}} : tensor<5x7xi8>, tensor<7x2xi8> -> tensor<5x2xi32>
  %2 = qnk.matmul %e, %f : tensor<5x7xi8>, tensor<7x2xi8> -> tensor<5x2xi32>
  // CHECK: qnk.matmul {{.*}} : tensor<5x7xui8>, tensor<7x2xi8> -> tensor<5x2xi32>
  %3 = qnk.matmul %g, %f : tensor<5x7xui8>, tensor<7x2xi8> -> tensor<5x2xi32>
  // CHECK: qnk.matmul %{{.*}}, %{{.*}} transpose_a transpose_b : tensor<3x3xf32>
  %4 = qnk.matmul %h, %h transpose_a transpose_b : tensor<3x3xf32>, tensor<3x3xf32> -> tensor<3x3xf32>
  return
}

// CHECK-LABEL: func @transposed
func.func @transposed(%x: tensor<16x4096xf32>, %w: tensor<11008x4096xf32>) -> tensor<16x11008xf32> {
  // CHECK: qnk.matmul %{{.*}}, %{{.*}} transpose_b :
  %0 = qnk.matmul %x, %w transpose_b : tensor<16x4096xf32>, tensor<11008x4096xf32> -> tensor<16x11008xf32>
  return %0 : tensor<16x11008xf32>
}

// CHECK-LABEL: func @batched
func.func @batched(%a: tensor<8x64x32xf32>, %b: tensor<8x32x16xf32>) -> tensor<8x64x16xf32> {
  // CHECK: qnk.batch_matmul {{.*}} : tensor<8x64x32xf32>, tensor<8x32x16xf32> -> tensor<8x64x16xf32>
  %0 = qnk.batch_matmul %a, %b : tensor<8x64x32xf32>, tensor<8x32x16xf32> -> tensor<8x64x16xf32>
  return %0 : tensor<8x64x16xf32>
}

// CHECK-LABEL: func @packed
func.func @packed(%a: tensor<10x20xbf16>, %b: tensor<20x30xbf16>,
                  %bm: memref<20x30xf32>, %pm: memref<2x20x16xf32>) -> tensor<10x30xf32> {
  %e0 = tensor.empty() : tensor<3x20x4xf32>
  // CHECK: qnk.pack %{{.*}} into %{{.*}} panel_dim = 0 : tensor<10x20xbf16>, tensor<3x20x4xf32> -> tensor<3x20x4xf32>
  %ap = qnk.pack %a into %e0 panel_dim = 0 : tensor<10x20xbf16>, tensor<3x20x4xf32> -> tensor<3x20x4xf32>
  %e1 = tensor.empty() : tensor<2x20x16xf32>
  %bp = qnk.pack %b into %e1 panel_dim = 1 : tensor<20x30xbf16>, tensor<2x20x16xf32> -> tensor<2x20x16xf32>
  %c = tensor.empty() : tensor<10x30xf32>
  // CHECK: qnk.packed_matmul ins({{.*}}) outs({{.*}}) kernel = <fma_f32, mr = 4, nv = 2, vector_length = 8, kr = 1> -> tensor<10x30xf32>
  %r = qnk.packed_matmul ins(%ap, %bp : tensor<3x20x4xf32>, tensor<2x20x16xf32>) outs(%c : tensor<10x30xf32>) kernel = <fma_f32, mr = 4, nv = 2, vector_length = 8, kr = 1> -> tensor<10x30xf32>
  // CHECK: qnk.pack %{{.*}} into %{{.*}} panel_dim = 1 : memref<20x30xf32>, memref<2x20x16xf32>
  qnk.pack %bm into %pm panel_dim = 1 : memref<20x30xf32>, memref<2x20x16xf32>
  return %r : tensor<10x30xf32>
}

// CHECK-LABEL: func @vnni_pairs
func.func @vnni_pairs(%a: tensor<5x7xui8>) -> tensor<2x4x4x2xi16> {
  %e = tensor.empty() : tensor<2x4x4x2xi16>
  // CHECK: qnk.pack %{{.*}} into %{{.*}} panel_dim = 0 zero_extend : tensor<5x7xui8>, tensor<2x4x4x2xi16>
  %p = qnk.pack %a into %e panel_dim = 0 zero_extend : tensor<5x7xui8>, tensor<2x4x4x2xi16> -> tensor<2x4x4x2xi16>
  return %p : tensor<2x4x4x2xi16>
}

// CHECK: qnk.target = #qnk.cpu_target<cpu = "haswell", features = "+avx2,+fma", vector_bits = 256, vector_registers = 16, l1d_bytes = 32768, l2_bytes = 262144>
module attributes {qnk.target = #qnk.cpu_target<cpu = "haswell", features = "+avx2,+fma", vector_bits = 256, vector_registers = 16, l1d_bytes = 32768, l2_bytes = 262144>} {}
