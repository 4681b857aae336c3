// Every way qnk-run can be handed something it cannot run ends in a message
// (with a location where there is one) and a non-zero exit code, before
// anything is compiled or run.
// REQUIRES: fma
// RUN: rm -rf %t && mkdir -p %t

// RUN: not qnk-run %s -e nope 2>&1 | FileCheck %s --check-prefix=ENTRY
// ENTRY: errors.mlir:1:1: error: entry function 'nope' not found
// ENTRY: note: functions defined here: mm, make_64x32_f32, make_16x32_f32,

// RUN: not qnk-run %S/Inputs/malformed.mlir -e mm 2>&1 | FileCheck %s --check-prefix=MALFORMED
// MALFORMED: malformed.mlir:2:{{[0-9]+}}: error: expected '>'

// RUN: not qnk-run %t/missing.mlir -e mm 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: qnk-run: error: cannot open input file '{{.*}}missing.mlir'

// RUN: not qnk-run %s -e mm --target=foo 2>&1 | FileCheck %s --check-prefix=TARGET
// TARGET: qnk-run: error: unknown target CPU 'foo'

// RUN: not qnk-run %s -e mm --features=+bogus 2>&1 | FileCheck %s --check-prefix=FEATURE
// FEATURE: qnk-run: error: unknown target feature 'bogus'

// RUN: not qnk-run %s -e mm --threads=0 2>&1 | FileCheck %s --check-prefix=THREADS
// THREADS: qnk-run: error: --threads must be at least 1

// RUN: not qnk-run %s -e mm --output=%t/one.npy --output=%t/two.npy 2>&1 | FileCheck %s --check-prefix=OUTPUTS
// OUTPUTS: error: 'mm' returns 1 result(s) but 2 --output file(s) were given

// RUN: not qnk-run %s -e mm --output=%t/no-such-dir/c.npy 2>&1 | FileCheck %s --check-prefix=WRITE
// WRITE: qnk-run: error: cannot write '{{.*}}no-such-dir/c.npy'

// .npy inputs for @mm (64x32 x 32x16 f32) and the ways they go wrong; the
// identity functions below write .npy files of other shapes and types.
// RUN: qnk-run %s -e make_64x32_f32 --output=%t/a.npy
// RUN: qnk-run %s -e make_16x32_f32 --output=%t/b-transposed.npy
// RUN: qnk-run %s -e make_32x16_i8 --output=%t/b-i8.npy
// RUN: qnk-run %s -e make_32x16_f16 --output=%t/b-f16.npy
// RUN: qnk-run %s -e make_32x16_f32 --output=%t/b.npy
// RUN: qnk-run %s -e mm --input=%t/a.npy --input=%t/b.npy --verify --dump-asm=%t/mm.s | FileCheck %s --check-prefix=GOOD
// RUN: FileCheck %s --check-prefix=ASM < %t/mm.s
// GOOD: verified:
// ASM-LABEL: mm:
// ASM: vfmadd231ps {{.*}}%{{[yz]}}mm

// RUN: not qnk-run %s -e mm --input=%t/a.npy 2>&1 | FileCheck %s --check-prefix=COUNT
// COUNT: error: 'mm' takes 2 argument(s) but 1 --input file(s) were given (one per argument, in order)

// RUN: not qnk-run %s -e mm --input=%t/a.npy --input=%t/b-transposed.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// RUN: not qnk-run %s -e mm --input=%t/a.npy --input=%t/b-i8.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// RUN: not qnk-run %s -e mm --input=%t/a.npy --input=%t/b-f16.npy 2>&1 | FileCheck %s --check-prefix=DTYPE16
// RUN: not qnk-run %s -e mm --input=%t/a.npy --input=%t/none.npy 2>&1 | FileCheck %s --check-prefix=NONPY
// RUN: not qnk-run %s -e mm --input=%t/a.npy --input=%s 2>&1 | FileCheck %s --check-prefix=NOTNPY
// SHAPE: errors.mlir:[[@LINE+6]]:{{[0-9]+}}: error: input 1 ({{.*}}b-transposed.npy): expected shape 32x16 f32, got 16x32 f32
// DTYPE: errors.mlir:[[@LINE+5]]:{{[0-9]+}}: error: input 1 ({{.*}}b-i8.npy): expected shape 32x16 f32, got 32x16 i8
// DTYPE16: error: input 1 ({{.*}}b-f16.npy): expected shape 32x16 f32, got 32x16 f16
// NONPY: error: input 1 ({{.*}}none.npy): cannot open '{{.*}}none.npy'
// NOTNPY: error: input 1 ({{.*}}errors.mlir): '{{.*}}errors.mlir' is not a valid .npy file: bad magic string
func.func @mm(%a: tensor<64x32xf32>,
              %b: tensor<32x16xf32>) -> tensor<64x16xf32> {
  %c = qnk.matmul %a, %b : tensor<64x32xf32>, tensor<32x16xf32> -> tensor<64x16xf32>
  return %c : tensor<64x16xf32>
}

func.func @make_64x32_f32(%a: tensor<64x32xf32>) -> tensor<64x32xf32> {
  return %a : tensor<64x32xf32>
}
func.func @make_16x32_f32(%a: tensor<16x32xf32>) -> tensor<16x32xf32> {
  return %a : tensor<16x32xf32>
}
func.func @make_32x16_f32(%a: tensor<32x16xf32>) -> tensor<32x16xf32> {
  return %a : tensor<32x16xf32>
}
func.func @make_32x16_i8(%a: tensor<32x16xi8>) -> tensor<32x16xi8> {
  return %a : tensor<32x16xi8>
}
func.func @make_32x16_f16(%a: tensor<32x16xf16>) -> tensor<32x16xf16> {
  return %a : tensor<32x16xf16>
}

// RUN: not qnk-run %s -e decl 2>&1 | FileCheck %s --check-prefix=DECL
// DECL: errors.mlir:[[@LINE+1]]:1: error: entry function 'decl' is a declaration (no body)
func.func private @decl(%a: tensor<4xf32>) -> tensor<4xf32>

// RUN: not qnk-run %s -e scalar_arg 2>&1 | FileCheck %s --check-prefix=SCALAR
// SCALAR: errors.mlir:[[@LINE+1]]:{{[0-9]+}}: error: argument 1 of 'scalar_arg' has type 'f32'; entry functions must take and return ranked tensors of static shape
func.func @scalar_arg(%a: tensor<4xf32>, %s: f32) -> tensor<4xf32> {
  return %a : tensor<4xf32>
}

// RUN: not qnk-run %s -e unranked 2>&1 | FileCheck %s --check-prefix=UNRANKED
// UNRANKED: errors.mlir:[[@LINE+1]]:{{[0-9]+}}: error: argument 0 of 'unranked' has type 'tensor<*xf32>'
func.func @unranked(%a: tensor<*xf32>) -> tensor<4xf32> {
  %c = tensor.cast %a : tensor<*xf32> to tensor<4xf32>
  return %c : tensor<4xf32>
}

// RUN: not qnk-run %s -e dynamic 2>&1 | FileCheck %s --check-prefix=DYNAMIC
// DYNAMIC: errors.mlir:[[@LINE+1]]:{{[0-9]+}}: error: argument 0 of 'dynamic' has dynamic shape 'tensor<?x8xf32>'
func.func @dynamic(%a: tensor<?x8xf32>) -> tensor<?x8xf32> {
  return %a : tensor<?x8xf32>
}

// RUN: not qnk-run %s -e dynamic_result 2>&1 | FileCheck %s --check-prefix=DYNRESULT
// DYNRESULT: errors.mlir:[[@LINE+1]]:1: error: result 0 of 'dynamic_result' has dynamic shape 'tensor<?xf32>'
func.func @dynamic_result(%a: tensor<4xf32>) -> tensor<?xf32> {
  %c = tensor.cast %a : tensor<4xf32> to tensor<?xf32>
  return %c : tensor<?xf32>
}

// RUN: not qnk-run %s -e f64 2>&1 | FileCheck %s --check-prefix=F64
// F64: error: argument 0 of 'f64' has unsupported element type 'f64' (supported: f32, bf16, f16, f8E4M3FN, f8E5M2, i8, ui8, i4, ui4, i32, f4E2M1FN, f8E8M0FNU)
func.func @f64(%a: tensor<4xf64>) -> tensor<4xf64> {
  return %a : tensor<4xf64>
}

// RUN: not qnk-run %s -e no_result 2>&1 | FileCheck %s --check-prefix=NORESULT
// NORESULT: error: entry function 'no_result' returns nothing; it must return at least one tensor
func.func @no_result(%a: tensor<4xf32>) {
  return
}
