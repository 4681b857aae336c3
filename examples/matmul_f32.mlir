// The demo kernel: a square f32 matmul, stated with the qnk dialect.
//   build/bin/qnk-run examples/matmul_f32.mlir -e matmul --verify --bench=20
func.func @matmul(%a: tensor<1024x1024xf32>, %b: tensor<1024x1024xf32>) -> tensor<1024x1024xf32> {
  %c = qnk.matmul %a, %b : tensor<1024x1024xf32>, tensor<1024x1024xf32> -> tensor<1024x1024xf32>
  return %c : tensor<1024x1024xf32>
}
