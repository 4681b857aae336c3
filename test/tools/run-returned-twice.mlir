// A function that returns one tensor twice: each result gets its own copy
// before bufferization (upstream's buffer-results-to-out-params crashed on
// it; found by qnk-fuzz).
// REQUIRES: avx2, fma
// RUN: qnk-run %s -e returned_twice --verify | FileCheck %s
// RUN: qnk-opt %s --qnk-cpu-pipeline --mlir-print-ir-after-all 2>&1 >/dev/null | FileCheck %s --check-prefix=IR
// CHECK: verified: max_abs_err=0.000e+00
// IR-LABEL: (qnk-copy-repeated-results)
// IR: %[[COPY:[0-9]+]] = linalg.copy ins(%[[C:[0-9]+]] : tensor<16x8xi32>)
// IR: return %[[C]], %[[COPY]]
func.func @returned_twice(%a: tensor<16x32xi8>, %w: tensor<8x32xi8>) -> (tensor<16x8xi32>, tensor<16x8xi32>) {
  %c = qnk.matmul %a, %w transpose_b : tensor<16x32xi8>, tensor<8x32xi8> -> tensor<16x8xi32>
  return %c, %c : tensor<16x8xi32>, tensor<16x8xi32>
}
