// RUN: qnk-opt %s --qnk-lower-to-reference | FileCheck %s
// The reference of int8 Q·Kᵀ and E4M3 P·V states every step as a tensor:
// K's channel sums over the keys (in key order), K minus sum / Lk, the
// largest magnitude of each block of 8 keys and its scale (/ 127, NaN unless
// finite), K quantized (x / s rounded to even, clamped, NaN -> 0); the same
// for blocks of 4 queries; exact i32 dot products (kv head h / 2); scores
// (f32(dot) * sk) * (sq * scale). P·V rounds 448 * exp(t - m) and V / sv
// (sv: each channel's largest magnitude over the keys / 448) to E4M3 and
// back, and scales the result by sv / 448.

// CHECK-DAG: #[[ID4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[CHAN:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[KBLK:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 floordiv 8)>
// CHECK-DAG: #[[QBLK:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 floordiv 4)>
// CHECK-DAG: #[[SK:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1 floordiv 2, d3 floordiv 8)>
// CHECK-LABEL: func @lowp
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID4]], #[[CHAN]]], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%arg1 : tensor<1x2x20x16xbf16>) outs(%{{.*}} : tensor<1x2x16xf32>)
// CHECK:   arith.addf
// CHECK: %[[KC:.*]] = linalg.generic {{.*}} ins(%arg1, %[[SUM]] : tensor<1x2x20x16xbf16>, tensor<1x2x16xf32>) outs(%{{.*}} : tensor<1x2x20x16xf32>)
// CHECK:   arith.divf %{{.*}}, %cst
// CHECK:   arith.subf
// CHECK: %[[KA:.*]] = linalg.generic {indexing_maps = [#[[ID4]], #[[KBLK]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%[[KC]] : tensor<1x2x20x16xf32>) outs(%{{.*}} : tensor<1x2x3xf32>)
// CHECK:   math.absf
// CHECK:   arith.maximumf
// CHECK: %[[KS:.*]] = linalg.generic {{.*}} ins(%[[KA]] : tensor<1x2x3xf32>)
// CHECK:   arith.divf
// CHECK:   arith.cmpf olt
// CHECK:   arith.select
// CHECK: %[[KQ:.*]] = linalg.generic {indexing_maps = [#[[ID4]], #[[KBLK]], #[[ID4]]], {{.*}} ins(%[[KC]], %[[KS]] : tensor<1x2x20x16xf32>, tensor<1x2x3xf32>) outs(%{{.*}} : tensor<1x2x20x16xi8>)
// CHECK:   arith.divf
// CHECK:   math.roundeven
// CHECK:   arith.cmpf uno
// CHECK:   arith.fptosi %{{.*}} : f32 to i8
// CHECK: %[[QA:.*]] = linalg.generic {indexing_maps = [#[[ID4]], #[[QBLK]]], {{.*}} ins(%arg0 : tensor<1x4x10x16xbf16>) outs(%{{.*}} : tensor<1x4x3xf32>)
// CHECK: %[[QS:.*]] = linalg.generic {{.*}} ins(%[[QA]] : tensor<1x4x3xf32>)
// CHECK: %[[QQ:.*]] = linalg.generic {indexing_maps = [#[[ID4]], #[[QBLK]], #[[ID4]]], {{.*}} ins(%arg0, %[[QS]] : tensor<1x4x10x16xbf16>, tensor<1x4x3xf32>) outs(%{{.*}} : tensor<1x4x10x16xi8>)
// CHECK: %[[DOT:.*]] = linalg.generic {{.*}} ins(%[[QQ]], %[[KQ]] : tensor<1x4x10x16xi8>, tensor<1x2x20x16xi8>) outs(%{{.*}} : tensor<1x4x10x20xi32>)
// CHECK:   arith.extsi
// CHECK:   arith.muli
// CHECK:   arith.addi
// CHECK: %[[T:.*]] = linalg.generic {indexing_maps = [#[[ID4]], #[[QBLK]], #[[SK]], #[[ID4]]], {{.*}} ins(%[[DOT]], %[[QS]], %[[KS]] : tensor<1x4x10x20xi32>, tensor<1x4x3xf32>, tensor<1x2x3xf32>)
// CHECK:   arith.sitofp
// CHECK:   arith.mulf
// CHECK:   arith.mulf
// CHECK:   arith.mulf
// CHECK: %[[VA:.*]] = linalg.generic {indexing_maps = [#[[ID4]], #[[CHAN]]], {{.*}} ins(%arg2 : tensor<1x2x20x8xbf16>) outs(%{{.*}} : tensor<1x2x8xf32>)
// CHECK: %[[VS:.*]] = linalg.generic {{.*}} ins(%[[VA]] : tensor<1x2x8xf32>)
// CHECK:   arith.divf %{{.*}}, %cst
// CHECK: %[[PV:.*]] = linalg.generic {{.*}} ins(%[[T]], %{{.*}}, %arg2, %[[VS]] : tensor<1x4x10x20xf32>, tensor<1x4x10xf32>, tensor<1x2x20x8xbf16>, tensor<1x2x8xf32>)
// CHECK:   math.exp
// CHECK:   arith.mulf
// CHECK:   arith.divf
// CHECK:   arith.trunci %{{.*}} : vector<1xi32> to vector<1xi8>
// CHECK:   arith.extf %{{.*}} : vector<1xf16> to vector<1xf32>
// CHECK: linalg.generic {{.*}} ins(%[[PV]], %{{.*}}, %{{.*}}, %[[VS]] : {{.*}}) outs(%{{.*}} : tensor<1x4x10x8xf32>)
// CHECK:   arith.divf
// CHECK:   arith.mulf
// CHECK:   arith.divf
func.func @lowp(%q: tensor<1x4x10x16xbf16>, %k: tensor<1x2x20x16xbf16>, %v: tensor<1x2x20x8xbf16>) -> tensor<1x4x10x8xf32> {
  %o = qnk.attention %q, %k, %v qk_type = i8 qk_blocks = [4, 8] pv_type = f8E4M3FN : tensor<1x4x10x16xbf16>, tensor<1x2x20x16xbf16>, tensor<1x2x20x8xbf16> -> tensor<1x4x10x8xf32>
  return %o : tensor<1x4x10x8xf32>
}
