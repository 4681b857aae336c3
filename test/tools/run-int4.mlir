// Packed 4-bit operands (two per byte, the even element in the low nibble):
// the fast path matches the reference bit for bit, and the weights are
// widened to bytes while packing so the 8-bit nanokernels run on them:
// vpdpbusd where VNNI exists, vpmaddwd otherwise. The bytes are split into
// nibbles with byte shifts and interleaved (vpunpck*bw), never moved through
// memory one element at a time.
// REQUIRES: avx2, fma
// RUN: qnk-run %s -e linear --verify --dump-asm=%t.linear.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=DOT < %t.linear.s
// RUN: qnk-run %s -e linear --target=x86-64-v3 --verify --dump-asm=%t.linear-v3.s | FileCheck %s
// RUN: FileCheck %s --check-prefixes=PMADDWD,NIBBLES < %t.linear-v3.s
// RUN: qnk-run %s -e signed_a --verify | FileCheck %s
// RUN: qnk-run %s -e signed_a --target=x86-64-v3 --verify --seed=5 | FileCheck %s
// RUN: qnk-run %s -e unsigned --verify | FileCheck %s
// RUN: qnk-run %s -e unsigned --target=x86-64-v3 --verify | FileCheck %s
// RUN: qnk-run %s -e odd --verify | FileCheck %s
// RUN: qnk-run %s -e odd --target=x86-64-v3 --verify | FileCheck %s
// RUN: qnk-run %s -e batched --verify --threads=2 | FileCheck %s
// RUN: qnk-run %s -e decode --verify | FileCheck %s

// CHECK: verified: max_abs_err=0.000e+00 max_rel_err=0.000e+00
// DOT: {{vpdpbusd|vpmaddwd|vpdpwssd}} {{.*}}%{{[yz]}}mm
// PMADDWD-DAG: vpmaddwd {{.*}}%ymm
// NIBBLES-DAG: vpunpck{{[lh]}}bw

// W4A8: int8 activations times an int4 weight stored as PyTorch's Linear
// keeps it (N x K).
func.func @linear(%x: tensor<24x256xi8>, %w: tensor<96x256xi4>) -> tensor<24x96xi32> {
  %y = qnk.matmul %x, %w transpose_b : tensor<24x256xi8>, tensor<96x256xi4> -> tensor<24x96xi32>
  return %y : tensor<24x96xi32>
}

// A signed 4-bit A (offset by +128 for vpdpbusd) and a row-major int8 B.
func.func @signed_a(%a: tensor<40x130xi4>, %b: tensor<130x48xi8>) -> tensor<40x48xi32> {
  %c = qnk.matmul %a, %b : tensor<40x130xi4>, tensor<130x48xi8> -> tensor<40x48xi32>
  return %c : tensor<40x48xi32>
}

// Unsigned 4-bit on both sides (zero-extended; ui4 fits the signed operand).
func.func @unsigned(%a: tensor<17x64xui4>, %b: tensor<64x33xui4>) -> tensor<17x33xi32> {
  %c = qnk.matmul %a, %b : tensor<17x64xui4>, tensor<64x33xui4> -> tensor<17x33xi32>
  return %c : tensor<17x33xi32>
}

// Odd K and N: rows of the 4-bit operands start on half bytes.
func.func @odd(%a: tensor<37x33xi4>, %b: tensor<33x29xi4>) -> tensor<37x29xi32> {
  %c = qnk.matmul %a, %b : tensor<37x33xi4>, tensor<33x29xi4> -> tensor<37x29xi32>
  return %c : tensor<37x29xi32>
}

func.func @batched(%a: tensor<3x20x64xi8>, %b: tensor<3x50x64xi4>) -> tensor<3x20x50xi32> {
  %c = qnk.batch_matmul %a, %b transpose_b : tensor<3x20x64xi8>, tensor<3x50x64xi4> -> tensor<3x20x50xi32>
  return %c : tensor<3x20x50xi32>
}

// LLM decode: one token against a 4-bit weight.
func.func @decode(%x: tensor<1x512xui8>, %w: tensor<256x512xi4>) -> tensor<1x256xi32> {
  %y = qnk.matmul %x, %w transpose_b : tensor<1x512xui8>, tensor<256x512xi4> -> tensor<1x256xi32>
  return %y : tensor<1x256xi32>
}
