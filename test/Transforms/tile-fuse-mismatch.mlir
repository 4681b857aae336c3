// RUN: qnk-opt %s --qnk-tile | FileCheck %s
//
// The buffer below is a batched kr = 1 pack destination for qnk.pack and an
// unbatched kr = 4 packed A for qnk.packed_matmul. qnk-tile used to fuse the
// pack into its loops anyway, as a batched pack of blocks, silently changing
// what the matmul reads (found while reviewing for qnk-fuzz). The pack now
// stays whole, before the loops.

// CHECK-LABEL: func.func @mismatch
// CHECK: qnk.pack %arg0 into %[[BUF:.*]] panel_dim = 0 : memref<2x4x4xi8>, memref<2x1x4x4xi8>
// CHECK: scf.for
// CHECK-NOT: qnk.pack
// CHECK: qnk.packed_matmul ins(%{{.*}}, %{{.*}} : memref<?x1x4x4xi8
func.func @mismatch(%a: memref<2x4x4xi8>, %b: memref<1x1x8x4xi8>, %c: memref<8x8xi32>) {
  %ap = memref.alloc() : memref<2x1x4x4xi8>
  qnk.pack %a into %ap panel_dim = 0 : memref<2x4x4xi8>, memref<2x1x4x4xi8>
  qnk.packed_matmul ins(%ap, %b : memref<2x1x4x4xi8>, memref<1x1x8x4xi8>) outs(%c : memref<8x8xi32>) kernel = #qnk.nanokernel<dpbusd_u8s8, mr = 4, nv = 1, vector_length = 8, kr = 4>
  memref.dealloc %ap : memref<2x1x4x4xi8>
  return
}
