// Group-scaled matmuls checked against an independent numpy statement of
// the semantics (test/tools/Inputs/group_scales_tool.py): W8A8 with int4
// weights and per-group f16 scales bit for bit (exact integer group sums,
// one f32 fma per group), W4A16 (bf16 x int4, decode kernel) within the
// float tolerance. The asm shows the nanokernels ran.
// REQUIRES: avx2, fma, numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/npy_tool.py gen %t/x8.npy int8 5x96 31
// RUN: %python %S/Inputs/npy_tool.py gen %t/w4.npy int4 96x20 32
// RUN: %python %S/Inputs/npy_tool.py gen %t/s16.npy float16 3x20 33
// RUN: qnk-run %s -e w4a8 --input=%t/x8.npy --input=%t/w4.npy --input=%t/s16.npy --output=%t/y8.npy --verify --dump-asm=%t/w4a8.s
// RUN: %python %S/Inputs/group_scales_tool.py check %t/x8.npy %t/w4.npy %t/s16.npy %t/y8.npy 32 int | FileCheck %s --check-prefix=EXACT
// RUN: FileCheck %s --check-prefix=INT < %t/w4a8.s
// RUN: %python %S/Inputs/npy_tool.py gen %t/xb.npy bfloat16 1x256 34
// RUN: %python %S/Inputs/npy_tool.py gen %t/wt4.npy int4 24x256 35
// RUN: %python %S/Inputs/npy_tool.py gen %t/st.npy float16 24x4 36
// RUN: qnk-run %s -e w4a16 --input=%t/xb.npy --input=%t/wt4.npy --input=%t/st.npy --output=%t/yb.npy --verify --dump-asm=%t/w4a16.s
// RUN: %python %S/Inputs/group_scales_tool.py check %t/xb.npy %t/wt4.npy %t/st.npy %t/yb.npy 64 transpose_b | FileCheck %s --check-prefix=FLOAT
// RUN: FileCheck %s --check-prefix=DOT < %t/w4a16.s

// EXACT: mismatches=0
// FLOAT: mismatches=0 max_abs_err=
// INT-DAG: {{vpdpbusd|vpmaddwd}}
// INT-DAG: vcvtdq2ps
// INT-DAG: vfmadd
// DOT: vcvtdq2ps
// DOT: vfmadd231ps

func.func @w4a8(%x: tensor<5x96xi8>, %w: tensor<96x20xi4>, %s: tensor<3x20xf16>) -> tensor<5x20xf32> {
  %y = qnk.matmul %x, %w b_group_scale(%s : tensor<3x20xf16>) group_size = 32 : tensor<5x96xi8>, tensor<96x20xi4> -> tensor<5x20xf32>
  return %y : tensor<5x20xf32>
}

func.func @w4a16(%x: tensor<1x256xbf16>, %w: tensor<24x256xi4>, %s: tensor<24x4xf16>) -> tensor<1x24xf32> {
  %y = qnk.matmul %x, %w transpose_b b_group_scale(%s : tensor<24x4xf16>) group_size = 64 : tensor<1x256xbf16>, tensor<24x256xi4> -> tensor<1x24xf32>
  return %y : tensor<1x24xf32>
}
