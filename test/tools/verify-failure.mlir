// A result that does not match the reference fails --verify with the
// element, the values and the rule, and exit code 1. (A hidden testing
// option corrupts one element, since the pipelines agree otherwise.)
// REQUIRES: avx2, fma
// RUN: not qnk-run %s -e f32 --verify --testing-corrupt-result 2>&1 | FileCheck %s --check-prefix=F32
// RUN: not qnk-run %s -e i8 --verify --testing-corrupt-result 2>&1 | FileCheck %s --check-prefix=I8
// RUN: not qnk-run %s -e i8 --verify --bench=3 --testing-corrupt-result 2>&1 | FileCheck %s --check-prefix=NOBENCH

// F32: verification FAILED: max_abs_err=inf max_rel_err=inf
// F32-NEXT: qnk-run: error: 'f32' does not match the reference pipeline:
// F32-NEXT: result 0 (8x24 f32): 1 of 192 elements beyond tolerance (|x - ref| <= {{.*}} + 1.000e-04 * |ref|); first at [0, 0]: got nan, expected {{.*}}

// I8: verification FAILED: max_abs_err=1.000e+00
// I8: result 0 (8x24 i32): 1 of 192 elements beyond tolerance (bit-exact); first at [0, 0]: got {{-?[0-9]+}}, expected {{-?[0-9]+}}

// NOBENCH-NOT: bench:

func.func @f32(%a: tensor<8x40xf32>, %b: tensor<40x24xf32>) -> tensor<8x24xf32> {
  %c = qnk.matmul %a, %b : tensor<8x40xf32>, tensor<40x24xf32> -> tensor<8x24xf32>
  return %c : tensor<8x24xf32>
}

func.func @i8(%a: tensor<8x40xi8>, %b: tensor<40x24xi8>) -> tensor<8x24xi32> {
  %c = qnk.matmul %a, %b : tensor<8x40xi8>, tensor<40x24xi8> -> tensor<8x24xi32>
  return %c : tensor<8x24xi32>
}
