/* C entries (one pointer per tensor) around the memref-descriptor functions
 * that qnk-cuda-pipeline makes of mm.mlir, for qnk-cuda-harness. Built with
 * -DQNK_CPU_REFERENCE: the same products on the CPU (f32/i32 accumulation),
 * the harness's reference. */
#include <stdint.h>
#include <string.h>

typedef uint16_t bits16;

#ifdef QNK_CPU_REFERENCE
static float bf16(bits16 h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, 4);
  return f;
}
static float f16(bits16 h) {
  uint32_t s = (h >> 15) & 1, e = (h >> 10) & 31, m = h & 1023, u;
  if (e == 0) {
    float f = (float)m / 1024.0f / 16384.0f; /* subnormal: m * 2^-24 */
    return s ? -f : f;
  }
  u = (s << 31) | (e == 31 ? 0xFFu << 23 : (e + 112) << 23) | (m << 13);
  float f;
  memcpy(&f, &u, 4);
  return f;
}
/* C[m][n] = sum_k A[m][k] * B(k, n), B stored N×K (tb) or K×N. */
#define MATMUL(NAME, T, ACC, CVT, M, N, K, TB)                                \
  void NAME(const T *a, const T *b, ACC *c) {                                 \
    for (int i = 0; i < M; ++i)                                               \
      for (int j = 0; j < N; ++j) {                                           \
        ACC s = 0;                                                            \
        for (int k = 0; k < K; ++k)                                           \
          s += (ACC)CVT(a[i * K + k]) *                                       \
               (ACC)CVT(TB ? b[j * K + k] : b[k * N + j]);                    \
        c[i * N + j] = s;                                                     \
      }                                                                       \
  }
#define ID(x) (x)
MATMUL(qnk_bf16_tb, bits16, float, bf16, 300, 517, 1000, 1)
MATMUL(qnk_f16_kn, bits16, float, f16, 129, 250, 96, 0)
MATMUL(qnk_i8_tb, int8_t, int32_t, ID, 33, 45, 77, 1)
MATMUL(qnk_bf16_decode, bits16, float, bf16, 16, 4096, 4096, 1)
#else
/* A 2-D memref descriptor: allocated, aligned, offset, sizes, strides. */
#define D2(p, R, C) (void *)(p), (void *)(p), (int64_t)0, (int64_t)(R),      \
                    (int64_t)(C), (int64_t)(C), (int64_t)1
#define D2ARGS void *, void *, int64_t, int64_t, int64_t, int64_t, int64_t
#define ENTRY(NAME, SYM, T, ACC, M, N, K, TB)                                 \
  void SYM##_impl(D2ARGS, D2ARGS, D2ARGS) __asm__(#SYM);                      \
  void NAME(const T *a, const T *b, ACC *c) {                                 \
    SYM##_impl(D2(a, M, K), D2(b, TB ? N : K, TB ? K : N), D2(c, M, N));       \
  }
ENTRY(qnk_bf16_tb, bf16_tb, bits16, float, 300, 517, 1000, 1)
ENTRY(qnk_f16_kn, f16_kn, bits16, float, 129, 250, 96, 0)
ENTRY(qnk_i8_tb, i8_tb, int8_t, int32_t, 33, 45, 77, 1)
ENTRY(qnk_bf16_decode, bf16_decode, bits16, float, 16, 4096, 4096, 1)
#endif
