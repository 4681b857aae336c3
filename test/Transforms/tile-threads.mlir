// RUN: qnk-opt %s --split-input-file --qnk-tile="threads=4" --canonicalize --cse | FileCheck %s

// Wide N: the N-block loop is split across threads; every parallel
// iteration allocates, packs into and frees its own block buffers.
// CHECK-LABEL: func @split_n
// CHECK-NOT: memref.alloc
// CHECK: scf.parallel (%[[J:.*]]) = (%c0) to (%c4096) step (%c240) {
// CHECK:   %[[BB:.*]] = memref.alloc() {alignment = 64 : i64} : memref<10x256x24xf32>
// CHECK:   %[[AB:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x256x4xf32>
// CHECK:   qnk.pack {{.*}} panel_dim = 1
// CHECK:   qnk.pack {{.*}} panel_dim = 0
// CHECK:   qnk.packed_matmul
// CHECK:   memref.dealloc %[[AB]]
// CHECK:   memref.dealloc %[[BB]]
// CHECK:   scf.reduce
func.func @split_n(%a: memref<16x512xf32>, %b: memref<512x4096xf32>, %c: memref<16x4096xf32>) {
  %ap = memref.alloc() : memref<4x512x4xf32>
  qnk.pack %a into %ap panel_dim = 0 : memref<16x512xf32>, memref<4x512x4xf32>
  %bp = memref.alloc() : memref<171x512x24xf32>
  qnk.pack %b into %bp panel_dim = 1 : memref<512x4096xf32>, memref<171x512x24xf32>
  qnk.packed_matmul ins(%ap, %bp : memref<4x512x4xf32>, memref<171x512x24xf32>) outs(%c : memref<16x4096xf32>) kernel = <fma_f32, mr = 4, nv = 3, vector_length = 8, kr = 1>
  memref.dealloc %ap : memref<4x512x4xf32>
  memref.dealloc %bp : memref<171x512x24xf32>
  return
}

// -----

// Narrow N, tall M: the M-block loop is split; B blocks are packed once and
// shared, A blocks per thread.
// CHECK-LABEL: func @split_m
// CHECK: %[[BB:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x256x24xf32>
// CHECK: qnk.pack {{.*}} panel_dim = 1
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c1000) step (%c128) {
// CHECK:   %[[AB:.*]] = memref.alloc() {alignment = 64 : i64} : memref<32x256x4xf32>
// CHECK:   qnk.pack {{.*}} panel_dim = 0
// CHECK:   qnk.packed_matmul
// CHECK:   memref.dealloc %[[AB]]
func.func @split_m(%a: memref<1000x300xf32>, %b: memref<300x20xf32>, %c: memref<1000x20xf32>) {
  %ap = memref.alloc() : memref<250x300x4xf32>
  qnk.pack %a into %ap panel_dim = 0 : memref<1000x300xf32>, memref<250x300x4xf32>
  %bp = memref.alloc() : memref<1x300x24xf32>
  qnk.pack %b into %bp panel_dim = 1 : memref<300x20xf32>, memref<1x300x24xf32>
  qnk.packed_matmul ins(%ap, %bp : memref<250x300x4xf32>, memref<1x300x24xf32>) outs(%c : memref<1000x20xf32>) kernel = <fma_f32, mr = 4, nv = 3, vector_length = 8, kr = 1>
  memref.dealloc %ap : memref<250x300x4xf32>
  memref.dealloc %bp : memref<1x300x24xf32>
  return
}
