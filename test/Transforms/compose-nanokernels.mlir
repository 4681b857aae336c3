// RUN: qnk-opt %s --split-input-file --qnk-compose-nanokernels --canonicalize --cse | FileCheck %s

// A 4x3 block of vector<8xf32> accumulators: zeroed once, carried through
// the whole K loop as iter_args, stored once. Inside the K loop only B
// vectors and A broadcasts are loaded, and C is never touched.
// CHECK-LABEL: func @fma
// CHECK: scf.for %[[P:.*]] = %c0 to %c3 step %c1 {
// CHECK:   scf.for %[[BLK:.*]] = %c0 to %c9 step %c1 {
// CHECK:     %[[ACC:.*]]:12 = scf.for %[[K:.*]] = %c0 to %c129 step %c1 iter_args(%{{.*}} = %cst, {{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// CHECK-NOT:   %arg2
// CHECK-COUNT-3: vector.load %arg1[%[[P]], %[[K]], %{{.*}}] : memref<3x129x24xf32>, vector<8xf32>
// CHECK:       memref.load %arg0[%[[BLK]], %[[K]], %c0] : memref<10x129x4xf32>
// CHECK:       vector.broadcast
// CHECK-COUNT-3: vector.fma
// CHECK-NOT:   %arg2
// CHECK:       scf.yield
// CHECK:     scf.if
// CHECK:       vector.store %[[ACC]]#0, %arg2
// CHECK:     } else {
// CHECK:       vector.maskedstore %arg2
// Leftover row (37 = 9 * 4 + 1): a 1-row register block.
// CHECK:   scf.for {{.*}} iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// CHECK-COUNT-3: vector.fma
func.func @fma(%a: memref<10x129x4xf32>, %b: memref<3x129x24xf32>, %c: memref<37x50xf32>) {
  qnk.packed_matmul ins(%a, %b : memref<10x129x4xf32>, memref<3x129x24xf32>) outs(%c : memref<37x50xf32>) kernel = <fma_f32, mr = 4, nv = 3, vector_length = 8, kr = 1>
  return
}

// -----

// Accumulating blocks load C before the K loop (masked in the last panel).
// CHECK-LABEL: func @accumulate
// CHECK: scf.if
// CHECK-COUNT-2: vector.load %arg2
// CHECK: } else {
// CHECK-COUNT-2: vector.maskedload %arg2
// CHECK: scf.for {{.*}} iter_args
// CHECK-NOT: %arg2
// CHECK: scf.yield
func.func @accumulate(%a: memref<1x16x1xf32>, %b: memref<2x16x16xf32>, %c: memref<1x20xf32>) {
  qnk.packed_matmul ins(%a, %b : memref<1x16x1xf32>, memref<2x16x16xf32>) outs(%c : memref<1x20xf32>) kernel = <fma_f32, mr = 1, nv = 2, vector_length = 8, kr = 1> accumulate
  return
}

// -----

// vpmaddwd: an i16 pair of A broadcast as one i32, multiplied against 16
// i16 of B into 8 i32 lanes, then added to the accumulator.
// CHECK-LABEL: func @pmaddwd
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<8xi32>, vector<8xi32>
// CHECK:   vector.load %{{.*}} : memref<2x4x32xi16>, vector<16xi16>
// CHECK:   %[[PAIR:.*]] = vector.load %{{.*}} : memref<2x4x12xi16>, vector<2xi16>
// CHECK:   %[[W:.*]] = vector.bitcast %[[PAIR]] : vector<2xi16> to vector<1xi32>
// CHECK:   %[[S:.*]] = vector.extract %[[W]][0] : i32 from vector<1xi32>
// CHECK:   %[[B:.*]] = vector.broadcast %[[S]] : i32 to vector<8xi32>
// CHECK:   %[[B16:.*]] = vector.bitcast %[[B]] : vector<8xi32> to vector<16xi16>
// CHECK:   %[[P:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[B16]], %{{.*}}) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// CHECK:   arith.addi %{{.*}}, %[[P]] : vector<8xi32>
func.func @pmaddwd(%a: memref<2x4x6x2xi16>, %b: memref<2x4x16x2xi16>, %c: memref<9x20xi32>) {
  qnk.packed_matmul ins(%a, %b : memref<2x4x6x2xi16>, memref<2x4x16x2xi16>) outs(%c : memref<9x20xi32>) kernel = <pmaddwd_i16, mr = 6, nv = 2, vector_length = 8, kr = 2>
  return
}

// -----

// B read in place (one row block): the last panel masks its B loads.
// CHECK-LABEL: func @in_place_b
// CHECK: scf.if
// CHECK:   scf.for {{.*}} iter_args
// CHECK:     vector.load %arg1
// CHECK: } else {
// CHECK:   scf.for {{.*}} iter_args
// CHECK:     vector.maskedload %arg1
func.func @in_place_b(%a: memref<1x64xf32>, %b: memref<64x100xf32>, %c: memref<1x100xf32>) {
  qnk.packed_matmul ins(%a, %b : memref<1x64xf32>, memref<64x100xf32>) outs(%c : memref<1x100xf32>) kernel = <fma_f32, mr = 1, nv = 7, vector_length = 8, kr = 1>
  return
}

// -----

// s8 x s8 on vpdpbusd: per B panel, the column sums (vpdpbusd against u8
// ones) times -128 are where the accumulators start.
// CHECK-LABEL: func @s8s8_correction
// CHECK: %[[ONES:.*]] = arith.constant dense<1> : vector<64xi8>
// CHECK: %[[SUMS:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<16xi32>) {
// CHECK:   llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.*}}, %[[ONES]], %{{.*}})
// CHECK: %[[OFF:.*]] = arith.muli %[[SUMS]], %{{.*}} : vector<16xi32>
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[OFF]], %{{.*}} = %[[OFF]]
func.func @s8s8_correction(%a: memref<2x2x6x4xi8>, %b: memref<1x2x16x4xi8>, %c: memref<9x16xi32>) {
  qnk.packed_matmul ins(%a, %b : memref<2x2x6x4xi8>, memref<1x2x16x4xi8>) outs(%c : memref<9x16xi32>) kernel = <dpbusd_s8s8, mr = 6, nv = 1, vector_length = 16, kr = 4>
  return
}

// -----

// bf16 B in place: loaded as bf16 and widened in registers.
// CHECK-LABEL: func @bf16_in_kernel
// CHECK: scf.for {{.*}} iter_args
// CHECK:   %[[RAW:.*]] = vector.load %arg1[{{.*}}] : memref<64x32xbf16>, vector<16xbf16>
// CHECK:   arith.extf %[[RAW]] : vector<16xbf16> to vector<16xf32>
// CHECK:   vector.fma
func.func @bf16_in_kernel(%a: memref<1x64xf32>, %b: memref<64x32xbf16>, %c: memref<1x32xf32>) {
  qnk.packed_matmul ins(%a, %b : memref<1x64xf32>, memref<64x32xbf16>) outs(%c : memref<1x32xf32>) kernel = <fma_f32, mr = 1, nv = 2, vector_length = 16, kr = 1>
  return
}
