// RUN: qnk-opt %s --split-input-file --qnk-lower-pack --canonicalize --cse | FileCheck %s

// Panels across source rows (row-major B): bands of 16 K steps over all
// panels; interior panel rows are one vector read, edges are copied
// element by element with zeros past the end.
// CHECK-LABEL: func @columns
// CHECK: scf.for %[[K0:.*]] = %c0 to %c129 step %c16 {
// CHECK:   scf.for %[[P:.*]] = %c0 to %c3 step %c1 {
// CHECK:     scf.for %[[K:.*]] = %[[K0]] to %{{.*}} step %c1 {
// CHECK:       scf.if
// CHECK:         %[[V:.*]] = vector.transfer_read %arg0[%[[K]], %{{.*}}], %{{.*}} {in_bounds = [true, true]} : memref<129x50xbf16>, vector<1x24xbf16>
// CHECK:         %[[E:.*]] = arith.extf %[[V]] : vector<1x24xbf16> to vector<1x24xf32>
// CHECK:         %[[F:.*]] = vector.shape_cast %[[E]] : vector<1x24xf32> to vector<24xf32>
// CHECK:         vector.store %[[F]], %arg1[%[[P]], %[[K]], %c0] : memref<3x129x24xf32>, vector<24xf32>
// CHECK:       } else {
// CHECK:         scf.for
// CHECK:           scf.if
// CHECK:             memref.load %arg0
// CHECK:           } else {
// CHECK:             scf.yield %cst
// CHECK:           memref.store
func.func @columns(%b: memref<129x50xbf16>, %bp: memref<3x129x24xf32>) {
  qnk.pack %b into %bp panel_dim = 1 : memref<129x50xbf16>, memref<3x129x24xf32>
  return
}

// -----

// Panels along source rows (row-major A): tile x 8 reads transposed in
// registers into 8 panel rows.
// CHECK-LABEL: func @rows
// CHECK: scf.for %[[P:.*]] = %c0 to %c10 step %c1 {
// CHECK:   scf.for %[[K:.*]] = %c0 to %c129 step %c8 {
// CHECK:     vector.transfer_read %arg0[%{{.*}}, %[[K]]], %{{.*}} {in_bounds = [true, true]} : memref<37x129xf32>, vector<4x8xf32>
// CHECK:     vector.transpose %{{.*}}, [1, 0, 2] : vector<4x8x1xf32> to vector<8x4x1xf32>
// CHECK-COUNT-8: vector.store %{{.*}}, %arg1[%[[P]], %{{.*}}, %c0] : memref<10x129x4xf32>, vector<4xf32>
func.func @rows(%a: memref<37x129xf32>, %ap: memref<10x129x4xf32>) {
  qnk.pack %a into %ap panel_dim = 0 : memref<37x129xf32>, memref<10x129x4xf32>
  return
}

// -----

// Unsigned 8-bit pairs: relabelled signless, zero-extended to i16,
// interleaved by K pair.
// CHECK-LABEL: func @u8_pairs
// CHECK: vector.transfer_read %arg0{{.*}} : memref<7x20xui8>, vector<2x16xui8>
// CHECK: vector.bitcast %{{.*}} : vector<2x16xui8> to vector<2x16xi8>
// CHECK: arith.extui %{{.*}} : vector<2x16xi8> to vector<2x16xi16>
// CHECK: vector.transpose %{{.*}}, [1, 0] : vector<2x16xi16> to vector<16x2xi16>
// CHECK: vector.shape_cast %{{.*}} : vector<16x2xi16> to vector<32xi16>
func.func @u8_pairs(%b: memref<7x20xui8>, %bp: memref<2x4x16x2xi16>) {
  qnk.pack %b into %bp panel_dim = 1 zero_extend : memref<7x20xui8>, memref<2x4x16x2xi16>
  return
}

// -----

// CHECK-LABEL: func @batched
// CHECK: scf.for %[[I:.*]] = %c0 to %c3 step %c1 {
// CHECK:   memref.subview %arg0[%[[I]], 0, 0] [1, 5, 30] [1, 1, 1]
func.func @batched(%b: memref<3x5x30xf16>, %bp: memref<3x2x5x24xf32>) {
  qnk.pack %b into %bp panel_dim = 1 : memref<3x5x30xf16>, memref<3x2x5x24xf32>
  return
}

// -----

// E4M3FN decode: f16 bits from the byte, f16 -> f32, times 2^8; the NaN
// code selected to NaN; then the exact f32 -> bf16 truncation.
// CHECK-LABEL: func @fp8_to_bf16
// CHECK: vector.bitcast %{{.*}} : vector<2x16xf8E4M3FN> to vector<2x16xi8>
// CHECK: arith.extui %{{.*}} : vector<2x16xi8> to vector<2x16xi16>
// CHECK: vector.bitcast %{{.*}} : vector<2x16xi16> to vector<2x16xf16>
// CHECK: arith.extf %{{.*}} : vector<2x16xf16> to vector<2x16xf32>
// CHECK: arith.mulf
// CHECK: arith.select
// CHECK: arith.shrui
// CHECK: vector.bitcast %{{.*}} : vector<2x16xi16> to vector<2x16xbf16>
func.func @fp8_to_bf16(%b: memref<7x20xf8E4M3FN>, %bp: memref<2x4x16x2xbf16>) {
  qnk.pack %b into %bp panel_dim = 1 : memref<7x20xf8E4M3FN>, memref<2x4x16x2xbf16>
  return
}

// -----

// Packed 4-bit rows (a transposed int4 weight into vpdpbusd quads): one 1-D
// load per row, each widened to bytes on its own (the narrow-type emulation
// turns these loads into byte loads), then the usual register transpose.
// CHECK-LABEL: func @int4_rows
// CHECK: scf.if
// CHECK-COUNT-16: vector.load %arg0[{{.*}}] : memref<64x256xi4>, vector<32xi4>
// CHECK: arith.extsi {{.*}} : vector<32xi4> to vector<32xi8>
// CHECK: vector.transpose
// CHECK: } else {
// CHECK: memref.load %arg0
func.func @int4_rows(%w: memref<64x256xi4>, %wp: memref<4x64x16x4xi8>) {
  qnk.pack %w into %wp panel_dim = 0 : memref<64x256xi4>, memref<4x64x16x4xi8>
  return
}

// -----

// An odd row stride puts every other row on a half byte: all elements are
// copied one by one.
// CHECK-LABEL: func @int4_odd_rows
// CHECK-NOT: vector.load
// CHECK: memref.load %arg0
func.func @int4_odd_rows(%w: memref<16x33xui4>, %wp: memref<1x9x16x4xi8>) {
  qnk.pack %w into %wp panel_dim = 0 zero_extend : memref<16x33xui4>, memref<1x9x16x4xi8>
  return
}
