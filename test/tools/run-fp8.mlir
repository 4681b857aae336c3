// fp8 operands (f8E4M3FN x f8E5M2, and fp8 x bf16) decoded exactly while
// packing, checked against the reference lowering and against an
// independent numpy + ml_dtypes decode. On AVX512-BF16 machines the decode
// feeds vdpbf16ps; elsewhere f32 FMAs.
// REQUIRES: avx2, fma, numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/fp8_check.py gen %t/a.npy %t/b.npy
// RUN: qnk-run %s -e fp8 --input=%t/a.npy --input=%t/b.npy --output=%t/c.npy --verify --dump-asm=%t/fp8.s | FileCheck %s --check-prefix=VERIFY
// RUN: %python %S/Inputs/fp8_check.py matmul %t/a.npy %t/b.npy %t/c.npy | FileCheck %s --check-prefix=NUMPY
// RUN: FileCheck %s --check-prefix=ASM < %t/fp8.s
// RUN: qnk-run %s -e fp8 --target=znver3 --verify | FileCheck %s --check-prefix=VERIFY
// RUN: qnk-run %s -e mixed --verify | FileCheck %s --check-prefix=VERIFY
// VERIFY: verified: max_abs_err=
// NUMPY: fp8 mismatches=0
// The E4M3 decode: f16 conversion and the 2^8 rescale.
// ASM-LABEL: fp8:
// ASM: vcvtph2ps
// ASM: {{vfmadd231ps|vdpbf16ps}}

func.func @fp8(%a: tensor<37x129xf8E4M3FN>, %b: tensor<129x50xf8E5M2>) -> tensor<37x50xf32> {
  %c = qnk.matmul %a, %b : tensor<37x129xf8E4M3FN>, tensor<129x50xf8E5M2> -> tensor<37x50xf32>
  return %c : tensor<37x50xf32>
}

func.func @mixed(%x: tensor<5x64xbf16>, %w: tensor<40x64xf8E4M3FN>) -> tensor<5x40xf32> {
  %c = qnk.matmul %x, %w transpose_b : tensor<5x64xbf16>, tensor<40x64xf8E4M3FN> -> tensor<5x40xf32>
  return %c : tensor<5x40xf32>
}
