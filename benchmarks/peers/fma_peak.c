/*
 * fma_peak.c - measured single-core f32 peak and core clock.
 *
 *   fma_peak [SECONDS_PER_TEST]
 *
 * Prints one JSON line:
 *   {"clock_ghz": ..., "fma256_gflops": ..., "fma512_gflops": ...,
 *    "fma256_flop_per_cycle": ..., "fma512_flop_per_cycle": ...}
 *
 * - Clock: a chain of dependent 64-bit integer adds (1 cycle latency each on
 *   every x86 core of the last decade) is timed; adds / second = cycles /
 *   second. This measures the clock the core actually runs at under load
 *   (turbo included), which /proc/cpuinfo "cpu MHz" does not show in a VM.
 * - FMA peak: independent accumulators (more than FMA latency x number of
 *   FMA pipes) each doing acc = acc * x + y, with 256-bit (AVX2/FMA) and
 *   512-bit (AVX-512F) vectors. One FMA = 2 FLOP per lane. The best of
 *   several timed runs is reported.
 *
 * Build: cc -O2 -mavx2 -mfma -mavx512f fma_peak.c -o fma_peak
 * The 512-bit test is skipped (reported null) when the CPU lacks avx512f.
 */
#include "bench_common.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/*
 * The FMA loops are written in inline asm with fixed registers so that the
 * compiler cannot spill the accumulators or restructure the chains.
 * 256-bit: 12 accumulators (ymm0-11), x in ymm14, y in ymm15.
 * 512-bit: 24 accumulators (zmm0-23), x in zmm30, y in zmm31.
 * Both exceed latency x FMA pipes (4 x 2 = 8) on current x86 cores.
 */
#define F256(r) "vfmadd213ps %%ymm15, %%ymm14, %%ymm" #r "\n\t"
#define F512(r) "vfmadd213ps %%zmm31, %%zmm30, %%zmm" #r "\n\t"

static const float fma_x = 0.999999f, fma_y = 1e-7f;

/* 12 independent 256-bit FMA chains per iteration. */
__attribute__((target("avx2,fma"))) static void fma256_loop(uint64_t n) {
  const float x = fma_x, y = fma_y;
  __asm__ volatile(
      "vbroadcastss %1, %%ymm14\n\t"
      "vbroadcastss %2, %%ymm15\n\t"
      "vxorps %%ymm0, %%ymm0, %%ymm0\n\tvxorps %%ymm1, %%ymm1, %%ymm1\n\t"
      "vxorps %%ymm2, %%ymm2, %%ymm2\n\tvxorps %%ymm3, %%ymm3, %%ymm3\n\t"
      "vxorps %%ymm4, %%ymm4, %%ymm4\n\tvxorps %%ymm5, %%ymm5, %%ymm5\n\t"
      "vxorps %%ymm6, %%ymm6, %%ymm6\n\tvxorps %%ymm7, %%ymm7, %%ymm7\n\t"
      "vxorps %%ymm8, %%ymm8, %%ymm8\n\tvxorps %%ymm9, %%ymm9, %%ymm9\n\t"
      "vxorps %%ymm10, %%ymm10, %%ymm10\n\tvxorps %%ymm11, %%ymm11, "
      "%%ymm11\n\t"
      "1:\n\t" F256(0) F256(1) F256(2) F256(3) F256(4) F256(5) F256(6) F256(7)
          F256(8) F256(9) F256(10) F256(11) "dec %0\n\tjnz 1b\n\t"
                                            "vzeroupper\n\t"
      : "+r"(n)
      : "m"(x), "m"(y)
      : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
        "xmm8", "xmm9", "xmm10", "xmm11", "xmm14", "xmm15");
}

/* 24 independent 512-bit FMA chains per iteration. */
__attribute__((target("avx512f"))) static void fma512_loop(uint64_t n) {
  const float x = fma_x, y = fma_y;
  __asm__ volatile(
      "vbroadcastss %1, %%zmm30\n\t"
      "vbroadcastss %2, %%zmm31\n\t"
      "vpxord %%zmm0, %%zmm0, %%zmm0\n\tvpxord %%zmm1, %%zmm1, %%zmm1\n\t"
      "vpxord %%zmm2, %%zmm2, %%zmm2\n\tvpxord %%zmm3, %%zmm3, %%zmm3\n\t"
      "vpxord %%zmm4, %%zmm4, %%zmm4\n\tvpxord %%zmm5, %%zmm5, %%zmm5\n\t"
      "vpxord %%zmm6, %%zmm6, %%zmm6\n\tvpxord %%zmm7, %%zmm7, %%zmm7\n\t"
      "vpxord %%zmm8, %%zmm8, %%zmm8\n\tvpxord %%zmm9, %%zmm9, %%zmm9\n\t"
      "vpxord %%zmm10, %%zmm10, %%zmm10\n\tvpxord %%zmm11, %%zmm11, "
      "%%zmm11\n\t"
      "vpxord %%zmm12, %%zmm12, %%zmm12\n\tvpxord %%zmm13, %%zmm13, "
      "%%zmm13\n\t"
      "vpxord %%zmm14, %%zmm14, %%zmm14\n\tvpxord %%zmm15, %%zmm15, "
      "%%zmm15\n\t"
      "vpxord %%zmm16, %%zmm16, %%zmm16\n\tvpxord %%zmm17, %%zmm17, "
      "%%zmm17\n\t"
      "vpxord %%zmm18, %%zmm18, %%zmm18\n\tvpxord %%zmm19, %%zmm19, "
      "%%zmm19\n\t"
      "vpxord %%zmm20, %%zmm20, %%zmm20\n\tvpxord %%zmm21, %%zmm21, "
      "%%zmm21\n\t"
      "vpxord %%zmm22, %%zmm22, %%zmm22\n\tvpxord %%zmm23, %%zmm23, "
      "%%zmm23\n\t"
      "1:\n\t" F512(0) F512(1) F512(2) F512(3) F512(4) F512(5) F512(6) F512(7)
          F512(8) F512(9) F512(10) F512(11) F512(12) F512(13) F512(14) F512(15)
              F512(16) F512(17) F512(18) F512(19) F512(20) F512(21) F512(22)
                  F512(23) "dec %0\n\tjnz 1b\n\t"
                           "vzeroupper\n\t"
      : "+r"(n)
      : "m"(x), "m"(y)
      : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
        "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
        "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23",
        "xmm30", "xmm31");
}

int main(int argc, char **argv) {
  double secs = argc > 1 ? atof(argv[1]) : 0.3;
  __builtin_cpu_init();
  double ghz = measure_clock_ghz(secs);
  /* One FMA = 2 FLOP per lane. */
  double g256 = __builtin_cpu_supports("fma")
                    ? best_rate(fma256_loop, 12 * 8 * 2, secs, 100000) * 1e-9
                    : -1;
  double g512 = __builtin_cpu_supports("avx512f")
                    ? best_rate(fma512_loop, 24 * 16 * 2, secs, 100000) * 1e-9
                    : -1;
  double ghz2 = measure_clock_ghz(secs); /* clock again, after the FMA load */
  if (ghz2 > ghz)
    ghz = ghz2;
  printf("{\"clock_ghz\":%.4f,", ghz);
  if (g256 > 0)
    printf("\"fma256_gflops\":%.3f,\"fma256_flop_per_cycle\":%.2f,", g256,
           g256 / ghz);
  else
    printf("\"fma256_gflops\":null,\"fma256_flop_per_cycle\":null,");
  if (g512 > 0)
    printf("\"fma512_gflops\":%.3f,\"fma512_flop_per_cycle\":%.2f}\n", g512,
           g512 / ghz);
  else
    printf("\"fma512_gflops\":null,\"fma512_flop_per_cycle\":null}\n");
  return 0;
}
