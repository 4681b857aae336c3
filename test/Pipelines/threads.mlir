// RUN: qnk-opt %s --qnk-cpu-pipeline="target=znver3 threads=4" | FileCheck %s
// RUN: qnk-opt %s --qnk-cpu-pipeline="target=znver3" | FileCheck %s --check-prefix=ONE
// threads=N: the block loop runs on N OpenMP threads.
// CHECK: llvm.func @wide
// CHECK: omp.parallel num_threads
// CHECK: omp.wsloop
// CHECK: llvm.intr.fmuladd
// ONE-NOT: omp.
func.func @wide(%a: tensor<16x512xf32>, %b: tensor<512x4096xf32>) -> tensor<16x4096xf32> {
  %c = qnk.matmul %a, %b : tensor<16x512xf32>, tensor<512x4096xf32> -> tensor<16x4096xf32>
  return %c : tensor<16x4096xf32>
}
