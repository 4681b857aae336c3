// RUN: qnk-opt %s --qnk-lower-to-reference | FileCheck %s
// The reference lowering of qnk.attention materialises the scores: Q·Kᵀ
// (kv head h / 2 for 4 query heads over 2 kv heads), scale + broadcast mask
// and the causal window (-inf past i + Lk - Lq), the row max, the sum of
// exp, the unnormalised P·V over the keys in the window, and the division
// (0 for fully masked rows), rounded to bf16.

// CHECK-DAG: #[[Q:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[K:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d3, d4)>
// CHECK-DAG: #[[MASK:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, 0)>
// CHECK-DAG: #[[V:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d4, d3)>
// CHECK-LABEL: func @gqa
// CHECK: %[[DOT:.*]] = linalg.generic {indexing_maps = [#[[Q]], #[[K]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%arg0, %arg1 : tensor<1x4x3x16xbf16>, tensor<1x2x5x16xbf16>) outs(%{{.*}} : tensor<1x4x3x5xf32>)
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[DOT]], %arg3 : tensor<1x4x3x5xf32>, tensor<3x1xf32>)
// CHECK:   arith.mulf %{{.*}}, %cst
// CHECK:   arith.addf
// CHECK:   linalg.index 2
// CHECK:   arith.cmpi sle
// CHECK:   arith.select
// CHECK: %[[M:.*]] = linalg.generic {{.*}} ins(%[[S]] : tensor<1x4x3x5xf32>) outs(%{{.*}} : tensor<1x4x3xf32>)
// CHECK:   arith.maximumf
// CHECK: %[[L:.*]] = linalg.generic {{.*}} ins(%[[S]], %[[M]] : tensor<1x4x3x5xf32>, tensor<1x4x3xf32>)
// CHECK:   math.exp
// CHECK: %[[PV:.*]] = linalg.generic {indexing_maps = [{{.*}}, {{.*}}, #[[V]], {{.*}}], {{.*}} ins(%[[S]], %[[M]], %arg2 : tensor<1x4x3x5xf32>, tensor<1x4x3xf32>, tensor<1x2x5x8xbf16>) outs(%{{.*}} : tensor<1x4x3x8xf32>)
// CHECK:   math.exp
// CHECK:   arith.cmpi sle
// CHECK:   arith.select
// CHECK: linalg.generic {{.*}} ins(%[[PV]], %[[M]], %[[L]] : {{.*}}) outs(%{{.*}} : tensor<1x4x3x8xbf16>)
// CHECK:   arith.divf
// CHECK:   arith.cmpf oeq
// CHECK:   arith.select
// CHECK:   arith.truncf %{{.*}} : f32 to bf16
// CHECK-NOT: qnk.attention
func.func @gqa(%q: tensor<1x4x3x16xbf16>, %k: tensor<1x2x5x16xbf16>, %v: tensor<1x2x5x8xbf16>, %m: tensor<3x1xf32>) -> tensor<1x4x3x8xbf16> {
  %o = qnk.attention %q, %k, %v mask(%m : tensor<3x1xf32>) causal : tensor<1x4x3x16xbf16>, tensor<1x2x5x16xbf16>, tensor<1x2x5x8xbf16> -> tensor<1x4x3x8xbf16>
  return %o : tensor<1x4x3x8xbf16>
}
