/*
 * gemm_int8_peers.c - single-threaded u8 x s8 -> s32 GEMM timings for QNK's
 * peer (oneDNN dnnl_gemm_u8s8s32), and the core's int8 instruction peaks.
 *
 *   gemm_int8_peers onednn M N K REPS [TARGET_S] [--b-range=full|7bit]
 * [--dump=DIR] gemm_int8_peers peak [SECONDS_PER_TEST]
 *
 * onednn: C[MxN] = A[MxK] * B[KxN], A uint8, B int8, C int32, all row-major,
 * through dnnl_gemm_u8s8s32('N', 'N', 'F', M, N, K, alpha=1, A, lda=K, ao=0,
 * B, ldb=N, bo=0, beta=0, C, ldc=N, co={0}) -- the same contraction as
 * `qnk.matmul` on tensor<MxKxui8>, tensor<KxNxi8> -> tensor<MxNxi32>.
 * REPS timed calls are made after warm-up; REPS <= 0 picks the count so that
 * the timed calls take about TARGET_S seconds (default 0.5 s). Each call is
 * timed on its own and the median is reported.
 *
 * Inputs are deterministic (splitmix64 of (seed << 32) + element index):
 * A is uniform over [0, 255]; B over [-128, 127] (--b-range=full, default)
 * or [-64, 63] (--b-range=7bit). 7-bit B matters on ISAs without VNNI:
 * oneDNN's AVX2 / AVX-512 (non-VNNI) kernels multiply with vpmaddubsw, which
 * adds two u8*s8 products into an int16 with saturation; |a0*b0 + a1*b1| <=
 * 2 * 255 * 64 = 32640 fits int16 only when |b| <= 64. --dump=DIR writes
 * A, B and C as .npy files (uint8 / int8 / int32, C order) to DIR, so that
 * another program (qnk-run --input) gets the very same matrices and its
 * result can be compared with C bit for bit.
 *
 * The result is checked against an exact int64 reference at 256 sampled
 * entries (spot_mismatches); the driver compares the full C.
 *
 * Output: one JSON line
 *   {"lib":"onednn", "m", "n", "k", "reps", "median_ms", "min_ms", "gops",
 *    "checksum" (int64 sum of C), "spot_mismatches", "b_range", "isa",
 *    "threads":1, "info", "error"}
 * When the library cannot be used, median_ms/gops are null and "error" says
 * why; the exit status is still 0 so that drivers can carry on.
 *
 * peak: throughput of the int8 multiply-add instruction sequences the
 * kernels are built from, on independent accumulators (GOP/s, 1 MAC = 2 ops):
 *   vpmaddwd ymm + vpaddd          (QNK's AVX2 kernel: i16 pairs, 16 MAC)
 *   vpmaddubsw + vpmaddwd(1) + vpaddd ymm  (oneDNN's AVX2 kernel, 32 MAC)
 *   vpdpbusd ymm (AVX-VNNI) and zmm (AVX512-VNNI, 32 / 64 MAC)
 * Prints one JSON line {"clock_ghz", "<name>_gops", ...}.
 *
 * oneDNN is dlopen()ed (like gemm_peers.c does) so that OMP_NUM_THREADS /
 * DNNL_MAX_CPU_ISA etc. are in the environment before libgomp and oneDNN
 * initialise; dnnl.h only supplies the prototypes. The ISA oneDNN may use is
 * set by the caller through DNNL_MAX_CPU_ISA; the effective one is reported.
 *
 * Build: cc -O2 -Wall gemm_int8_peers.c -o gemm_int8_peers -ldl
 */
#define _GNU_SOURCE
#include "bench_common.h"
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dnnl.h>

static uint64_t mix(uint64_t seed, uint64_t i) {
  uint64_t z = (seed << 32) + i + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Write a 2-D C-order array as .npy (format 1.0). */
static int write_npy(const char *path, const char *descr, const void *data,
                     size_t elem, int rows, int cols) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  char hdr[128];
  int n =
      snprintf(hdr, sizeof hdr,
               "{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }",
               descr, rows, cols);
  int total = 10 + n + 1;
  int pad = (64 - total % 64) % 64;
  unsigned short hlen = (unsigned short)(n + pad + 1);
  fwrite("\x93NUMPY\x01\x00", 1, 8, f);
  fputc(hlen & 0xff, f);
  fputc(hlen >> 8, f);
  fwrite(hdr, 1, n, f);
  for (int i = 0; i < pad; ++i)
    fputc(' ', f);
  fputc('\n', f);
  size_t cnt = (size_t)rows * cols;
  int ok = fwrite(data, elem, cnt, f) == cnt;
  return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* ------------------------------------------------------------------------ */
/* oneDNN                                                                    */
/* ------------------------------------------------------------------------ */

static char g_info[512];
static char g_err[1024];
static __typeof__(&dnnl_gemm_u8s8s32) p_gemm;

static const char *onednn_init(const char **isa_out) {
  static const char *const names[] = {"libdnnl.so.2", "libdnnl.so", NULL};
  const char *ov = getenv("GEMM_PEERS_DNNL_SO");
  void *h = NULL;
  g_err[0] = 0;
  for (const char *const *n = names; !h && *n; ++n) {
    const char *name = (ov && *ov) ? ov : *n;
    h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      size_t used = strlen(g_err);
      snprintf(g_err + used, sizeof g_err - used, "%sdlopen(%s): %s",
               used ? "; " : "", name, dlerror());
    }
    if (ov && *ov)
      break;
  }
  if (!h)
    return g_err;
  p_gemm = (__typeof__(p_gemm))dlsym(h, "dnnl_gemm_u8s8s32");
  __typeof__(&dnnl_version) version =
      (__typeof__(version))dlsym(h, "dnnl_version");
  __typeof__(&dnnl_get_effective_cpu_isa) eff_isa =
      (__typeof__(eff_isa))dlsym(h, "dnnl_get_effective_cpu_isa");
  /* The Debian build uses the OpenMP runtime (libgomp), pulled in by dlopen. */
  void (*omp_set)(int) = (void (*)(int))dlsym(h, "omp_set_num_threads");
  int (*omp_get)(void) = (int (*)(void))dlsym(h, "omp_get_max_threads");
  if (!p_gemm)
    return "libdnnl has no dnnl_gemm_u8s8s32";
  if (omp_set)
    omp_set(1);
  const dnnl_version_t *v = version ? version() : NULL;
  *isa_out = eff_isa ? dnnl_isa_name(eff_isa()) : "?";
  const char *max_isa = getenv("DNNL_MAX_CPU_ISA");
  snprintf(g_info, sizeof g_info,
           "version=%d.%d.%d; cpu_runtime=%u; isa=%s; DNNL_MAX_CPU_ISA=%s; "
           "omp_max_threads=%d",
           v ? v->major : -1, v ? v->minor : -1, v ? v->patch : -1,
           v ? v->cpu_runtime : 0, *isa_out, max_isa ? max_isa : "(unset)",
           omp_get ? omp_get() : -1);
  return NULL;
}

typedef struct {
  int m, n, k;
  const uint8_t *a;
  const int8_t *b;
  int32_t *c;
} problem_t;

static int g_status; /* last non-success dnnl_status_t */

static void onednn_gemm(const problem_t *p) {
  static const int32_t co = 0;
  dnnl_status_t st = p_gemm('N', 'N', 'F', p->m, p->n, p->k, 1.0f, p->a, p->k,
                            0, p->b, p->n, 0, 0.0f, p->c, p->n, &co);
  if (st != dnnl_success)
    g_status = (int)st;
}

static void print_result(int m, int n, int k, int reps, double med, double mn,
                         long long checksum, int mism, const char *brange,
                         const char *isa, const char *err) {
  printf("{\"lib\":\"onednn\",\"m\":%d,\"n\":%d,\"k\":%d,", m, n, k);
  if (err) {
    printf("\"reps\":0,\"median_ms\":null,\"min_ms\":null,\"gops\":null,"
           "\"checksum\":null,"
           "\"spot_mismatches\":null,");
  } else {
    double gops = 2.0 * m * n * (double)k / (med * 1e-3) * 1e-9;
    printf("\"reps\":%d,\"median_ms\":%.6g,\"min_ms\":%.6g,\"gops\":%.4f,"
           "\"checksum\":%lld,"
           "\"spot_mismatches\":%d,",
           reps, med, mn, gops, checksum, mism);
  }
  printf("\"b_range\":\"%s\",\"isa\":", brange);
  json_str(isa);
  printf(",\"threads\":1,\"info\":");
  json_str(g_info[0] ? g_info : NULL);
  printf(",\"error\":");
  json_str(err);
  printf("}\n");
  fflush(stdout);
}

static int run_onednn(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr,
            "usage: %s onednn M N K REPS [TARGET_S] [--b-range=full|7bit] "
            "[--dump=DIR]\n",
            argv[0]);
    return 1;
  }
  const int m = atoi(argv[2]), n = atoi(argv[3]), k = atoi(argv[4]);
  int reps = atoi(argv[5]);
  double target_s = 0.5;
  const char *brange = "full", *dump = NULL;
  for (int i = 6; i < argc; ++i) {
    if (!strncmp(argv[i], "--b-range=", 10))
      brange = argv[i] + 10;
    else if (!strncmp(argv[i], "--dump=", 7))
      dump = argv[i] + 7;
    else
      target_s = atof(argv[i]);
  }
  if (m <= 0 || n <= 0 || k <= 0) {
    fprintf(stderr, "bad shape\n");
    return 1;
  }
  const int seven = !strcmp(brange, "7bit");
  if (!seven && strcmp(brange, "full")) {
    fprintf(stderr, "bad --b-range\n");
    return 1;
  }

  /* Single thread, before libgomp / oneDNN read their environment. */
  setenv("OMP_NUM_THREADS", "1", 1);
  setenv("DNNL_MAX_THREADS", "1", 1);
  setenv("ONEDNN_MAX_THREADS", "1", 1);

  const char *isa = NULL;
  const char *err = onednn_init(&isa);
  if (err) {
    print_result(m, n, k, 0, 0, 0, 0, 0, brange, isa, err);
    return 0;
  }

  uint8_t *a = xalloc((size_t)m * k);
  int8_t *b = xalloc((size_t)k * n);
  int32_t *c = xalloc(sizeof(int32_t) * (size_t)m * n);
  for (size_t i = 0; i < (size_t)m * k; ++i)
    a[i] = (uint8_t)(mix(1, i) >> 56);
  for (size_t i = 0; i < (size_t)k * n; ++i)
    b[i] = seven ? (int8_t)((int)(mix(2, i) >> 57) - 64)
                 : (int8_t)((int)(mix(2, i) >> 56) - 128);
  memset(c, 0x5a,
         sizeof(int32_t) * (size_t)m * n); /* beta = 0 must overwrite this */
  problem_t p = {m, n, k, a, b, c};

  /* Warm-up (first calls allocate pack buffers, page in the data). */
  for (int w = 0; w < 3; ++w)
    onednn_gemm(&p);
  if (g_status) {
    snprintf(g_err, sizeof g_err, "dnnl_gemm_u8s8s32 returned status %d",
             g_status);
    print_result(m, n, k, 0, 0, 0, 0, 0, brange, isa, g_err);
    return 0;
  }
  /* Calibration (also warm-up): calls for ~50 ms to estimate one call. */
  double t0 = now_s(), t_el;
  int ncal = 0;
  do {
    onednn_gemm(&p);
    ++ncal;
    t_el = now_s() - t0;
  } while (t_el < 0.05 && ncal < 100000);
  if (reps <= 0) {
    double r = target_s / (t_el / ncal);
    reps = r < 5 ? 5 : r > 200000 ? 200000 : (int)r;
  }
  double *ts = malloc(sizeof(double) * reps);
  for (int r = 0; r < reps; ++r) {
    double s = now_s();
    onednn_gemm(&p);
    ts[r] = now_s() - s;
  }
  qsort(ts, reps, sizeof(double), cmp_double);
  const double med_ms =
      1e3 * (reps % 2 ? ts[reps / 2] : 0.5 * (ts[reps / 2 - 1] + ts[reps / 2]));

  long long checksum = 0;
  for (size_t i = 0; i < (size_t)m * n; ++i)
    checksum += c[i];
  int mism = 0;
  uint64_t s = 12345;
  for (int t = 0; t < 256; ++t) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    int i = (int)((s >> 33) % (uint64_t)m), j = (int)((s >> 13) % (uint64_t)n);
    int64_t ref = 0;
    for (int q = 0; q < k; ++q)
      ref += (int64_t)a[(size_t)i * k + q] * b[(size_t)q * n + j];
    if ((int32_t)ref != c[(size_t)i * n + j])
      ++mism;
  }
  if (dump) {
    char path[4096];
    int bad = 0;
    snprintf(path, sizeof path, "%s/a.npy", dump);
    bad |= write_npy(path, "|u1", a, 1, m, k);
    snprintf(path, sizeof path, "%s/b.npy", dump);
    bad |= write_npy(path, "|i1", b, 1, k, n);
    snprintf(path, sizeof path, "%s/c_onednn.npy", dump);
    bad |= write_npy(path, "<i4", c, 4, m, n);
    if (bad) {
      snprintf(g_err, sizeof g_err, "could not write .npy files to %s", dump);
      print_result(m, n, k, 0, 0, 0, 0, 0, brange, isa, g_err);
      return 0;
    }
  }
  if (g_status) {
    snprintf(g_err, sizeof g_err, "dnnl_gemm_u8s8s32 returned status %d",
             g_status);
    print_result(m, n, k, 0, 0, 0, 0, 0, brange, isa, g_err);
  } else {
    print_result(m, n, k, reps, med_ms, 1e3 * ts[0], checksum, mism, brange,
                 isa, NULL);
  }
  free(ts);
  free(a);
  free(b);
  free(c);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* int8 instruction peaks                                                    */
/* ------------------------------------------------------------------------ */

/*
 * Each loop body is fixed-register inline asm on independent accumulators
 * (more than latency x pipes). mac_per_iter is the number of u8/s8 (or i16)
 * multiply-adds one iteration performs; GOP/s = 2 * MAC / s.
 */
#define PMW(t, acc)                                                            \
  "vpmaddwd %%ymm15, %%ymm14, %%ymm" #t "\n\tvpaddd %%ymm" #t ", %%ymm" #acc   \
  ", %%ymm" #acc "\n\t"
#define UBS(t, acc)                                                            \
  "vpmaddubsw %%ymm15, %%ymm14, %%ymm" #t "\n\tvpmaddwd %%ymm13, %%ymm" #t     \
  ", %%ymm" #t "\n\tvpaddd %%ymm" #t ", %%ymm" #acc ", %%ymm" #acc "\n\t"
#define DPY(r) "%{vex%} vpdpbusd %%ymm15, %%ymm14, %%ymm" #r "\n\t"
#define DPZ(r) "vpdpbusd %%zmm31, %%zmm30, %%zmm" #r "\n\t"

__attribute__((target("avx2"))) static void loop_pmaddwd(uint64_t n) {
  __asm__ volatile(
      "vpcmpeqd %%ymm14, %%ymm14, %%ymm14\n\tvpabsw %%ymm14, %%ymm15\n\t"
      "1:\n\t" PMW(0, 6) PMW(1, 7) PMW(2, 8) PMW(3, 9) PMW(4, 10)
          PMW(5, 11) "dec %0\n\tjnz 1b\n\tvzeroupper\n\t"
      : "+r"(n)
      :
      : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
        "xmm8", "xmm9", "xmm10", "xmm11", "xmm14", "xmm15");
}
__attribute__((target("avx2"))) static void loop_maddubsw(uint64_t n) {
  __asm__ volatile(
      "vpcmpeqd %%ymm14, %%ymm14, %%ymm14\n\tvpabsb %%ymm14, %%ymm15\n\t"
      "vpabsw %%ymm14, %%ymm13\n\t"
      "1:\n\t" UBS(0, 6) UBS(1, 7) UBS(2, 8) UBS(3, 9) UBS(4, 10)
          UBS(5, 11) "dec %0\n\tjnz 1b\n\tvzeroupper\n\t"
      : "+r"(n)
      :
      : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
        "xmm8", "xmm9", "xmm10", "xmm11", "xmm13", "xmm14", "xmm15");
}
__attribute__((target("avx2,avxvnni"))) static void loop_dpbusd_y(uint64_t n) {
  __asm__ volatile(
      "vpcmpeqd %%ymm14, %%ymm14, %%ymm14\n\tvpabsb %%ymm14, %%ymm15\n\t"
      "1:\n\t" DPY(0) DPY(1) DPY(2) DPY(3) DPY(4) DPY(5) DPY(6) DPY(7) DPY(8)
          DPY(9) DPY(10) DPY(11) "dec %0\n\tjnz 1b\n\tvzeroupper\n\t"
      : "+r"(n)
      :
      : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
        "xmm8", "xmm9", "xmm10", "xmm11", "xmm14", "xmm15");
}
__attribute__((target("avx512f,avx512vnni"))) static void
loop_dpbusd_z(uint64_t n) {
  __asm__ volatile("vpternlogd $0xff, %%zmm30, %%zmm30, %%zmm30\n\tvpabsb "
                   "%%zmm30, %%zmm31\n\t"
                   "1:\n\t" DPZ(0) DPZ(1) DPZ(2) DPZ(3) DPZ(4) DPZ(5) DPZ(6)
                       DPZ(7) DPZ(8) DPZ(9) DPZ(10) DPZ(11) DPZ(12) DPZ(13)
                           DPZ(14) DPZ(15) "dec %0\n\tjnz 1b\n\t"
                                           "vzeroupper\n\t"
                   : "+r"(n)
                   :
                   : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
                     "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
                     "xmm13", "xmm14", "xmm15", "xmm30", "xmm31");
}

static double peak_gops(void (*loop)(uint64_t), double mac_per_iter,
                        double seconds) {
  loop(1000); /* warm up */
  return best_rate(loop, 2.0 * mac_per_iter, seconds, 10000) * 1e-9;
}

static int run_peak(int argc, char **argv) {
  const double sec = argc > 2 ? atof(argv[2]) : 0.2;
  __builtin_cpu_init();
  const double ghz = measure_clock_ghz(sec);
  printf("{\"clock_ghz\":%.4f", ghz);
  struct {
    const char *name;
    void (*loop)(uint64_t);
    double mac;
    int ok;
  } tests[] = {
      {"pmaddwd_ymm", loop_pmaddwd, 6 * 16, __builtin_cpu_supports("avx2")},
      {"maddubsw_ymm", loop_maddubsw, 6 * 32, __builtin_cpu_supports("avx2")},
      {"dpbusd_ymm", loop_dpbusd_y, 12 * 32, __builtin_cpu_supports("avxvnni")},
      {"dpbusd_zmm", loop_dpbusd_z, 16 * 64,
       __builtin_cpu_supports("avx512vnni")},
  };
  for (size_t i = 0; i < sizeof tests / sizeof *tests; ++i) {
    if (!tests[i].ok) {
      printf(",\"%s_gops\":null", tests[i].name);
      continue;
    }
    double g = peak_gops(tests[i].loop, tests[i].mac, sec);
    printf(",\"%s_gops\":%.2f,\"%s_mac_per_cycle\":%.2f", tests[i].name, g,
           tests[i].name, g / 2.0 / ghz);
  }
  printf("}\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "peak"))
    return run_peak(argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "onednn"))
    return run_onednn(argc, argv);
  fprintf(stderr,
          "usage: %s onednn M N K REPS [TARGET_S] [--b-range=full|7bit] "
          "[--dump=DIR]\n"
          "       %s peak [SECONDS_PER_TEST]\n",
          argv[0], argv[0]);
  return 1;
}
