// RUN: qnk-opt %s --split-input-file --qnk-set-target=target=cooperlake --qnk-pack | FileCheck %s --check-prefix=CPX
// RUN: qnk-opt %s --split-input-file --qnk-set-target=target=alderlake --qnk-pack | FileCheck %s --check-prefix=ADL
// Native low-precision nanokernels: operands stay narrow in the panels.

// bf16 pairs for vdpbf16ps (AVX512-BF16); AVX2-class cores widen to f32.
// CPX-LABEL: func @bf16
// CPX: qnk.pack %arg0 into %{{.*}} panel_dim = 0 : tensor<37x129xbf16>, tensor<7x65x6x2xbf16>
// CPX: qnk.pack %arg1 into %{{.*}} panel_dim = 1 : tensor<129x50xbf16>, tensor<1x65x64x2xbf16>
// CPX: kernel = <dpbf16_f32, mr = 6, nv = 4, vector_length = 16, kr = 2>
// ADL-LABEL: func @bf16
// ADL: kernel = <fma_f32, mr = 4, nv = 3, vector_length = 8, kr = 1>
func.func @bf16(%a: tensor<37x129xbf16>, %b: tensor<129x50xbf16>) -> tensor<37x50xf32> {
  %c = qnk.matmul %a, %b : tensor<37x129xbf16>, tensor<129x50xbf16> -> tensor<37x50xf32>
  return %c : tensor<37x50xf32>
}

// -----

// u8 quads for vpdpbusd: AVX512-VNNI (zmm) on Cooper Lake, AVX-VNNI (ymm)
// on Alder Lake. The u8 bits are kept, no widening.
// CPX-LABEL: func @u8s8
// CPX: qnk.pack %arg0 into %{{.*}} panel_dim = 0 zero_extend : tensor<13x7xui8>, tensor<3x2x6x4xi8>
// CPX: qnk.pack %arg1 into %{{.*}} panel_dim = 1 : tensor<7x37xi8>, tensor<1x2x64x4xi8>
// CPX: kernel = <dpbusd_u8s8, mr = 6, nv = 4, vector_length = 16, kr = 4>
// ADL-LABEL: func @u8s8
// ADL: kernel = <dpbusd_u8s8, mr = 4, nv = 3, vector_length = 8, kr = 4>
func.func @u8s8(%a: tensor<13x7xui8>, %b: tensor<7x37xi8>) -> tensor<13x37xi32> {
  %c = qnk.matmul %a, %b : tensor<13x7xui8>, tensor<7x37xi8> -> tensor<13x37xi32>
  return %c : tensor<13x37xi32>
}
