// RUN: qnk-opt %s --qnk-annotate-llvm-target | FileCheck %s
// The target moves from the module attribute onto every LLVM function, and
// the module attribute goes so that tools without QNK can read the module.
// CHECK: module {
// CHECK-NOT: qnk.target
// Features the CPU name implies but the target lacks are disabled
// explicitly (LLVM would otherwise add them back from the CPU name).
// CHECK: llvm.func @f() attributes {target_cpu = "znver4", target_features = #llvm.target_features<[{{.*}}"-avx512f"{{.*}}"+avx", "+avx2", "+fma"]>}
// CHECK-NOT: "-avx2"
module attributes {qnk.target = #qnk.cpu_target<cpu = "znver4", features = "+avx,+avx2,+fma", vector_bits = 256, vector_registers = 16, l1d_bytes = 32768, l2_bytes = 524288>} {
  llvm.func @f() {
    llvm.return
  }
}
