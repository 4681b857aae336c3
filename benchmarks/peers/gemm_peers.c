/*
 * gemm_peers.c - single-threaded f32 GEMM timings for QNK's peer libraries.
 *
 *   gemm_peers LIB M N K REPS [TARGET_S]
 *
 * LIB is one of: openblas, blis, onednn, libxsmm.
 * Computes C[MxN] = A[MxK] * B[KxN] (row-major, f32, alpha=1, beta=0), the
 * same contraction as `linalg.matmul` on tensor<MxKxf32>, tensor<KxNxf32>.
 * REPS timed calls are made after warm-up; REPS <= 0 picks the count so that
 * the timed calls take about TARGET_S seconds (default 0.5 s). Each call is
 * timed on its own and the median is reported.
 *
 * Output: one JSON line
 *   {"lib":..., "m":..., "n":..., "k":..., "reps":..., "median_ms":...,
 *    "min_ms":..., "gflops":..., "checksum":..., "max_rel_err":...,
 *    "threads":1, "info":"...", "error":null}
 * When a library cannot be used, median_ms/gflops/checksum are null and
 * "error" says why; the exit status is still 0 so that drivers can carry on.
 *
 * Symbol clashes: OpenBLAS and BLIS both export cblas_sgemm/sgemm_, so the
 * shared libraries are not linked at all: the requested one is dlopen()ed
 * with RTLD_LOCAL and its entry points looked up with dlsym() on that handle.
 * Only one library is ever loaded per process. libxsmm is only shipped as a
 * static archive (Debian), so it is linked in when built with -DHAVE_LIBXSMM
 * (the driver tries that first and falls back to a build without it).
 *
 * Threads: OPENBLAS_NUM_THREADS, BLIS_NUM_THREADS, OMP_NUM_THREADS,
 * DNNL/ONEDNN_MAX_THREADS... are forced to 1 before any library is loaded,
 * and the libraries' own set-threads calls are made as well.
 */
#define _GNU_SOURCE
#include "bench_common.h"
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef HAVE_LIBXSMM
#include <libxsmm.h>
#endif

/* ------------------------------------------------------------------------ */
/* Small utilities                                                           */
/* ------------------------------------------------------------------------ */

/*
 * Deterministic inputs in [-1, 1): element i of a matrix is a hash
 * (splitmix64) of (seed << 32) + i, keeping 24 bits so the value is exact in
 * f32. Counter-based, so iree_matmul.py regenerates the very same matrices
 * with numpy and all peers' checksums are comparable.
 */
static void fill(float *p, size_t n, uint64_t seed) {
  for (size_t i = 0; i < n; ++i) {
    uint64_t z = (seed << 32) + i + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    p[i] = (float)((double)(z >> 40) * (1.0 / 16777216.0) * 2.0 - 1.0);
  }
}

/* ------------------------------------------------------------------------ */
/* Library back ends. Each provides init() (load + configure, returns NULL   */
/* on success or an error string) and gemm() (one C = A*B call).             */
/* ------------------------------------------------------------------------ */

typedef struct {
  int m, n, k;
  const float *a, *b;
  float *c;
} problem_t;

static char g_info[1024]; /* library version / kernel selection, for JSON */
static char g_err[1024];

/* dlopen the first loadable name out of a NULL-terminated list. */
static void *open_any(const char *const *names, const char *env_override) {
  const char *ov = getenv(env_override);
  if (ov && *ov) {
    void *h = dlopen(ov, RTLD_NOW | RTLD_LOCAL);
    if (!h)
      snprintf(g_err, sizeof g_err, "dlopen(%s): %s", ov, dlerror());
    return h;
  }
  g_err[0] = 0;
  for (const char *const *n = names; *n; ++n) {
    void *h = dlopen(*n, RTLD_NOW | RTLD_LOCAL);
    if (h)
      return h;
    size_t used = strlen(g_err);
    snprintf(g_err + used, sizeof g_err - used, "%sdlopen(%s): %s",
             used ? "; " : "", *n, dlerror());
  }
  return NULL;
}

/* --- OpenBLAS: cblas_sgemm ---------------------------------------------- */
enum { CblasRowMajor = 101, CblasNoTrans = 111 };
typedef void (*cblas_sgemm_t)(int, int, int, int, int, int, float,
                              const float *, int, const float *, int, float,
                              float *, int);
static cblas_sgemm_t p_cblas_sgemm;

static const char *openblas_init(void) {
  static const char *const names[] = {"libopenblas.so.0", "libopenblas.so",
                                      NULL};
  void *h = open_any(names, "GEMM_PEERS_OPENBLAS_SO");
  if (!h)
    return g_err;
  p_cblas_sgemm = (cblas_sgemm_t)dlsym(h, "cblas_sgemm");
  void (*set_threads)(int) =
      (void (*)(int))dlsym(h, "openblas_set_num_threads");
  int (*get_threads)(void) =
      (int (*)(void))dlsym(h, "openblas_get_num_threads");
  char *(*corename)(void) = (char *(*)(void))dlsym(h, "openblas_get_corename");
  char *(*config)(void) = (char *(*)(void))dlsym(h, "openblas_get_config");
  if (!p_cblas_sgemm || !corename)
    return "library lacks cblas_sgemm/openblas_get_corename";
  if (set_threads)
    set_threads(1);
  const char *ct = getenv("OPENBLAS_CORETYPE");
  snprintf(g_info, sizeof g_info,
           "corename=%s; config=%s; threads=%d; OPENBLAS_CORETYPE=%s",
           corename(), config ? config() : "?",
           get_threads ? get_threads() : -1, ct ? ct : "(unset)");
  return NULL;
}
static void openblas_gemm(const problem_t *p) {
  p_cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, p->m, p->n, p->k,
                1.0f, p->a, p->k, p->b, p->n, 0.0f, p->c, p->n);
}

/* --- BLIS: its CBLAS layer (cblas_sgemm -> bli_sgemm) ------------------- */
static const char *blis_init(void) {
  static const char *const names[] = {"libblis.so.4", "libblis.so",
                                      "libblis-mt.so.4", NULL};
  void *h = open_any(names, "GEMM_PEERS_BLIS_SO");
  if (!h)
    return g_err;
  p_cblas_sgemm = (cblas_sgemm_t)dlsym(h, "cblas_sgemm");
  void (*set_threads)(long) =
      (void (*)(long))dlsym(h, "bli_thread_set_num_threads");
  char *(*version)(void) =
      (char *(*)(void))dlsym(h, "bli_info_get_version_str");
  int (*arch_id)(void) = (int (*)(void))dlsym(h, "bli_arch_query_id");
  char *(*arch_str)(int) = (char *(*)(int))dlsym(h, "bli_arch_string");
  if (!p_cblas_sgemm)
    return "libblis has no cblas_sgemm (built without CBLAS)";
  if (set_threads)
    set_threads(1);
  const char *at = getenv("BLIS_ARCH_TYPE");
  snprintf(g_info, sizeof g_info, "version=%s; arch=%s; BLIS_ARCH_TYPE=%s",
           version ? version() : "?",
           (arch_id && arch_str) ? arch_str(arch_id()) : "?",
           at ? at : "(unset)");
  return NULL;
}
/* blis_gemm == openblas_gemm: both go through p_cblas_sgemm. */

/* --- oneDNN: dnnl_sgemm (row-major) ------------------------------------ */
typedef int (*dnnl_sgemm_t)(char, char, int64_t, int64_t, int64_t, float,
                            const float *, int64_t, const float *, int64_t,
                            float, float *, int64_t);
typedef struct {
  int major, minor, patch;
  const char *hash;
  unsigned cpu_rt, gpu_rt;
} dnnl_ver_t;
static dnnl_sgemm_t p_dnnl_sgemm;

static const char *onednn_init(void) {
  static const char *const names[] = {"libdnnl.so.3", "libdnnl.so.2",
                                      "libdnnl.so", NULL};
  void *h = open_any(names, "GEMM_PEERS_DNNL_SO");
  if (!h)
    return g_err;
  p_dnnl_sgemm = (dnnl_sgemm_t)dlsym(h, "dnnl_sgemm");
  const dnnl_ver_t *(*version)(void) =
      (const dnnl_ver_t *(*)(void))dlsym(h, "dnnl_version");
  int (*eff_isa)(void) = (int (*)(void))dlsym(h, "dnnl_get_effective_cpu_isa");
  /* The Debian build uses the OpenMP runtime (libgomp), pulled in by dlopen. */
  void (*omp_set)(int) = (void (*)(int))dlsym(h, "omp_set_num_threads");
  int (*omp_get)(void) = (int (*)(void))dlsym(h, "omp_get_max_threads");
  if (!p_dnnl_sgemm)
    return "libdnnl has no dnnl_sgemm";
  if (omp_set)
    omp_set(1);
  const dnnl_ver_t *v = version ? version() : NULL;
  int isa = eff_isa ? eff_isa() : -1;
  snprintf(g_info, sizeof g_info,
           "version=%d.%d.%d; cpu_runtime=%u; isa=%s; omp_max_threads=%d",
           v ? v->major : -1, v ? v->minor : -1, v ? v->patch : -1,
           v ? v->cpu_rt : 0, dnnl_isa_name(isa), omp_get ? omp_get() : -1);
  return NULL;
}
static void onednn_gemm(const problem_t *p) {
  p_dnnl_sgemm('N', 'N', p->m, p->n, p->k, 1.0f, p->a, p->k, p->b, p->n, 0.0f,
               p->c, p->n);
}

/* --- libxsmm: JIT-dispatched kernels ------------------------------------ */
/*
 * libxsmm is a small-matrix library: libxsmm_sgemm() hands anything above its
 * MNK threshold to a fallback BLAS, which would just measure that BLAS. To
 * give libxsmm its best *own* f32 GEMM we call JIT kernels from
 * libxsmm_smmdispatch() directly:
 *   - "direct": one kernel for the whole problem (small shapes only);
 *   - "tiled":  C is split into mb x nb blocks, K into kb chunks, one kernel
 *               per block (beta=0 for the first chunk, beta=1 after), operands
 *               read in place with their full leading dimensions;
 *   - "packed": as tiled, but each kb x mb panel of B is first copied into a
 *               contiguous buffer (GotoBLAS-style loop, libxsmm as the
 *               macro-kernel) to avoid strided cache/TLB conflicts.
 * A short search over a handful of such variants picks the fastest for the
 * shape; its name is reported in "info".
 * libxsmm is column-major: row-major C = A*B is column-major C^T = B^T A^T,
 * so the kernel's (m, n, k) = (N, M, K), its A = our B (ld N), its B = our A
 * (ld K), its C = our C (ld N).
 */
#ifdef HAVE_LIBXSMM
typedef struct {
  const char *kind;
  int mb, nb, kb;
} xsmm_variant_t;
static xsmm_variant_t g_xv;
static float *g_pack;     /* packing buffer for the "packed" variant */
static int g_xsmm_failed; /* a dispatch returned NULL */

#define XCACHE 64
static struct {
  int m, n, k, lda, ldb, ldc, beta;
  libxsmm_smmfunction f;
} g_xcache[XCACHE];
static int g_nx;

/* Dispatch (and memoise) a kernel; sets g_xsmm_failed on JIT failure. */
static libxsmm_smmfunction xkernel(int m, int n, int k, int lda, int ldb,
                                   int ldc, int beta) {
  for (int i = 0; i < g_nx; ++i)
    if (g_xcache[i].m == m && g_xcache[i].n == n && g_xcache[i].k == k &&
        g_xcache[i].lda == lda && g_xcache[i].ldb == ldb &&
        g_xcache[i].ldc == ldc && g_xcache[i].beta == beta)
      return g_xcache[i].f;
  const float alpha = 1.0f, fbeta = (float)beta;
  libxsmm_blasint la = lda, lb = ldb, lc = ldc;
  libxsmm_smmfunction f =
      libxsmm_smmdispatch(m, n, k, &la, &lb, &lc, &alpha, &fbeta, NULL, NULL);
  if (!f) {
    g_xsmm_failed = 1;
    return NULL;
  }
  if (g_nx < XCACHE) {
    g_xcache[g_nx].m = m;
    g_xcache[g_nx].n = n;
    g_xcache[g_nx].k = k;
    g_xcache[g_nx].lda = lda;
    g_xcache[g_nx].ldb = ldb;
    g_xcache[g_nx].ldc = ldc;
    g_xcache[g_nx].beta = beta;
    g_xcache[g_nx].f = f;
    ++g_nx;
  }
  return f;
}

static int imin(int a, int b) { return a < b ? a : b; }

static void libxsmm_gemm(const problem_t *p) {
  const int M = p->m, N = p->n, K = p->k;
  if (!strcmp(g_xv.kind, "direct")) {
    libxsmm_smmfunction f = xkernel(N, M, K, N, K, N, 0);
    if (f)
      f(p->b, p->a, p->c);
    return;
  }
  const int mb = g_xv.mb, nb = g_xv.nb, kb = g_xv.kb;
  if (!strcmp(g_xv.kind, "tiled")) {
    for (int j = 0; j < M; j += nb)   /* rows of C (kernel n) */
      for (int i = 0; i < N; i += mb) /* cols of C (kernel m) */
        for (int kk = 0; kk < K; kk += kb) {
          libxsmm_smmfunction f = xkernel(imin(mb, N - i), imin(nb, M - j),
                                          imin(kb, K - kk), N, K, N, kk > 0);
          if (!f)
            return;
          f(p->b + (size_t)kk * N + i, p->a + (size_t)j * K + kk,
            p->c + (size_t)j * N + i);
        }
    return;
  }
  /* packed */
  for (int kk = 0; kk < K; kk += kb) {
    const int kc = imin(kb, K - kk);
    for (int i = 0; i < N; i += mb) {
      const int mc = imin(mb, N - i);
      /* Copy B[kk:kk+kc, i:i+mc] (row-major, ld N) into g_pack (ld mc). */
      for (int r = 0; r < kc; ++r)
        memcpy(g_pack + (size_t)r * mc, p->b + (size_t)(kk + r) * N + i,
               sizeof(float) * mc);
      for (int j = 0; j < M; j += nb) {
        libxsmm_smmfunction f =
            xkernel(mc, imin(nb, M - j), kc, mc, K, N, kk > 0);
        if (!f)
          return;
        f(g_pack, p->a + (size_t)j * K + kk, p->c + (size_t)j * N + i);
      }
    }
  }
}

static const char *libxsmm_init_lib(void) {
  libxsmm_init();
  snprintf(g_info, sizeof g_info, "version=%s; target=%s",
           LIBXSMM_CONFIG_VERSION, libxsmm_get_target_arch());
  return NULL;
}

/* Pick the fastest variant for this problem (a few timed calls each). */
static void libxsmm_tune(const problem_t *p) {
  static const xsmm_variant_t cands[] = {
      {"direct", 0, 0, 0},      {"tiled", 64, 64, 256},
      {"tiled", 128, 32, 256},  {"tiled", 256, 64, 128},
      {"packed", 128, 64, 256}, {"packed", 256, 64, 256},
      {"packed", 64, 128, 512}, {"packed", 256, 128, 512},
  };
  const int M = p->m, N = p->n, K = p->k;
  size_t packmax = 0;
  for (size_t c = 0; c < sizeof cands / sizeof *cands; ++c)
    if (cands[c].mb * (size_t)cands[c].kb > packmax)
      packmax = cands[c].mb * (size_t)cands[c].kb;
  g_pack = xalloc(packmax * sizeof(float));
  double best = INFINITY;
  xsmm_variant_t bestv = cands[1];
  char tried[512] = "";
  for (size_t c = 0; c < sizeof cands / sizeof *cands; ++c) {
    xsmm_variant_t v = cands[c];
    if (!strcmp(v.kind, "direct") && (M > 512 || N > 512 || K > 512))
      continue;
    if (strcmp(v.kind, "direct")) {
      /* Skip variants whose blocks clip to an earlier candidate's. */
      v.mb = imin(v.mb, N);
      v.nb = imin(v.nb, M);
      v.kb = imin(v.kb, K);
      int dup = 0;
      for (size_t d = 1; d < c; ++d)
        if (!strcmp(cands[d].kind, v.kind) && imin(cands[d].mb, N) == v.mb &&
            imin(cands[d].nb, M) == v.nb && imin(cands[d].kb, K) == v.kb)
          dup = 1;
      if (dup)
        continue;
    }
    g_xv = v;
    g_xsmm_failed = 0;
    libxsmm_gemm(p); /* warm-up + JIT */
    if (g_xsmm_failed)
      continue;
    double t_best = INFINITY, t_total = 0;
    for (int r = 0; r < 5 && t_total < 0.05; ++r) {
      double t0 = now_s();
      libxsmm_gemm(p);
      double t = now_s() - t0;
      t_total += t;
      if (t < t_best)
        t_best = t;
    }
    size_t used = strlen(tried);
    snprintf(tried + used, sizeof tried - used, "%s%s(%d,%d,%d)=%.3gms",
             used ? " " : "", v.kind, v.mb, v.nb, v.kb, 1e3 * t_best);
    if (t_best < best) {
      best = t_best;
      bestv = v;
    }
  }
  g_xv = bestv;
  g_xsmm_failed = 0;
  size_t used = strlen(g_info);
  snprintf(g_info + used, sizeof g_info - used,
           "; variant=%s(mb=%d,nb=%d,kb=%d) [kernel m,n,k = N,M,K blocks]; "
           "tried: %s",
           bestv.kind, bestv.mb, bestv.nb, bestv.kb, tried);
}
#endif /* HAVE_LIBXSMM */

/* ------------------------------------------------------------------------ */
/* Driver                                                                    */
/* ------------------------------------------------------------------------ */

static void print_result(const char *lib, int m, int n, int k, int reps,
                         double med, double mn, double checksum, double relerr,
                         const char *err) {
  printf("{\"lib\":\"%s\",\"m\":%d,\"n\":%d,\"k\":%d,", lib, m, n, k);
  if (err) {
    printf("\"reps\":0,\"median_ms\":null,\"min_ms\":null,\"gflops\":null,"
           "\"checksum\":null,\"max_rel_err\":null,\"threads\":1,\"info\":");
    json_str(g_info[0] ? g_info : NULL);
    printf(",\"error\":");
    json_str(err);
  } else {
    double gflops = 2.0 * m * n * (double)k / (med * 1e-3) * 1e-9;
    printf("\"reps\":%d,\"median_ms\":%.6g,\"min_ms\":%.6g,\"gflops\":%.4f,"
           "\"checksum\":%.9g,\"max_rel_err\":%.3g,\"threads\":1,\"info\":",
           reps, med, mn, gflops, checksum, relerr);
    json_str(g_info);
    printf(",\"error\":null");
  }
  printf("}\n");
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr,
            "usage: %s LIB M N K REPS [TARGET_S]\n"
            "  LIB: openblas | blis | onednn | libxsmm\n"
            "  REPS<=0: choose repetitions for ~TARGET_S s (default 0.5)\n",
            argv[0]);
    return 1;
  }
  const char *lib = argv[1];
  const int m = atoi(argv[2]), n = atoi(argv[3]), k = atoi(argv[4]);
  int reps = atoi(argv[5]);
  const double target_s = argc > 6 ? atof(argv[6]) : 0.5;
  if (m <= 0 || n <= 0 || k <= 0) {
    fprintf(stderr, "bad shape\n");
    return 1;
  }

  /* Single thread everywhere, before any runtime reads its environment. */
  setenv("OPENBLAS_NUM_THREADS", "1", 1);
  setenv("BLIS_NUM_THREADS", "1", 1);
  setenv("OMP_NUM_THREADS", "1", 1);
  setenv("DNNL_MAX_THREADS", "1", 1);
  setenv("ONEDNN_MAX_THREADS", "1", 1);
  setenv("LIBXSMM_NTHREADS", "1", 1);

  const char *err = NULL;
  void (*gemm)(const problem_t *) = NULL;
  if (!strcmp(lib, "openblas")) {
    err = openblas_init();
    gemm = openblas_gemm;
  } else if (!strcmp(lib, "blis")) {
    err = blis_init();
    gemm = openblas_gemm;
  } else if (!strcmp(lib, "onednn")) {
    err = onednn_init();
    gemm = onednn_gemm;
  } else if (!strcmp(lib, "libxsmm")) {
#ifdef HAVE_LIBXSMM
    err = libxsmm_init_lib();
    gemm = libxsmm_gemm;
#else
    err = "gemm_peers was built without libxsmm (libxsmm.h / libxsmm.a not "
          "found at build time)";
#endif
  } else {
    err = "unknown LIB (expected openblas, blis, onednn or libxsmm)";
  }
  if (err) {
    print_result(lib, m, n, k, 0, 0, 0, 0, 0, err);
    return 0;
  }

  problem_t p = {m, n, k, NULL, NULL, NULL};
  float *a = xalloc((size_t)m * k * sizeof(float)),
        *b = xalloc((size_t)k * n * sizeof(float)),
        *c = xalloc((size_t)m * n * sizeof(float));
  fill(a, (size_t)m * k, 1);
  fill(b, (size_t)k * n, 2);
  memset(c, 0, sizeof(float) * (size_t)m * n);
  p.a = a;
  p.b = b;
  p.c = c;

#ifdef HAVE_LIBXSMM
  if (!strcmp(lib, "libxsmm")) {
    libxsmm_tune(&p);
    if (g_xsmm_failed) {
      print_result(lib, m, n, k, 0, 0, 0, 0, 0,
                   "libxsmm_smmdispatch returned NULL (no JIT kernel)");
      return 0;
    }
  }
#endif

  /* Warm-up: first calls allocate pack buffers / JIT / page in the data. */
  for (int w = 0; w < 3; ++w)
    gemm(&p);
  /* Calibration (also warm-up): calls for ~50 ms to estimate one call. */
  double t0 = now_s(), t_el;
  int ncal = 0;
  do {
    gemm(&p);
    ++ncal;
    t_el = now_s() - t0;
  } while (t_el < 0.05 && ncal < 100000);
  const double t_call = t_el / ncal;
  if (reps <= 0) {
    double r = target_s / t_call;
    reps = r < 5 ? 5 : r > 200000 ? 200000 : (int)r;
  }

  /* Timed calls: each one timed separately, median reported. */
  double *ts = malloc(sizeof(double) * reps);
  for (int r = 0; r < reps; ++r) {
    double s = now_s();
    gemm(&p);
    ts[r] = now_s() - s;
  }
  qsort(ts, reps, sizeof(double), cmp_double);
  const double med_ms =
      1e3 * (reps % 2 ? ts[reps / 2] : 0.5 * (ts[reps / 2 - 1] + ts[reps / 2]));
  const double min_ms = 1e3 * ts[0];

  /* Checksum of C and a spot check of 64 entries against a double reference. */
  double checksum = 0;
  for (size_t i = 0; i < (size_t)m * n; ++i)
    checksum += c[i];
  double max_rel = 0;
  uint64_t s = 12345;
  for (int t = 0; t < 64; ++t) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    int i = (int)((s >> 33) % (uint64_t)m), j = (int)((s >> 13) % (uint64_t)n);
    double ref = 0, mag = 0;
    for (int q = 0; q < k; ++q) {
      double x = (double)a[(size_t)i * k + q] * b[(size_t)q * n + j];
      ref += x;
      mag += fabs(x);
    }
    double e = fabs(c[(size_t)i * n + j] - ref) / (mag > 0 ? mag : 1);
    if (e > max_rel)
      max_rel = e;
  }
  const char *verr =
      max_rel > 1e-4
          ? "result mismatch vs double reference (max_rel_err > 1e-4)"
          : NULL;
  if (verr)
    print_result(lib, m, n, k, 0, 0, 0, 0, 0, verr);
  else
    print_result(lib, m, n, k, reps, med_ms, min_ms, checksum, max_rel, NULL);
  free(ts);
  free(a);
  free(b);
  free(c);
  return 0;
}
