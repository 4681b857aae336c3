// RUN: qnk-opt %s -split-input-file -verify-diagnostics
//
// qnk.pack / qnk.packed_matmul inputs that the passes after them could not
// handle (found by qnk-fuzz and by review for it): rejected by the verifier.

// A tensor packed into a buffer: qnk-tile fused the pack into its loops and
// cast the tensor source to a memref.
func.func @mixed(%a: tensor<16x8xf32>, %ap: memref<3x8x6xf32>) {
  // expected-error @+1 {{expects a source and destination that are both tensors or both memrefs}}
  qnk.pack %a into %ap panel_dim = 0 : tensor<16x8xf32>, memref<3x8x6xf32>
  return
}

// -----

func.func @narrowing(%a: memref<16x8xf32>, %ap: memref<3x8x6xbf16>) {
  // expected-error @+1 {{cannot pack 'f32' into 'bf16': expects the same type, a wider float or signless integer, fp8 into bf16 or f32}}
  qnk.pack %a into %ap panel_dim = 0 : memref<16x8xf32>, memref<3x8x6xbf16>
  return
}

// -----

func.func @int_to_float(%a: memref<16x8xi32>, %ap: memref<3x8x6xf32>) {
  // expected-error @+1 {{cannot pack 'i32' into 'f32'}}
  qnk.pack %a into %ap panel_dim = 0 : memref<16x8xi32>, memref<3x8x6xf32>
  return
}

// -----

func.func @fp8_to_f16(%a: memref<16x8xf8E4M3FN>, %ap: memref<3x8x6xf16>) {
  // expected-error @+1 {{cannot pack 'f8E4M3FN' into 'f16'}}
  qnk.pack %a into %ap panel_dim = 0 : memref<16x8xf8E4M3FN>, memref<3x8x6xf16>
  return
}

// -----

func.func @bias_wide(%a: memref<16x8xi8>, %ap: memref<3x2x6x4xi16>) {
  // expected-error @+1 {{cannot pack 'i8' into 'i16' with bias_to_unsigned}}
  qnk.pack %a into %ap panel_dim = 0 bias_to_unsigned : memref<16x8xi8>, memref<3x2x6x4xi16>
  return
}

// -----

// A panel qnk-lower-pack would have to move through vector registers whole.
func.func @too_wide(%a: tensor<16x8xf32>, %ap: tensor<1x8x8192xf32>) -> tensor<1x8x8192xf32> {
  // expected-error @+1 {{panel width 8192 x kr 1 exceeds 4096 elements (kr at most 64)}}
  %0 = qnk.pack %a into %ap panel_dim = 0 : tensor<16x8xf32>, tensor<1x8x8192xf32> -> tensor<1x8x8192xf32>
  return %0 : tensor<1x8x8192xf32>
}

// -----

// K = 2^62 quads: the element count overflowed int64_t (undefined behaviour
// in the verifier).
func.func @k_overflow(%a: memref<1x4611686018427387904x4x4xi8>, %b: memref<1x4611686018427387904x8x4xi8>, %c: memref<4x8xi32>) {
  // expected-error @+1 {{K extents overflow int64_t}}
  qnk.packed_matmul ins(%a, %b : memref<1x4611686018427387904x4x4xi8>, memref<1x4611686018427387904x8x4xi8>) outs(%c : memref<4x8xi32>) kernel = #qnk.nanokernel<dpbusd_u8s8, mr = 4, nv = 1, vector_length = 8, kr = 4>
  return
}

// -----

// A row capacity (panels x mr) past int64_t saturates: it covers any C.
func.func @rows_saturate(%a: memref<4611686018427387904x8x6xf32>, %b: memref<8x16xf32>, %c: memref<16x16xf32>) {
  qnk.packed_matmul ins(%a, %b : memref<4611686018427387904x8x6xf32>, memref<8x16xf32>) outs(%c : memref<16x16xf32>) kernel = #qnk.nanokernel<fma_f32, mr = 6, nv = 2, vector_length = 8, kr = 1>
  return
}

// -----

func.func @unranked(%a: memref<*xf32>, %ap: memref<3x8x6xf32>) {
  // expected-error @+1 {{expects ranked source and destination}}
  qnk.pack %a into %ap panel_dim = 0 : memref<*xf32>, memref<3x8x6xf32>
  return
}

// -----

func.func @dynamic_tile(%a: memref<16x8xf32>, %ap: memref<3x8x?xf32>) {
  // expected-error @+1 {{panel width and kr must be static and positive}}
  qnk.pack %a into %ap panel_dim = 0 : memref<16x8xf32>, memref<3x8x?xf32>
  return
}

// -----

func.func @zero_kr(%a: memref<16x8xi8>, %ap: memref<3x2x6x0xi8>) {
  // expected-error @+1 {{panel width and kr must be static and positive}}
  qnk.pack %a into %ap panel_dim = 0 : memref<16x8xi8>, memref<3x2x6x0xi8>
  return
}

// -----

func.func @unranked_mm(%a: memref<*xf32>, %b: memref<8x16xf32>, %c: memref<6x16xf32>) {
  // expected-error @+1 {{expects ranked operands}}
  qnk.packed_matmul ins(%a, %b : memref<*xf32>, memref<8x16xf32>) outs(%c : memref<6x16xf32>) kernel = #qnk.nanokernel<fma_f32, mr = 6, nv = 2, vector_length = 8, kr = 1>
  return
}

// -----

func.func @init_rank(%a: memref<1x8x6xf32>, %b: memref<8x16xf32>, %c: memref<16xf32>) {
  // expected-error @+1 {{expects a rank-2 or batched rank-3 init}}
  qnk.packed_matmul ins(%a, %b : memref<1x8x6xf32>, memref<8x16xf32>) outs(%c : memref<16xf32>) kernel = #qnk.nanokernel<fma_f32, mr = 6, nv = 2, vector_length = 8, kr = 1>
  return
}

// -----

func.func @dot_unsigned_bytes(%a: memref<1x64xbf16>, %b: memref<8x64xui8>, %c: memref<1x8xf32>) {
  // expected-error @+1 {{dot_f32 needs f32/bf16/f16 A, f32/bf16/f16/i8/i4/ui4 B and an f32 C}}
  qnk.packed_matmul ins(%a, %b : memref<1x64xbf16>, memref<8x64xui8>) outs(%c : memref<1x8xf32>) kernel = #qnk.nanokernel<dot_f32, mr = 1, nv = 4, vector_length = 8, kr = 1>
  return
}

// -----

func.func @dot_shapes(%a: memref<1x64xbf16>, %b: memref<8x32xi4>, %c: memref<1x8xf32>) {
  // expected-error @+1 {{dot_f32 shapes must be A [M, K], B [N, K], C [M, N]}}
  qnk.packed_matmul ins(%a, %b : memref<1x64xbf16>, memref<8x32xi4>) outs(%c : memref<1x8xf32>) kernel = #qnk.nanokernel<dot_f32, mr = 1, nv = 4, vector_length = 8, kr = 1>
  return
}

// -----

func.func @group_size_alone(%a: memref<4x32xf32>, %b: memref<32x16xf32>, %c: memref<4x16xf32>) {
  // expected-error @+1 {{group scales and group_size go together}}
  qnk.packed_matmul ins(%a, %b : memref<4x32xf32>, memref<32x16xf32>) outs(%c : memref<4x16xf32>) kernel = #qnk.nanokernel<fma_f32, mr = 4, nv = 2, vector_length = 8, kr = 1> group_size = 32
  return
}

// -----

func.func @group_on_amx(%a: memref<1x1x32x32xbf16>, %b: memref<1x16x32x2xbf16>, %c: memref<32x32xf32>, %sb: memref<1x32xf32>) {
  // expected-error @+1 {{group scales need a vector nanokernel}}
  qnk.packed_matmul ins(%a, %b : memref<1x1x32x32xbf16>, memref<1x16x32x2xbf16>) outs(%c : memref<32x32xf32>) kernel = #qnk.nanokernel<amx_bf16, mr = 32, nv = 2, vector_length = 16, kr = 2> b_group_scale(%sb : memref<1x32xf32>) group_size = 32
  return
}

// -----

func.func @group_not_steps(%a: memref<1x8x4x4xi8>, %b: memref<1x8x16x4xi8>, %c: memref<4x16xf32>, %sb: memref<1x16xf32>) {
  // expected-error @+1 {{group_size must be a positive multiple of the nanokernel's K step 4, got 30}}
  qnk.packed_matmul ins(%a, %b : memref<1x8x4x4xi8>, memref<1x8x16x4xi8>) outs(%c : memref<4x16xf32>) kernel = #qnk.nanokernel<dpbusd_u8s8, mr = 4, nv = 2, vector_length = 8, kr = 4> b_group_scale(%sb : memref<1x16xf32>) group_size = 30
  return
}

// -----

func.func @group_scale_type(%a: memref<4x32xf32>, %b: memref<32x16xf32>, %c: memref<4x16xf32>, %sb: memref<1x16xf16>) {
  // expected-error @+1 {{group scales must be rank-2 f32}}
  qnk.packed_matmul ins(%a, %b : memref<4x32xf32>, memref<32x16xf32>) outs(%c : memref<4x16xf32>) kernel = #qnk.nanokernel<fma_f32, mr = 4, nv = 2, vector_length = 8, kr = 1> b_group_scale(%sb : memref<1x16xf16>) group_size = 32
  return
}

// -----

func.func @dot_i8_types(%a: memref<1x64xbf16>, %b: memref<8x64xi8>, %c: memref<1x8xi32>) {
  // expected-error @+1 {{dot_i8 needs i8/ui8 A, i8/i4/ui4 B and a 'i32' C}}
  qnk.packed_matmul ins(%a, %b : memref<1x64xbf16>, memref<8x64xi8>) outs(%c : memref<1x8xi32>) kernel = #qnk.nanokernel<dot_i8, mr = 1, nv = 4, vector_length = 8, kr = 4>
  return
}

// -----

func.func @dot_batched(%a: memref<2x1x64xbf16>, %b: memref<2x8x64xi4>, %c: memref<2x1x8xf32>) {
  // expected-error @+1 {{dot_f32 takes unbatched A [M, K] and B [N, K] and applies its epilogue always}}
  qnk.packed_matmul ins(%a, %b : memref<2x1x64xbf16>, memref<2x8x64xi4>) outs(%c : memref<2x1x8xf32>) kernel = #qnk.nanokernel<dot_f32, mr = 1, nv = 4, vector_length = 8, kr = 1>
  return
}

// -----

func.func @dot_i8_epilogue_if(%a: memref<1x64xi8>, %b: memref<8x64xi8>, %c: memref<1x8xf32>, %last: i1, %bias: memref<8xf32>) {
  // expected-error @+1 {{dot_i8 takes unbatched A [M, K] and B [N, K] and applies its epilogue always}}
  qnk.packed_matmul ins(%a, %b : memref<1x64xi8>, memref<8x64xi8>) outs(%c : memref<1x8xf32>) kernel = #qnk.nanokernel<dot_i8, mr = 1, nv = 4, vector_length = 8, kr = 4> epilogue_if(%last) bias(%bias : memref<8xf32>)
  return
}

// -----

func.func @epilogue_bias_type(%a: memref<4x32xf32>, %b: memref<32x16xf32>, %c: memref<4x16xf32>, %bias: memref<16xf16>) {
  // expected-error @+1 {{epilogue scales and bias must be f32 of rank 0 or 1}}
  qnk.packed_matmul ins(%a, %b : memref<4x32xf32>, memref<32x16xf32>) outs(%c : memref<4x16xf32>) kernel = #qnk.nanokernel<fma_f32, mr = 4, nv = 2, vector_length = 8, kr = 1> bias(%bias : memref<16xf16>)
  return
}
