// RUN: qnk-opt %s --split-input-file --qnk-emulate-narrow-types --canonicalize --cse --verify-diagnostics | FileCheck %s

// A 4-bit argument becomes the bytes that hold it, linearized row-major with
// the even element in the low nibble; a scalar load reads its byte and
// shifts the nibble down.
// CHECK-DAG: #[[BYTE:.*]] = affine_map<()[s0, s1] -> (s0 * 4 + s1 floordiv 2)>
// CHECK-DAG: #[[SHIFT:.*]] = affine_map<()[s0] -> (s0 * 4 - (s0 floordiv 2) * 8)>
// CHECK-LABEL: func @scalar(
// CHECK-SAME: %[[M:.*]]: memref<24xi8>, %[[I:.*]]: index, %[[J:.*]]: index) -> i4
// CHECK: %[[B:.*]] = affine.apply #[[BYTE]]()[%[[I]], %[[J]]]
// CHECK: %[[X:.*]] = memref.load %[[M]][%[[B]]] : memref<24xi8>
// CHECK: %[[S:.*]] = affine.apply #[[SHIFT]]()[%[[J]]]
// CHECK: %[[C:.*]] = arith.index_cast %[[S]] : index to i8
// CHECK: %[[R:.*]] = arith.shrsi %[[X]], %[[C]] : i8
// CHECK: %[[T:.*]] = arith.trunci %[[R]] : i8 to i4
// CHECK: return %[[T]]
func.func @scalar(%m: memref<6x8xi4>, %i: index, %j: index) -> i4 {
  %v = memref.load %m[%i, %j] : memref<6x8xi4>
  return %v : i4
}

// -----

// Views are folded into the loads through them; a row of 32 nibbles is one
// 16-byte load, and its sign extension becomes byte shifts (no i4 vector
// arithmetic is left).
// CHECK-LABEL: func @row(
// CHECK-SAME: %[[M:.*]]: memref<2048xi8>
// CHECK: %[[V:.*]] = vector.load %[[M]][%{{.*}}] : memref<2048xi8>, vector<16xi8>
// CHECK-NOT: i4
// CHECK: arith.shrsi %{{.*}} : vector<16xi8>
// CHECK: return %{{.*}} : vector<32xi8>
func.func @row(%m: memref<64x64xi4>, %i: index, %j: index) -> vector<32xi8> {
  %c0 = arith.constant 0 : index
  %s = memref.subview %m[%i, %j] [8, 32] [1, 1] : memref<64x64xi4> to memref<8x32xi4, strided<[64, 1], offset: ?>>
  %v = vector.load %s[%c0, %c0] : memref<8x32xi4, strided<[64, 1], offset: ?>>, vector<32xi4>
  %w = arith.extsi %v : vector<32xi4> to vector<32xi8>
  return %w : vector<32xi8>
}

// -----

// Unsigned 4-bit arguments are read as signless bytes and what is loaded is
// relabelled (bit-identical), since arith shifts take signless integers.
// CHECK-LABEL: func @unsigned(
// CHECK-SAME: %[[M:.*]]: memref<8xi8>
// CHECK: %[[V:.*]] = vector.load %[[M]][%{{.*}}] : memref<8xi8>, vector<4xi8>
// CHECK: vector.bitcast %[[V]] : vector<4xi8> to vector<8xui4>
func.func @unsigned(%m: memref<16xui4>, %i: index) -> vector<8xui4> {
  %v = vector.load %m[%i] : memref<16xui4>, vector<8xui4>
  return %v : vector<8xui4>
}

// -----

// Modules without sub-byte buffers are left exactly as they are.
// CHECK-LABEL: func @bytes(
// CHECK-SAME: memref<4x8xi8>
// CHECK: memref.load %{{.*}} : memref<4x8xi8>
func.func @bytes(%m: memref<4x8xi8>, %i: index) -> i8 {
  %v = memref.load %m[%i, %i] : memref<4x8xi8>
  return %v : i8
}

// -----

// A 4-bit buffer of dynamic shape cannot be linearized: an error, not a
// silently byte-per-element access.
// expected-error @below {{cannot store the module's 4-bit buffers packed two per byte}}
module {
  func.func @dynamic(%m: memref<?x8xi4>, %i: index) -> i4 {
    // expected-error @+1 {{failed to legalize operation 'memref.load'}}
    %v = memref.load %m[%i, %i] : memref<?x8xi4>
    return %v : i4
  }
}
