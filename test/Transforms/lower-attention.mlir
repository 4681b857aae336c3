// RUN: qnk-opt %s --split-input-file --qnk-set-target="target=haswell" --qnk-lower-attention --canonicalize | FileCheck %s
// RUN: qnk-opt %s --split-input-file --qnk-set-target="target=skylake-avx512" --qnk-lower-attention="threads=2" --canonicalize | FileCheck %s --check-prefix=PAR
// RUN: qnk-opt %s --split-input-file --qnk-cpu-pipeline="target=haswell threads=2" | FileCheck %s --check-prefix=LLVM

// GQA prefill, causal, on AVX2 (16 registers: a 4x3 register block, 72-key
// tiles). K is packed once into [tile][D][72] panels by 8x8 transposes; then
// for each (kv head, tile of 16 rows = (query head, query) pairs of the
// group), each visible key tile, each block of 4 rows: S by broadcast and
// FMA over D, the online softmax with QNK's exp, and O += P·V by FMA. Only a
// 4x72 tile of scores exists: no 100x100 buffer.
// CHECK-LABEL: func @gqa_causal
// CHECK-NOT: memref<{{.*}}100x100xf32>
// CHECK-DAG: %[[Q:.*]] = bufferization.to_buffer %arg0 read_only
// CHECK-DAG: %[[V:.*]] = bufferization.to_buffer %arg2 read_only
// CHECK-DAG: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x4x100x64xf32>
// CHECK-DAG: %[[KP:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x64x72xf32>
// The pack: 8 keys x 8 of D, transposed in registers by three stages of
// shuffles, stored as 8 vectors of 8 keys.
// CHECK: scf.for
// CHECK-COUNT-8: vector.load %{{.*}} : memref<1x2x100x64xf32>, vector<8xf32>
// CHECK-COUNT-4: vector.shuffle %{{.*}}, %{{.*}} [0, 8, 1, 9, 4, 12, 5, 13]
// CHECK-COUNT-4: vector.shuffle %{{.*}}, %{{.*}} [2, 3, 10, 11, 6, 7, 14, 15]
// CHECK-COUNT-4: vector.shuffle %{{.*}}, %{{.*}} [4, 5, 6, 7, 12, 13, 14, 15]
// CHECK-COUNT-8: vector.store %{{.*}}, %[[KP]][%{{.*}}] : memref<4x64x72xf32>, vector<8xf32>
// CHECK-DAG: %[[QB:.*]] = memref.alloc() {alignment = 64 : i64} : memref<16x64xf32>
// CHECK-DAG: %[[SB:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x72xf32>
// CHECK-DAG: %[[OB:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x16x64xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c26 step %c1 {
// The key-tile loop stops at the last tile the rows can see (causal).
// CHECK: scf.for %[[KT:.*]] = %c0 to %{{.*}} step %c1 {
// CHECK: scf.for %[[RB:.*]] = %c0 to %c4 step %c1 {
// S = Q·Kᵀ: 3 K vectors, one broadcast per row, 12 FMAs per step of D.
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// CHECK-COUNT-3: vector.load %[[KP]]
// CHECK: memref.load %[[QB]]
// CHECK: vector.broadcast
// CHECK-COUNT-3: math.fma
// Scale, then -inf past each row's last key.
// CHECK: arith.mulf
// CHECK: arith.cmpi sle, %{{.*}} : vector<8xi32>
// CHECK: arith.select
// CHECK: vector.store %{{.*}}, %[[SB]]
// The online softmax: tile max, rescale factor, exps (a polynomial: no
// math.exp), tile sum.
// CHECK: vector.reduction <maximumf>
// CHECK-NOT: math.exp
// CHECK: vector.reduction <add>
// P·V, with the causal guard only on tiles that cross a row's window.
// CHECK: scf.if
// CHECK: scf.for %{{.*}} = %c0 to %{{.*}} step %c1 iter_args({{.*}}) -> (vector<8xf32>,
// CHECK: vector.load %[[V]]
// CHECK: memref.load %[[SB]]
// CHECK: math.fma
// CHECK: arith.select
// O / l, 0 for fully masked rows.
// CHECK: arith.divf %cst{{.*}}, %{{.*}} : f32
// CHECK: vector.store %{{.*}}, %[[OUT]]
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable
// CHECK-NOT: math.exp

// PAR-LABEL: func @gqa_causal
// PAR-NOT: memref<{{.*}}100x100xf32>
// PAR: scf.parallel
// PAR-COUNT-8: vector.load %{{.*}} : memref<1x2x100x64xf32>, vector<8xf32>
// PAR: scf.parallel
// PAR: math.fma %{{.*}} : vector<16xf32>

// LLVM-LABEL: llvm.func @gqa_causal
// LLVM: omp.parallel
// LLVM: llvm.intr.fma({{.*}}) : (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
// LLVM-NOT: @expf
func.func @gqa_causal(%q: tensor<1x4x100x64xf32>, %k: tensor<1x2x100x64xf32>, %v: tensor<1x2x100x64xf32>) -> tensor<1x4x100x64xf32> {
  %o = qnk.attention %q, %k, %v causal : tensor<1x4x100x64xf32>, tensor<1x2x100x64xf32>, tensor<1x2x100x64xf32> -> tensor<1x4x100x64xf32>
  return %o : tensor<1x4x100x64xf32>
}

// -----

// MQA decode (one row tile, of the 4 query heads) on two threads: K (bf16)
// is packed tile by tile into per-thread scratch inside the key loop, V is
// read in place and widened as it is loaded (each tile is read by one row
// tile only), the key tiles are split in two, and the partial (m, l, O) of
// each split are combined after the parallel loop.
// PAR-LABEL: func @decode
// PAR: %[[PO:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x4x128xf32>
// PAR: %[[PM:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x4xf32>
// PAR: scf.parallel
// PAR: %[[KS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x128x96xf32>
// PAR-NOT: memref.alloc
// PAR: scf.for
// PAR: arith.extf %{{.*}} : vector<8xbf16> to vector<8xf32>
// PAR: vector.load %[[KS]]
// PAR: math.fma
// PAR: vector.load %{{.*}} : memref<1x1x1000x128xbf16>, vector<16xbf16>
// PAR: arith.extf %{{.*}} : vector<16xbf16> to vector<16xf32>
// PAR: math.fma
// PAR: scf.reduce
// The combine: the max of the splits' maxes, weights exp(m_s - M).
// PAR: scf.for
// PAR: memref.load %[[PM]][%c0
// PAR: memref.load %[[PM]][%c1
// PAR: arith.maximumf
// PAR: vector.load %[[PO]]
// PAR: math.fma
// PAR-NOT: math.exp
func.func @decode(%q: tensor<1x4x1x128xbf16>, %k: tensor<1x1x1000x128xbf16>, %v: tensor<1x1x1000x128xbf16>) -> tensor<1x4x1x128xf32> {
  %o = qnk.attention %q, %k, %v : tensor<1x4x1x128xbf16>, tensor<1x1x1000x128xbf16>, tensor<1x1x1000x128xbf16> -> tensor<1x4x1x128xf32>
  return %o : tensor<1x4x1x128xf32>
}

// -----

// No keys: every row is fully masked, the result is zeros.
// CHECK-LABEL: func @no_keys
// CHECK: %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<1x2x3x8xf32>
// CHECK: return %[[Z]]
func.func @no_keys(%q: tensor<1x2x3x16xf32>, %k: tensor<1x2x0x16xf32>, %v: tensor<1x2x0x8xf32>) -> tensor<1x2x3x8xf32> {
  %o = qnk.attention %q, %k, %v : tensor<1x2x3x16xf32>, tensor<1x2x0x16xf32>, tensor<1x2x0x8xf32> -> tensor<1x2x3x8xf32>
  return %o : tensor<1x2x3x8xf32>
}
