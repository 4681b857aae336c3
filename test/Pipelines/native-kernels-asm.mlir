// Cross-compiled native nanokernels, checked in the machine code.
// RUN: qnk-opt %s --qnk-cpu-pipeline=target=cooperlake | mlir-translate --mlir-to-llvmir | llc -O3 | FileCheck %s --check-prefix=CPX
// RUN: qnk-opt %s --qnk-cpu-pipeline=target=alderlake | mlir-translate --mlir-to-llvmir | llc -O3 | FileCheck %s --check-prefix=ADL
// RUN: qnk-opt %s --qnk-cpu-pipeline=target=znver3 | mlir-translate --mlir-to-llvmir | llc -O3 | FileCheck %s --check-prefix=ZEN3

// CPX-LABEL: bf16:
// CPX: vdpbf16ps {{.*}}%zmm
// CPX-NOT: call{{.*}}__truncsfbf2
// CPX-LABEL: u8s8:
// CPX: vpbroadcastd
// CPX: vpdpbusd {{.*}}%zmm

// ADL-LABEL: bf16:
// ADL: vfmadd231ps {{.*}}%ymm
// ADL-LABEL: u8s8:
// ADL: {vex} vpdpbusd {{.*}}%ymm

// No VNNI on Zen 3: u8 x s8 goes through i16 pairs and vpmaddwd.
// ZEN3-LABEL: u8s8:
// ZEN3-NOT: vpdpbusd
// ZEN3: vpmaddwd {{.*}}%ymm

func.func @bf16(%a: tensor<37x129xbf16>, %b: tensor<129x50xbf16>) -> tensor<37x50xf32> {
  %c = qnk.matmul %a, %b : tensor<37x129xbf16>, tensor<129x50xbf16> -> tensor<37x50xf32>
  return %c : tensor<37x50xf32>
}

func.func @u8s8(%a: tensor<13x70xui8>, %b: tensor<70x37xi8>) -> tensor<13x37xi32> {
  %c = qnk.matmul %a, %b : tensor<13x70xui8>, tensor<70x37xi8> -> tensor<13x37xi32>
  return %c : tensor<13x37xi32>
}

// s8 x s8 on VNNI: vpdpbusd too, after a sign flip of A while packing
// (vpxor with 0x80 bytes) and the column sums of B (vpdpbusd against ones).
// CPX-LABEL: s8s8:
// CPX: vpdpbusd {{.*}}%zmm
// ADL-LABEL: s8s8:
// ADL: {vex} vpdpbusd {{.*}}%ymm
// ZEN3-LABEL: s8s8:
// ZEN3-NOT: vpdpbusd
// ZEN3: vpmaddwd {{.*}}%ymm
func.func @s8s8(%a: tensor<13x70xi8>, %b: tensor<70x37xi8>) -> tensor<13x37xi32> {
  %c = qnk.matmul %a, %b : tensor<13x70xi8>, tensor<70x37xi8> -> tensor<13x37xi32>
  return %c : tensor<13x37xi32>
}
