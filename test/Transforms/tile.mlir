// RUN: qnk-opt %s --split-input-file --qnk-tile="kc=256 mc=128" --canonicalize --cse | FileCheck %s

// Cache blocking with the operand packs fused into the loops: B is packed
// one K block at a time, A one (M, K) block at a time, into block buffers
// that replace the whole-matrix packed buffers. The first K block overwrites
// C, later ones accumulate.
// CHECK-LABEL: func @tile
// CHECK-DAG: %[[ABLK:.*]] = memref.alloc() {alignment = 64 : i64} : memref<32x256x4xf32>
// CHECK-DAG: %[[BBLK:.*]] = memref.alloc() {alignment = 64 : i64} : memref<3x256x24xf32>
// CHECK-NOT: memref<75x1000x4xf32>
// CHECK: qnk.pack %{{.*}} into %{{.*}} panel_dim = 1
// CHECK: scf.for %{{.*}} = %c0 to %c300 step %c128
// CHECK:   qnk.pack %{{.*}} into %{{.*}} panel_dim = 0
// CHECK:   qnk.packed_matmul ins({{.*}}) outs({{.*}}) kernel = <fma_f32, mr = 4, nv = 3, vector_length = 8, kr = 1>{{$}}
// CHECK: scf.for %[[K:.*]] = %c256 to %c1000 step %c256
// CHECK:   memref.subview %arg1[%[[K]], 0]
// CHECK:   qnk.pack %{{.*}} into %{{.*}} panel_dim = 1
// CHECK:   scf.for
// CHECK:     qnk.pack %{{.*}} into %{{.*}} panel_dim = 0
// CHECK:     qnk.packed_matmul {{.*}} accumulate
// CHECK-DAG: memref.dealloc %[[ABLK]] :
// CHECK-DAG: memref.dealloc %[[BBLK]] :
func.func @tile(%a: memref<300x1000xf32>, %b: memref<1000x50xf32>, %c: memref<300x50xf32>) {
  %ap = memref.alloc() : memref<75x1000x4xf32>
  qnk.pack %a into %ap panel_dim = 0 : memref<300x1000xf32>, memref<75x1000x4xf32>
  %bp = memref.alloc() : memref<3x1000x24xf32>
  qnk.pack %b into %bp panel_dim = 1 : memref<1000x50xf32>, memref<3x1000x24xf32>
  qnk.packed_matmul ins(%ap, %bp : memref<75x1000x4xf32>, memref<3x1000x24xf32>) outs(%c : memref<300x50xf32>) kernel = <fma_f32, mr = 4, nv = 3, vector_length = 8, kr = 1>
  memref.dealloc %ap : memref<75x1000x4xf32>
  memref.dealloc %bp : memref<3x1000x24xf32>
  return
}

// -----

// Batched, with an in-place (row-major) A: one batch view per iteration.
// CHECK-LABEL: func @batched
// CHECK: scf.for %[[I:.*]] = %c0 to %c2 step %c1
// CHECK:   memref.subview %arg0[%[[I]], 0, 0] [1, 3, 40] [1, 1, 1] : memref<2x3x40xf32> to memref<3x40xf32
// CHECK:   memref.subview %arg1[%[[I]], 0, 0] [1, 40, 50] [1, 1, 1]
// CHECK:   qnk.pack
// CHECK:   qnk.packed_matmul ins(%{{.*}}, %{{.*}} : memref<?x40xf32
func.func @batched(%a: memref<2x3x40xf32>, %b: memref<2x40x50xf32>, %c: memref<2x3x50xf32>) {
  %bp = memref.alloc() : memref<2x3x40x24xf32>
  qnk.pack %b into %bp panel_dim = 1 : memref<2x40x50xf32>, memref<2x3x40x24xf32>
  qnk.packed_matmul ins(%a, %bp : memref<2x3x40xf32>, memref<2x3x40x24xf32>) outs(%c : memref<2x3x50xf32>) kernel = <fma_f32, mr = 4, nv = 3, vector_length = 8, kr = 1>
  memref.dealloc %bp : memref<2x3x40x24xf32>
  return
}
