// RUN: qnk-opt %s --split-input-file --qnk-legalize-bf16 | FileCheck %s

// Without AVX512-BF16, f32 -> bf16 rounds with integer ops (no
// __truncsfbf2 call later).
// CHECK-LABEL: func @avx2
// CHECK-NOT: arith.truncf
// CHECK: arith.bitcast %{{.*}} : vector<8xf32> to vector<8xi32>
// CHECK: arith.shrui
// CHECK: arith.bitcast %{{.*}} : vector<8xi16> to vector<8xbf16>
module attributes {qnk.target = #qnk.cpu_target<cpu = "x86-64-v3", features = "+avx,+avx2,+bmi,+bmi2,+cmov,+crc32,+cx16,+cx8,+f16c,+fma,+fxsr,+lzcnt,+mmx,+movbe,+popcnt,+sahf,+sse,+sse2,+sse3,+sse4.1,+sse4.2,+ssse3,+x87,+xsave", vector_bits = 256, vector_registers = 16, l1d_bytes = 32768, l2_bytes = 262144>} {
  func.func @avx2(%x: vector<8xf32>) -> vector<8xbf16> {
    %y = arith.truncf %x : vector<8xf32> to vector<8xbf16>
    return %y : vector<8xbf16>
  }
}

// -----

// With AVX512-BF16 the native conversion is kept.
// CHECK-LABEL: func @native
// CHECK: arith.truncf %{{.*}} : vector<16xf32> to vector<16xbf16>
module attributes {qnk.target = #qnk.cpu_target<cpu = "cooperlake", features = "+avx512f,+avx512bf16,+avx512bw,+avx512vl,+avx2,+avx,+fma", vector_bits = 512, vector_registers = 32, l1d_bytes = 32768, l2_bytes = 1048576>} {
  func.func @native(%x: vector<16xf32>) -> vector<16xbf16> {
    %y = arith.truncf %x : vector<16xf32> to vector<16xbf16>
    return %y : vector<16xbf16>
  }
}
