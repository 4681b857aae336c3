// RUN: not qnk-opt %s --qnk-tile=threads=4611686018427387904 2>&1 | FileCheck %s --check-prefix=THREADS
// RUN: not qnk-opt %s --qnk-tile=threads=0 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not qnk-opt %s --qnk-tile=mc=9223372036854775807 2>&1 | FileCheck %s --check-prefix=MC
// RUN: not qnk-opt %s --qnk-tile=kc=-3 2>&1 | FileCheck %s --check-prefix=KC
//
// qnk-tile's options reach int64_t arithmetic: 2^62 threads overflowed
// (undefined behaviour) and a huge mc wrapped into negative block sizes
// (found while reviewing for qnk-fuzz).
// THREADS: error: qnk-tile needs threads in [1, 4096] and kc, mc, nc in [0, 2^32] (0: derived), got threads = 4611686018427387904, kc = 0, mc = 0, nc = 0
// ZERO: got threads = 0,
// MC: got threads = 1, kc = 0, mc = 9223372036854775807, nc = 0
// KC: got threads = 1, kc = -3,
func.func @mm(%a: memref<3x64x6xf32>, %b: memref<4x64x16xf32>, %c: memref<16x64xf32>) {
  qnk.packed_matmul ins(%a, %b : memref<3x64x6xf32>, memref<4x64x16xf32>) outs(%c : memref<16x64xf32>) kernel = #qnk.nanokernel<fma_f32, mr = 6, nv = 2, vector_length = 8, kr = 1>
  return
}
