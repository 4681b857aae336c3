// --json prints one JSON object on stdout and nothing else there.
// REQUIRES: fma
// RUN: qnk-run %s -e mm --json --verify --bench=3 --dump-asm=%t.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ASM < %t.s
// ASM-LABEL: mm:
// ASM: vfmadd231ps {{.*}}%{{[yz]}}mm
// RUN: qnk-run %s -e mm --json | FileCheck %s --check-prefix=PLAIN
// RUN: qnk-run %s -e mm --json --target=x86-64-v3 --threads=2 | FileCheck %s --check-prefix=TARGET
// RUN: not qnk-run %s -e mm --json --verify --testing-corrupt-result 2>/dev/null | FileCheck %s --check-prefix=FAILED
// RUN: qnk-run %s -e mm --json --verify --bench=2 | %python -m json.tool | FileCheck %s --check-prefix=VALID

// CHECK:      {
// CHECK-DAG:  "entry": "mm"
// CHECK-DAG:  "target": "{{[a-z0-9-]+}}"
// CHECK-DAG:  "requested_target": "host"
// CHECK-DAG:  "threads": 1
// CHECK-DAG:  "flops": 203280
// CHECK-DAG:  "verified": true
// CHECK-DAG:  "max_abs_err": {{[0-9.e+-]+}}
// CHECK-DAG:  "max_rel_err": {{[0-9.e+-]+}}
// CHECK-DAG:  "bench_runs": 3
// CHECK-DAG:  "median_ms": {{[0-9.e+-]+}}
// CHECK-DAG:  "gflops": {{[0-9.e+-]+}}
// CHECK:      }
// CHECK-NOT:  verified:
// CHECK-NOT:  bench:

// Phases that did not run are null.
// PLAIN-DAG:  "verified": null
// PLAIN-DAG:  "max_abs_err": null
// PLAIN-DAG:  "max_rel_err": null
// PLAIN-DAG:  "median_ms": null
// PLAIN-DAG:  "gflops": null
// PLAIN-NOT:  result 0:

// TARGET-DAG: "target": "x86-64-v3"
// TARGET-DAG: "requested_target": "x86-64-v3"
// TARGET-DAG: "threads": 2

// FAILED: "verified": false

// The output is valid JSON (infinite errors are written as null).
// VALID: "verified": true

func.func @mm(%a: tensor<33x70xf32>, %b: tensor<70x44xf32>) -> tensor<33x44xf32> {
  %c = qnk.matmul %a, %b : tensor<33x70xf32>, tensor<70x44xf32> -> tensor<33x44xf32>
  return %c : tensor<33x44xf32>
}
