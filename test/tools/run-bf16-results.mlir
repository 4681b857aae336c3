// bf16 results on CPUs without AVX512-BF16 round with integer ops instead of
// calling compiler-rt's __truncsfbf2, which the JIT and QNK's objects lack
// (found by the differential test: a bf16 softmax failed to JIT-compile on
// x86-64-v3). Rows shorter than a vector, or with a tail, store bf16
// elements one by one; those move through memory as i16 bits
// (qnk-legalize-bf16-memory), else LLVM rounds each through __truncsfbf2
// again (found by the differential test: --seed 405 --only 28).
// REQUIRES: avx2, fma
// RUN: qnk-run %s -e softmax_bf16 --target=x86-64-v3 --verify --dump-asm=%t.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ASM < %t.s
// RUN: qnk-run %s -e softmax_bf16 --verify | FileCheck %s
// RUN: qnk-run %s -e softmax_bf16_short --target=znver3 --verify --dump-asm=%t.short.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ASM < %t.short.s
// RUN: qnk-run %s -e softmax_bf16_tail --target=x86-64-v3 --verify --dump-asm=%t.tail.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ASM < %t.tail.s
// CHECK: verified: max_abs_err={{[0-9.]+e[-+][0-9]+}} max_rel_err=
// ASM-NOT: __truncsfbf2
// ASM: ret
func.func @softmax_bf16(%x: tensor<16x100xbf16>) -> tensor<16x100xbf16> {
  %y = qnk.softmax %x axis = 1 scale = 2.0 : tensor<16x100xbf16> -> tensor<16x100xbf16>
  return %y : tensor<16x100xbf16>
}

func.func @softmax_bf16_short(%x: tensor<7xbf16>) -> tensor<7xbf16> {
  %y = qnk.softmax %x axis = 0 : tensor<7xbf16> -> tensor<7xbf16>
  return %y : tensor<7xbf16>
}

func.func @softmax_bf16_tail(%x: tensor<3x13xbf16>) -> tensor<3x13xbf16> {
  %y = qnk.softmax %x axis = 1 : tensor<3x13xbf16> -> tensor<3x13xbf16>
  return %y : tensor<3x13xbf16>
}
