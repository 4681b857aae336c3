// RUN: qnk-opt %s --qnk-tile --qnk-compose-nanokernels --qnk-lower-to-llvm | mlir-translate --mlir-to-llvmir | llc -O3 | FileCheck %s
// The register block in machine code: the innermost loop of the f32
// nanokernel holds exactly the 12 accumulators' FMAs (4 rows x 3 ymm), its
// loads of B and broadcasts of A, and never stores (or reloads) C.
// The CPU comes from the functions' target attributes, not from llc.

// CHECK: This Inner Loop Header
// CHECK-NOT: vmovups %ymm{{[0-9]+}}, {{.*}}(%
// CHECK: vbroadcastss
// CHECK-COUNT-12: vfmadd231ps {{.*}}%ymm{{[0-9]+}}
// CHECK-NOT: vmovups %ymm{{[0-9]+}}, {{.*}}(%
// CHECK: j{{[a-z]+}} .LBB
module attributes {qnk.target = #qnk.cpu_target<cpu = "znver3", features = "+avx,+avx2,+fma,+sse,+sse2,+sse3,+sse4.1,+sse4.2,+ssse3", vector_bits = 256, vector_registers = 16, l1d_bytes = 32768, l2_bytes = 524288>} {
  func.func @kernel(%a: memref<10x129x4xf32>, %b: memref<3x129x24xf32>, %c: memref<37x50xf32>) {
    qnk.packed_matmul ins(%a, %b : memref<10x129x4xf32>, memref<3x129x24xf32>) outs(%c : memref<37x50xf32>) kernel = <fma_f32, mr = 4, nv = 3, vector_length = 8, kr = 1>
    return
  }
}
