/* The baseline QNK's W4A16 matmul replaces: int4 weights (two per byte, an
 * f16 scale per group of G along K, stored [N, K] like a Linear weight) and
 * bf16 activations are dequantized to f32 on every call, then OpenBLAS's
 * sgemm multiplies them.
 *
 *   w4a16_dequant_sgemm M N K G SECONDS   -> one JSON line: ms per call
 *
 * Built and run by benchmarks/cpu_w4a16.py (single thread:
 * OPENBLAS_NUM_THREADS=1). */
#include "bench_common.h"

#include <cblas.h>
#include <string.h>

static int M, N, K, G;
static uint16_t *xq;  /* bf16 bits */
static uint8_t *wq;   /* int4 pairs: element 2j in the low nibble */
static _Float16 *ws;  /* [N, K/G] */
static float *xf, *wf, *y;

static float bf16_to_f32(uint16_t h) {
  uint32_t bits = (uint32_t)h << 16;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

static void call(void) {
  for (size_t i = 0; i < (size_t)M * K; ++i)
    xf[i] = bf16_to_f32(xq[i]);
  for (int n = 0; n < N; ++n) {
    const uint8_t *row = wq + (size_t)n * K / 2;
    float *out = wf + (size_t)n * K;
    for (int g = 0; g < K / G; ++g) {
      float s = (float)ws[(size_t)n * (K / G) + g];
      for (int k = g * G; k < (g + 1) * G; k += 2) {
        uint8_t b = row[k / 2];
        out[k] = (float)((int8_t)(b << 4) >> 4) * s;
        out[k + 1] = (float)((int8_t)b >> 4) * s;
      }
    }
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, xf, K,
              wf, K, 0.0f, y, N);
}

static void loop(uint64_t iters) {
  for (uint64_t i = 0; i < iters; ++i)
    call();
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s M N K G SECONDS\n", argv[0]);
    return 2;
  }
  M = atoi(argv[1]), N = atoi(argv[2]), K = atoi(argv[3]), G = atoi(argv[4]);
  double seconds = atof(argv[5]);
  if (M < 1 || N < 1 || K < 2 || G < 2 || K % G || G % 2) {
    fprintf(stderr, "need positive sizes, G even and dividing K\n");
    return 2;
  }
  xq = xalloc(sizeof(uint16_t) * M * K), wq = xalloc((size_t)N * K / 2);
  ws = xalloc(sizeof(_Float16) * N * (K / G));
  xf = xalloc(sizeof(float) * M * K), wf = xalloc(sizeof(float) * N * K);
  y = xalloc(sizeof(float) * M * N);
  srand(1);
  for (size_t i = 0; i < (size_t)M * K; ++i)
    xq[i] = (uint16_t)(0x3f80 + rand() % 128); /* [1, 2) */
  for (size_t i = 0; i < (size_t)N * K / 2; ++i)
    wq[i] = (uint8_t)rand();
  for (size_t i = 0; i < (size_t)N * (K / G); ++i)
    ws[i] = (_Float16)0.01f;
  double ops = 2.0 * M * N * K;
  double rate = best_rate(loop, ops, seconds, 1);
  printf("{\"peer\": \"openblas-dequant-w4\", \"m\": %d, \"n\": %d, \"k\": %d, "
         "\"g\": %d, \"ms\": %.4f, \"gops\": %.2f}\n",
         M, N, K, G, ops / rate * 1e3, rate / 1e9);
  return 0;
}
