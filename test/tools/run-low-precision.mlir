// bf16, f16, i8 and ui8 x i8 matmuls: the fast path matches the reference
// (integer results bit for bit) and runs the nanokernel the target selects
// for the types: vdpbf16ps for bf16 where AVX512-BF16 exists, FMA on f32
// lanes otherwise; vpdpbusd for ui8 x i8 where VNNI exists; vpmaddwd for
// 8-bit integers otherwise (which LLVM fuses with the add into vpdpwssd
// where AVX512-VNNI exists).
// REQUIRES: avx2, fma
// RUN: qnk-run %s -e bf16 --verify --dump-asm=%t.bf16.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=BF16 < %t.bf16.s
// RUN: qnk-run %s -e f16 --verify --dump-asm=%t.f16.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=FMA < %t.f16.s
// RUN: qnk-run %s -e i8 --verify --dump-asm=%t.i8.s | FileCheck %s --check-prefix=EXACT
// RUN: FileCheck %s --check-prefix=I8 < %t.i8.s
// RUN: qnk-run %s -e u8s8 --verify --dump-asm=%t.u8s8.s | FileCheck %s --check-prefix=EXACT
// RUN: FileCheck %s --check-prefix=U8S8 < %t.u8s8.s
// RUN: qnk-run %s -e u8s8 --verify --seed=3 | FileCheck %s --check-prefix=EXACT

// The portable nanokernels, whatever this machine has.
// RUN: qnk-run %s -e bf16 --target=x86-64-v3 --verify --dump-asm=%t.bf16-v3.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=FMA < %t.bf16-v3.s
// RUN: qnk-run %s -e u8s8 --target=x86-64-v3 --verify --dump-asm=%t.u8s8-v3.s | FileCheck %s --check-prefix=EXACT
// RUN: FileCheck %s --check-prefix=PMADDWD < %t.u8s8-v3.s

// CHECK: verified: max_abs_err={{[0-9.]+e[-+][0-9]+}} max_rel_err=
// EXACT: verified: max_abs_err=0.000e+00 max_rel_err=0.000e+00

// FMA: vfmadd231ps {{.*}}%{{[yz]}}mm
// BF16: {{vdpbf16ps|vfmadd231ps}} {{.*}}%{{[yz]}}mm
// I8: {{vpdpbusd|vpmaddwd}} {{.*}}%{{[yz]}}mm
// U8S8: {{vpdpbusd|vpmaddwd|vpdpwssd}} {{.*}}%{{[yz]}}mm
// PMADDWD: vpmaddwd {{.*}}%ymm

func.func @bf16(%a: tensor<33x70xbf16>, %b: tensor<70x45xbf16>) -> tensor<33x45xf32> {
  %c = qnk.matmul %a, %b : tensor<33x70xbf16>, tensor<70x45xbf16> -> tensor<33x45xf32>
  return %c : tensor<33x45xf32>
}

func.func @f16(%a: tensor<21x66xf16>, %b: tensor<66x39xf16>) -> tensor<21x39xf32> {
  %c = qnk.matmul %a, %b : tensor<21x66xf16>, tensor<66x39xf16> -> tensor<21x39xf32>
  return %c : tensor<21x39xf32>
}

func.func @i8(%a: tensor<29x77xi8>, %b: tensor<77x51xi8>) -> tensor<29x51xi32> {
  %c = qnk.matmul %a, %b : tensor<29x77xi8>, tensor<77x51xi8> -> tensor<29x51xi32>
  return %c : tensor<29x51xi32>
}

func.func @u8s8(%a: tensor<31x65xui8>, %b: tensor<65x47xi8>) -> tensor<31x47xi32> {
  %c = qnk.matmul %a, %b : tensor<31x65xui8>, tensor<65x47xi8> -> tensor<31x47xi32>
  return %c : tensor<31x47xi32>
}
