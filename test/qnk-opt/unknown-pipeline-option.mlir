// RUN: not qnk-opt %s --qnk-cpu-pipeline=target=pentium9 2>&1 | FileCheck %s --check-prefix=CPU
// RUN: not qnk-opt %s --qnk-cpu-pipeline=tile=4 2>&1 | FileCheck %s --check-prefix=OPT
// CPU: error: unknown target CPU 'pentium9'
// OPT: no such option tile
func.func @f(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  %c = qnk.matmul %a, %b : tensor<4x8xf32>, tensor<8x4xf32> -> tensor<4x4xf32>
  return %c : tensor<4x4xf32>
}
