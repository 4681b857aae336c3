// Calls kernels that qnk-compile built, through the headers it wrote, and
// checks them against a plain C matmul. Only libc is linked besides the
// kernels' objects.
#include "mm_f32.h"
#include "mm_u8s8.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>

enum { M = 37, K = 50, N = 129 };

static float a[M][K], b[K][N], c[M][N];
static uint8_t ua[M][K];
static int8_t sb[K][N];
static int32_t ic[M][N];

int main(void) {
  unsigned state = 12345;
  for (int i = 0; i < M; ++i)
    for (int k = 0; k < K; ++k) {
      state = state * 1103515245u + 12345u;
      a[i][k] = (float)((state >> 16) % 2001) / 1000.0f - 1.0f;
      ua[i][k] = (uint8_t)(state >> 8);
    }
  for (int k = 0; k < K; ++k)
    for (int j = 0; j < N; ++j) {
      state = state * 1103515245u + 12345u;
      b[k][j] = (float)((state >> 16) % 2001) / 1000.0f - 1.0f;
      sb[k][j] = (int8_t)(state >> 8);
    }

  mm_f32(&a[0][0], &b[0][0], &c[0][0]);
  mm_u8s8(&ua[0][0], &sb[0][0], &ic[0][0]);

  double maxErr = 0;
  int wrong = 0;
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      double ref = 0;
      int32_t iref = 0;
      for (int k = 0; k < K; ++k) {
        ref += (double)a[i][k] * b[k][j];
        iref += (int32_t)ua[i][k] * sb[k][j];
      }
      double err = fabs(c[i][j] - ref);
      maxErr = err > maxErr ? err : maxErr;
      wrong += ic[i][j] != iref;
    }
  int ok = maxErr <= 1e-4 && wrong == 0;
  printf("f32 max_abs_err=%.3e, u8s8 mismatches=%d: %s\n", maxErr, wrong,
         ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
