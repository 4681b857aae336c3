// qnk.softmax through the fast path matches the reference on odd row
// lengths (1, 3, 17, 1000), scales, very large logits, masks (per row, per
// element, fully masked rows), bf16/f16 and two threads; the softmax loop
// runs on vmaxps and vfmadd231ps in the target's vector registers and
// calls no exp function.
// REQUIRES: avx2, fma
// RUN: qnk-run %s -e len1 --verify | FileCheck %s
// RUN: qnk-run %s -e len3 --verify | FileCheck %s
// RUN: qnk-run %s -e len17 --verify --dump-asm=%t.len17.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ASM < %t.len17.s
// RUN: qnk-run %s -e len1000 --verify --dump-asm=%t.len1000.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ASM < %t.len1000.s
// RUN: qnk-run %s -e large --verify | FileCheck %s
// RUN: qnk-run %s -e masked_rows --verify --dump-asm=%t.rows.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ASM < %t.rows.s
// RUN: qnk-run %s -e masked_elems --verify | FileCheck %s
// RUN: qnk-run %s -e bf16 --verify --dump-asm=%t.bf16.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ASM < %t.bf16.s
// RUN: qnk-run %s -e bf16_masked_f32 --verify | FileCheck %s
// RUN: qnk-run %s -e f16_axis0 --verify | FileCheck %s
// RUN: qnk-run %s -e wide --threads=2 --verify --dump-asm=%t.wide.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ASM < %t.wide.s
// RUN: FileCheck %s --check-prefix=THREADS < %t.wide.s
// The AVX2 code, whatever this machine has.
// RUN: qnk-run %s -e len1000 --target=x86-64-v3 --verify --dump-asm=%t.v3.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=AVX2 < %t.v3.s
// RUN: qnk-run %s -e masked_elems --target=x86-64-v3 --verify | FileCheck %s

// CHECK: verified: max_abs_err={{[0-9.]+e[-+][0-9]+}} max_rel_err=
// ASM-NOT: exp
// ASM: vmaxps {{.*}}%{{[yz]}}mm
// ASM: vfmadd{{[0-9]+}}ps {{.*}}%{{[yz]}}mm
// ASM-NOT: exp
// THREADS: __kmpc_fork_call
// AVX2-NOT: exp
// AVX2: vmaxps {{.*}}%ymm
// AVX2: vfmadd{{[0-9]+}}ps {{.*}}%ymm
// AVX2-NOT: exp
// AVX2-NOT: zmm

func.func @len1(%x: tensor<5x1xf32>) -> tensor<5x1xf32> {
  %y = qnk.softmax %x axis = 1 : tensor<5x1xf32> -> tensor<5x1xf32>
  return %y : tensor<5x1xf32>
}

func.func @len3(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %y = qnk.softmax %x axis = 1 : tensor<4x3xf32> -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

func.func @len17(%x: tensor<6x17xf32>) -> tensor<6x17xf32> {
  %y = qnk.softmax %x axis = 1 scale = 3.0 : tensor<6x17xf32> -> tensor<6x17xf32>
  return %y : tensor<6x17xf32>
}

func.func @len1000(%x: tensor<2x3x1000xf32>) -> tensor<2x3x1000xf32> {
  %y = qnk.softmax %x axis = 2 : tensor<2x3x1000xf32> -> tensor<2x3x1000xf32>
  return %y : tensor<2x3x1000xf32>
}

// Very large logits (|t| up to 1e4): only max subtraction keeps exp finite.
func.func @large(%x: tensor<3x33xf32>) -> tensor<3x33xf32> {
  %y = qnk.softmax %x axis = 1 scale = 1.0e4 : tensor<3x33xf32> -> tensor<3x33xf32>
  return %y : tensor<3x33xf32>
}

// One mask value per row; row 1 is fully masked (zeros).
func.func @masked_rows(%x: tensor<4x17xf32>) -> tensor<4x17xf32> {
  %m = arith.constant dense<[[0.0], [0xFF800000], [-2.5], [0.0]]> : tensor<4x1xf32>
  %y = qnk.softmax %x mask(%m : tensor<4x1xf32>) axis = 1 : tensor<4x17xf32> -> tensor<4x17xf32>
  return %y : tensor<4x17xf32>
}

// A mask per element, broadcast over the leading dimension: a causal row,
// a fully masked row and an additive bias.
func.func @masked_elems(%x: tensor<2x3x19xf32>) -> tensor<2x3x19xf32> {
  %m = arith.constant dense<[[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000], [0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, -1.5, 0.0, -1.5, 0.0, -1.5, 0.0, -1.5, 0.0, -1.5, 0.0, -1.5, 0.0, -1.5, 0.0, -1.5, 0.0, -1.5, 0.0]]> : tensor<3x19xf32>
  %m3 = tensor.expand_shape %m [[0, 1], [2]] output_shape [1, 3, 19] : tensor<3x19xf32> into tensor<1x3x19xf32>
  %y = qnk.softmax %x mask(%m3 : tensor<1x3x19xf32>) axis = 2 scale = 0.5 : tensor<2x3x19xf32> -> tensor<2x3x19xf32>
  return %y : tensor<2x3x19xf32>
}

func.func @bf16(%x: tensor<5x1000xbf16>) -> tensor<5x1000xbf16> {
  %y = qnk.softmax %x axis = 1 : tensor<5x1000xbf16> -> tensor<5x1000xbf16>
  return %y : tensor<5x1000xbf16>
}

func.func @bf16_masked_f32(%x: tensor<4x3x17xbf16>, %m: tensor<4x1x17xbf16>) -> tensor<4x3x17xf32> {
  %y = qnk.softmax %x mask(%m : tensor<4x1x17xbf16>) axis = 2 : tensor<4x3x17xbf16> -> tensor<4x3x17xf32>
  return %y : tensor<4x3x17xf32>
}

func.func @f16_axis0(%x: tensor<7x9xf16>) -> tensor<7x9xf16> {
  %y = qnk.softmax %x axis = 0 : tensor<7x9xf16> -> tensor<7x9xf16>
  return %y : tensor<7x9xf16>
}

func.func @wide(%x: tensor<64x1000xf32>) -> tensor<64x1000xf32> {
  %y = qnk.softmax %x axis = 1 : tensor<64x1000xf32> -> tensor<64x1000xf32>
  return %y : tensor<64x1000xf32>
}
