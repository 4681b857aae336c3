// RUN: qnk-opt %s -split-input-file -verify-diagnostics
// Every verifier error of the qnk dialect.

func.func @rank(%a: tensor<4x8x2xf32>, %b: tensor<8x3xf32>) {
  // expected-error @+1 {{'qnk.matmul' op expects rank-2 operands and result, got ranks 3, 2 and 2}}
  %0 = qnk.matmul %a, %b : tensor<4x8x2xf32>, tensor<8x3xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @pair(%a: tensor<4x8xf32>, %b: tensor<8x3xbf16>) {
  // expected-error @+1 {{unsupported element type pair f32 x bf16; supported: f32 x f32, bf16 x bf16, f16 x f16, fp8 x fp8 and fp8 x bf16 (f8E4M3FN, f8E5M2, f4E2M1FN, either side), integers {i8, ui8, i4, ui4} x {i8, i4, ui4}, and {f32, bf16, f16} x {i8, i4, ui4}}}
  %0 = qnk.matmul %a, %b : tensor<4x8xf32>, tensor<8x3xbf16> -> tensor<4x3xf32>
  return
}

// -----

func.func @pair_i8_ui8(%a: tensor<4x8xi8>, %b: tensor<8x3xui8>) {
  // expected-error @+1 {{unsupported element type pair i8 x ui8}}
  %0 = qnk.matmul %a, %b : tensor<4x8xi8>, tensor<8x3xui8> -> tensor<4x3xi32>
  return
}

// -----

func.func @pair_i4_ui8(%a: tensor<4x8xi4>, %b: tensor<8x3xui8>) {
  // expected-error @+1 {{unsupported element type pair i4 x ui8}}
  %0 = qnk.matmul %a, %b : tensor<4x8xi4>, tensor<8x3xui8> -> tensor<4x3xi32>
  return
}

// -----

func.func @pair_i2(%a: tensor<4x8xi2>, %b: tensor<8x3xi8>) {
  // expected-error @+1 {{unsupported element type pair i2 x i8}}
  %0 = qnk.matmul %a, %b : tensor<4x8xi2>, tensor<8x3xi8> -> tensor<4x3xi32>
  return
}

// -----

func.func @acc(%a: tensor<4x8xi8>, %b: tensor<8x3xi8>) {
  // expected-error @+1 {{result element type must be i32 for i8 operands, got f32}}
  %0 = qnk.matmul %a, %b : tensor<4x8xi8>, tensor<8x3xi8> -> tensor<4x3xf32>
  return
}

// -----

func.func @k(%a: tensor<4x8xf32>, %b: tensor<9x3xf32>) {
  // expected-error @+1 {{reduction dimensions differ: A has K = 8, B has K = 9}}
  %0 = qnk.matmul %a, %b : tensor<4x8xf32>, tensor<9x3xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @k_transposed(%a: tensor<4x8xf32>, %b: tensor<8x3xf32>) {
  // expected-error @+1 {{reduction dimensions differ: A has K = 8, B has K = 3}}
  %0 = qnk.matmul %a, %b transpose_b : tensor<4x8xf32>, tensor<8x3xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @result(%a: tensor<4x8xf32>, %b: tensor<8x3xf32>) {
  // expected-error @+1 {{result shape must be 4x3, got 3x4}}
  %0 = qnk.matmul %a, %b : tensor<4x8xf32>, tensor<8x3xf32> -> tensor<3x4xf32>
  return
}

// -----

func.func @batch_rank(%a: tensor<4x8xf32>, %b: tensor<8x3xf32>) {
  // expected-error @+1 {{'qnk.batch_matmul' op expects rank-3 batched operands and result}}
  %0 = qnk.batch_matmul %a, %b : tensor<4x8xf32>, tensor<8x3xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @batch(%a: tensor<2x4x8xf32>, %b: tensor<3x8x3xf32>) {
  // expected-error @+1 {{batch dimensions differ: 2 (A), 3 (B), 2 (result)}}
  %0 = qnk.batch_matmul %a, %b : tensor<2x4x8xf32>, tensor<3x8x3xf32> -> tensor<2x4x3xf32>
  return
}

// -----

func.func @not_tensor(%a: memref<4x8xf32>, %b: tensor<8x3xf32>) {
  // expected-error @+1 {{invalid kind of type specified: expected builtin.tensor, but found 'memref<4x8xf32>'}}
  %0 = qnk.matmul %a, %b : memref<4x8xf32>, tensor<8x3xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @pack_rank(%a: tensor<10xf32>, %d: tensor<3x4x4xf32>) {
  // expected-error @+1 {{expects a rank-2 or batched rank-3 source}}
  %0 = qnk.pack %a into %d panel_dim = 0 : tensor<10xf32>, tensor<3x4x4xf32> -> tensor<3x4x4xf32>
  return
}

// -----

func.func @pack_dest_rank(%a: tensor<10x4xf32>, %d: tensor<3x4xf32>) {
  // expected-error @+1 {{expects a destination of rank 3 ([P, K, tile]) or 4 ([P, K/kr, tile, kr])}}
  %0 = qnk.pack %a into %d panel_dim = 0 : tensor<10x4xf32>, tensor<3x4xf32> -> tensor<3x4xf32>
  return
}

// -----

func.func @pack_panel_dim(%a: tensor<10x4xf32>, %d: tensor<3x4x4xf32>) {
  // expected-error @+1 {{panel_dim must be 0 or 1}}
  %0 = qnk.pack %a into %d panel_dim = 2 : tensor<10x4xf32>, tensor<3x4x4xf32> -> tensor<3x4x4xf32>
  return
}

// -----

func.func @pack_shape(%a: tensor<10x4xf32>, %d: tensor<2x4x4xf32>) {
  // expected-error @+1 {{destination shape does not match 10 rows and K = 4 in panels of 4}}
  %0 = qnk.pack %a into %d panel_dim = 0 : tensor<10x4xf32>, tensor<2x4x4xf32> -> tensor<2x4x4xf32>
  return
}

// -----

func.func @pack_kr_shape(%a: tensor<8x5xi8>, %d: tensor<2x2x4x2xi16>) {
  // expected-error @+1 {{destination shape does not match 8 rows and K = 5 in panels of 4 with kr = 2}}
  %0 = qnk.pack %a into %d panel_dim = 0 : tensor<8x5xi8>, tensor<2x2x4x2xi16> -> tensor<2x2x4x2xi16>
  return
}

// -----

func.func @pack_result(%a: tensor<8x4xf32>, %d: tensor<2x4x4xf32>) {
  // expected-error @+1 {{with a tensor destination must return one result of the destination type}}
  qnk.pack %a into %d panel_dim = 0 : tensor<8x4xf32>, tensor<2x4x4xf32>
  return
}

// -----

func.func @pack_memref_result(%a: memref<8x4xf32>, %d: memref<2x4x4xf32>) {
  // expected-error @+1 {{with a memref destination has no results}}
  %0 = qnk.pack %a into %d panel_dim = 0 : memref<8x4xf32>, memref<2x4x4xf32> -> tensor<2x4x4xf32>
  return
}

// -----

func.func @pmm_types(%a: memref<8x4xf32>, %b: memref<1x4x16xf32>, %c: memref<8x16xi32>) {
  // expected-error @+1 {{operand element types do not match the nanokernel}}
  qnk.packed_matmul ins(%a, %b : memref<8x4xf32>, memref<1x4x16xf32>) outs(%c : memref<8x16xi32>) kernel = <fma_f32, mr = 4, nv = 2, vector_length = 8, kr = 1>
  return
}

// -----

func.func @pmm_panel(%a: memref<8x4xf32>, %b: memref<1x4x8xf32>, %c: memref<8x16xf32>) {
  // expected-error @+1 {{B panels must be 16 wide to match the nanokernel}}
  qnk.packed_matmul ins(%a, %b : memref<8x4xf32>, memref<1x4x8xf32>) outs(%c : memref<8x16xf32>) kernel = <fma_f32, mr = 4, nv = 2, vector_length = 8, kr = 1>
  return
}

// -----

func.func @pmm_kr(%a: memref<8x4xi16>, %b: memref<1x2x16x2xi16>, %c: memref<8x16xi32>) {
  // expected-error @+1 {{A must be packed for kr = 2}}
  qnk.packed_matmul ins(%a, %b : memref<8x4xi16>, memref<1x2x16x2xi16>) outs(%c : memref<8x16xi32>) kernel = <pmaddwd_i16, mr = 4, nv = 2, vector_length = 8, kr = 2>
  return
}

// -----

func.func @pmm_rank(%a: memref<8xf32>, %b: memref<1x4x16xf32>, %c: memref<8x16xf32>) {
  // expected-error @+1 {{A must be row-major (rank 2) or packed (rank 3)}}
  qnk.packed_matmul ins(%a, %b : memref<8xf32>, memref<1x4x16xf32>) outs(%c : memref<8x16xf32>) kernel = <fma_f32, mr = 4, nv = 2, vector_length = 8, kr = 1>
  return
}

// -----

func.func @pmm_batch(%a: memref<2x8x4xf32>, %b: memref<3x1x4x16xf32>, %c: memref<2x8x16xf32>) {
  // expected-error @+1 {{batch dimensions differ}}
  qnk.packed_matmul ins(%a, %b : memref<2x8x4xf32>, memref<3x1x4x16xf32>) outs(%c : memref<2x8x16xf32>) kernel = <fma_f32, mr = 4, nv = 2, vector_length = 8, kr = 1>
  return
}

// -----

func.func @bad_kind(%a: memref<8x4xf32>) {
  // expected-error @+2 {{for the target instruction a nanokernel is built from, got: fma_f64}}
  // expected-error @+1 {{failed to parse QNK_NanoKernelAttr parameter 'kind'}}
  qnk.packed_matmul ins(%a, %a : memref<8x4xf32>, memref<8x4xf32>) outs(%a : memref<8x4xf32>) kernel = <fma_f64, mr = 4, nv = 2, vector_length = 8, kr = 1>
  return
}

// -----

func.func @pmm_k(%a: memref<2x5x4xf32>, %b: memref<1x6x16xf32>, %c: memref<8x16xf32>) {
  // expected-error @+1 {{A has 5 K elements but B has 6}}
  qnk.packed_matmul ins(%a, %b : memref<2x5x4xf32>, memref<1x6x16xf32>) outs(%c : memref<8x16xf32>) kernel = <fma_f32, mr = 4, nv = 2, vector_length = 8, kr = 1>
  return
}

// -----

func.func @pmm_rows(%a: memref<2x5x4xf32>, %b: memref<1x5x16xf32>, %c: memref<9x16xf32>) {
  // expected-error @+1 {{A covers 8 rows but C has 9}}
  qnk.packed_matmul ins(%a, %b : memref<2x5x4xf32>, memref<1x5x16xf32>) outs(%c : memref<9x16xf32>) kernel = <fma_f32, mr = 4, nv = 2, vector_length = 8, kr = 1>
  return
}

// -----

func.func @pmm_cols(%a: memref<9x5xf32>, %b: memref<5x17xf32>, %c: memref<9x16xf32>) {
  // expected-error @+1 {{B covers 17 columns but C has 16}}
  qnk.packed_matmul ins(%a, %b : memref<9x5xf32>, memref<5x17xf32>) outs(%c : memref<9x16xf32>) kernel = <fma_f32, mr = 4, nv = 2, vector_length = 8, kr = 1>
  return
}

// -----

func.func @fp8_f32(%a: tensor<4x8xf8E4M3FN>, %b: tensor<8x3xf32>) {
  // expected-error @+1 {{unsupported element type pair f8E4M3FN x f32}}
  %0 = qnk.matmul %a, %b : tensor<4x8xf8E4M3FN>, tensor<8x3xf32> -> tensor<4x3xf32>
  return
}
