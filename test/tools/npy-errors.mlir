// Malformed .npy inputs end in a message naming the file and what is wrong
// with it, before anything is compiled.
// RUN: rm -rf %t && mkdir -p %t && %python %S/Inputs/bad_npy.py %t
// RUN: not qnk-run %s -e id --input=%t/no-order.npy 2>&1 | FileCheck %s --check-prefix=KEYS
// RUN: not qnk-run %s -e id --input=%t/bad-shape.npy 2>&1 | FileCheck %s --check-prefix=DIM
// RUN: not qnk-run %s -e id --input=%t/huge.npy 2>&1 | FileCheck %s --check-prefix=HUGE
// KEYS: error: input 0 ({{.*}}no-order.npy): '{{.*}}no-order.npy' is not a valid .npy file: malformed header: missing 'descr', 'fortran_order' or 'shape'
// DIM: malformed header: expected a dimension in 'shape'
// A shape of 2^64 elements overflowed the element count (undefined
// behaviour) before it was compared with the file size.
// HUGE: is not a valid .npy file: the shape has more elements than memory can hold
func.func @id(%a: tensor<64x32xf32>) -> tensor<64x32xf32> {
  return %a : tensor<64x32xf32>
}
