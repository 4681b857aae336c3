// AMX nanokernels, cross-compiled for Sapphire Rapids and checked in the
// machine code: a 2x2 block of accumulator tiles, the tile configuration
// loaded once per function before any loop, and the innermost loop made of
// tile loads of A and B and four tile products only.
// RUN: qnk-opt %s --qnk-cpu-pipeline=target=sapphirerapids | mlir-translate --mlir-to-llvmir | llc -O3 | FileCheck %s

// CHECK-LABEL: bf16:
// CHECK: ldtilecfg
// CHECK-NOT: ldtilecfg
// CHECK: This Inner Loop Header
// CHECK-NOT: tilestored
// CHECK-COUNT-4: tileloadd
// CHECK-NOT: tilestored
// CHECK-COUNT-4: tdpbf16ps
// CHECK-NOT: {{tilestored|ldtilecfg}}
// CHECK: j{{[a-z]+}} .LBB
// CHECK-NOT: ldtilecfg
// CHECK: tilerelease
func.func @bf16(%a: tensor<70x100xbf16>, %b: tensor<100x50xbf16>) -> tensor<70x50xf32> {
  %c = qnk.matmul %a, %b : tensor<70x100xbf16>, tensor<100x50xbf16> -> tensor<70x50xf32>
  return %c : tensor<70x50xf32>
}

// CHECK-LABEL: s8s8:
// CHECK: ldtilecfg
// CHECK-COUNT-4: tdpbssd
// CHECK-NOT: ldtilecfg
// CHECK: tilerelease
func.func @s8s8(%a: tensor<64x600xi8>, %b: tensor<600x64xi8>) -> tensor<64x64xi32> {
  %c = qnk.matmul %a, %b : tensor<64x600xi8>, tensor<600x64xi8> -> tensor<64x64xi32>
  return %c : tensor<64x64xi32>
}

// CHECK-LABEL: u8s8:
// CHECK: ldtilecfg
// CHECK-COUNT-4: tdpbusd
func.func @u8s8(%a: tensor<33x65xui8>, %b: tensor<65x17xi8>) -> tensor<33x17xi32> {
  %c = qnk.matmul %a, %b : tensor<33x65xui8>, tensor<65x17xi8> -> tensor<33x17xi32>
  return %c : tensor<33x17xi32>
}

// Fewer than 32 rows: AVX-512 instead of half-empty tiles.
// CHECK-LABEL: short:
// CHECK-NOT: tdpbf16ps
// CHECK: vdpbf16ps
func.func @short(%a: tensor<4x100xbf16>, %b: tensor<100x50xbf16>) -> tensor<4x50xf32> {
  %c = qnk.matmul %a, %b : tensor<4x100xbf16>, tensor<100x50xbf16> -> tensor<4x50xf32>
  return %c : tensor<4x50xf32>
}
