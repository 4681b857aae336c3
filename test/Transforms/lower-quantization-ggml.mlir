// RUN: qnk-opt %s --split-input-file --qnk-lower-quantization --canonicalize --cse | FileCheck %s

// Q4_0: the f16 scale is bytes 0 (low) and 1 (high) of each 18-byte block;
// element k reads byte 2 + k mod 16 of block k floordiv 32 and takes its low
// nibble for k mod 32 < 16, else the high one, minus 8.
// CHECK-DAG: #[[LO:.*]] = affine_map<(d0, d1) -> (d0, d1 * 18)>
// CHECK-DAG: #[[HI:.*]] = affine_map<(d0, d1) -> (d0, d1 * 18 + 1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[BYTE:.*]] = affine_map<(d0, d1) -> (d0, (d1 floordiv 32) * 18 + d1 mod 16 + 2)>
// CHECK-LABEL: func @q4_0
// CHECK-SAME: %[[RAW:.*]]: tensor<4x36xui8>
// CHECK: %[[D:.*]] = linalg.generic {indexing_maps = [#[[LO]], #[[HI]], #[[ID]]], {{.*}} ins(%[[RAW]], %[[RAW]] : {{.*}}) outs(%{{.*}} : tensor<4x2xf16>)
// CHECK:   arith.extui %{{.*}} : i8 to i16
// CHECK:   arith.shli
// CHECK:   arith.ori
// CHECK:   arith.bitcast %{{.*}} : i16 to f16
// CHECK: %[[V:.*]] = linalg.generic {indexing_maps = [#[[BYTE]], #[[ID]]], {{.*}} ins(%[[RAW]] : tensor<4x36xui8>) outs(%{{.*}} : tensor<4x64xi4>)
// CHECK:   linalg.index 1
// CHECK:   arith.shrui
// CHECK:   arith.andi
// CHECK:   arith.subi
// CHECK:   arith.trunci %{{.*}} : i8 to i4
// CHECK: return %[[V]], %[[D]]
func.func @q4_0(%r: tensor<4x36xui8>) -> (tensor<4x64xi4>, tensor<4x2xf16>) {
  %v, %d = qnk.unpack_ggml %r format = q4_0 : tensor<4x36xui8> -> tensor<4x64xi4>, tensor<4x2xf16>
  return %v, %d : tensor<4x64xi4>, tensor<4x2xf16>
}

// -----

// Q8_0: 34-byte blocks; element k is byte 2 + k mod 32 of block k floordiv
// 32, copied.
// CHECK-DAG: #[[BYTE8:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, (d2 floordiv 32) * 34 + d2 mod 32 + 2)>
// CHECK-LABEL: func @q8_0
// CHECK: linalg.generic
// CHECK: linalg.generic {indexing_maps = [#[[BYTE8]], #{{.*}}], {{.*}} ins(%{{.*}} : tensor<2x3x68xi8>) outs(%{{.*}} : tensor<2x3x64xi8>)
// CHECK-NEXT: ^bb0(%[[B:.*]]: i8, %{{.*}}: i8):
// CHECK-NEXT:   linalg.yield %[[B]] : i8
func.func @q8_0(%r: tensor<2x3x68xi8>) -> (tensor<2x3x64xi8>, tensor<2x3x2xf16>) {
  %v, %d = qnk.unpack_ggml %r format = q8_0 : tensor<2x3x68xi8> -> tensor<2x3x64xi8>, tensor<2x3x2xf16>
  return %v, %d : tensor<2x3x64xi8>, tensor<2x3x2xf16>
}
