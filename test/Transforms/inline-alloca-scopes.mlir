// RUN: qnk-opt %s --qnk-inline-alloca-scopes | FileCheck %s

// A scope without stack allocations disappears, even around ops of unknown
// effects; one with an alloca stays.
// CHECK-LABEL: func @inline
// CHECK-NOT: memref.alloca_scope
// CHECK: memref.alloc()
// CHECK: llvm.call_intrinsic "llvm.x86.sse.pause"
// CHECK: memref.dealloc
func.func @inline() {
  memref.alloca_scope {
    %m = memref.alloc() : memref<16xi8>
    llvm.call_intrinsic "llvm.x86.sse.pause"() : () -> ()
    memref.dealloc %m : memref<16xi8>
  }
  return
}

// CHECK-LABEL: func @keep
// CHECK: memref.alloca_scope
// CHECK:   memref.alloca()
func.func @keep() {
  memref.alloca_scope {
    %m = memref.alloca() : memref<16xi8>
  }
  return
}
