// nn.Linear as torch-mlir lowers it: linalg.matmul with the weight (N x K)
// transposed through indexing maps and a zero-filled accumulator. QNK raises
// it to qnk.matmul ... transpose_b and widens bf16 to f32 while packing.
//   build/bin/qnk-run examples/linear_bf16.mlir -e linear --verify
func.func @linear(%x: tensor<16x4096xbf16>, %w: tensor<1024x4096xbf16>) -> tensor<16x1024xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x1024xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<16x1024xf32>) -> tensor<16x1024xf32>
  %y = linalg.matmul
         indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                          affine_map<(m, n, k) -> (n, k)>,
                          affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<16x4096xbf16>, tensor<1024x4096xbf16>)
         outs(%init : tensor<16x1024xf32>) -> tensor<16x1024xf32>
  return %y : tensor<16x1024xf32>
}
