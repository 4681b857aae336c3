// RUN: qnk-opt %s --qnk-set-target=target=x86-64-v3 --qnk-pack | FileCheck %s
// RUN: qnk-opt %s --qnk-cpu-pipeline=target=x86-64-v3 | FileCheck %s --check-prefix=LLVM
// RUN: qnk-opt %s --qnk-cpu-pipeline=target=sapphirerapids | FileCheck %s --check-prefix=LLVM
//
// A matmul with an empty dimension is zeros (K = 0) or empty (M or N = 0).
// The CPU pipeline used to fail on it with "offset 0 is out-of-bounds" from
// the views of empty buffers in its block loops (found while fuzzing).

// CHECK-LABEL: func.func @empty_k
// CHECK-NOT: qnk.
// CHECK: %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<8x16xf32>
// CHECK: return %[[Z]]
// LLVM-LABEL: llvm.func @empty_k
func.func @empty_k(%a: tensor<8x0xbf16>, %b: tensor<0x16xbf16>) -> tensor<8x16xf32> {
  %c = qnk.matmul %a, %b : tensor<8x0xbf16>, tensor<0x16xbf16> -> tensor<8x16xf32>
  return %c : tensor<8x16xf32>
}

// CHECK-LABEL: func.func @empty_m
// CHECK: arith.constant dense<0> : tensor<0x16xi32>
// LLVM-LABEL: llvm.func @empty_m
func.func @empty_m(%a: tensor<0x8xi8>, %b: tensor<8x16xi8>) -> tensor<0x16xi32> {
  %c = qnk.matmul %a, %b : tensor<0x8xi8>, tensor<8x16xi8> -> tensor<0x16xi32>
  return %c : tensor<0x16xi32>
}

// CHECK-LABEL: func.func @empty_n_batched
// CHECK: arith.constant dense<0.000000e+00> : tensor<2x8x0xf32>
// LLVM-LABEL: llvm.func @empty_n_batched
func.func @empty_n_batched(%a: tensor<2x8x4xf32>, %b: tensor<2x4x0xf32>) -> tensor<2x8x0xf32> {
  %c = qnk.batch_matmul %a, %b : tensor<2x8x4xf32>, tensor<2x4x0xf32> -> tensor<2x8x0xf32>
  return %c : tensor<2x8x0xf32>
}
