/* Core clock from a dependent chain of 64-bit multiplies: imul has a
 * 3-cycle latency on every x86-64 core QNK targets (Intel since Sandy
 * Bridge, AMD since Zen), and a chain of them cannot be fused or shortened
 * the way a chain of adds with immediates can be. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
  const long n = 400000000;
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    uint64_t x = 3;
    double t = now();
    for (long i = 0; i < n; ++i)
      __asm__ volatile("imul %0, %0" : "+r"(x));
    t = now() - t;
    double ghz = 3.0 * n / t / 1e9;
    if (ghz > best)
      best = ghz;
    if (x == 42)
      printf(" ");
  }
  printf("{\"clock_ghz_imul\": %.3f}\n", best);
  return 0;
}
