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

// Epilogues on AMX: the tiles of a block are stored to the L1 scratch block
// and each row's vectors are scaled, biased and passed through relu on
// their way to C (no element-wise pass over C after the kernel).
// RUN: qnk-compile %s -e mm_epilogue --target=sapphirerapids -S -o %t/epi.s
// RUN: FileCheck %s --check-prefix=EPI < %t/epi.s
// RUN: qnk-opt %s --qnk-cpu-pipeline=target=sapphirerapids --mlir-print-ir-after=qnk-compose-nanokernels 2>&1 >/dev/null | FileCheck %s --check-prefix=EPI-IR
// EPI: tdpbssd
// EPI: tilestored
// EPI: vcvtdq2ps
// EPI: vmulps
// EPI: vaddps
// EPI: vmaxps
// EPI-IR-LABEL: func.func @mm_epilogue
// EPI-IR-NOT: linalg.generic
// EPI-IR: amx.tile_muli
// EPI-IR: arith.maximumf {{.*}} : vector<16xf32>
// EPI-IR-NOT: linalg.generic
// EPI-IR: return
func.func @mm(%a: tensor<64x96xbf16>, %b: tensor<96x40xbf16>) -> tensor<64x40xf32> {
  %c = qnk.matmul %a, %b : tensor<64x96xbf16>, tensor<96x40xbf16> -> tensor<64x40xf32>
  return %c : tensor<64x40xf32>
}

func.func @mm_epilogue(%a: tensor<64x96xi8>, %b: tensor<96x40xi8>, %sa: tensor<64xf32>, %sb: tensor<40xf32>, %bias: tensor<40xf32>) -> tensor<64x40xf32> {
  %c = qnk.matmul %a, %b dequantize(%sa, %sb : tensor<64xf32>, tensor<40xf32>) bias(%bias : tensor<40xf32>) activation(relu) : tensor<64x96xi8>, tensor<96x40xi8> -> tensor<64x40xf32>
  return %c : tensor<64x40xf32>
}
