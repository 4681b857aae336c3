// qnk.attention against numpy (float64) on .npy inputs: ordinary rows within
// 2e-6 + 1e-5 relative, fully masked rows (by the mask, or by the causal
// window when Lq > Lk) exactly zero, a query holding a NaN all NaN, logits
// in the thousands finite; f32, bf16 and GQA decode on two threads; also
// through the reference pipeline (--verify).
// REQUIRES: avx2, fma, numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/attention_tool.py gen %t/q.npy float32 2x4x17x64 1 special
// RUN: %python %S/Inputs/attention_tool.py gen %t/k.npy float32 2x2x100x64 2
// RUN: %python %S/Inputs/attention_tool.py gen %t/v.npy float32 2x2x100x64 3
// RUN: %python %S/Inputs/attention_tool.py mask %t/m.npy 2x1x17x100 4
// RUN: qnk-run %s -e masked --input=%t/q.npy --input=%t/k.npy --input=%t/v.npy --input=%t/m.npy --output=%t/o.npy --verify
// RUN: %python %S/Inputs/attention_tool.py check %t/q.npy %t/k.npy %t/v.npy %t/m.npy %t/o.npy - - | FileCheck %s --check-prefix=MASKED
// MASKED: masked_rows=8 nan_rows=1 max_abs_err=

// RUN: %python %S/Inputs/attention_tool.py gen %t/qc.npy float32 1x2x100x32 5
// RUN: %python %S/Inputs/attention_tool.py gen %t/kc.npy float32 1x2x17x32 6
// RUN: %python %S/Inputs/attention_tool.py gen %t/vc.npy float32 1x2x17x32 7
// RUN: qnk-run %s -e causal --input=%t/qc.npy --input=%t/kc.npy --input=%t/vc.npy --output=%t/oc.npy --verify
// RUN: %python %S/Inputs/attention_tool.py check %t/qc.npy %t/kc.npy %t/vc.npy - %t/oc.npy 0.25 causal | FileCheck %s --check-prefix=CAUSAL
// CAUSAL: masked_rows=166 nan_rows=0 max_abs_err=

// A NaN in V at the last key reaches, with `causal` (Lq = Lk), only the last
// query of each head: the other queries never read that key, in the fused
// lowering (skipped tile, guarded diagonal tile) as in the reference (NaN
// positions must match under --verify).
// RUN: %python %S/Inputs/attention_tool.py gen %t/qn.npy float32 1x2x100x32 14
// RUN: %python %S/Inputs/attention_tool.py gen %t/kn.npy float32 1x2x100x32 15
// RUN: %python %S/Inputs/attention_tool.py gen %t/vn.npy float32 1x2x100x32 16 nan-last-key
// RUN: qnk-run %s -e causal_square --input=%t/qn.npy --input=%t/kn.npy --input=%t/vn.npy --output=%t/on.npy --verify | FileCheck %s --check-prefix=VERIFIED
// RUN: %python -c "import numpy as np; o = np.load('%t/on.npy'); print('nan_rows', int(np.isnan(o).any(-1).sum()), 'last_rows_nan', bool(np.isnan(o[:, :, -1, 0]).all()))" | FileCheck %s --check-prefix=NANV
// VERIFIED: verified:
// NANV: nan_rows 2 last_rows_nan True

// RUN: %python %S/Inputs/attention_tool.py gen %t/qb.npy bfloat16 1x2x33x128 8
// RUN: %python %S/Inputs/attention_tool.py gen %t/kb.npy bfloat16 1x2x65x128 9
// RUN: %python %S/Inputs/attention_tool.py gen %t/vb.npy bfloat16 1x2x65x128 10
// RUN: qnk-run %s -e bf16 --input=%t/qb.npy --input=%t/kb.npy --input=%t/vb.npy --output=%t/ob.npy --verify
// RUN: %python %S/Inputs/attention_tool.py check %t/qb.npy %t/kb.npy %t/vb.npy - %t/ob.npy - - | FileCheck %s --check-prefix=PLAIN
// PLAIN: masked_rows=0 nan_rows=0 max_abs_err=

// RUN: %python %S/Inputs/attention_tool.py gen %t/qd.npy float32 1x8x1x128 11
// RUN: %python %S/Inputs/attention_tool.py gen %t/kd.npy float32 1x2x1000x128 12
// RUN: %python %S/Inputs/attention_tool.py gen %t/vd.npy float32 1x2x1000x128 13
// RUN: qnk-run %s -e decode --threads=2 --input=%t/qd.npy --input=%t/kd.npy --input=%t/vd.npy --output=%t/od.npy
// RUN: %python %S/Inputs/attention_tool.py check %t/qd.npy %t/kd.npy %t/vd.npy - %t/od.npy - - | FileCheck %s --check-prefix=PLAIN

func.func @masked(%q: tensor<2x4x17x64xf32>, %k: tensor<2x2x100x64xf32>, %v: tensor<2x2x100x64xf32>, %m: tensor<2x1x17x100xf32>) -> tensor<2x4x17x64xf32> {
  %o = qnk.attention %q, %k, %v mask(%m : tensor<2x1x17x100xf32>) : tensor<2x4x17x64xf32>, tensor<2x2x100x64xf32>, tensor<2x2x100x64xf32> -> tensor<2x4x17x64xf32>
  return %o : tensor<2x4x17x64xf32>
}

func.func @causal(%q: tensor<1x2x100x32xf32>, %k: tensor<1x2x17x32xf32>, %v: tensor<1x2x17x32xf32>) -> tensor<1x2x100x32xf32> {
  %o = qnk.attention %q, %k, %v scale = 0.25 causal : tensor<1x2x100x32xf32>, tensor<1x2x17x32xf32>, tensor<1x2x17x32xf32> -> tensor<1x2x100x32xf32>
  return %o : tensor<1x2x100x32xf32>
}

func.func @bf16(%q: tensor<1x2x33x128xbf16>, %k: tensor<1x2x65x128xbf16>, %v: tensor<1x2x65x128xbf16>) -> tensor<1x2x33x128xbf16> {
  %o = qnk.attention %q, %k, %v : tensor<1x2x33x128xbf16>, tensor<1x2x65x128xbf16>, tensor<1x2x65x128xbf16> -> tensor<1x2x33x128xbf16>
  return %o : tensor<1x2x33x128xbf16>
}

func.func @decode(%q: tensor<1x8x1x128xf32>, %k: tensor<1x2x1000x128xf32>, %v: tensor<1x2x1000x128xf32>) -> tensor<1x8x1x128xf32> {
  %o = qnk.attention %q, %k, %v : tensor<1x8x1x128xf32>, tensor<1x2x1000x128xf32>, tensor<1x2x1000x128xf32> -> tensor<1x8x1x128xf32>
  return %o : tensor<1x8x1x128xf32>
}

func.func @causal_square(%q: tensor<1x2x100x32xf32>, %k: tensor<1x2x100x32xf32>, %v: tensor<1x2x100x32xf32>) -> tensor<1x2x100x32xf32> {
  %o = qnk.attention %q, %k, %v causal : tensor<1x2x100x32xf32>, tensor<1x2x100x32xf32>, tensor<1x2x100x32xf32> -> tensor<1x2x100x32xf32>
  return %o : tensor<1x2x100x32xf32>
}
