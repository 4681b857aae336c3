// qnk.softmax against numpy (float64) on .npy inputs: ordinary rows within
// 1e-5, fully masked rows exactly zero, rows holding a NaN or +inf all NaN,
// logits of +-1e30 finite; also through the reference pipeline (--verify).
// REQUIRES: avx2, fma, numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/softmax_tool.py gen %t/x.npy float32 6x1000 1 special
// RUN: %python %S/Inputs/softmax_tool.py mask %t/m.npy 6x1000 2
// RUN: qnk-run %s -e masked --input=%t/x.npy --input=%t/m.npy --output=%t/y.npy --verify
// RUN: %python %S/Inputs/softmax_tool.py check %t/x.npy %t/m.npy %t/y.npy 0.5 | FileCheck %s --check-prefix=MASKED
// MASKED: masked_rows=1 nan_rows=2 max_rel_err=

// RUN: %python %S/Inputs/softmax_tool.py gen %t/s.npy float32 5x17 3 special
// RUN: qnk-run %s -e special --input=%t/s.npy --output=%t/ys.npy --verify
// RUN: %python %S/Inputs/softmax_tool.py check %t/s.npy - %t/ys.npy 1.0 | FileCheck %s --check-prefix=SPECIAL
// SPECIAL: masked_rows=0 nan_rows=2 max_rel_err=

// RUN: %python %S/Inputs/softmax_tool.py gen %t/b.npy bfloat16 3x1000 4
// RUN: qnk-run %s -e bf16 --input=%t/b.npy --output=%t/yb.npy --verify
// RUN: %python %S/Inputs/softmax_tool.py check %t/b.npy - %t/yb.npy 1.0 | FileCheck %s --check-prefix=PLAIN
// RUN: qnk-run %s -e bf16 --input=%t/b.npy --output=%t/yb2.npy --threads=2
// RUN: %python %S/Inputs/softmax_tool.py check %t/b.npy - %t/yb2.npy 1.0 | FileCheck %s --check-prefix=PLAIN
// PLAIN: masked_rows=0 nan_rows=0 max_rel_err=

func.func @masked(%x: tensor<6x1000xf32>, %m: tensor<6x1000xf32>) -> tensor<6x1000xf32> {
  %y = qnk.softmax %x mask(%m : tensor<6x1000xf32>) axis = 1 scale = 0.5 : tensor<6x1000xf32> -> tensor<6x1000xf32>
  return %y : tensor<6x1000xf32>
}

func.func @special(%x: tensor<5x17xf32>) -> tensor<5x17xf32> {
  %y = qnk.softmax %x axis = 1 : tensor<5x17xf32> -> tensor<5x17xf32>
  return %y : tensor<5x17xf32>
}

func.func @bf16(%x: tensor<3x1000xbf16>) -> tensor<3x1000xbf16> {
  %y = qnk.softmax %x axis = 1 : tensor<3x1000xbf16> -> tensor<3x1000xbf16>
  return %y : tensor<3x1000xbf16>
}
