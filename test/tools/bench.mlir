// --bench=N times N runs after a warm-up; FLOPs are 2*M*N*K*batch summed
// over the matmuls of the entry.
// REQUIRES: fma
// RUN: qnk-run %s -e mm --bench=5 --dump-asm=%t.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ASM < %t.s
// ASM-LABEL: mm:
// ASM: vfmadd231ps {{.*}}%{{[yz]}}mm
// RUN: qnk-run %s -e two_matmuls --bench=4 --json | FileCheck %s --check-prefix=FLOPS
// RUN: qnk-run %s -e batched --bench=2 --json | FileCheck %s --check-prefix=BATCH
// RUN: qnk-run %s -e no_matmul --bench=3 | FileCheck %s --check-prefix=NONE
// RUN: qnk-run %s -e mm --verify --bench=2 | FileCheck %s --check-prefix=BOTH

// CHECK: bench: 5 runs, median {{[0-9]+\.[0-9]+}} ms, {{[0-9]+\.[0-9]+}} GFLOP/s
// CHECK-NOT: result 0

// 2*16*64*32 + 2*16*8*64
// FLOPS: "flops": 81920
// FLOPS: "gflops": {{[0-9.e+-]+}}
// 2*4*16*8*24
// BATCH: "flops": 24576
// NONE: bench: 3 runs, median {{[0-9.]+}} ms, GFLOP/s n/a (no matmul in the entry)

// BOTH: verified: max_abs_err=
// BOTH-NEXT: bench: 2 runs, median

func.func @mm(%a: tensor<64x96xf32>, %b: tensor<96x80xf32>) -> tensor<64x80xf32> {
  %c = qnk.matmul %a, %b : tensor<64x96xf32>, tensor<96x80xf32> -> tensor<64x80xf32>
  return %c : tensor<64x80xf32>
}

func.func @two_matmuls(%a: tensor<16x32xf32>, %b: tensor<32x64xf32>, %c: tensor<64x8xf32>) -> tensor<16x8xf32> {
  %ab = qnk.matmul %a, %b : tensor<16x32xf32>, tensor<32x64xf32> -> tensor<16x64xf32>
  %abc = qnk.matmul %ab, %c : tensor<16x64xf32>, tensor<64x8xf32> -> tensor<16x8xf32>
  return %abc : tensor<16x8xf32>
}

func.func @batched(%a: tensor<4x16x24xf32>, %b: tensor<4x24x8xf32>) -> tensor<4x16x8xf32> {
  %c = qnk.batch_matmul %a, %b : tensor<4x16x24xf32>, tensor<4x24x8xf32> -> tensor<4x16x8xf32>
  return %c : tensor<4x16x8xf32>
}

func.func @no_matmul(%a: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %empty = tensor.empty() : tensor<8x8xf32>
  %c = linalg.add ins(%a, %a : tensor<8x8xf32>, tensor<8x8xf32>) outs(%empty : tensor<8x8xf32>) -> tensor<8x8xf32>
  return %c : tensor<8x8xf32>
}
