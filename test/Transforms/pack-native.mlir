// RUN: qnk-opt %s --split-input-file --qnk-set-target=target=cooperlake --qnk-pack | FileCheck %s --check-prefix=CPX
// RUN: qnk-opt %s --split-input-file --qnk-set-target=target=alderlake --qnk-pack | FileCheck %s --check-prefix=ADL
// RUN: qnk-opt %s --split-input-file --qnk-set-target=target=sapphirerapids --qnk-pack | FileCheck %s --check-prefix=SPR
// Native low-precision nanokernels: operands stay narrow in the panels.

// bf16 pairs for vdpbf16ps (AVX512-BF16); AVX2-class cores widen to f32.
// CPX-LABEL: func @bf16
// CPX: qnk.pack %arg0 into %{{.*}} panel_dim = 0 : tensor<37x129xbf16>, tensor<7x65x6x2xbf16>
// CPX: qnk.pack %arg1 into %{{.*}} panel_dim = 1 : tensor<129x50xbf16>, tensor<1x65x64x2xbf16>
// CPX: kernel = <dpbf16_f32, mr = 6, nv = 4, vector_length = 16, kr = 2>
// ADL-LABEL: func @bf16
// ADL: kernel = <fma_f32, mr = 4, nv = 3, vector_length = 8, kr = 1>
// AMX: A in 64-byte rows of K (32 bf16), B in bf16 pairs with K padded to
// whole tiles (160 = 5 x 32).
// SPR-LABEL: func @bf16
// SPR: qnk.pack %arg0 into %{{.*}} panel_dim = 0 : tensor<37x129xbf16>, tensor<2x5x32x32xbf16>
// SPR: qnk.pack %arg1 into %{{.*}} panel_dim = 1 : tensor<129x50xbf16>, tensor<2x80x32x2xbf16>
// SPR: kernel = <amx_bf16, mr = 32, nv = 2, vector_length = 16, kr = 2>
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
// SPR-LABEL: func @u8s8
// SPR: kernel = <dpbusd_u8s8, mr = 6, nv = 4, vector_length = 16, kr = 4>
func.func @u8s8(%a: tensor<13x7xui8>, %b: tensor<7x37xi8>) -> tensor<13x37xi32> {
  %c = qnk.matmul %a, %b : tensor<13x7xui8>, tensor<7x37xi8> -> tensor<13x37xi32>
  return %c : tensor<13x37xi32>
}

// -----

// SPR-LABEL: func @s8s8_amx
// SPR: qnk.pack %arg0 into %{{.*}} panel_dim = 0 : tensor<40x70xi8>, tensor<2x2x32x64xi8>
// SPR: qnk.pack %arg1 into %{{.*}} panel_dim = 1 : tensor<70x20xi8>, tensor<1x32x32x4xi8>
// SPR: kernel = <amx_s8s8, mr = 32, nv = 2, vector_length = 16, kr = 4>
func.func @s8s8_amx(%a: tensor<40x70xi8>, %b: tensor<70x20xi8>) -> tensor<40x20xi32> {
  %c = qnk.matmul %a, %b : tensor<40x70xi8>, tensor<70x20xi8> -> tensor<40x20xi32>
  return %c : tensor<40x20xi32>
}

// -----

// fp8 is decoded exactly to bf16 while packing, then runs the bf16 kernels
// (f32 FMA where there is no native bf16).
// CPX-LABEL: func @fp8
// CPX: qnk.pack %arg0 into %{{.*}} panel_dim = 0 : tensor<40x70xf8E4M3FN>, tensor<7x35x6x2xbf16>
// CPX: qnk.pack %arg1 into %{{.*}} panel_dim = 1 : tensor<70x20xf8E5M2>, tensor<1x35x64x2xbf16>
// CPX: kernel = <dpbf16_f32
// ADL-LABEL: func @fp8
// ADL: qnk.pack %arg0 into %{{.*}} panel_dim = 0 : tensor<40x70xf8E4M3FN>, tensor<10x70x4xf32>
// ADL: kernel = <fma_f32
// SPR-LABEL: func @fp8
// SPR: kernel = <amx_bf16
func.func @fp8(%a: tensor<40x70xf8E4M3FN>, %b: tensor<70x20xf8E5M2>) -> tensor<40x20xf32> {
  %c = qnk.matmul %a, %b : tensor<40x70xf8E4M3FN>, tensor<70x20xf8E5M2> -> tensor<40x20xf32>
  return %c : tensor<40x20xf32>
}

// -----

// s8 x s8 on VNNI: A is stored + 128 (as u8 bits) for vpdpbusd.
// CPX-LABEL: func @s8s8
// CPX: qnk.pack %arg0 into %{{.*}} panel_dim = 0 bias_to_unsigned : tensor<13x7xi8>, tensor<3x2x6x4xi8>
// CPX: qnk.pack %arg1 into %{{.*}} panel_dim = 1 : tensor<7x37xi8>, tensor<1x2x64x4xi8>
// CPX: kernel = <dpbusd_s8s8, mr = 6, nv = 4, vector_length = 16, kr = 4>
// ADL-LABEL: func @s8s8
// ADL: kernel = <dpbusd_s8s8, mr = 4, nv = 3, vector_length = 8, kr = 4>
// SPR-LABEL: func @s8s8
// SPR: kernel = <dpbusd_s8s8
func.func @s8s8(%a: tensor<13x7xi8>, %b: tensor<7x37xi8>) -> tensor<13x37xi32> {
  %c = qnk.matmul %a, %b : tensor<13x7xi8>, tensor<7x37xi8> -> tensor<13x37xi32>
  return %c : tensor<13x37xi32>
}
