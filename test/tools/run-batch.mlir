// Batched matmuls (qnk and linalg, plain and with a transposed B) match the
// reference and run the FMA nanokernel.
// REQUIRES: avx2, fma
// RUN: qnk-run %s -e batched --verify --dump-asm=%t.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ASM < %t.s
// RUN: qnk-run %s -e batched_transpose_b --verify | FileCheck %s
// RUN: qnk-run %s -e linalg_batched_f16 --verify | FileCheck %s
// RUN: qnk-run %s -e batched_i8 --verify | FileCheck %s --check-prefix=EXACT

// CHECK: verified: max_abs_err={{[0-9.]+e[-+][0-9]+}} max_rel_err=
// EXACT: verified: max_abs_err=0.000e+00 max_rel_err=0.000e+00
// ASM-LABEL: batched:
// ASM: vfmadd231ps {{.*}}%{{[yz]}}mm

func.func @batched(%a: tensor<3x33x70xf32>, %b: tensor<3x70x45xf32>) -> tensor<3x33x45xf32> {
  %c = qnk.batch_matmul %a, %b : tensor<3x33x70xf32>, tensor<3x70x45xf32> -> tensor<3x33x45xf32>
  return %c : tensor<3x33x45xf32>
}

func.func @batched_transpose_b(%a: tensor<2x17x24xf32>, %b: tensor<2x40x24xf32>) -> tensor<2x17x40xf32> {
  %c = qnk.batch_matmul %a, %b transpose_b : tensor<2x17x24xf32>, tensor<2x40x24xf32> -> tensor<2x17x40xf32>
  return %c : tensor<2x17x40xf32>
}

func.func @linalg_batched_f16(%a: tensor<4x8x16xf16>, %b: tensor<4x16x5xf16>) -> tensor<4x8x5xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<4x8x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<4x8x5xf32>) -> tensor<4x8x5xf32>
  %c = linalg.batch_matmul ins(%a, %b : tensor<4x8x16xf16>, tensor<4x16x5xf16>) outs(%init : tensor<4x8x5xf32>) -> tensor<4x8x5xf32>
  return %c : tensor<4x8x5xf32>
}

func.func @batched_i8(%a: tensor<2x9x35xi8>, %b: tensor<2x35x12xi8>) -> tensor<2x9x12xi32> {
  %c = qnk.batch_matmul %a, %b : tensor<2x9x35xi8>, tensor<2x35x12xi8> -> tensor<2x9x12xi32>
  return %c : tensor<2x9x12xi32>
}
