// RUN: qnk-opt %s --split-input-file --qnk-set-target=target=znver3 --qnk-pack | FileCheck %s --check-prefix=AVX2
// RUN: qnk-opt %s --split-input-file --qnk-set-target=target=skylake-avx512 --qnk-pack | FileCheck %s --check-prefix=AVX512

// The register block comes from the target: 4x3 ymm on AVX2 (16 registers),
// 6x4 zmm on AVX-512 (32 registers). A and B are packed into panels.
// AVX2-LABEL: func @f32
// AVX2: %[[AP:.*]] = qnk.pack %arg0 into %{{.*}} panel_dim = 0 : tensor<37x129xf32>, tensor<10x129x4xf32>
// AVX2: %[[BP:.*]] = qnk.pack %arg1 into %{{.*}} panel_dim = 1 : tensor<129x50xf32>, tensor<3x129x24xf32>
// AVX2: qnk.packed_matmul ins(%[[AP]], %[[BP]] : tensor<10x129x4xf32>, tensor<3x129x24xf32>) outs(%{{.*}} : tensor<37x50xf32>) kernel = <fma_f32, mr = 4, nv = 3, vector_length = 8, kr = 1>
// AVX512-LABEL: func @f32
// AVX512: qnk.pack %arg0 into %{{.*}} panel_dim = 0 : tensor<37x129xf32>, tensor<7x129x6xf32>
// AVX512: qnk.pack %arg1 into %{{.*}} panel_dim = 1 : tensor<129x50xf32>, tensor<1x129x64xf32>
// AVX512: kernel = <fma_f32, mr = 6, nv = 4, vector_length = 16, kr = 1>
func.func @f32(%a: tensor<37x129xf32>, %b: tensor<129x50xf32>) -> tensor<37x50xf32> {
  %c = qnk.matmul %a, %b : tensor<37x129xf32>, tensor<129x50xf32> -> tensor<37x50xf32>
  return %c : tensor<37x50xf32>
}

// -----

// One row: a 1-row block as wide as the registers allow; B is read in place.
// AVX2-LABEL: func @gemv
// AVX2-NOT: qnk.pack
// AVX2: qnk.packed_matmul ins(%arg0, %arg1 : tensor<1x4096xf32>, tensor<4096x4096xf32>) {{.*}} kernel = <fma_f32, mr = 1, nv = 7, vector_length = 8, kr = 1>
// AVX512-LABEL: func @gemv
// AVX512: kernel = <fma_f32, mr = 1, nv = 8, vector_length = 16, kr = 1>
func.func @gemv(%a: tensor<1x4096xf32>, %b: tensor<4096x4096xf32>) -> tensor<1x4096xf32> {
  %c = qnk.matmul %a, %b : tensor<1x4096xf32>, tensor<4096x4096xf32> -> tensor<1x4096xf32>
  return %c : tensor<1x4096xf32>
}

// -----

// bf16 is widened to f32 while packing; a transposed B is packed from rows
// (more than 16 rows of A: fewer take the dot kernel, which reads B in place).
// AVX2-LABEL: func @bf16_transposed
// AVX2: qnk.pack %arg0 into %{{.*}} panel_dim = 0 : tensor<17x64xbf16>, tensor<5x64x4xf32>
// AVX2: qnk.pack %arg1 into %{{.*}} panel_dim = 0 : tensor<40x64xbf16>, tensor<2x64x24xf32>
func.func @bf16_transposed(%x: tensor<17x64xbf16>, %w: tensor<40x64xbf16>) -> tensor<17x40xf32> {
  %c = qnk.matmul %x, %w transpose_b : tensor<17x64xbf16>, tensor<40x64xbf16> -> tensor<17x40xf32>
  return %c : tensor<17x40xf32>
}

// -----

// 8-bit operands become i16 pairs along K for vpmaddwd (K padded to even).
// AVX2-LABEL: func @u8s8
// vpmaddwd needs a scratch register for its product: 6x2 ymm on AVX2.
// AVX2: qnk.pack %arg0 into %{{.*}} panel_dim = 0 zero_extend : tensor<9x7xui8>, tensor<2x4x6x2xi16>
// AVX2: qnk.pack %arg1 into %{{.*}} panel_dim = 1 : tensor<7x20xi8>, tensor<2x4x16x2xi16>
// AVX2: kernel = <pmaddwd_i16, mr = 6, nv = 2, vector_length = 8, kr = 2>
// AVX512-LABEL: func @u8s8
// AVX512: kernel = <pmaddwd_i16, mr = 6, nv = 4, vector_length = 16, kr = 2>
func.func @u8s8(%a: tensor<9x7xui8>, %b: tensor<7x20xi8>) -> tensor<9x20xi32> {
  %c = qnk.matmul %a, %b : tensor<9x7xui8>, tensor<7x20xi8> -> tensor<9x20xi32>
  return %c : tensor<9x20xi32>
}

// -----

// AVX2-LABEL: func @batched
// AVX2: qnk.pack %arg0 into %{{.*}} panel_dim = 0 : tensor<3x8x5xf16>, tensor<3x2x5x4xf32>
// AVX2: qnk.pack %arg1 into %{{.*}} panel_dim = 1 : tensor<3x5x30xf16>, tensor<3x2x5x24xf32>
// AVX2: qnk.packed_matmul {{.*}} outs(%{{.*}} : tensor<3x8x30xf32>)
func.func @batched(%a: tensor<3x8x5xf16>, %b: tensor<3x5x30xf16>) -> tensor<3x8x30xf32> {
  %c = qnk.batch_matmul %a, %b : tensor<3x8x5xf16>, tensor<3x5x30xf16> -> tensor<3x8x30xf32>
  return %c : tensor<3x8x30xf32>
}


// -----

// One row block of bf16: B stays in place (the FMA kernel widens it as it
// loads it); A is widened while packing.
// AVX2-LABEL: func @decode_bf16
// AVX2: qnk.pack %arg0 into %{{.*}} panel_dim = 0 : tensor<1x300xbf16>, tensor<1x300x1xf32>
// AVX2-NOT: qnk.pack %arg1
// AVX2: qnk.packed_matmul ins(%{{.*}}, %arg1 : tensor<1x300x1xf32>, tensor<300x112xbf16>) {{.*}} kernel = <fma_f32, mr = 1, nv = 7, vector_length = 8, kr = 1>
// AVX512-LABEL: func @decode_bf16
// AVX512: qnk.pack %arg1
func.func @decode_bf16(%a: tensor<1x300xbf16>, %b: tensor<300x112xbf16>) -> tensor<1x112xf32> {
  %c = qnk.matmul %a, %b : tensor<1x300xbf16>, tensor<300x112xbf16> -> tensor<1x112xf32>
  return %c : tensor<1x112xf32>
}
