// f32 matmuls of odd shapes (no dimension a multiple of a register block)
// run through the fast pipeline, match the reference pipeline, and the code
// that runs is FMA on ymm/zmm registers.
// REQUIRES: fma
// RUN: qnk-run %s -e odd --verify --dump-asm=%t.odd.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ASM < %t.odd.s
// RUN: qnk-run %s -e odd --verify --seed=42 | FileCheck %s
// RUN: qnk-run %s -e linear_transposed --verify | FileCheck %s
// RUN: qnk-run %s -e linalg_zero_init --verify | FileCheck %s
// RUN: qnk-run %s -e tiny --verify | FileCheck %s
// RUN: qnk-run %s -e chained --verify | FileCheck %s

// CHECK: verified: max_abs_err={{[0-9.]+e[-+][0-9]+}} max_rel_err={{[0-9.]+e[-+][0-9]+}}

// ASM-LABEL: odd:
// ASM: vfmadd231ps {{.*}}%{{[yz]}}mm

// A plain run with no other option summarizes the results.
// RUN: qnk-run %s -e odd | FileCheck %s --check-prefix=PLAIN
// PLAIN: result 0: 37x129 f32 sum={{.*}} max_abs={{.*}}

func.func @odd(%a: tensor<37x50xf32>, %b: tensor<50x129xf32>) -> tensor<37x129xf32> {
  %c = qnk.matmul %a, %b : tensor<37x50xf32>, tensor<50x129xf32> -> tensor<37x129xf32>
  return %c : tensor<37x129xf32>
}

func.func @linear_transposed(%x: tensor<13x70xf32>, %w: tensor<33x70xf32>) -> tensor<13x33xf32> {
  %c = qnk.matmul %x, %w transpose_b : tensor<13x70xf32>, tensor<33x70xf32> -> tensor<13x33xf32>
  return %c : tensor<13x33xf32>
}

func.func @linalg_zero_init(%a: tensor<19x31xf32>, %b: tensor<31x23xf32>) -> tensor<19x23xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<19x23xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<19x23xf32>) -> tensor<19x23xf32>
  %c = linalg.matmul ins(%a, %b : tensor<19x31xf32>, tensor<31x23xf32>) outs(%init : tensor<19x23xf32>) -> tensor<19x23xf32>
  return %c : tensor<19x23xf32>
}

func.func @tiny(%a: tensor<1x1xf32>, %b: tensor<1x1xf32>) -> tensor<1x1xf32> {
  %c = qnk.matmul %a, %b : tensor<1x1xf32>, tensor<1x1xf32> -> tensor<1x1xf32>
  return %c : tensor<1x1xf32>
}

// Two matmuls and two results: both are checked.
func.func @chained(%a: tensor<9x40xf32>, %b: tensor<40x17xf32>, %c: tensor<17x5xf32>) -> (tensor<9x17xf32>, tensor<9x5xf32>) {
  %ab = qnk.matmul %a, %b : tensor<9x40xf32>, tensor<40x17xf32> -> tensor<9x17xf32>
  %abc = qnk.matmul %ab, %c : tensor<9x17xf32>, tensor<17x5xf32> -> tensor<9x5xf32>
  return %ab, %abc : tensor<9x17xf32>, tensor<9x5xf32>
}
