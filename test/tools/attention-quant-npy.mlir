// qnk.attention's low-precision modes against numpy: a statement of the
// quantization written independently of QNK (attention_quant_tool.py) must
// match int8 Q·Kᵀ to f32 rounding, and the P·V roundings within their
// bound; against exact float64 attention on the unquantized inputs, on data
// shaped like an LLM's (K with per-channel offsets, a few outlier channels),
// the errors stay within the tolerances docs/numerics.md states (max error
// over max |V|, relative L1 error, cosine similarity). Also: blocks
// of zeros (scale 0), a NaN in K (every row of its head NaN), a NaN in V at
// the last key with causal on vdpbf16ps pairs (only the last query sees it).
// REQUIRES: avx512f, avx512bw, avx512-vnni, avx512-bf16, numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/attention_quant_tool.py gen %t/q.npy float32 1x4x100x64 1 q
// RUN: %python %S/Inputs/attention_quant_tool.py gen %t/k.npy float32 1x2x300x64 2 k
// RUN: %python %S/Inputs/attention_quant_tool.py gen %t/v.npy float32 1x2x300x64 3 v
// RUN: qnk-run %s -e i8 --input=%t/q.npy --input=%t/k.npy --input=%t/v.npy --output=%t/o.npy --verify | FileCheck %s --check-prefix=VERIFIED
// RUN: %python %S/Inputs/attention_quant_tool.py check %t/q.npy %t/k.npy %t/v.npy %t/o.npy --qk i8 --max-err 0.02 --max-l1 0.03 --min-cos 0.9995 | FileCheck %s
// RUN: qnk-run %s -e i8_bf16 --input=%t/q.npy --input=%t/k.npy --input=%t/v.npy --output=%t/ob.npy --verify | FileCheck %s --check-prefix=VERIFIED
// RUN: %python %S/Inputs/attention_quant_tool.py check %t/q.npy %t/k.npy %t/v.npy %t/ob.npy --qk i8 --pv bf16 --max-err 0.02 --max-l1 0.03 --min-cos 0.9995 | FileCheck %s
// RUN: qnk-run %s -e i8_fp8 --input=%t/q.npy --input=%t/k.npy --input=%t/v.npy --output=%t/of.npy --verify | FileCheck %s --check-prefix=VERIFIED
// RUN: %python %S/Inputs/attention_quant_tool.py check %t/q.npy %t/k.npy %t/v.npy %t/of.npy --qk i8 --pv f8E4M3FN --max-err 0.05 --max-l1 0.06 --min-cos 0.998 | FileCheck %s

// bf16 in and out, causal, D = 128, blocks of 32 queries.
// RUN: %python %S/Inputs/attention_quant_tool.py gen %t/qb.npy bfloat16 1x8x128x128 4 q
// RUN: %python %S/Inputs/attention_quant_tool.py gen %t/kb.npy bfloat16 1x2x128x128 5 k
// RUN: %python %S/Inputs/attention_quant_tool.py gen %t/vb.npy bfloat16 1x2x128x128 6 v
// RUN: qnk-run %s -e i8_causal --input=%t/qb.npy --input=%t/kb.npy --input=%t/vb.npy --output=%t/oc.npy --verify | FileCheck %s --check-prefix=VERIFIED
// RUN: %python %S/Inputs/attention_quant_tool.py check %t/qb.npy %t/kb.npy %t/vb.npy %t/oc.npy --qk i8 --blocks 32,64 --pv bf16 --causal --max-err 0.02 --max-l1 0.03 --min-cos 0.9995 | FileCheck %s
// Without qk_type: bf16 Q·Kᵀ on vdpbf16ps, P·V in bf16.
// RUN: qnk-run %s -e bf16_causal --input=%t/qb.npy --input=%t/kb.npy --input=%t/vb.npy --output=%t/obc.npy --verify | FileCheck %s --check-prefix=VERIFIED
// RUN: %python %S/Inputs/attention_quant_tool.py check %t/qb.npy %t/kb.npy %t/vb.npy %t/obc.npy --pv bf16 --causal --max-err 0.01 --max-l1 0.003 --min-cos 0.99995 | FileCheck %s

// Blocks of zeros (queries and keys [0, 8) of every head): scale 0.
// RUN: %python %S/Inputs/attention_quant_tool.py gen %t/qz.npy float32 1x4x100x64 7 zero-block
// RUN: %python %S/Inputs/attention_quant_tool.py gen %t/kz.npy float32 1x2x300x64 8 zero-block
// RUN: qnk-run %s -e i8_blocks8 --input=%t/qz.npy --input=%t/kz.npy --input=%t/v.npy --output=%t/oz.npy --verify | FileCheck %s --check-prefix=VERIFIED
// RUN: %python %S/Inputs/attention_quant_tool.py check %t/qz.npy %t/kz.npy %t/v.npy %t/oz.npy --qk i8 --blocks 8,8 | FileCheck %s

// A NaN in K (head 1): K's mean spreads it, so every row reading kv head 1
// is NaN (query heads 2, 3), the others are not.
// RUN: %python -c "import numpy as np; k = np.load('%t/k.npy'); k[0, 1, 7, 3] = np.nan; np.save('%t/kn.npy', k)"
// RUN: qnk-run %s -e i8 --input=%t/q.npy --input=%t/kn.npy --input=%t/v.npy --output=%t/on.npy --verify | FileCheck %s --check-prefix=VERIFIED
// RUN: %python -c "import numpy as np; o = np.load('%t/on.npy'); print('nan_heads', np.isnan(o).all(axis=(0, 2, 3)).tolist(), 'any_nan_0_1', bool(np.isnan(o[:, :2]).any()))" | FileCheck %s --check-prefix=NANK
// NANK: nan_heads [False, False, True, True] any_nan_0_1 False

// A NaN in V at the last key, causal (Lq = Lk), P·V on vdpbf16ps pairs:
// only the last query of each head sees it.
// RUN: %python -c "import numpy as np, ml_dtypes; v = np.load('%t/vb.npy').view(ml_dtypes.bfloat16).astype(np.float32); v[..., -1, 0] = np.nan; np.save('%t/vn.npy', v.astype(ml_dtypes.bfloat16))"
// RUN: qnk-run %s -e i8_causal --input=%t/qb.npy --input=%t/kb.npy --input=%t/vn.npy --output=%t/ovn.npy --verify | FileCheck %s --check-prefix=VERIFIED
// RUN: %python -c "import numpy as np, ml_dtypes; o = np.load('%t/ovn.npy').view(ml_dtypes.bfloat16).astype(np.float32); print('nan_rows', int(np.isnan(o).any(-1).sum()), 'last_rows_nan', bool(np.isnan(o[:, :, -1, 0]).all()))" | FileCheck %s --check-prefix=NANV
// NANV: nan_rows 8 last_rows_nan True

// VERIFIED: verified:
// CHECK: model: max_abs_err=
// CHECK: vs f64: max_err/max|V|=

func.func @i8(%q: tensor<1x4x100x64xf32>, %k: tensor<1x2x300x64xf32>, %v: tensor<1x2x300x64xf32>) -> tensor<1x4x100x64xf32> {
  %o = qnk.attention %q, %k, %v qk_type = i8 : tensor<1x4x100x64xf32>, tensor<1x2x300x64xf32>, tensor<1x2x300x64xf32> -> tensor<1x4x100x64xf32>
  return %o : tensor<1x4x100x64xf32>
}

func.func @i8_bf16(%q: tensor<1x4x100x64xf32>, %k: tensor<1x2x300x64xf32>, %v: tensor<1x2x300x64xf32>) -> tensor<1x4x100x64xf32> {
  %o = qnk.attention %q, %k, %v qk_type = i8 pv_type = bf16 : tensor<1x4x100x64xf32>, tensor<1x2x300x64xf32>, tensor<1x2x300x64xf32> -> tensor<1x4x100x64xf32>
  return %o : tensor<1x4x100x64xf32>
}

func.func @i8_fp8(%q: tensor<1x4x100x64xf32>, %k: tensor<1x2x300x64xf32>, %v: tensor<1x2x300x64xf32>) -> tensor<1x4x100x64xf32> {
  %o = qnk.attention %q, %k, %v qk_type = i8 pv_type = f8E4M3FN : tensor<1x4x100x64xf32>, tensor<1x2x300x64xf32>, tensor<1x2x300x64xf32> -> tensor<1x4x100x64xf32>
  return %o : tensor<1x4x100x64xf32>
}

func.func @i8_blocks8(%q: tensor<1x4x100x64xf32>, %k: tensor<1x2x300x64xf32>, %v: tensor<1x2x300x64xf32>) -> tensor<1x4x100x64xf32> {
  %o = qnk.attention %q, %k, %v qk_type = i8 qk_blocks = [8, 8] : tensor<1x4x100x64xf32>, tensor<1x2x300x64xf32>, tensor<1x2x300x64xf32> -> tensor<1x4x100x64xf32>
  return %o : tensor<1x4x100x64xf32>
}

func.func @i8_causal(%q: tensor<1x8x128x128xbf16>, %k: tensor<1x2x128x128xbf16>, %v: tensor<1x2x128x128xbf16>) -> tensor<1x8x128x128xbf16> {
  %o = qnk.attention %q, %k, %v causal qk_type = i8 qk_blocks = [32, 64] pv_type = bf16 : tensor<1x8x128x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16> -> tensor<1x8x128x128xbf16>
  return %o : tensor<1x8x128x128xbf16>
}

func.func @bf16_causal(%q: tensor<1x8x128x128xbf16>, %k: tensor<1x2x128x128xbf16>, %v: tensor<1x2x128x128xbf16>) -> tensor<1x8x128x128xbf16> {
  %o = qnk.attention %q, %k, %v causal pv_type = bf16 : tensor<1x8x128x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16> -> tensor<1x8x128x128xbf16>
  return %o : tensor<1x8x128x128xbf16>
}
