// fp4 and E8M0 tensors cross the qnk-run boundary as .npy files the way
// ml_dtypes and np.save write them (one code per byte; fp4 packed two per
// byte for the kernel and unpacked again for the output), bit for bit.
// REQUIRES: avx2, fma, numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/fp4_npy.py gen %t/q.npy %t/s.npy
// RUN: qnk-run %s -e roundtrip --input=%t/q.npy --input=%t/s.npy --output=%t/y.npy --output=%t/q2.npy --verify | FileCheck %s --check-prefix=VERIFY
// RUN: %python %S/Inputs/fp4_npy.py check %t/q.npy %t/s.npy %t/y.npy %t/q2.npy | FileCheck %s
// VERIFY: verified: max_abs_err=0.000e+00 max_rel_err=0.000e+00
// CHECK: dequantized exact=True requantized codes equal=True

func.func @roundtrip(%q: tensor<6x64xf4E2M1FN>, %s: tensor<6x2xf8E8M0FNU>) -> (tensor<6x64xf32>, tensor<6x64xf4E2M1FN>) {
  %y = qnk.dequantize %q, %s axis = 1 group_size = 32 : tensor<6x64xf4E2M1FN>, tensor<6x2xf8E8M0FNU> -> tensor<6x64xf32>
  %r = qnk.quantize %y, %s axis = 1 group_size = 32 : tensor<6x64xf32>, tensor<6x2xf8E8M0FNU> -> tensor<6x64xf4E2M1FN>
  return %y, %r : tensor<6x64xf32>, tensor<6x64xf4E2M1FN>
}
