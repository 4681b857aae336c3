/* memcpy of N bytes between two out-of-cache buffers: the bandwidth a
 * streaming kernel that reads N bytes and writes N bytes can hope for.
 *
 *   memcpy_peer BYTES RUNS   ->  {"bytes": B, "median_ms": T, "gbps": G}
 *
 * GB/s counts the bytes read plus the bytes written (2 * BYTES), as
 * benchmarks/softmax.py counts them for softmax. */
#include "bench_common.h"

#include <string.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: memcpy_peer BYTES RUNS\n");
    return 2;
  }
  size_t bytes = (size_t)strtoull(argv[1], NULL, 10);
  int runs = atoi(argv[2]);
  if (runs < 1)
    runs = 1;
  char *src = xalloc(bytes), *dst = xalloc(bytes);
  /* Fault every page in before timing, as qnk-run's buffers are. */
  memset(src, 1, bytes);
  memset(dst, 0, bytes);
  memcpy(dst, src, bytes); /* warm-up */
  double *t = malloc(sizeof(double) * (size_t)runs);
  for (int i = 0; i < runs; ++i) {
    double t0 = now_s();
    memcpy(dst, src, bytes);
    t[i] = now_s() - t0;
    src[i % bytes] ^= dst[(i * 4099) % bytes]; /* keep the copies live */
  }
  qsort(t, (size_t)runs, sizeof(double), cmp_double);
  double med = t[runs / 2];
  printf("{\"bytes\": %zu, \"median_ms\": %.6f, \"gbps\": %.3f}\n", bytes,
         1e3 * med, 2.0 * (double)bytes / med / 1e9);
  return 0;
}
