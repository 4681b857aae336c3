// RUN: qnk-opt %s --split-input-file --verify-diagnostics --qnk-cuda-outline-matmul="chip=sm_90a pointers=device"
// RUN: not qnk-opt %s --split-input-file --qnk-cuda-outline-matmul="pointers=unified" 2>&1 | FileCheck %s --check-prefix=VALUE

// VALUE: error: unknown pointers 'unified' (expected host or device)

// Host code cannot touch device memory: only matmuls of the arguments,
// returned once each, can take device pointers.

func.func @constant_operand(%a: tensor<16x32xi8>) -> tensor<16x8xi32> {
  // expected-error @below {{with device pointers (pointers=device), a function may only return qnk.matmul results of its arguments, each once (host code cannot touch device memory): 'arith.constant' is not a qnk.matmul}}
  %w = arith.constant dense<1> : tensor<8x32xi8>
  %c = qnk.matmul %a, %w transpose_b : tensor<16x32xi8>, tensor<8x32xi8> -> tensor<16x8xi32>
  return %c : tensor<16x8xi32>
}

// -----

func.func @block_argument(%a: tensor<16x32xi8>, %w: tensor<8x32xi8>) -> tensor<16x8xi32> {
  cf.br ^bb1(%a : tensor<16x32xi8>)
^bb1(%x: tensor<16x32xi8>):
  // expected-error @below {{operand is not an argument}}
  %c = qnk.matmul %x, %w transpose_b : tensor<16x32xi8>, tensor<8x32xi8> -> tensor<16x8xi32>
  return %c : tensor<16x8xi32>
}

// -----

func.func @returned_twice(%a: tensor<16x32xi8>, %w: tensor<8x32xi8>) -> (tensor<16x8xi32>, tensor<16x8xi32>) {
  // expected-error @below {{its result is not returned once}}
  %c = qnk.matmul %a, %w transpose_b : tensor<16x32xi8>, tensor<8x32xi8> -> tensor<16x8xi32>
  return %c, %c : tensor<16x8xi32>, tensor<16x8xi32>
}

// -----

func.func @argument_returned(%a: tensor<16x32xi8>) -> tensor<16x32xi8> {
  // expected-error @below {{a result is not a qnk.matmul's}}
  return %a : tensor<16x32xi8>
}

// -----

func.func @host_op(%a: tensor<16x32xbf16>, %b: tensor<8x32xbf16>) -> tensor<16x8xf32> {
  // expected-error @below {{'arith.addf' is not a qnk.matmul}}
  %a2 = arith.addf %a, %a : tensor<16x32xbf16>
  %c = qnk.matmul %a2, %b transpose_b : tensor<16x32xbf16>, tensor<8x32xbf16> -> tensor<16x8xf32>
  return %c : tensor<16x8xf32>
}
