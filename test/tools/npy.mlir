// .npy inputs and outputs: results match numpy's matmul of the same inputs,
// every element type survives a round trip bit for bit (bfloat16 as
// ml_dtypes and np.save write it), and seeded inputs are deterministic.
// REQUIRES: avx2, fma, numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/npy_tool.py gen %t/a.npy float32 37x50 1
// RUN: %python %S/Inputs/npy_tool.py gen %t/b.npy float32 50x29 2
// RUN: qnk-run %s -e f32 --input=%t/a.npy --input=%t/b.npy --output=%t/c.npy --verify --dump-asm=%t/f32.s
// RUN: FileCheck %s --check-prefix=ASM < %t/f32.s
// ASM-LABEL: f32:
// ASM: vfmadd231ps {{.*}}%{{[yz]}}mm
// RUN: %python %S/Inputs/npy_tool.py matmul %t/a.npy %t/b.npy %t/c.npy | FileCheck %s --check-prefix=FLOAT

// RUN: %python %S/Inputs/npy_tool.py gen %t/abf.npy bfloat16 37x50 3
// RUN: %python %S/Inputs/npy_tool.py gen %t/bbf.npy bfloat16 50x29 4
// RUN: qnk-run %s -e bf16 --input=%t/abf.npy --input=%t/bbf.npy --output=%t/cbf.npy --verify
// RUN: %python %S/Inputs/npy_tool.py matmul %t/abf.npy %t/bbf.npy %t/cbf.npy | FileCheck %s --check-prefix=FLOAT

// RUN: %python %S/Inputs/npy_tool.py gen %t/ah.npy float16 37x50 5
// RUN: %python %S/Inputs/npy_tool.py gen %t/bh.npy float16 29x50 6
// RUN: qnk-run %s -e f16_transpose_b --input=%t/ah.npy --input=%t/bh.npy --output=%t/ch.npy --verify
// RUN: %python %S/Inputs/npy_tool.py matmul %t/ah.npy %t/bh.npy %t/ch.npy transpose_b | FileCheck %s --check-prefix=FLOAT

// RUN: %python %S/Inputs/npy_tool.py gen %t/au.npy uint8 2x37x50 7
// RUN: %python %S/Inputs/npy_tool.py gen %t/bs.npy int8 2x50x29 8
// RUN: qnk-run %s -e u8s8_batched --input=%t/au.npy --input=%t/bs.npy --output=%t/ci.npy --verify
// RUN: %python %S/Inputs/npy_tool.py matmul %t/au.npy %t/bs.npy %t/ci.npy | FileCheck %s --check-prefix=EXACT

// 4-bit operands: one element per byte in the file (int8/uint8 within range,
// or ml_dtypes' int4/uint4), packed two per byte for the kernel, checked
// against numpy exactly. An element out of range is an error.
// RUN: %python %S/Inputs/npy_tool.py gen %t/a4.npy int4 37x50 17
// RUN: %python %S/Inputs/npy_tool.py gen %t/b_uint4.npy ml_uint4 29x50 18
// RUN: qnk-run %s -e i4_linear --input=%t/a4.npy --input=%t/b_uint4.npy --output=%t/c4.npy --verify
// RUN: %python %S/Inputs/npy_tool.py matmul %t/a4.npy %t/b_uint4.npy %t/c4.npy transpose_b | FileCheck %s --check-prefix=EXACT
// RUN: %python %S/Inputs/npy_tool.py gen %t/a8.npy int8 37x50 19
// RUN: not qnk-run %s -e i4_linear --input=%t/a8.npy --input=%t/b_uint4.npy 2>&1 | FileCheck %s --check-prefix=RANGE
// RANGE: error: {{.*}}a8.npy{{.*}}outside the range of i4

// FLOAT: max_abs_err=
// EXACT: mismatches=0

// Round trip of every boundary type, scalars and 1-D arrays included.
// RUN: %python %S/Inputs/npy_tool.py gen %t/i0.npy bfloat16 3x5 10
// RUN: %python %S/Inputs/npy_tool.py gen %t/i1.npy float16 4 11
// RUN: %python %S/Inputs/npy_tool.py gen %t/i2.npy int8 2x2 12
// RUN: %python %S/Inputs/npy_tool.py gen %t/i3.npy uint8 7 13
// RUN: %python %S/Inputs/npy_tool.py gen %t/i4.npy int32 2x3 14
// RUN: %python %S/Inputs/npy_tool.py gen %t/i5.npy float32 "" 15
// RUN: qnk-run %s -e identity --input=%t/i0.npy --input=%t/i1.npy --input=%t/i2.npy --input=%t/i3.npy --input=%t/i4.npy --input=%t/i5.npy --output=%t/o0.npy --output=%t/o1.npy --output=%t/o2.npy --output=%t/o3.npy --output=%t/o4.npy --output=%t/o5.npy
// RUN: %python %S/Inputs/npy_tool.py same %t/i0.npy %t/o0.npy
// RUN: %python %S/Inputs/npy_tool.py same %t/i1.npy %t/o1.npy
// RUN: %python %S/Inputs/npy_tool.py same %t/i2.npy %t/o2.npy
// RUN: %python %S/Inputs/npy_tool.py same %t/i3.npy %t/o3.npy
// RUN: %python %S/Inputs/npy_tool.py same %t/i4.npy %t/o4.npy
// RUN: %python %S/Inputs/npy_tool.py same %t/i5.npy %t/o5.npy

// Seeded inputs: the same seed gives the same result, another one does not.
// RUN: qnk-run %s -e f32 --seed=9 --output=%t/s9.npy
// RUN: qnk-run %s -e f32 --seed=9 --output=%t/s9-again.npy
// RUN: qnk-run %s -e f32 --seed=10 --output=%t/s10.npy
// RUN: %python %S/Inputs/npy_tool.py same %t/s9.npy %t/s9-again.npy
// RUN: %python %S/Inputs/npy_tool.py differ %t/s9.npy %t/s10.npy

// Files numpy writes that qnk-run cannot take say what is wrong with them.
// RUN: %python %S/Inputs/npy_tool.py gen %t/f64.npy float64 50x29 16
// RUN: %python %S/Inputs/npy_tool.py fortran %t/fortran.npy 50x29
// RUN: not qnk-run %s -e f32 --input=%t/a.npy --input=%t/f64.npy 2>&1 | FileCheck %s --check-prefix=F64
// RUN: not qnk-run %s -e f32 --input=%t/a.npy --input=%t/fortran.npy 2>&1 | FileCheck %s --check-prefix=FORTRAN
// F64: npy.mlir:[[@LINE+3]]:{{[0-9]+}}: error: input 1 ({{.*}}f64.npy): expected shape 50x29 f32, got 50x29 '<f8'
// FORTRAN: error: input 1 ({{.*}}fortran.npy): '{{.*}}fortran.npy' holds a Fortran-order array; save it in C order

func.func @f32(%a: tensor<37x50xf32>, %b: tensor<50x29xf32>) -> tensor<37x29xf32> {
  %c = qnk.matmul %a, %b : tensor<37x50xf32>, tensor<50x29xf32> -> tensor<37x29xf32>
  return %c : tensor<37x29xf32>
}

func.func @bf16(%a: tensor<37x50xbf16>, %b: tensor<50x29xbf16>) -> tensor<37x29xf32> {
  %c = qnk.matmul %a, %b : tensor<37x50xbf16>, tensor<50x29xbf16> -> tensor<37x29xf32>
  return %c : tensor<37x29xf32>
}

func.func @f16_transpose_b(%a: tensor<37x50xf16>, %b: tensor<29x50xf16>) -> tensor<37x29xf32> {
  %c = qnk.matmul %a, %b transpose_b : tensor<37x50xf16>, tensor<29x50xf16> -> tensor<37x29xf32>
  return %c : tensor<37x29xf32>
}

func.func @u8s8_batched(%a: tensor<2x37x50xui8>, %b: tensor<2x50x29xi8>) -> tensor<2x37x29xi32> {
  %c = qnk.batch_matmul %a, %b : tensor<2x37x50xui8>, tensor<2x50x29xi8> -> tensor<2x37x29xi32>
  return %c : tensor<2x37x29xi32>
}

func.func @identity(%a: tensor<3x5xbf16>, %b: tensor<4xf16>, %c: tensor<2x2xi8>, %d: tensor<7xui8>, %e: tensor<2x3xi32>, %f: tensor<f32>)
    -> (tensor<3x5xbf16>, tensor<4xf16>, tensor<2x2xi8>, tensor<7xui8>, tensor<2x3xi32>, tensor<f32>) {
  return %a, %b, %c, %d, %e, %f : tensor<3x5xbf16>, tensor<4xf16>, tensor<2x2xi8>, tensor<7xui8>, tensor<2x3xi32>, tensor<f32>
}

func.func @i4_linear(%a: tensor<37x50xi4>, %b: tensor<29x50xui4>) -> tensor<37x29xi32> {
  %c = qnk.matmul %a, %b transpose_b : tensor<37x50xi4>, tensor<29x50xui4> -> tensor<37x29xi32>
  return %c : tensor<37x29xi32>
}
