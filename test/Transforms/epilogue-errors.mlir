// RUN: not qnk-opt %s --split-input-file --qnk-set-target=target=x86-64-v3 --qnk-pack 2>&1 | FileCheck %s --check-prefix=PACK
// RUN: not qnk-opt %s --split-input-file --qnk-set-target=target=sapphirerapids --qnk-pack 2>&1 | FileCheck %s --check-prefix=PACK
// RUN: not qnk-opt %s --split-input-file --qnk-lower-to-reference 2>&1 | FileCheck %s --check-prefix=REF
// The passes after qnk-decompose-epilogues refuse the clauses they cannot
// apply instead of dropping them: qnk-pack hands dequantize/bias/activation
// to the nanokernels (vector or AMX) but not quantize(...); the reference
// lowering takes no clause.
// PACK: error: 'qnk.matmul' op has a quantize(...) epilogue: run qnk-decompose-epilogues first
// REF: error: 'qnk.matmul' op has an epilogue: run qnk-decompose-epilogues first
func.func @quantized(%a: tensor<64x64xbf16>, %b: tensor<64x64xbf16>, %so: tensor<f32>) -> tensor<64x64xi8> {
  %c = qnk.matmul %a, %b activation(relu) quantize(%so : tensor<f32>) : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xi8>
  return %c : tensor<64x64xi8>
}

