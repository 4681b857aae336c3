/* The baseline QNK's W8A8 matmul replaces: int8 activations and weights with
 * per-token / per-channel scales are dequantized to f32 on every call, then
 * OpenBLAS's sgemm multiplies them and the bias is added.
 *
 *   w8a8_dequant_sgemm M N K SECONDS   -> one JSON line: ms per call, GOP/s
 *
 * Built and run by benchmarks/cpu_w8a8.py (single thread:
 * OPENBLAS_NUM_THREADS=1). */
#include "bench_common.h"

#include <cblas.h>
#include <string.h>

static int M, N, K;
static int8_t *xq, *wq;
static float *sx, *sw, *bias, *xf, *wf, *y;

static void call(void) {
  for (int m = 0; m < M; ++m)
    for (int k = 0; k < K; ++k)
      xf[(size_t)m * K + k] = (float)xq[(size_t)m * K + k] * sx[m];
  for (int n = 0; n < N; ++n)
    for (int k = 0; k < K; ++k)
      wf[(size_t)n * K + k] = (float)wq[(size_t)n * K + k] * sw[n];
  for (int m = 0; m < M; ++m)
    memcpy(y + (size_t)m * N, bias, sizeof(float) * N);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, xf, K,
              wf, K, 1.0f, y, N);
}

static void loop(uint64_t iters) {
  for (uint64_t i = 0; i < iters; ++i)
    call();
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s M N K SECONDS\n", argv[0]);
    return 2;
  }
  M = atoi(argv[1]), N = atoi(argv[2]), K = atoi(argv[3]);
  double seconds = atof(argv[4]);
  xq = xalloc((size_t)M * K), wq = xalloc((size_t)N * K);
  sx = xalloc(sizeof(float) * M), sw = xalloc(sizeof(float) * N);
  bias = xalloc(sizeof(float) * N);
  xf = xalloc(sizeof(float) * M * K), wf = xalloc(sizeof(float) * N * K);
  y = xalloc(sizeof(float) * M * N);
  srand(1);
  for (size_t i = 0; i < (size_t)M * K; ++i)
    xq[i] = (int8_t)(rand() % 255 - 127);
  for (size_t i = 0; i < (size_t)N * K; ++i)
    wq[i] = (int8_t)(rand() % 255 - 127);
  for (int i = 0; i < M; ++i)
    sx[i] = 0.01f;
  for (int i = 0; i < N; ++i)
    sw[i] = 0.02f, bias[i] = 0.5f;
  double ops = 2.0 * M * N * K;
  double rate = best_rate(loop, ops, seconds, 1);
  printf("{\"peer\": \"openblas-dequant\", \"m\": %d, \"n\": %d, \"k\": %d, "
         "\"ms\": %.4f, \"gops\": %.2f}\n",
         M, N, K, ops / rate * 1e3, rate / 1e9);
  return 0;
}
