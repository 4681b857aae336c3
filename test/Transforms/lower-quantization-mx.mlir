// RUN: qnk-opt %s --split-input-file --qnk-lower-quantization --canonicalize --cse | FileCheck %s

// MX: the block maxima are a reduction over the input viewed as
// [rows, blocks, 32] (|x| with NaN-propagating maximumf, from +0); the E8M0
// code is the exponent field minus emax_elem (2 for E2M1) clamped at 0, 0xFF
// for NaN/Inf; the elements are qnk.quantize by the decoded scale (an exact
// E8M0 decode: bits, 2^-127 and NaN by select), rounded to E2M1 by integer
// operations with NaN -> +0.
// CHECK-DAG: #[[IN3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[OUT3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[BLOCK:.*]] = affine_map<(d0, d1) -> (d0, d1 floordiv 32)>
// CHECK-LABEL: func @mxfp4
// CHECK: %[[VIEW:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [4, 2, 32]
// CHECK: %[[AMAX:.*]] = linalg.generic {indexing_maps = [#[[IN3]], #[[OUT3]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[VIEW]]
// CHECK:   arith.extf %{{.*}} : bf16 to f32
// CHECK:   math.absf
// CHECK:   arith.maximumf
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[AMAX]] : tensor<4x2xf32>) outs(%{{.*}} : tensor<4x2xf8E8M0FNU>)
// CHECK:   arith.shrui
// CHECK:   arith.subi %{{.*}}, %{{.*}} : vector<1xi32>
// CHECK:   arith.maxsi
// CHECK:   arith.cmpi eq
// CHECK:   vector.bitcast %{{.*}} : vector<1xi8> to vector<1xf8E8M0FNU>
// CHECK: %[[Q:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[BLOCK]], #[[ID]]], {{.*}} ins(%{{.*}}, %[[S]] : tensor<4x64xbf16>, tensor<4x2xf8E8M0FNU>)
// CHECK:   vector.bitcast %{{.*}} : vector<1xf8E8M0FNU> to vector<1xi8>
// CHECK:   arith.divf
// CHECK:   math.roundeven
// CHECK:   arith.minsi
// CHECK:   arith.trunci %{{.*}} : vector<1xi32> to vector<1xi4>
// CHECK:   vector.bitcast %{{.*}} : vector<1xi4> to vector<1xf4E2M1FN>
// CHECK: return %[[Q]], %[[S]]
func.func @mxfp4(%x: tensor<4x64xbf16>) -> (tensor<4x64xf4E2M1FN>, tensor<4x2xf8E8M0FNU>) {
  %q, %s = qnk.mx_quantize %x block_size = 32 : tensor<4x64xbf16> -> tensor<4x64xf4E2M1FN>, tensor<4x2xf8E8M0FNU>
  return %q, %s : tensor<4x64xf4E2M1FN>, tensor<4x2xf8E8M0FNU>
}

// -----

// NVFP4: the E4M3 block scale is e4m3(amax / 6 / g); the divisor of the
// elements is f32(scale) * g, +Inf where that is 0.
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-DAG: #[[BLOCK16:.*]] = affine_map<(d0, d1) -> (d0, d1 floordiv 16)>
// CHECK-LABEL: func @nvfp4
// CHECK-SAME: %[[X:.*]]: tensor<4x64xf32>, %[[G:.*]]: tensor<f32>
// CHECK-DAG: %[[INF:.*]] = arith.constant 0x7F800000 : f32
// CHECK-DAG: %[[SIX:.*]] = arith.constant 6.000000e+00 : f32
// CHECK: %[[AMAX:.*]] = linalg.generic
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[AMAX]], %[[G]] : tensor<4x4xf32>, tensor<f32>) outs(%{{.*}} : tensor<4x4xf8E4M3FN>)
// CHECK:   %[[T:.*]] = arith.divf %{{.*}}, %[[SIX]] : f32
// CHECK:   arith.divf %[[T]], %{{.*}} : f32
// CHECK:   vector.bitcast %{{.*}} : vector<1xi8> to vector<1xf8E4M3FN>
// CHECK: %[[D:.*]] = linalg.generic {{.*}} ins(%[[S]], %[[G]] : tensor<4x4xf8E4M3FN>, tensor<f32>)
// CHECK:   %[[P:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK:   %[[Z:.*]] = arith.cmpf oeq, %[[P]]
// CHECK:   arith.select %[[Z]], %[[INF]], %[[P]] : f32
// CHECK: %[[Q:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[BLOCK16]], #{{.*}}], {{.*}} ins(%[[X]], %[[D]] : tensor<4x64xf32>, tensor<4x4xf32>)
// CHECK:   vector.bitcast %{{.*}} : vector<1xi4> to vector<1xf4E2M1FN>
// CHECK: return %[[Q]], %[[S]]
func.func @nvfp4(%x: tensor<4x64xf32>, %g: tensor<f32>) -> (tensor<4x64xf4E2M1FN>, tensor<4x4xf8E4M3FN>) {
  %q, %s = qnk.mx_quantize %x, %g block_size = 16 : tensor<4x64xf32>, tensor<f32> -> tensor<4x64xf4E2M1FN>, tensor<4x4xf8E4M3FN>
  return %q, %s : tensor<4x64xf4E2M1FN>, tensor<4x4xf8E4M3FN>
}

// -----

// fp4 dequantize: an integer decode of the nibble (no table), then one f32
// product with the f16 scale widened exactly.
// CHECK-LABEL: func @fp4_dequantize
// CHECK: linalg.generic
// CHECK: ^bb0(%[[Q:.*]]: f4E2M1FN, %[[S:.*]]: f16, %{{.*}}: f32):
// CHECK:   vector.bitcast %{{.*}} : vector<1xf4E2M1FN> to vector<1xi4>
// CHECK:   arith.extui %{{.*}} : vector<1xi4> to vector<1xi32>
// CHECK:   arith.select
// CHECK:   %[[V:.*]] = vector.extract %{{.*}}[0] : f32 from vector<1xf32>
// CHECK:   %[[W:.*]] = arith.extf %[[S]] : f16 to f32
// CHECK:   arith.mulf %[[V]], %[[W]] : f32
func.func @fp4_dequantize(%q: tensor<4x64xf4E2M1FN>, %s: tensor<4x2xf16>) -> tensor<4x64xf32> {
  %x = qnk.dequantize %q, %s axis = 1 group_size = 32 : tensor<4x64xf4E2M1FN>, tensor<4x2xf16> -> tensor<4x64xf32>
  return %x : tensor<4x64xf32>
}
