/* The C entries qnk-compile gives an AOT object, around the memref-descriptor
 * functions of cuda-harness-vadd.mlir: one pointer per tensor. Built with
 * -DQNK_CPU_REFERENCE, the same entries computed on the CPU (the harness's
 * reference). */
#include <stdint.h>

enum { N = 1000003 };

#ifdef QNK_CPU_REFERENCE
static void add(const float *a, const float *b, float *c) {
  for (int i = 0; i < N; ++i)
    c[i] = a[i] + b[i];
}
void qnk_vadd_host(const float *a, const float *b, float *c) { add(a, b, c); }
void qnk_vadd_device(const float *a, const float *b, float *c) {
  add(a, b, c);
}
#else
#define DESCRIPTOR(p) (float *)(p), (float *)(p), 0, N, 1
void vadd_host_impl(float *, float *, int64_t, int64_t, int64_t, float *,
                    float *, int64_t, int64_t, int64_t, float *, float *,
                    int64_t, int64_t, int64_t) __asm__("vadd_host");
void vadd_device_impl(float *, float *, int64_t, int64_t, int64_t, float *,
                      float *, int64_t, int64_t, int64_t, float *, float *,
                      int64_t, int64_t, int64_t) __asm__("vadd_device");
void qnk_vadd_host(const float *a, const float *b, float *c) {
  vadd_host_impl(DESCRIPTOR(a), DESCRIPTOR(b), DESCRIPTOR(c));
}
void qnk_vadd_device(const float *a, const float *b, float *c) {
  vadd_device_impl(DESCRIPTOR(a), DESCRIPTOR(b), DESCRIPTOR(c));
}
#endif
