// qnk.attention through the fused flash-attention lowering matches the
// reference lowering on odd lengths (Lq, Lk in 1, 3, 17, 100), head
// dimensions 32, 64, 80, 128 and an odd Dv, GQA and MQA, causal windows
// (Lq = Lk, Lq < Lk, Lq > Lk with fully masked rows), masks (per element,
// per row with fully masked rows), bf16/f16 inputs and results, and decode
// (Lq = 1, long Lk) split across two threads. The loop nest runs on FMAs in
// the target's vector registers and calls no exp function.
// REQUIRES: avx2, fma
// RUN: qnk-run %s -e tiny --verify | FileCheck %s
// RUN: qnk-run %s -e len1 --verify | FileCheck %s
// RUN: qnk-run %s -e d64 --verify --dump-asm=%t.d64.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ASM < %t.d64.s
// RUN: qnk-run %s -e gqa_d80 --verify | FileCheck %s
// RUN: qnk-run %s -e causal_d128 --verify | FileCheck %s
// RUN: qnk-run %s -e causal_short_q --verify | FileCheck %s
// RUN: qnk-run %s -e causal_long_q --verify | FileCheck %s
// RUN: qnk-run %s -e masked --verify | FileCheck %s
// RUN: qnk-run %s -e masked_rows --verify | FileCheck %s
// RUN: qnk-run %s -e bf16 --verify --dump-asm=%t.bf16.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ASM < %t.bf16.s
// RUN: qnk-run %s -e f16_mqa --verify | FileCheck %s
// RUN: qnk-run %s -e odd_dv --verify | FileCheck %s
// RUN: qnk-run %s -e decode --threads=2 --verify --dump-asm=%t.decode.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ASM < %t.decode.s
// RUN: FileCheck %s --check-prefix=THREADS < %t.decode.s
// RUN: qnk-run %s -e decode_causal_masked --threads=2 --verify | FileCheck %s
// RUN: qnk-run %s -e causal_d128 --threads=2 --verify | FileCheck %s
// RUN: qnk-run %s -e no_keys --verify | FileCheck %s
// RUN: qnk-run %s -e no_head_dim --verify | FileCheck %s
// RUN: qnk-run %s -e no_queries --verify | FileCheck %s
// The AVX2 code, whatever this machine has.
// RUN: qnk-run %s -e gqa_d80 --target=x86-64-v3 --verify --dump-asm=%t.v3.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=AVX2 < %t.v3.s
// RUN: qnk-run %s -e causal_long_q --target=x86-64-v3 --verify | FileCheck %s
// RUN: qnk-run %s -e decode --target=x86-64-v3 --threads=2 --verify | FileCheck %s

// CHECK: verified: max_abs_err={{[0-9.]+e[-+][0-9]+}} max_rel_err=
// ASM-NOT: exp
// ASM: vfmadd{{[0-9]+}}ps {{.*}}%{{[yz]}}mm
// ASM-NOT: exp
// THREADS: __kmpc_fork_call
// AVX2-NOT: exp
// AVX2: vfmadd{{[0-9]+}}ps {{.*}}%ymm
// AVX2-NOT: exp
// AVX2-NOT: zmm

func.func @tiny(%q: tensor<1x2x3x32xf32>, %k: tensor<1x2x17x32xf32>, %v: tensor<1x2x17x32xf32>) -> tensor<1x2x3x32xf32> {
  %o = qnk.attention %q, %k, %v : tensor<1x2x3x32xf32>, tensor<1x2x17x32xf32>, tensor<1x2x17x32xf32> -> tensor<1x2x3x32xf32>
  return %o : tensor<1x2x3x32xf32>
}

// One key: O = V exactly.
func.func @len1(%q: tensor<2x1x3x32xf32>, %k: tensor<2x1x1x32xf32>, %v: tensor<2x1x1x32xf32>) -> tensor<2x1x3x32xf32> {
  %o = qnk.attention %q, %k, %v : tensor<2x1x3x32xf32>, tensor<2x1x1x32xf32>, tensor<2x1x1x32xf32> -> tensor<2x1x3x32xf32>
  return %o : tensor<2x1x3x32xf32>
}

// A large scale: logits up to ~25 in magnitude.
func.func @d64(%q: tensor<2x2x17x64xf32>, %k: tensor<2x2x100x64xf32>, %v: tensor<2x2x100x64xf32>) -> tensor<2x2x17x64xf32> {
  %o = qnk.attention %q, %k, %v scale = 2.0 : tensor<2x2x17x64xf32>, tensor<2x2x100x64xf32>, tensor<2x2x100x64xf32> -> tensor<2x2x17x64xf32>
  return %o : tensor<2x2x17x64xf32>
}

func.func @gqa_d80(%q: tensor<1x4x17x80xf32>, %k: tensor<1x2x100x80xf32>, %v: tensor<1x2x100x80xf32>) -> tensor<1x4x17x80xf32> {
  %o = qnk.attention %q, %k, %v : tensor<1x4x17x80xf32>, tensor<1x2x100x80xf32>, tensor<1x2x100x80xf32> -> tensor<1x4x17x80xf32>
  return %o : tensor<1x4x17x80xf32>
}

func.func @causal_d128(%q: tensor<1x2x100x128xf32>, %k: tensor<1x2x100x128xf32>, %v: tensor<1x2x100x128xf32>) -> tensor<1x2x100x128xf32> {
  %o = qnk.attention %q, %k, %v causal : tensor<1x2x100x128xf32>, tensor<1x2x100x128xf32>, tensor<1x2x100x128xf32> -> tensor<1x2x100x128xf32>
  return %o : tensor<1x2x100x128xf32>
}

// Lq < Lk: query i sees keys up to i + 83 (bottom-right alignment).
func.func @causal_short_q(%q: tensor<1x3x17x32xf32>, %k: tensor<1x1x100x32xf32>, %v: tensor<1x1x100x32xf32>) -> tensor<1x3x17x32xf32> {
  %o = qnk.attention %q, %k, %v causal : tensor<1x3x17x32xf32>, tensor<1x1x100x32xf32>, tensor<1x1x100x32xf32> -> tensor<1x3x17x32xf32>
  return %o : tensor<1x3x17x32xf32>
}

// Lq > Lk: the first 83 queries see no key (zeros).
func.func @causal_long_q(%q: tensor<1x2x100x64xf32>, %k: tensor<1x2x17x64xf32>, %v: tensor<1x2x17x64xf32>) -> tensor<1x2x100x64xf32> {
  %o = qnk.attention %q, %k, %v causal : tensor<1x2x100x64xf32>, tensor<1x2x17x64xf32>, tensor<1x2x17x64xf32> -> tensor<1x2x100x64xf32>
  return %o : tensor<1x2x100x64xf32>
}

// An additive bf16 mask per (batch, query, key), broadcast over heads.
func.func @masked(%q: tensor<2x4x17x64xf32>, %k: tensor<2x4x100x64xf32>, %v: tensor<2x4x100x64xf32>, %m: tensor<2x1x17x100xbf16>) -> tensor<2x4x17x64xf32> {
  %o = qnk.attention %q, %k, %v mask(%m : tensor<2x1x17x100xbf16>) causal : tensor<2x4x17x64xf32>, tensor<2x4x100x64xf32>, tensor<2x4x100x64xf32> -> tensor<2x4x17x64xf32>
  return %o : tensor<2x4x17x64xf32>
}

// One mask value per query (rank 2, broadcast over batch, heads and keys):
// query 1 is fully masked (zeros), query 2 is shifted.
func.func @masked_rows(%q: tensor<1x2x3x32xf32>, %k: tensor<1x2x17x32xf32>, %v: tensor<1x2x17x32xf32>) -> tensor<1x2x3x32xf32> {
  %m = arith.constant dense<[[0.0], [0xFF800000], [-2.5]]> : tensor<3x1xf32>
  %o = qnk.attention %q, %k, %v mask(%m : tensor<3x1xf32>) : tensor<1x2x3x32xf32>, tensor<1x2x17x32xf32>, tensor<1x2x17x32xf32> -> tensor<1x2x3x32xf32>
  return %o : tensor<1x2x3x32xf32>
}

func.func @bf16(%q: tensor<1x2x33x64xbf16>, %k: tensor<1x2x65x64xbf16>, %v: tensor<1x2x65x64xbf16>) -> tensor<1x2x33x64xbf16> {
  %o = qnk.attention %q, %k, %v : tensor<1x2x33x64xbf16>, tensor<1x2x65x64xbf16>, tensor<1x2x65x64xbf16> -> tensor<1x2x33x64xbf16>
  return %o : tensor<1x2x33x64xbf16>
}

func.func @f16_mqa(%q: tensor<1x4x17x32xf16>, %k: tensor<1x1x33x32xf16>, %v: tensor<1x1x33x32xf16>) -> tensor<1x4x17x32xf32> {
  %o = qnk.attention %q, %k, %v causal : tensor<1x4x17x32xf16>, tensor<1x1x33x32xf16>, tensor<1x1x33x32xf16> -> tensor<1x4x17x32xf32>
  return %o : tensor<1x4x17x32xf32>
}

// Dv = 20: not whole vectors.
func.func @odd_dv(%q: tensor<1x2x17x32xf32>, %k: tensor<1x2x3x32xf32>, %v: tensor<1x2x3x20xf32>) -> tensor<1x2x17x20xf32> {
  %o = qnk.attention %q, %k, %v : tensor<1x2x17x32xf32>, tensor<1x2x3x32xf32>, tensor<1x2x3x20xf32> -> tensor<1x2x17x20xf32>
  return %o : tensor<1x2x17x20xf32>
}

// Decode: one query per head, 1000 keys split across the threads.
func.func @decode(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x1000x128xbf16>, %v: tensor<1x2x1000x128xbf16>) -> tensor<1x8x1x128xf32> {
  %o = qnk.attention %q, %k, %v : tensor<1x8x1x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16> -> tensor<1x8x1x128xf32>
  return %o : tensor<1x8x1x128xf32>
}

// Decode with causal (every key visible) and a mask per key.
func.func @decode_causal_masked(%q: tensor<1x1x1x64xf32>, %k: tensor<1x1x300x64xf32>, %v: tensor<1x1x300x64xf32>, %m: tensor<300xf32>) -> tensor<1x1x1x64xf32> {
  %o = qnk.attention %q, %k, %v mask(%m : tensor<300xf32>) causal : tensor<1x1x1x64xf32>, tensor<1x1x300x64xf32>, tensor<1x1x300x64xf32> -> tensor<1x1x1x64xf32>
  return %o : tensor<1x1x1x64xf32>
}

// Lk = 0: every row fully masked, zeros.
func.func @no_keys(%q: tensor<1x2x3x16xf32>, %k: tensor<1x2x0x16xf32>, %v: tensor<1x2x0x8xf32>) -> tensor<1x2x3x8xf32> {
  %o = qnk.attention %q, %k, %v : tensor<1x2x3x16xf32>, tensor<1x2x0x16xf32>, tensor<1x2x0x8xf32> -> tensor<1x2x3x8xf32>
  return %o : tensor<1x2x3x8xf32>
}

// D = 0: every score is 0 (the mean of V), causal.
func.func @no_head_dim(%q: tensor<1x2x3x0xf32>, %k: tensor<1x2x5x0xf32>, %v: tensor<1x2x5x8xf32>) -> tensor<1x2x3x8xf32> {
  %o = qnk.attention %q, %k, %v causal : tensor<1x2x3x0xf32>, tensor<1x2x5x0xf32>, tensor<1x2x5x8xf32> -> tensor<1x2x3x8xf32>
  return %o : tensor<1x2x3x8xf32>
}

// Lq = 0: an empty result.
func.func @no_queries(%q: tensor<1x2x0x16xf32>, %k: tensor<1x2x5x16xf32>, %v: tensor<1x2x5x8xf32>) -> tensor<1x2x0x8xf32> {
  %o = qnk.attention %q, %k, %v : tensor<1x2x0x16xf32>, tensor<1x2x5x16xf32>, tensor<1x2x5x8xf32> -> tensor<1x2x0x8xf32>
  return %o : tensor<1x2x0x8xf32>
}
