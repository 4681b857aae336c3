// RUN: qnk-opt %s --qnk-raise-linalg --split-input-file | FileCheck %s

// CHECK-LABEL: func @plain
// CHECK-NOT: linalg.matmul
// CHECK: %[[R:.*]] = qnk.matmul %arg0, %arg1 : tensor<37x129xf32>, tensor<129x50xf32> -> tensor<37x50xf32>
// CHECK: return %[[R]]
func.func @plain(%a: tensor<37x129xf32>, %b: tensor<129x50xf32>) -> tensor<37x50xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<37x50xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<37x50xf32>) -> tensor<37x50xf32>
  %c = linalg.matmul ins(%a, %b : tensor<37x129xf32>, tensor<129x50xf32>) outs(%init : tensor<37x50xf32>) -> tensor<37x50xf32>
  return %c : tensor<37x50xf32>
}

// -----

// torch.nn.Linear: the weight is stored N x K.
// CHECK-LABEL: func @transpose_b
// CHECK: qnk.matmul %arg0, %arg1 transpose_b : tensor<16x64xbf16>, tensor<32x64xbf16> -> tensor<16x32xf32>
func.func @transpose_b(%x: tensor<16x64xbf16>, %w: tensor<32x64xbf16>) -> tensor<16x32xf32> {
  %zero = arith.constant dense<0.0> : tensor<16x32xf32>
  %c = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
       ins(%x, %w : tensor<16x64xbf16>, tensor<32x64xbf16>) outs(%zero : tensor<16x32xf32>) -> tensor<16x32xf32>
  return %c : tensor<16x32xf32>
}

// -----

// CHECK-LABEL: func @transpose_a
// CHECK: qnk.matmul %arg0, %arg1 transpose_a : tensor<64x16xi8>, tensor<64x8xi8> -> tensor<16x8xi32>
func.func @transpose_a(%a: tensor<64x16xi8>, %b: tensor<64x8xi8>) -> tensor<16x8xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<16x8xi32>
  %init = linalg.fill ins(%zero : i32) outs(%e : tensor<16x8xi32>) -> tensor<16x8xi32>
  %c = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
       ins(%a, %b : tensor<64x16xi8>, tensor<64x8xi8>) outs(%init : tensor<16x8xi32>) -> tensor<16x8xi32>
  return %c : tensor<16x8xi32>
}

// -----

// CHECK-LABEL: func @batch
// CHECK: qnk.batch_matmul %arg0, %arg1 : tensor<4x8x16xf16>, tensor<4x16x5xf16> -> tensor<4x8x5xf32>
func.func @batch(%a: tensor<4x8x16xf16>, %b: tensor<4x16x5xf16>) -> tensor<4x8x5xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8x5xf32>) -> tensor<4x8x5xf32>
  %c = linalg.batch_matmul ins(%a, %b : tensor<4x8x16xf16>, tensor<4x16x5xf16>) outs(%init : tensor<4x8x5xf32>) -> tensor<4x8x5xf32>
  return %c : tensor<4x8x5xf32>
}

// -----

// A non-zero accumulator is added back.
// CHECK-LABEL: func @accumulate
// CHECK: %[[M:.*]] = qnk.matmul %arg0, %arg1
// CHECK: linalg.add ins(%[[M]], %arg2 : {{.*}}) outs(%arg2
func.func @accumulate(%a: tensor<4x8xf32>, %b: tensor<8x3xf32>, %c: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x3xf32>) outs(%c : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}

// -----

// Left alone: buffers, unsigned casts, and type pairs QNK does not define.
// CHECK-LABEL: func @not_raised
// CHECK-COUNT-3: linalg.matmul
// CHECK-NOT: qnk.
func.func @not_raised(%a: memref<4x8xf32>, %b: memref<8x3xf32>, %c: memref<4x3xf32>,
                      %x: tensor<4x8xi8>, %y: tensor<8x3xi8>, %z: tensor<4x3xi32>,
                      %f: tensor<4x8xf32>, %g: tensor<8x3xf32>, %h: tensor<4x3xf64>) -> (tensor<4x3xi32>, tensor<4x3xf64>) {
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x3xf32>) outs(%c : memref<4x3xf32>)
  %0 = linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%x, %y : tensor<4x8xi8>, tensor<8x3xi8>) outs(%z : tensor<4x3xi32>) -> tensor<4x3xi32>
  %1 = linalg.matmul ins(%f, %g : tensor<4x8xf32>, tensor<8x3xf32>) outs(%h : tensor<4x3xf64>) -> tensor<4x3xf64>
  return %0, %1 : tensor<4x3xi32>, tensor<4x3xf64>
}
