// --threads=N splits the fast path's block loops across N OpenMP threads
// (the JIT loads the OpenMP runtime); the result still matches the
// single-threaded reference.
// REQUIRES: fma
// RUN: qnk-run %s -e wide --threads=2 --verify --dump-asm=%t.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ASM < %t.s
// RUN: qnk-run %s -e wide --threads=3 --verify --bench=2 --json | FileCheck %s --check-prefix=JSON
// RUN: qnk-run %s -e wide_i8 --threads=2 --verify | FileCheck %s --check-prefix=EXACT

// CHECK: verified: max_abs_err=
// EXACT: verified: max_abs_err=0.000e+00 max_rel_err=0.000e+00
// ASM-LABEL: wide:
// ASM: __kmpc_fork_call
// ASM: vfmadd231ps {{.*}}%{{[yz]}}mm
// JSON-DAG: "threads": 3
// JSON-DAG: "verified": true

func.func @wide(%a: tensor<61x130xf32>, %b: tensor<130x1000xf32>) -> tensor<61x1000xf32> {
  %c = qnk.matmul %a, %b : tensor<61x130xf32>, tensor<130x1000xf32> -> tensor<61x1000xf32>
  return %c : tensor<61x1000xf32>
}

func.func @wide_i8(%a: tensor<45x130xi8>, %b: tensor<130x1000xi8>) -> tensor<45x1000xi32> {
  %c = qnk.matmul %a, %b : tensor<45x130xi8>, tensor<130x1000xi8> -> tensor<45x1000xi32>
  return %c : tensor<45x1000xi32>
}
