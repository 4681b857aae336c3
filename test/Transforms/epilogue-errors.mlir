// RUN: not qnk-opt %s --split-input-file --qnk-set-target=target=x86-64-v3 --qnk-pack 2>&1 | FileCheck %s --check-prefix=PACK
// RUN: not qnk-opt %s --split-input-file --qnk-lower-to-reference 2>&1 | FileCheck %s --check-prefix=REF
// The passes after qnk-decompose-epilogues refuse an epilogue instead of
// dropping it.
// PACK: error: 'qnk.matmul' op has an epilogue: run qnk-decompose-epilogues first
// REF: error: 'qnk.matmul' op has an epilogue: run qnk-decompose-epilogues first
func.func @relu(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  %c = qnk.matmul %a, %b activation(relu) : tensor<4x8xf32>, tensor<8x4xf32> -> tensor<4x4xf32>
  return %c : tensor<4x4xf32>
}
