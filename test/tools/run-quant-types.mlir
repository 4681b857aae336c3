// A model stated with upstream !quant.uniform types runs: the boundary
// takes the storage tensors, the casts become QNK's exact quantization ops,
// and the quantized linear layer matches the reference bit for bit.
// REQUIRES: avx2, fma
// RUN: qnk-run %s -e linear --verify --dump-asm=%t.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ASM < %t.s
// RUN: qnk-run %s -e linear --verify --target=x86-64-v3 | FileCheck %s
// CHECK: verified: max_abs_err=0.000e+00 max_rel_err=0.000e+00
// ASM: vfmadd{{.*}}ps {{.*}}%{{[yz]}}mm
// ASM: vround{{ss|ps}} $8
!qx = !quant.uniform<i8:f32, 0.05:3>
!qw = !quant.uniform<i8:f32:1, {0.1:0, 0.2:1, 0.3:-2, 0.4:0, 0.5:0}>
func.func @linear(%x: tensor<3x4x!qx>, %w: tensor<4x5x!qw>) -> tensor<3x5x!qx> {
  %xf = quant.dcast %x : tensor<3x4x!qx> to tensor<3x4xf32>
  %wf = quant.dcast %w : tensor<4x5x!qw> to tensor<4x5xf32>
  %y = qnk.matmul %xf, %wf : tensor<3x4xf32>, tensor<4x5xf32> -> tensor<3x5xf32>
  %q = quant.qcast %y : tensor<3x5xf32> to tensor<3x5x!qx>
  return %q : tensor<3x5x!qx>
}
