/* Helpers shared by the C benchmark peers: timing, medians, aligned
 * buffers, JSON strings, the core clock and oneDNN's ISA names. */
#ifndef QNK_BENCH_COMMON_H
#define QNK_BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* qsort comparator for medians. */
static inline int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* 64-byte aligned, rounded up to whole cache lines; exits when out of
 * memory. */
static inline void *xalloc(size_t bytes) {
  bytes = (bytes + 63) & ~(size_t)63;
  void *p = aligned_alloc(64, bytes ? bytes : 64);
  if (!p) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  return p;
}

/* A JSON string (or null) for free-form "info" / "error" fields. */
static inline void json_str(const char *s) {
  if (!s) {
    fputs("null", stdout);
    return;
  }
  putchar('"');
  for (; *s; ++s) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      putchar('\\');
      putchar(c);
    } else if (c < 0x20)
      printf("\\u%04x", c);
    else
      putchar(c);
  }
  putchar('"');
}

/* The best rate, in work units per second, of `loop(iters)` over runs of
 * doubling iteration counts (from `start_iters`) until one run takes
 * `seconds`. */
static inline double best_rate(void (*loop)(uint64_t), double work_per_iter,
                               double seconds, uint64_t start_iters) {
  uint64_t iters = start_iters;
  double best = 0;
  for (;;) {
    double t0 = now_s();
    loop(iters);
    double t = now_s() - t0;
    double rate = work_per_iter * (double)iters / t;
    if (rate > best)
      best = rate;
    if (t > seconds)
      break;
    iters *= 2;
  }
  return best;
}

/* 20 dependent adds (1 cycle each) per iteration; the loop counter runs in
 * parallel. */
static inline void qnk_clock_loop(uint64_t n) {
  uint64_t x = 0;
#define QNK_ADD5                                                               \
  "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
  __asm__ volatile("1:\n\t" QNK_ADD5 QNK_ADD5 QNK_ADD5 QNK_ADD5
                   "dec %1\n\tjnz 1b\n\t"
                   : "+r"(x), "+r"(n)
                   :
                   : "cc");
#undef QNK_ADD5
}

/* The core clock in GHz: adds per second of a dependent chain. */
static inline double measure_clock_ghz(double seconds) {
  return best_rate(qnk_clock_loop, 20.0, seconds, 1000000) * 1e-9;
}

/* oneDNN's dnnl_cpu_isa_t values (2.x), by name. */
static inline const char *dnnl_isa_name(int isa) {
  switch (isa) {
  case 0x0:
    return "all";
  case 0x1:
    return "sse41";
  case 0x3:
    return "avx";
  case 0x7:
    return "avx2";
  case 0xf:
    return "avx512_mic";
  case 0x1f:
    return "avx512_mic_4ops";
  case 0x27:
    return "avx512_core";
  case 0x67:
    return "avx512_core_vnni";
  case 0xe7:
    return "avx512_core_bf16";
  case 0x3e7:
    return "avx512_core_amx";
  case 0x407:
    return "avx2_vnni";
  default:
    return "other";
  }
}

#endif
