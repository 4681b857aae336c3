// qnk.attention's low-precision modes through the fused lowering against the
// reference lowering (which states the same quantization and rounding):
// qk_type = i8 (K minus its mean, block scales of Q and K, exact i32 dot
// products) on vpdpbusd with the +128 offset, bf16 Q·Kᵀ and pv_type = bf16
// P·V on vdpbf16ps, pv_type = f8E4M3FN; odd lengths, D in 32, 33, 64, 80,
// 128, GQA and MQA, causal (including rows that see no key, and the
// diagonal tiles, where a row sees only the first key of a pair), masks,
// odd block sizes, decode split across two threads, and the fallbacks of
// targets without VNNI or AVX512-BF16. No exp function is called. AMX is
// turned off (vdpbf16ps is chosen only without it; a no-op on CPUs that
// lack it).
// REQUIRES: avx512f, avx512bw, avx512-vnni, avx512-bf16, avx-vnni
// RUN: qnk-run %s -e i8_gqa --features=-amx-tile --verify --dump-asm=%t.i8.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=VNNI < %t.i8.s
// RUN: qnk-run %s -e i8_causal_bf16 --features=-amx-tile --verify --dump-asm=%t.i8bf.s | FileCheck %s
// RUN: FileCheck %s --check-prefixes=VNNI,BF16PV < %t.i8bf.s
// RUN: qnk-run %s -e i8_causal_bf16 --features=-amx-tile --threads=2 --verify | FileCheck %s
// RUN: qnk-run %s -e i8_f16_mqa_fp8 --features=-amx-tile --verify | FileCheck %s
// RUN: qnk-run %s -e i8_masked_d33 --features=-amx-tile --verify | FileCheck %s
// RUN: qnk-run %s -e i8_long_q --features=-amx-tile --verify | FileCheck %s
// RUN: qnk-run %s -e i8_decode --features=-amx-tile --threads=2 --verify --dump-asm=%t.dec.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=VNNI < %t.dec.s
// RUN: qnk-run %s -e i8_no_head_dim --features=-amx-tile --verify | FileCheck %s
// RUN: qnk-run %s -e bf16_causal --features=-amx-tile --verify --dump-asm=%t.bf.s | FileCheck %s
// RUN: FileCheck %s --check-prefixes=BF16QK,BF16PV < %t.bf.s
// RUN: qnk-run %s -e bf16_causal --features=-amx-tile --threads=2 --verify | FileCheck %s
// RUN: qnk-run %s -e bf16_d33_fp8 --features=-amx-tile --verify | FileCheck %s
// RUN: qnk-run %s -e bf16_decode_pv --features=-amx-tile --threads=2 --verify | FileCheck %s
// Without VNNI (AVX2): the int8 values are summed exactly with f32 FMAs.
// RUN: qnk-run %s -e i8_causal_bf16 --target=x86-64-v3 --verify --dump-asm=%t.v3.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=NOVNNI < %t.v3.s
// RUN: qnk-run %s -e i8_f16_mqa_fp8 --target=x86-64-v3 --verify | FileCheck %s
// With AVX-VNNI only: vpdpbusd on ymm.
// RUN: qnk-run %s -e i8_gqa --target=x86-64-v3 --features=+avxvnni --verify --dump-asm=%t.avxvnni.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=AVXVNNI < %t.avxvnni.s
// Without AVX512-BF16: P and V rounded to bf16 and multiplied with FMAs.
// RUN: qnk-run %s -e bf16_causal --features=-avx512bf16 --verify --dump-asm=%t.nobf.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=NOBF16 < %t.nobf.s

// CHECK: verified: max_abs_err={{[0-9.]+e[-+][0-9]+}} max_rel_err=
// VNNI-NOT: exp
// VNNI: vpdpbusd {{.*}}%zmm
// VNNI-NOT: exp
// BF16QK: vdpbf16ps {{.*}}%zmm
// BF16PV: vdpbf16ps {{.*}}%zmm
// BF16PV-NOT: exp
// NOVNNI-NOT: vpdpbusd
// NOVNNI-NOT: exp
// NOVNNI: vfmadd{{[0-9]+}}ps {{.*}}%ymm
// NOVNNI-NOT: vpdpbusd
// NOVNNI-NOT: exp
// AVXVNNI: {vex} vpdpbusd {{.*}}%ymm
// NOBF16-NOT: vdpbf16ps
// NOBF16: vfmadd{{[0-9]+}}ps {{.*}}%zmm
// NOBF16-NOT: vdpbf16ps

// Blocks of 64 keys over Lk = 100 and queries over Lq = 17: partial blocks.
func.func @i8_gqa(%q: tensor<2x4x17x64xf32>, %k: tensor<2x2x100x64xf32>, %v: tensor<2x2x100x64xf32>) -> tensor<2x4x17x64xf32> {
  %o = qnk.attention %q, %k, %v qk_type = i8 : tensor<2x4x17x64xf32>, tensor<2x2x100x64xf32>, tensor<2x2x100x64xf32> -> tensor<2x4x17x64xf32>
  return %o : tensor<2x4x17x64xf32>
}

// Odd blocks (5 queries, 7 keys), D = 80 (quads past a whole 8-word group),
// bf16 in and out, P·V on vdpbf16ps with the causal diagonal.
func.func @i8_causal_bf16(%q: tensor<1x4x100x80xbf16>, %k: tensor<1x2x100x80xbf16>, %v: tensor<1x2x100x80xbf16>) -> tensor<1x4x100x80xbf16> {
  %o = qnk.attention %q, %k, %v causal qk_type = i8 qk_blocks = [5, 7] pv_type = bf16 : tensor<1x4x100x80xbf16>, tensor<1x2x100x80xbf16>, tensor<1x2x100x80xbf16> -> tensor<1x4x100x80xbf16>
  return %o : tensor<1x4x100x80xbf16>
}

func.func @i8_f16_mqa_fp8(%q: tensor<1x3x40x32xf16>, %k: tensor<1x1x77x32xf16>, %v: tensor<1x1x77x40xf16>) -> tensor<1x3x40x40xf32> {
  %o = qnk.attention %q, %k, %v qk_type = i8 qk_blocks = [16, 128] pv_type = f8E4M3FN : tensor<1x3x40x32xf16>, tensor<1x1x77x32xf16>, tensor<1x1x77x40xf16> -> tensor<1x3x40x40xf32>
  return %o : tensor<1x3x40x40xf32>
}

// D = 33: a last quad of one element; a mask with fully masked rows.
func.func @i8_masked_d33(%q: tensor<1x2x17x33xf32>, %k: tensor<1x2x50x33xf32>, %v: tensor<1x2x50x33xf32>, %m: tensor<17x50xf32>) -> tensor<1x2x17x33xf32> {
  %o = qnk.attention %q, %k, %v mask(%m : tensor<17x50xf32>) qk_type = i8 qk_blocks = [1, 3] : tensor<1x2x17x33xf32>, tensor<1x2x50x33xf32>, tensor<1x2x50x33xf32> -> tensor<1x2x17x33xf32>
  return %o : tensor<1x2x17x33xf32>
}

// Lq > Lk with causal: the first 83 queries see no key (zeros).
func.func @i8_long_q(%q: tensor<1x2x100x64xf32>, %k: tensor<1x2x17x64xf32>, %v: tensor<1x2x17x64xf32>) -> tensor<1x2x100x64xf32> {
  %o = qnk.attention %q, %k, %v causal qk_type = i8 pv_type = bf16 : tensor<1x2x100x64xf32>, tensor<1x2x17x64xf32>, tensor<1x2x17x64xf32> -> tensor<1x2x100x64xf32>
  return %o : tensor<1x2x100x64xf32>
}

func.func @i8_decode(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x1000x128xbf16>, %v: tensor<1x2x1000x128xbf16>) -> tensor<1x8x1x128xbf16> {
  %o = qnk.attention %q, %k, %v qk_type = i8 pv_type = bf16 : tensor<1x8x1x128xbf16>, tensor<1x2x1000x128xbf16>, tensor<1x2x1000x128xbf16> -> tensor<1x8x1x128xbf16>
  return %o : tensor<1x8x1x128xbf16>
}

// D = 0: every score is 0 (all scales 0), O the mean of V.
func.func @i8_no_head_dim(%q: tensor<1x2x5x0xf32>, %k: tensor<1x2x9x0xf32>, %v: tensor<1x2x9x16xf32>) -> tensor<1x2x5x16xf32> {
  %o = qnk.attention %q, %k, %v qk_type = i8 : tensor<1x2x5x0xf32>, tensor<1x2x9x0xf32>, tensor<1x2x9x16xf32> -> tensor<1x2x5x16xf32>
  return %o : tensor<1x2x5x16xf32>
}

func.func @bf16_causal(%q: tensor<1x4x100x128xbf16>, %k: tensor<1x2x100x128xbf16>, %v: tensor<1x2x100x128xbf16>) -> tensor<1x4x100x128xbf16> {
  %o = qnk.attention %q, %k, %v causal pv_type = bf16 : tensor<1x4x100x128xbf16>, tensor<1x2x100x128xbf16>, tensor<1x2x100x128xbf16> -> tensor<1x4x100x128xbf16>
  return %o : tensor<1x4x100x128xbf16>
}

// D = 33 on vdpbf16ps: a last pair of one element.
func.func @bf16_d33_fp8(%q: tensor<1x2x30x33xbf16>, %k: tensor<1x2x70x33xbf16>, %v: tensor<1x2x70x33xbf16>) -> tensor<1x2x30x33xf32> {
  %o = qnk.attention %q, %k, %v pv_type = f8E4M3FN : tensor<1x2x30x33xbf16>, tensor<1x2x70x33xbf16>, tensor<1x2x70x33xbf16> -> tensor<1x2x30x33xf32>
  return %o : tensor<1x2x30x33xf32>
}

// Decode: K per tile on vdpbf16ps, V read in place and rounded as loaded.
func.func @bf16_decode_pv(%q: tensor<1x8x1x64xbf16>, %k: tensor<1x2x1000x64xbf16>, %v: tensor<1x2x1000x64xbf16>) -> tensor<1x8x1x64xf32> {
  %o = qnk.attention %q, %k, %v causal pv_type = bf16 : tensor<1x8x1x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16> -> tensor<1x8x1x64xf32>
  return %o : tensor<1x8x1x64xf32>
}
