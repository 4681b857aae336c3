// Odd shapes through the fast pipeline, each verified against the reference
// lowering: 1, 7, 13, 37, 129, K = 1, nothing a multiple of a register
// block (4x24 on AVX2). The machine code of the row kernel (M = 1: no
// packing, B read in place) shows the register block: its K loop (unrolled
// by LLVM) is one broadcast and the seven FMAs of a 1x7 ymm block per step,
// with B as memory operands, and it stores no accumulator.
// REQUIRES: avx2, fma
// RUN: qnk-run %s -e s1x129x37 --target=znver3 --verify --dump-asm=%t.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ASM < %t.s
// RUN: qnk-run %s -e s7x13x1 --target=znver3 --verify | FileCheck %s
// RUN: qnk-run %s -e s13x37x7 --target=znver3 --verify | FileCheck %s
// RUN: qnk-run %s -e s37x7x129 --target=znver3 --verify | FileCheck %s
// RUN: qnk-run %s -e s129x1x13 --target=znver3 --verify | FileCheck %s
// RUN: qnk-run %s -e s129x129x129 --target=znver3 --verify | FileCheck %s
// RUN: qnk-run %s -e s129x129x129 --verify | FileCheck %s
// CHECK: verified: max_abs_err=

// ASM-LABEL: s1x129x37:
// ASM: vbroadcastss
// ASM-COUNT-7: vfmadd231ps {{.*}}%ymm
// ASM-NOT: vmovups %ymm{{[0-9]+}}, {{.*}}(%
// ASM: j{{[a-z]+}} .LBB
// After the loop, the seven accumulators are stored once.
// ASM-COUNT-7: vmovups %ymm{{[0-9]+}}, {{.*}}(%

func.func @s1x129x37(%a: tensor<1x37xf32>, %b: tensor<37x129xf32>) -> tensor<1x129xf32> {
  %c = qnk.matmul %a, %b : tensor<1x37xf32>, tensor<37x129xf32> -> tensor<1x129xf32>
  return %c : tensor<1x129xf32>
}
func.func @s7x13x1(%a: tensor<7x1xf32>, %b: tensor<1x13xf32>) -> tensor<7x13xf32> {
  %c = qnk.matmul %a, %b : tensor<7x1xf32>, tensor<1x13xf32> -> tensor<7x13xf32>
  return %c : tensor<7x13xf32>
}
func.func @s13x37x7(%a: tensor<13x7xf32>, %b: tensor<7x37xf32>) -> tensor<13x37xf32> {
  %c = qnk.matmul %a, %b : tensor<13x7xf32>, tensor<7x37xf32> -> tensor<13x37xf32>
  return %c : tensor<13x37xf32>
}
func.func @s37x7x129(%a: tensor<37x129xf32>, %b: tensor<129x7xf32>) -> tensor<37x7xf32> {
  %c = qnk.matmul %a, %b : tensor<37x129xf32>, tensor<129x7xf32> -> tensor<37x7xf32>
  return %c : tensor<37x7xf32>
}
func.func @s129x1x13(%a: tensor<129x13xf32>, %b: tensor<13x1xf32>) -> tensor<129x1xf32> {
  %c = qnk.matmul %a, %b : tensor<129x13xf32>, tensor<13x1xf32> -> tensor<129x1xf32>
  return %c : tensor<129x1xf32>
}
func.func @s129x129x129(%a: tensor<129x129xf32>, %b: tensor<129x129xf32>) -> tensor<129x129xf32> {
  %c = qnk.matmul %a, %b : tensor<129x129xf32>, tensor<129x129xf32> -> tensor<129x129xf32>
  return %c : tensor<129x129xf32>
}
