// RUN: qnk-opt %s --qnk-compose-nanokernels --canonicalize --cse | FileCheck %s

// The epilogue runs on the accumulators in registers: on the last K block
// (epilogue_if) each i32 accumulator vector is converted, scaled by its row's
// and its columns' scales, biased and activated (the exp of SiLU as a
// polynomial) and stored as f32; earlier K blocks store the partial sums'
// bits into the same f32 buffer and load them back as i32.
// CHECK-LABEL: func @w8a8
// CHECK-SAME: %[[LAST:[a-z0-9]+]]: i1
// CHECK: vector.load %arg2[{{.*}}] : memref<12x32xf32>, vector<8xf32>
// CHECK: vector.bitcast %{{.*}} : vector<8xf32> to vector<8xi32>
// CHECK: scf.for
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// The row scales (6 rows) and the column scales and biases (2 vectors) are
// loaded once per block, not once per accumulator.
// CHECK: scf.if %[[LAST]] {
// CHECK-COUNT-6: memref.load %arg4[
// CHECK-NOT: memref.load %arg4[
// CHECK: vector.load %arg5[
// CHECK-NEXT: vector.load %arg6[
// CHECK-NOT: vector.load %arg5[
// CHECK: vector.load %arg5[
// CHECK-NEXT: vector.load %arg6[
// CHECK-NOT: vector.load %arg{{[56]}}[
// CHECK:   arith.sitofp %{{.*}} : vector<8xi32> to vector<8xf32>
// CHECK:   arith.mulf
// CHECK:   arith.mulf
// CHECK:   arith.addf
// CHECK-NOT: math.exp
// CHECK:   arith.divf
// CHECK:   vector.store %{{.*}}, %arg2[{{.*}}] : memref<12x32xf32>, vector<8xf32>
// CHECK: } else {
// CHECK:   vector.bitcast %{{.*}} : vector<8xi32> to vector<8xf32>
// CHECK:   vector.store %{{.*}}, %arg2[{{.*}}] : memref<12x32xf32>, vector<8xf32>
func.func @w8a8(%a: memref<2x32x6x2xi16>, %b: memref<2x32x16x2xi16>, %c: memref<12x32xf32>, %last: i1, %sa: memref<12xf32>, %sb: memref<32xf32>, %bias: memref<32xf32>) {
  qnk.packed_matmul ins(%a, %b : memref<2x32x6x2xi16>, memref<2x32x16x2xi16>) outs(%c : memref<12x32xf32>) kernel = <pmaddwd_i16, mr = 6, nv = 2, vector_length = 8, kr = 2> accumulate epilogue_if(%last) dequantize(%sa, %sb : memref<12xf32>, memref<32xf32>) bias(%bias : memref<32xf32>) activation(silu)
  return
}

// AMX tiles reach C through memory: with an epilogue every block goes
// through the L1 scratch block. C (f32 holding the int8 kernel's partial
// sums) is loaded into it as i32 bits; the tiles are stored into it, and on
// the last K block each row's vectors are converted, scaled, biased and
// activated on their way to C; earlier K blocks store the sums' bits. No
// tile is loaded from or stored to C itself.
// CHECK-LABEL: func @amx_w8a8
// CHECK-SAME: %[[C:arg2]]: memref<64x64xf32>, %[[LAST:[a-z0-9]+]]: i1
// CHECK: %[[S:.*]] = memref.alloc() {alignment = 64 : i64} : memref<32x32xi32>
// CHECK-NOT: amx.tile_load %[[C]]
// CHECK: vector.maskedload %[[C]]
// CHECK: vector.bitcast %{{.*}} : vector<16xf32> to vector<16xi32>
// CHECK: amx.tile_load %[[S]]
// CHECK: amx.tile_muli
// CHECK: amx.tile_store %[[S]]
// CHECK-NOT: amx.tile_store %[[C]]
// CHECK: scf.if %[[LAST]] {
// The row's scale and the per-tensor B scale are loaded once for both of
// the row's vectors.
// CHECK:   memref.load %arg4[
// CHECK:   memref.load %arg5[]
// CHECK:   arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK:   arith.mulf
// CHECK:   arith.mulf
// CHECK:   arith.addf
// CHECK:   arith.maximumf
// CHECK:   vector.maskedstore %[[C]]
// CHECK-NOT: memref.load
// CHECK:   arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK:   vector.maskedstore %[[C]]
// CHECK: } else {
// CHECK:   vector.bitcast %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK:   vector.maskedstore %[[C]]
func.func @amx_w8a8(%a: memref<2x1x32x64xi8>, %b: memref<2x16x32x4xi8>, %c: memref<64x64xf32>, %last: i1, %sa: memref<64xf32>, %sb: memref<f32>, %bias: memref<64xf32>) {
  qnk.packed_matmul ins(%a, %b : memref<2x1x32x64xi8>, memref<2x16x32x4xi8>) outs(%c : memref<64x64xf32>) kernel = <amx_s8s8, mr = 32, nv = 2, vector_length = 16, kr = 4> accumulate epilogue_if(%last) dequantize(%sa, %sb : memref<64xf32>, memref<f32>) bias(%bias : memref<64xf32>) activation(relu)
  return
}
