/* Calls the qnk-compile --device=cuda entry mm_bf16 (cuda-runtime-compile.mlir)
 * from plain C, linked with the static CUDA runtime, and prints what the
 * runtime says. */
#include "mm.h"
#include "qnk/Runtime/CUDA/Runtime.h"

#include <stdio.h>
#include <stdlib.h>

int main(void) {
  uint16_t *a = calloc(64 * 96, 2), *b = calloc(96 * 40, 2);
  float *c = calloc(64 * 40, 4);
  mm_bf16(a, b, c);
  QnkCudaStatus status = qnkCudaGetLastError();
  printf("status: %s\nmessage: %s\n", qnkCudaStatusName(status),
         qnkCudaGetLastErrorMessage());
  free(a);
  free(b);
  free(c);
  return status == QNK_CUDA_SUCCESS ? 0 : 1;
}
