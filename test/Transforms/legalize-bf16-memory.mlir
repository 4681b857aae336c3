// RUN: qnk-opt %s --qnk-legalize-bf16-memory | FileCheck %s

// bf16 goes through memory as i16 bits; other types are left alone.
// CHECK-LABEL: llvm.func @accesses
// CHECK-SAME: (%[[P:.*]]: !llvm.ptr, %[[M:.*]]: vector<5xi1>, %[[V:.*]]: vector<5xbf16>, %[[S:.*]]: bf16, %[[PS:.*]]: vector<5x!llvm.ptr>)
llvm.func @accesses(%p: !llvm.ptr, %m: vector<5xi1>, %v: vector<5xbf16>,
                    %s: bf16, %ps: vector<5x!llvm.ptr>) {
  // CHECK: %[[L:.*]] = llvm.load %[[P]] {alignment = 2 : i64} : !llvm.ptr -> i16
  // CHECK: %[[LF:.*]] = llvm.bitcast %[[L]] : i16 to bf16
  %l = llvm.load %p {alignment = 2 : i64} : !llvm.ptr -> bf16
  // CHECK: %[[SB:.*]] = llvm.bitcast %[[LF]] : bf16 to i16
  // CHECK: llvm.store %[[SB]], %[[P]] : i16, !llvm.ptr
  llvm.store %l, %p : bf16, !llvm.ptr
  // CHECK: %[[PT:.*]] = llvm.bitcast %[[V]] : vector<5xbf16> to vector<5xi16>
  // CHECK: %[[ML:.*]] = llvm.intr.masked.load %[[P]], %[[M]], %[[PT]] {alignment = 2 : i32} : (!llvm.ptr, vector<5xi1>, vector<5xi16>) -> vector<5xi16>
  // CHECK: %[[MLF:.*]] = llvm.bitcast %[[ML]] : vector<5xi16> to vector<5xbf16>
  %ml = llvm.intr.masked.load %p, %m, %v {alignment = 2 : i32} : (!llvm.ptr, vector<5xi1>, vector<5xbf16>) -> vector<5xbf16>
  // CHECK: %[[MSB:.*]] = llvm.bitcast %[[MLF]] : vector<5xbf16> to vector<5xi16>
  // CHECK: llvm.intr.masked.store %[[MSB]], %[[P]], %[[M]] {alignment = 2 : i32} : vector<5xi16>, vector<5xi1> into !llvm.ptr
  llvm.intr.masked.store %ml, %p, %m {alignment = 2 : i32} : vector<5xbf16>, vector<5xi1> into !llvm.ptr
  // CHECK: %[[G:.*]] = llvm.intr.masked.gather %[[PS]], %[[M]], %{{.*}} {alignment = 2 : i32} : (vector<5x!llvm.ptr>, vector<5xi1>, vector<5xi16>) -> vector<5xi16>
  // CHECK: %[[GF:.*]] = llvm.bitcast %[[G]] : vector<5xi16> to vector<5xbf16>
  %g = llvm.intr.masked.gather %ps, %m, %v {alignment = 2 : i32} : (vector<5x!llvm.ptr>, vector<5xi1>, vector<5xbf16>) -> vector<5xbf16>
  // CHECK: %[[GB:.*]] = llvm.bitcast %[[GF]] : vector<5xbf16> to vector<5xi16>
  // CHECK: llvm.intr.masked.scatter %[[GB]], %[[PS]], %[[M]] {alignment = 2 : i32} : vector<5xi16>, vector<5xi1> into vector<5x!llvm.ptr>
  llvm.intr.masked.scatter %g, %ps, %m {alignment = 2 : i32} : vector<5xbf16>, vector<5xi1> into vector<5x!llvm.ptr>
  // CHECK: %[[SS:.*]] = llvm.bitcast %[[S]] : bf16 to i16
  // CHECK: llvm.store %[[SS]], %[[P]] : i16, !llvm.ptr
  llvm.store %s, %p : bf16, !llvm.ptr
  // CHECK: %[[F:.*]] = llvm.load %[[P]] : !llvm.ptr -> vector<4xf32>
  // CHECK: llvm.store %[[F]], %[[P]] : vector<4xf32>, !llvm.ptr
  %f = llvm.load %p : !llvm.ptr -> vector<4xf32>
  llvm.store %f, %p : vector<4xf32>, !llvm.ptr
  llvm.return
}
