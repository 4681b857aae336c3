// RUN: qnk-opt %s --qnk-annotate-llvm-target | FileCheck %s
// The target moves from the module attribute onto every LLVM function, and
// the module attribute goes so that tools without QNK can read the module.
// CHECK: module {
// CHECK-NOT: qnk.target
// CHECK: llvm.func @f() attributes {target_cpu = "znver3", target_features = #llvm.target_features<["+avx", "+avx2", "+fma"]>}
module attributes {qnk.target = #qnk.cpu_target<cpu = "znver3", features = "+avx,+avx2,+fma", vector_bits = 256, vector_registers = 16, l1d_bytes = 32768, l2_bytes = 524288>} {
  llvm.func @f() {
    llvm.return
  }
}
