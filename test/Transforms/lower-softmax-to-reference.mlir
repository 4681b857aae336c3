// RUN: qnk-opt %s --qnk-lower-to-reference --split-input-file | FileCheck %s
// The reference softmax: three linalg.generic passes (max, sum of exp,
// divide) over t = scale * x + mask, with a fully masked row giving zeros.

// CHECK-DAG: #[[FULL:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[MASK:.*]] = affine_map<(d0, d1, d2) -> (0, d1, d2)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @masked_bf16
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 1.250000e-01 : f32
// CHECK-DAG: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MINIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<2x3xf32>)
// CHECK: %[[M:.*]] = linalg.generic {indexing_maps = [#[[FULL]], #[[MASK]], #[[ROW]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%arg0, %arg1 : tensor<2x3x17xbf16>, tensor<1x3x17xf32>) outs(%[[MINIT]] : tensor<2x3xf32>)
// CHECK:   %[[X:.*]] = arith.extf %{{.*}} : bf16 to f32
// CHECK:   %[[XS:.*]] = arith.mulf %[[X]], %[[SCALE]] : f32
// CHECK:   %[[T:.*]] = arith.addf %[[XS]], %{{.*}} : f32
// CHECK:   arith.maximumf %{{.*}}, %[[T]] : f32
// CHECK: %[[SINIT:.*]] = linalg.fill ins(%[[ZERO]] : f32)
// CHECK: %[[S:.*]] = linalg.generic {indexing_maps = [#[[FULL]], #[[MASK]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: outs(%[[SINIT]] : tensor<2x3xf32>)
// CHECK:   %[[D:.*]] = arith.subf %{{.*}}, %{{.*}} : f32
// CHECK:   %[[E:.*]] = math.exp %[[D]] : f32
// CHECK:   arith.addf %{{.*}}, %[[E]] : f32
// CHECK: linalg.generic {indexing_maps = [#[[FULL]], #[[MASK]], #[[ROW]], #[[ROW]], #[[FULL]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%arg0, %arg1, %[[M]], %[[S]] :
// CHECK: ^bb0(%{{.*}}: bf16, %{{.*}}: f32, %[[MV:.*]]: f32, %[[SV:.*]]: f32, %{{.*}}: bf16):
// CHECK:   %[[E2:.*]] = math.exp
// CHECK:   %[[Q:.*]] = arith.divf %[[E2]], %[[SV]] : f32
// CHECK:   %[[ALL:.*]] = arith.cmpf oeq, %[[MV]], %[[NEGINF]] : f32
// CHECK:   %[[Y:.*]] = arith.select %[[ALL]], %[[ZERO]], %[[Q]] : f32
// CHECK:   %[[YT:.*]] = arith.truncf %[[Y]] : f32 to bf16
// CHECK:   linalg.yield %[[YT]] : bf16
func.func @masked_bf16(%x: tensor<2x3x17xbf16>, %m: tensor<1x3x17xf32>) -> tensor<2x3x17xbf16> {
  %y = qnk.softmax %x mask(%m : tensor<1x3x17xf32>) axis = 2 scale = 0.125 : tensor<2x3x17xbf16> -> tensor<2x3x17xbf16>
  return %y : tensor<2x3x17xbf16>
}

// -----

// An outer axis: the reduction runs over d0.
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @axis0
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]{{.*}} outs(%{{.*}} : tensor<5xf32>)
// CHECK-NOT: arith.mulf
// CHECK: arith.maximumf
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK-NOT: arith.truncf
func.func @axis0(%x: tensor<3x5xf32>) -> tensor<3x5xf32> {
  %y = qnk.softmax %x axis = 0 : tensor<3x5xf32> -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}
