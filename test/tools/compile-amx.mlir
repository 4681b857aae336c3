// AMX kernels ahead of time: the header offers the tile-state request that
// Linux needs before the first tile instruction, and the code is AMX.
// RUN: rm -rf %t && mkdir -p %t
// RUN: qnk-compile %s -e mm --target=sapphirerapids -o %t/mm.o --header=%t/mm.h
// RUN: FileCheck %s --check-prefix=HEADER < %t/mm.h
// RUN: qnk-compile %s -e mm --target=sapphirerapids -S -o %t/mm.s
// RUN: FileCheck %s --check-prefix=ASM < %t/mm.s
// RUN: qnk-compile %s -e mm --target=skylake-avx512 -o %t/skx.o --header=%t/skx.h
// RUN: FileCheck %s --check-prefix=NOAMX < %t/skx.h
// HEADER: static inline int qnk_request_amx(void) {
// HEADER:   return (int)syscall(SYS_arch_prctl, 0x1023
// HEADER: void mm(const uint16_t *arg0, const uint16_t *arg1, float *result0);
// ASM: ldtilecfg
// ASM: tdpbf16ps
// NOAMX-NOT: qnk_request_amx
func.func @mm(%a: tensor<64x96xbf16>, %b: tensor<96x40xbf16>) -> tensor<64x40xf32> {
  %c = qnk.matmul %a, %b : tensor<64x96xbf16>, tensor<96x40xbf16> -> tensor<64x40xf32>
  return %c : tensor<64x40xf32>
}
