// qnk-compile cross-compiles: -S shows the code for CPUs this machine need
// not have, and feature overrides really take features away.
// RUN: qnk-compile %s -e mm -S --target=sapphirerapids -o - | FileCheck %s --check-prefix=AVX512
// RUN: qnk-compile %s -e mm -S --target=haswell -o - | FileCheck %s --check-prefix=AVX2
// RUN: qnk-compile %s -e mm -S --target=skylake-avx512 --features=-avx512f -o - | FileCheck %s --check-prefix=AVX2
// RUN: qnk-compile %s -e mm_i8 -S --target=znver3 -o - | FileCheck %s --check-prefix=I8

// AVX512-LABEL: mm:
// AVX512: vfmadd231ps {{.*}}%zmm

// AVX2-LABEL: mm:
// AVX2: vfmadd231ps {{.*}}%ymm
// AVX2-NOT: zmm

// I8-LABEL: mm_i8:
// I8: vpmaddwd {{.*}}%ymm
// I8-NOT: zmm

// Errors.
// RUN: not qnk-compile %s -e nope -o %t.o 2>&1 | FileCheck %s --check-prefix=ENTRY
// RUN: not qnk-compile %s -e mm --target=foo -o %t.o 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not qnk-compile %s -e "not-c" -o %t.o 2>&1 | FileCheck %s --check-prefix=CNAME
// RUN: not qnk-compile %s -e mm -S --shared -o %t.o 2>&1 | FileCheck %s --check-prefix=SHARED
// RUN: not qnk-compile %s -e mm -o %t.o --header=%t-no-such-dir/mm.h 2>&1 | FileCheck %s --check-prefix=HEADER
// ENTRY: compile-asm.mlir:1:1: error: entry function 'nope' not found
// TARGET: qnk-compile: error: unknown target CPU 'foo'
// CNAME: compile-asm.mlir:[[@LINE+12]]:1: error: entry 'not-c' is not a valid C function name
// SHARED: qnk-compile: error: --shared and -S exclude each other
// HEADER: qnk-compile: error: {{.*}}no-such-dir/mm.h

func.func @mm(%a: tensor<37x50xf32>, %b: tensor<50x129xf32>) -> tensor<37x129xf32> {
  %c = qnk.matmul %a, %b : tensor<37x50xf32>, tensor<50x129xf32> -> tensor<37x129xf32>
  return %c : tensor<37x129xf32>
}
func.func @mm_i8(%a: tensor<37x50xi8>, %b: tensor<50x129xi8>) -> tensor<37x129xi32> {
  %c = qnk.matmul %a, %b : tensor<37x50xi8>, tensor<50x129xi8> -> tensor<37x129xi32>
  return %c : tensor<37x129xi32>
}
func.func @"not-c"(%a: tensor<4x4xf32>) -> tensor<4x4xf32> {
  return %a : tensor<4x4xf32>
}

// Cache blocks (qnk-tile's kc, mc, nc) reach the pipeline: M = 37 in
// blocks of 24 rows, K = 50 in blocks of 16 steps.
// RUN: qnk-compile %s -e mm -S --target=haswell --kc=16 --mc=24 -o /dev/null --mlir-print-ir-after-all 2>&1 | FileCheck %s --check-prefix=BLOCKS
// BLOCKS-LABEL: IR Dump After QNKTile
// BLOCKS: scf.for %{{.*}} = %c0{{.*}} to %c37 step %c24
// BLOCKS: scf.for %{{.*}} = %c16 to %c50 step %c16
// BLOCKS-LABEL: IR Dump After
// RUN: not qnk-compile %s -e mm -S --kc=-3 -o /dev/null 2>&1 | FileCheck %s --check-prefix=BADKC
// BADKC: error: qnk-tile needs threads in [1, 4096] and kc, mc, nc in [0, 2^32] (0: derived), got threads = 1, kc = -3,
