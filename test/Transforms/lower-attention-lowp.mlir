// RUN: qnk-opt %s --split-input-file --qnk-set-target="target=znver4" --qnk-lower-attention --canonicalize | FileCheck %s
// RUN: qnk-opt %s --split-input-file --qnk-set-target="target=sapphirerapids" --qnk-lower-attention --canonicalize | FileCheck %s --check-prefix=AMX
// RUN: qnk-opt %s --split-input-file --qnk-set-target="target=haswell" --qnk-lower-attention --canonicalize | FileCheck %s --check-prefix=AVX2

// int8 Q·Kᵀ (SageAttention) with bf16 P·V on a target with AVX512-VNNI and
// AVX512-BF16 (and no AMX). First K's mean per (batch, kv head) over the 100 keys, then
// the scale of each block of 64 keys of K minus it, then the scale of each
// block of 32 queries; then K is quantized and packed once as u8 quads
// (k + 128: a sign-bit flip) in words [tile][16][64], with each key's
// scale, and V as bf16 pairs of keys. The scores run on vpdpbusd from
// -128 * sum(q); P·V on vdpbf16ps. Still no 100x100 buffer and no exp call.
// CHECK-LABEL: func @i8_bf16
// CHECK-NOT: memref<{{.*}}100x100x
// CHECK-DAG: %[[MEAN:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x64xf32>
// CHECK-DAG: %[[KBS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x2xf32>
// CHECK-DAG: %[[QBS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<8x4xf32>
// CHECK-DAG: %[[KS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x64xf32>
// The mean: a sum over the keys, one division.
// CHECK: scf.for %{{.*}} = %c0 to %c100 step %c1 iter_args
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK: vector.store %{{.*}}, %[[MEAN]]
// The block scales: the largest |k - mean|, / 127, NaN unless finite.
// CHECK: arith.subf
// CHECK: math.absf
// CHECK: arith.maximumf
// CHECK: vector.reduction <maximumf>
// CHECK: arith.divf
// CHECK: arith.cmpf olt
// CHECK: memref.store %{{.*}}, %[[KBS]]
// CHECK: memref.store %{{.*}}, %[[QBS]]
// CHECK-DAG: %[[KP:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x16x64xi32>
// CHECK-DAG: %[[VP:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x32x64xi32>
// CHECK: arith.divf %{{.*}} : vector<32xf32>
// CHECK: math.roundeven
// CHECK: arith.fptosi
// CHECK: arith.xori
// CHECK: vector.shuffle
// CHECK: vector.store %{{.*}}, %[[KP]]
// CHECK: memref.store %{{.*}}, %[[KS]]
// CHECK: vector.interleave %{{.*}}, %{{.*}} : vector<16xbf16> -> vector<32xbf16>
// CHECK: vector.store %{{.*}}, %[[VP]]
// Per thread: Q rows as words of quads, their scales and corrections, and
// P as words of bf16 pairs.
// CHECK-DAG: %[[QB:.*]] = memref.alloc() {alignment = 64 : i64} : memref<24x16xi32>
// CHECK-DAG: %[[RS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<24xf32>
// CHECK-DAG: %[[RC:.*]] = memref.alloc() {alignment = 64 : i64} : memref<24xi32>
// CHECK-DAG: %[[PB:.*]] = memref.alloc() {alignment = 64 : i64} : memref<6x32xi32>
// CHECK: vector.reduction <add>, %{{.*}} : vector<64xi32> into i32
// CHECK: arith.muli %{{.*}}, %c-128_i32
// CHECK: memref.store %{{.*}}, %[[RC]]
// S: 6 rows x 4 vectors of 16 keys, 16 steps of 4 along D.
// CHECK: memref.load %[[RC]]
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c1 iter_args
// CHECK-COUNT-4: vector.load %[[KP]]
// CHECK: memref.load %[[QB]]
// CHECK-COUNT-4: llvm.call @llvm.x86.avx512.vpdpbusd.512(%{{.*}}, %{{.*}}, %{{.*}}) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// (f32(dot) * sk) * (sq * scale)
// CHECK: vector.load %[[KS]]
// CHECK: arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: arith.mulf
// CHECK: memref.load %[[RS]]
// CHECK: arith.mulf
// P rounded to bf16 into words of pairs.
// CHECK: arith.truncf %{{.*}} : vector<16xf32> to vector<16xbf16>
// CHECK: vector.store %{{.*}}, %[[PB]]
// CHECK-NOT: math.exp
// P·V, a pair of keys per step.
// CHECK: vector.load %[[VP]]
// CHECK: memref.load %[[PB]]
// CHECK: x86vector.avx512.dot
// CHECK-NOT: math.exp
// CHECK: llvm.func @llvm.x86.avx512.vpdpbusd.512(vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// Without VNNI or AVX512-BF16: the quantized values as f32 [tile][D][72]
// and FMAs; P and V rounded to bf16 and widened.
// With AMX (Sapphire Rapids), where vdpbf16ps measured slower than FMAs:
// vpdpbusd for the int8 scores, FMAs on P and V rounded to bf16.
// AMX-LABEL: func @i8_bf16
// AMX: llvm.call @llvm.x86.avx512.vpdpbusd.512
// AMX-NOT: x86vector
// AMX: arith.truncf %{{.*}} : vector<16xf32> to vector<16xbf16>
// AMX: math.fma
// AMX-NOT: x86vector
// AVX2-LABEL: func @i8_bf16
// AVX2-NOT: vpdpbusd
// AVX2-DAG: %[[KP:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x64x72xf32>
// AVX2: math.roundeven
// AVX2: arith.sitofp
// AVX2: vector.store %{{.*}}, %[[KP]]
// AVX2: math.fma
// AVX2: arith.truncf %{{.*}} : vector<8xf32> to vector<8xbf16>
// AVX2: arith.extf
// AVX2-NOT: x86vector
// AVX2-NOT: vpdpbusd
func.func @i8_bf16(%q: tensor<1x8x100x64xbf16>, %k: tensor<1x2x100x64xbf16>, %v: tensor<1x2x100x64xbf16>) -> tensor<1x8x100x64xbf16> {
  %o = qnk.attention %q, %k, %v causal qk_type = i8 qk_blocks = [32, 64] pv_type = bf16 : tensor<1x8x100x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x2x100x64xbf16> -> tensor<1x8x100x64xbf16>
  return %o : tensor<1x8x100x64xbf16>
}

// -----

// bf16 Q·Kᵀ on vdpbf16ps: K packed as words of bf16 pairs along D
// [tile][64][64], Q rows as words; P·V stays on FMAs without pv_type.
// CHECK-LABEL: func @bf16
// CHECK-DAG: %[[KP:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x64x64xi32>
// CHECK: vector.bitcast %{{.*}} : vector<16xbf16> to vector<8xi32>
// CHECK: vector.shuffle
// CHECK: vector.store %{{.*}}, %[[KP]]
// CHECK-DAG: %[[QB:.*]] = memref.alloc() {alignment = 64 : i64} : memref<24x64xi32>
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args
// CHECK-COUNT-4: vector.load %[[KP]]
// CHECK: memref.load %[[QB]]
// CHECK-COUNT-4: x86vector.avx512.dot
// CHECK: math.fma
// AVX2-LABEL: func @bf16
// AVX2-NOT: x86vector
// AMX-LABEL: func @bf16
// AMX-NOT: x86vector
func.func @bf16(%q: tensor<1x4x100x128xbf16>, %k: tensor<1x2x100x128xbf16>, %v: tensor<1x2x100x128xbf16>) -> tensor<1x4x100x128xf32> {
  %o = qnk.attention %q, %k, %v : tensor<1x4x100x128xbf16>, tensor<1x2x100x128xbf16>, tensor<1x2x100x128xbf16> -> tensor<1x4x100x128xf32>
  return %o : tensor<1x4x100x128xf32>
}
