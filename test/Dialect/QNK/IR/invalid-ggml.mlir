// RUN: qnk-opt %s -split-input-file -verify-diagnostics
// Every verifier error of qnk.unpack_ggml.

func.func @raw_type(%r: tensor<4x18xi16>) {
  // expected-error @+1 {{reads raw bytes (i8 or ui8), got 'i16'}}
  %v, %d = qnk.unpack_ggml %r format = q4_0 : tensor<4x18xi16> -> tensor<4x32xi4>, tensor<4x1xf16>
  return
}

// -----

func.func @raw_dynamic(%r: tensor<?x18xui8>) {
  // expected-error @+1 {{needs a static raw tensor of rank 1 or more}}
  %v, %d = qnk.unpack_ggml %r format = q4_0 : tensor<?x18xui8> -> tensor<?x32xi4>, tensor<?x1xf16>
  return
}

// -----

func.func @partial_block(%r: tensor<4x20xui8>) {
  // expected-error @+1 {{rows of q4_0 are whole blocks of 18 bytes, got a last dimension of 20}}
  %v, %d = qnk.unpack_ggml %r format = q4_0 : tensor<4x20xui8> -> tensor<4x32xi4>, tensor<4x1xf16>
  return
}

// -----

func.func @q8_partial_block(%r: tensor<4x36xi8>) {
  // expected-error @+1 {{rows of q8_0 are whole blocks of 34 bytes, got a last dimension of 36}}
  %v, %d = qnk.unpack_ggml %r format = q8_0 : tensor<4x36xi8> -> tensor<4x32xi8>, tensor<4x1xf16>
  return
}

// -----

func.func @values_type(%r: tensor<4x36xui8>) {
  // expected-error @+1 {{values must be 'tensor<4x64xi4>', got 'tensor<4x64xi8>'}}
  %v, %d = qnk.unpack_ggml %r format = q4_0 : tensor<4x36xui8> -> tensor<4x64xi8>, tensor<4x2xf16>
  return
}

// -----

func.func @values_shape(%r: tensor<4x68xui8>) {
  // expected-error @+1 {{values must be 'tensor<4x64xi8>', got 'tensor<4x32xi8>'}}
  %v, %d = qnk.unpack_ggml %r format = q8_0 : tensor<4x68xui8> -> tensor<4x32xi8>, tensor<4x2xf16>
  return
}

// -----

func.func @scales(%r: tensor<4x68xui8>) {
  // expected-error @+1 {{scales must be 'tensor<4x2xf16>', got 'tensor<4x2xf32>'}}
  %v, %d = qnk.unpack_ggml %r format = q8_0 : tensor<4x68xui8> -> tensor<4x64xi8>, tensor<4x2xf32>
  return
}

// -----

func.func @format(%r: tensor<4x68xui8>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'format' [q4_0, q8_0]}}
  %v, %d = qnk.unpack_ggml %r format = q5_k : tensor<4x68xui8> -> tensor<4x64xi8>, tensor<4x2xf16>
  return
}
