// RUN: qnk-opt %s -split-input-file -verify-diagnostics
// Every verifier error of qnk.attention.
func.func @rank(%q: tensor<4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{'qnk.attention' op query must have rank 4 ([B, H, L, D]), got 'tensor<4x8x16xf32>'}}
  %0 = qnk.attention %q, %k, %v : tensor<4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @dynamic(%q: tensor<1x4x?x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{'qnk.attention' op query must have a static shape, got 'tensor<1x4x?x16xf32>'}}
  %0 = qnk.attention %q, %k, %v : tensor<1x4x?x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x?x16xf32>
  return
}

// -----

func.func @input_type(%q: tensor<1x4x8x16xi8>, %k: tensor<1x4x8x16xi8>, %v: tensor<1x4x8x16xi8>) {
  // expected-error @+1 {{'qnk.attention' op query element type must be f32, bf16 or f16, got 'i8'}}
  %0 = qnk.attention %q, %k, %v : tensor<1x4x8x16xi8>, tensor<1x4x8x16xi8>, tensor<1x4x8x16xi8> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @mixed_types(%q: tensor<1x4x8x16xbf16>, %k: tensor<1x4x8x16xf16>, %v: tensor<1x4x8x16xbf16>) {
  // expected-error @+1 {{'qnk.attention' op query, key and value must share one element type, got 'bf16', 'f16' and 'bf16'}}
  %0 = qnk.attention %q, %k, %v : tensor<1x4x8x16xbf16>, tensor<1x4x8x16xf16>, tensor<1x4x8x16xbf16> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @result_type(%q: tensor<1x4x8x16xbf16>, %k: tensor<1x4x8x16xbf16>, %v: tensor<1x4x8x16xbf16>) {
  // expected-error @+1 {{'qnk.attention' op result element type must be f32 or the inputs' ('bf16'), got 'f16'}}
  %0 = qnk.attention %q, %k, %v : tensor<1x4x8x16xbf16>, tensor<1x4x8x16xbf16>, tensor<1x4x8x16xbf16> -> tensor<1x4x8x16xf16>
  return
}

// -----

func.func @batch(%q: tensor<2x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{'qnk.attention' op batch sizes differ: query 2, key 1, value 1}}
  %0 = qnk.attention %q, %k, %v : tensor<2x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32> -> tensor<2x4x8x16xf32>
  return
}

// -----

func.func @kv_heads(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{'qnk.attention' op key and value head counts differ: 2 vs 4}}
  %0 = qnk.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @gqa_heads(%q: tensor<1x6x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{'qnk.attention' op query head count 6 is not a multiple of the key/value head count 4}}
  %0 = qnk.attention %q, %k, %v : tensor<1x6x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32> -> tensor<1x6x8x16xf32>
  return
}

// -----

func.func @zero_kv_heads(%q: tensor<1x2x8x16xf32>, %k: tensor<1x0x8x16xf32>, %v: tensor<1x0x8x16xf32>) {
  // expected-error @+1 {{'qnk.attention' op query head count 2 is not a multiple of the key/value head count 0}}
  %0 = qnk.attention %q, %k, %v : tensor<1x2x8x16xf32>, tensor<1x0x8x16xf32>, tensor<1x0x8x16xf32> -> tensor<1x2x8x16xf32>
  return
}

// -----

func.func @head_dim(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x32xf32>, %v: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{'qnk.attention' op query and key head dimensions differ: 16 vs 32}}
  %0 = qnk.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @kv_length(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x9x16xf32>) {
  // expected-error @+1 {{'qnk.attention' op key and value sequence lengths differ: 8 vs 9}}
  %0 = qnk.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x9x16xf32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @result_shape(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x24xf32>) {
  // expected-error @+1 {{'qnk.attention' op result shape must be [B, H, Lq, Dv] = [1, 4, 8, 24], got 'tensor<1x4x8x16xf32>'}}
  %0 = qnk.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x24xf32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @mask_type(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>, %m: tensor<8x8xi1>) {
  // expected-error @+1 {{'qnk.attention' op mask element type must be f32, bf16 or f16, got 'i1'}}
  %0 = qnk.attention %q, %k, %v mask(%m : tensor<8x8xi1>) : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @mask_rank(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>, %m: tensor<1x1x1x8x8xf32>) {
  // expected-error @+1 {{'qnk.attention' op mask must be statically shaped with rank <= 4, got 'tensor<1x1x1x8x8xf32>'}}
  %0 = qnk.attention %q, %k, %v mask(%m : tensor<1x1x1x8x8xf32>) : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @mask_dynamic(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>, %m: tensor<8x?xf32>) {
  // expected-error @+1 {{'qnk.attention' op mask must be statically shaped with rank <= 4, got 'tensor<8x?xf32>'}}
  %0 = qnk.attention %q, %k, %v mask(%m : tensor<8x?xf32>) : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @mask_broadcast(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x12x16xf32>, %v: tensor<1x4x12x16xf32>, %m: tensor<1x3x8x12xf32>) {
  // expected-error @+1 {{'qnk.attention' op mask 'tensor<1x3x8x12xf32>' does not broadcast to the scores [B, H, Lq, Lk] = [1, 4, 8, 12]: its dimension 1 is 3 (expected 1 or 4)}}
  %0 = qnk.attention %q, %k, %v mask(%m : tensor<1x3x8x12xf32>) : tensor<1x4x8x16xf32>, tensor<1x4x12x16xf32>, tensor<1x4x12x16xf32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @mask_trailing(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x12x16xf32>, %v: tensor<1x4x12x16xf32>, %m: tensor<8x8xf32>) {
  // expected-error @+1 {{'qnk.attention' op mask 'tensor<8x8xf32>' does not broadcast to the scores [B, H, Lq, Lk] = [1, 4, 8, 12]: its dimension 1 is 8 (expected 1 or 12)}}
  %0 = qnk.attention %q, %k, %v mask(%m : tensor<8x8xf32>) : tensor<1x4x8x16xf32>, tensor<1x4x12x16xf32>, tensor<1x4x12x16xf32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @scale(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>) {
  // expected-error @+1 {{'qnk.attention' op scale must be finite}}
  %0 = qnk.attention %q, %k, %v scale = 0x7F800000 : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x16xf32>
  return
}

// -----

func.func @qk_type(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{'qnk.attention' op qk_type must be i8, got 'i4'}}
  %0 = qnk.attention %q, %k, %v qk_type = i4 : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @qk_type_unsigned(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{'qnk.attention' op qk_type must be i8, got 'ui8'}}
  %0 = qnk.attention %q, %k, %v qk_type = ui8 : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @qk_head_dim(%q: tensor<1x1x8x1040xbf16>, %k: tensor<1x1x8x1040xbf16>, %v: tensor<1x1x8x16xbf16>) {
  // expected-error @+1 {{'qnk.attention' op qk_type = i8 needs a head dimension of at most 1024, got 1040}}
  %0 = qnk.attention %q, %k, %v qk_type = i8 : tensor<1x1x8x1040xbf16>, tensor<1x1x8x1040xbf16>, tensor<1x1x8x16xbf16> -> tensor<1x1x8x16xbf16>
  return
}

// -----

func.func @qk_blocks_alone(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{'qnk.attention' op qk_blocks needs qk_type = i8}}
  %0 = qnk.attention %q, %k, %v qk_blocks = [64, 64] : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @qk_blocks_zero(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{'qnk.attention' op qk_blocks must be two positive token counts [query block, key block], got array<i64: 64, 0>}}
  %0 = qnk.attention %q, %k, %v qk_type = i8 qk_blocks = [64, 0] : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @qk_blocks_rank(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{'qnk.attention' op qk_blocks must be two positive token counts [query block, key block], got array<i64: 64>}}
  %0 = qnk.attention %q, %k, %v qk_type = i8 qk_blocks = [64] : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @pv_type(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{'qnk.attention' op pv_type must be bf16 or f8E4M3FN, got 'f16'}}
  %0 = qnk.attention %q, %k, %v pv_type = f16 : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @pv_type_e5m2(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{'qnk.attention' op pv_type must be bf16 or f8E4M3FN, got 'f8E5M2'}}
  %0 = qnk.attention %q, %k, %v pv_type = f8E5M2 : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
  return
}
