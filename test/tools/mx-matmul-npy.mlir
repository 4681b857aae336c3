// MXFP4 (E2M1 elements, an E8M0 scale per 32 on both operands) through
// qnk.matmul's group scales, checked bit for bit against ml_dtypes' decoding
// of every input and an exact-rational statement of the group step
// (Inputs/mx_matmul_tool.py); fp4 is decoded to bf16 while packing.
// REQUIRES: avx2, fma, numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/mx_matmul_tool.py gen %t/a.npy %t/b.npy %t/sa.npy %t/sb.npy
// RUN: qnk-run %s -e mxfp4 --input=%t/a.npy --input=%t/b.npy --input=%t/sa.npy --input=%t/sb.npy --output=%t/y.npy --verify | FileCheck %s --check-prefix=VERIFY
// RUN: %python %S/Inputs/mx_matmul_tool.py check %t/a.npy %t/b.npy %t/sa.npy %t/sb.npy %t/y.npy | FileCheck %s
// RUN: qnk-run %s -e nvfp4 --verify --target=x86-64-v3 | FileCheck %s --check-prefix=VERIFY
// RUN: qnk-opt %s --qnk-cpu-pipeline=target=x86-64-v3 --mlir-print-ir-after=qnk-pack -o /dev/null 2>&1 | FileCheck %s --check-prefix=PACK
// VERIFY: verified: max_abs_err=0.000e+00 max_rel_err=0.000e+00
// CHECK: mismatches=0
// PACK-LABEL: func.func @mxfp4(
// PACK: qnk.pack %{{.*}} : tensor<5x64xf4E2M1FN>, tensor<{{.*}}xf32>
// PACK: qnk.packed_matmul {{.*}}kernel = <fma_f32{{.*}}a_group_scale({{.*}}) b_group_scale({{.*}}) group_size = 32

func.func @mxfp4(%a: tensor<5x64xf4E2M1FN>, %b: tensor<24x64xf4E2M1FN>, %sa: tensor<5x2xf8E8M0FNU>, %sb: tensor<24x2xf8E8M0FNU>) -> tensor<5x24xf32> {
  %y = qnk.matmul %a, %b transpose_b a_group_scale(%sa : tensor<5x2xf8E8M0FNU>) b_group_scale(%sb : tensor<24x2xf8E8M0FNU>) group_size = 32 : tensor<5x64xf4E2M1FN>, tensor<24x64xf4E2M1FN> -> tensor<5x24xf32>
  return %y : tensor<5x24xf32>
}

// NVFP4 weights: E2M1 with an E4M3 scale per 16 and a per-tensor f32 scale
// (as dequantize), bf16 activations.
func.func @nvfp4(%a: tensor<33x48xbf16>, %b: tensor<48x20xf4E2M1FN>, %sb: tensor<3x20xf8E4M3FN>, %g: tensor<f32>, %one: tensor<f32>) -> tensor<33x20xf32> {
  %y = qnk.matmul %a, %b b_group_scale(%sb : tensor<3x20xf8E4M3FN>) group_size = 16 dequantize(%one, %g : tensor<f32>, tensor<f32>) : tensor<33x48xbf16>, tensor<48x20xf4E2M1FN> -> tensor<33x20xf32>
  return %y : tensor<33x20xf32>
}
