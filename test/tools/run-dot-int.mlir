// 8-bit activations at decode shapes take dot_i8: int8/int4 weights stored
// [N, K] are read in place, vpdpbusd multiplies quads along K (weights
// offset to unsigned for signed activations, the offset times each row's sum
// taken off), and the i32 lanes are summed exactly per output — per K group
// with group scales, so the result is the reference's bit for bit.
// REQUIRES: avx512-vnni
// RUN: qnk-run %s -e w4a8_groups --verify --dump-asm=%t.w4a8.s | FileCheck %s --check-prefix=EXACT
// RUN: FileCheck %s --check-prefix=ASM < %t.w4a8.s
// RUN: qnk-run %s -e w8a8_epilogue --verify --threads=2 | FileCheck %s --check-prefix=EXACT
// RUN: qnk-run %s -e u8_ui4 --verify | FileCheck %s --check-prefix=EXACT
// RUN: qnk-run %s -e i8_rows11 --verify | FileCheck %s --check-prefix=EXACT
// RUN: qnk-run %s -e i8_both_scales --verify --target=znver4 --features=-avx512vnni,+avxvnni | FileCheck %s --check-prefix=EXACT
// RUN: qnk-opt %s --qnk-cpu-pipeline=target=znver4 --mlir-print-ir-after=qnk-compose-nanokernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=IR

// EXACT: verified: max_abs_err=0.000e+00 max_rel_err=0.000e+00
// ASM: vpdpbusd {{.*}}%zmm
// IR-LABEL: func.func @w4a8_groups(
// IR-NOT: qnk.pack
// IR: vector.load %{{.*}} : memref<{{.*}}xi4{{.*}}>, vector<64xi4>
// IR: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// IR: vector.reduction <add>, %{{.*}} : vector<16xi32> into i32
// IR: math.fma %{{.*}} : f32

func.func @w4a8_groups(%x: tensor<1x256xi8>, %w: tensor<40x256xi4>, %s: tensor<40x4xf16>) -> tensor<1x40xf32> {
  %y = qnk.matmul %x, %w transpose_b b_group_scale(%s : tensor<40x4xf16>) group_size = 64 : tensor<1x256xi8>, tensor<40x256xi4> -> tensor<1x40xf32>
  return %y : tensor<1x40xf32>
}

func.func @w8a8_epilogue(%x: tensor<3x128xi8>, %w: tensor<21x128xi8>, %sx: tensor<3xf32>, %sw: tensor<21xf32>, %bias: tensor<21xf32>) -> tensor<3x21xf32> {
  %y = qnk.matmul %x, %w transpose_b dequantize(%sx, %sw : tensor<3xf32>, tensor<21xf32>) bias(%bias : tensor<21xf32>) activation(silu) : tensor<3x128xi8>, tensor<21x128xi8> -> tensor<3x21xf32>
  return %y : tensor<3x21xf32>
}

func.func @u8_ui4(%x: tensor<6x64xui8>, %w: tensor<9x64xui4>) -> tensor<6x9xi32> {
  %y = qnk.matmul %x, %w transpose_b : tensor<6x64xui8>, tensor<9x64xui4> -> tensor<6x9xi32>
  return %y : tensor<6x9xi32>
}

func.func @i8_rows11(%x: tensor<11x128xi8>, %w: tensor<17x128xi8>) -> tensor<11x17xi32> {
  %y = qnk.matmul %x, %w transpose_b : tensor<11x128xi8>, tensor<17x128xi8> -> tensor<11x17xi32>
  return %y : tensor<11x17xi32>
}

// 256-bit AVX-VNNI form, A and B scaled per group of 32.
func.func @i8_both_scales(%x: tensor<2x96xi8>, %w: tensor<12x96xi4>, %sx: tensor<2x3xf32>, %sw: tensor<12x3xbf16>) -> tensor<2x12xf32> {
  %y = qnk.matmul %x, %w transpose_b a_group_scale(%sx : tensor<2x3xf32>) b_group_scale(%sw : tensor<12x3xbf16>) group_size = 32 : tensor<2x96xi8>, tensor<12x96xi4> -> tensor<2x12xf32>
  return %y : tensor<2x12xf32>
}
