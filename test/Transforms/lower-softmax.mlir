// RUN: qnk-opt %s --split-input-file --qnk-set-target="target=haswell" --qnk-lower-softmax | FileCheck %s
// RUN: qnk-opt %s --split-input-file --qnk-set-target="target=skylake-avx512" --qnk-lower-softmax="threads=2" | FileCheck %s --check-prefix=PAR
// RUN: qnk-opt %s --split-input-file --qnk-cpu-pipeline="target=skylake-avx512" | FileCheck %s --check-prefix=LLVM
// RUN: qnk-opt %s --split-input-file --qnk-cpu-pipeline="target=haswell threads=2" | FileCheck %s --check-prefix=LLVM

// Rows of 37 on AVX2 (8 lanes): pass 1 is an online max+sum over 4 vectors a
// step (32 elements), then a masked tail; f32 results keep each step's exps
// in the result and its max in a scratch vector, so pass 2 rescales them by
// exp(m_step - M) / S with one exp per step.
// CHECK-LABEL: func @rows
// CHECK-DAG: %[[X:.*]] = bufferization.to_buffer %arg0 read_only : tensor<4x37xf32> to memref<4x37xf32>
// CHECK-DAG: %[[Y:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x37xf32>
// CHECK-DAG: %[[SCR:.*]] = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
// CHECK: scf.for %[[R:.*]] = %c0 to %c4 step %c1 {
// Pass 1: four loads, the running max, exps, the rescaled running sum.
// CHECK:   %[[P1:.*]]:2 = scf.for %[[J:.*]] = %c0 to %c32 step %c32 iter_args(%[[M:.*]] = %{{.*}}, %[[S:.*]] = %{{.*}}) -> (vector<8xf32>, vector<8xf32>) {
// CHECK-COUNT-4: vector.load %[[X]][%[[R]], %{{.*}}] : memref<4x37xf32>, vector<8xf32>
// CHECK:     arith.cmpf ogt
// CHECK:     arith.select
// CHECK-COUNT-5: math.fma %{{.*}}, %{{.*}}, %cst{{.*}} : vector<8xf32>
// CHECK:     %[[SNEW:.*]] = math.fma %[[S]], %{{.*}}, %{{.*}} : vector<8xf32>
// CHECK-COUNT-4: vector.store %{{.*}}, %[[Y]][%[[R]], %{{.*}}] : memref<4x37xf32>, vector<8xf32>
// CHECK:     vector.store %{{.*}}, %[[SCR]][%{{.*}}] : memref<16xf32>, vector<8xf32>
// CHECK:     scf.yield %{{.*}}, %[[SNEW]] : vector<8xf32>, vector<8xf32>
// The last 5 elements, masked.
// CHECK:   vector.maskedload %[[X]][%[[R]], %c32]
// CHECK:   vector.maskedstore %[[Y]][%[[R]], %c32]
// CHECK:   vector.store %{{.*}}, %[[SCR]][%c8]
// CHECK:   vector.reduction <maximumf>, %{{.*}} : vector<8xf32> into f32
// CHECK:   %[[SUM:.*]] = vector.reduction <add>, %{{.*}} : vector<8xf32> into f32
// A fully masked row (M = -inf) divides by S + 1 = 1.
// CHECK:   %[[NONE:.*]] = arith.cmpf oeq, %{{.*}}, %cst{{.*}} : f32
// CHECK:   %[[S1:.*]] = arith.addf %[[SUM]], %cst{{.*}} : f32
// CHECK:   %[[SS:.*]] = arith.select %[[NONE]], %[[S1]], %[[SUM]] : f32
// CHECK:   %[[INV:.*]] = arith.divf %cst{{.*}}, %[[SS]] : f32
// CHECK:   %[[INVV:.*]] = vector.broadcast %[[INV]] : f32 to vector<8xf32>
// Pass 2: per step one exp of the step's max, then the stored exps scaled.
// CHECK:   scf.for %[[J2:.*]] = %c0 to %c32 step %c32 {
// CHECK:     vector.load %[[SCR]][%{{.*}}] : memref<16xf32>, vector<8xf32>
// CHECK:     %[[F:.*]] = arith.mulf %{{.*}}, %[[INVV]] : vector<8xf32>
// CHECK:     %[[E:.*]] = vector.load %[[Y]][%[[R]], %[[J2]]]
// CHECK:     %[[Q:.*]] = arith.mulf %[[E]], %[[F]] : vector<8xf32>
// CHECK:     vector.store %[[Q]], %[[Y]][%[[R]], %[[J2]]]
// CHECK-NOT: vector.load %[[X]]
// CHECK:   vector.maskedstore %[[Y]][%[[R]], %c32]
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[Y]] restrict writable
// CHECK: return %[[T]]
// CHECK-NOT: math.exp
// PAR-LABEL: func @rows
// Two threads: two blocks of two rows, each with its own scratch.
// PAR: scf.parallel (%[[B:.*]]) = (%c0) to (%c2) step (%c1) {
// PAR:   %[[FROM:.*]] = arith.muli %[[B]], %c2 : index
// PAR:   memref.alloc() {alignment = 64 : i64} : memref<48xf32>
// PAR:   scf.for %{{.*}} = %[[FROM]] to %{{.*}} step %c1 {
// PAR:     vector<16xf32>
// LLVM-LABEL: llvm.func @rows
// LLVM-NOT: exp
// LLVM: llvm.return
func.func @rows(%x: tensor<4x37xf32>) -> tensor<4x37xf32> {
  %y = qnk.softmax %x axis = 1 : tensor<4x37xf32> -> tensor<4x37xf32>
  return %y : tensor<4x37xf32>
}

// -----

// bf16 in and out, a mask broadcast along the row (one scalar per row) and
// over the leading dimension, a scale; rows found by delinearizing.
// CHECK-LABEL: func @masked_bf16
// CHECK: scf.for %[[R:.*]] = %c0 to %c6 step %c1 {
// CHECK:   %[[I:.*]]:2 = affine.delinearize_index %[[R]] into (2, 3)
// CHECK:   %[[MV:.*]] = memref.load %{{.*}}[%c0, %[[I]]#1, %c0] : memref<1x3x1xf32>
// CHECK:   vector.broadcast %[[MV]] : f32 to vector<8xf32>
// CHECK:   vector.load %{{.*}}[%[[I]]#0, %[[I]]#1, %{{.*}}] : memref<2x3x64xbf16>, vector<8xbf16>
// CHECK:   arith.extf %{{.*}} : vector<8xbf16> to vector<8xf32>
// CHECK:   arith.mulf
// CHECK:   arith.addf
// bf16 results: no scratch, pass 2 recomputes each exp from x.
// CHECK-NOT: memref<2xf32>
// CHECK:   arith.truncf %{{.*}} : vector<8xf32> to vector<8xbf16>
// CHECK-NOT: vector.maskedstore
// LLVM-LABEL: llvm.func @masked_bf16
// LLVM-NOT: exp
// LLVM: llvm.return
func.func @masked_bf16(%x: tensor<2x3x64xbf16>, %m: tensor<1x3x1xf32>) -> tensor<2x3x64xbf16> {
  %y = qnk.softmax %x mask(%m : tensor<1x3x1xf32>) axis = 2 scale = 0.125 : tensor<2x3x64xbf16> -> tensor<2x3x64xbf16>
  return %y : tensor<2x3x64xbf16>
}

// -----

// A softmax along an outer axis takes the reference lowering, and its
// math.exp (like any f32 math.exp) becomes QNK's exp: no libm call either.
// CHECK-LABEL: func @axis0
// CHECK: linalg.generic
// CHECK-NOT: math.exp
// CHECK: return
// LLVM-LABEL: llvm.func @axis0
// LLVM-NOT: exp
// LLVM: llvm.return
func.func @axis0(%x: tensor<3x5xf32>) -> tensor<3x5xf32> {
  %y = qnk.softmax %x axis = 0 : tensor<3x5xf32> -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}
