// Targets: a named CPU this machine can run is compiled for exactly that
// CPU, feature overrides take features away for real (no AVX-512 code after
// -avx512f, even though the CPU name implies it), and a target whose code
// could use instructions this machine lacks is refused before anything runs.
// REQUIRES: avx2, fma
// RUN: rm -rf %t && mkdir -p %t

// RUN: qnk-run %s -e mm --target=x86-64-v3 --verify --dump-asm=%t/v3.s --json | FileCheck %s --check-prefix=V3
// RUN: FileCheck %s --check-prefix=AVX2 < %t/v3.s
// V3: "target": "x86-64-v3"
// V3: "verified": true

// RUN: qnk-run %s -e mm --features=-avx512f --verify --dump-asm=%t/no512.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=AVX2 < %t/no512.s
// CHECK: verified:
// AVX2-LABEL: mm:
// AVX2: vfmadd231ps {{.*}}%ymm
// AVX2-NOT: zmm

// A target the pipeline cannot serve fails with the pipeline's diagnostic.
// RUN: not qnk-run %s -e mm --features=-fma --verify 2>&1 | FileCheck %s --check-prefix=NOFMA
// NOFMA: target.mlir:[[@LINE+10]]:8: error: 'qnk.matmul' op target '{{.*}}' has no FMA

// The error names the features; nothing is run and no assembly written.
// RUN: not qnk-run %s -e mm --target=sapphirerapids --verify --dump-asm=%t/spr.s 2>&1 | FileCheck %s --check-prefix=LACKS
// RUN: not ls %t/spr.s
// LACKS: qnk-run: error: target 'sapphirerapids' (sapphirerapids) needs CPU features this machine lacks: {{[^;]*}}amx-tile{{[^;]*}}; nothing was run
// LACKS-NOT: verified
// UNSUPPORTED: amx-tile

func.func @mm(%a: tensor<37x50xf32>, %b: tensor<50x129xf32>) -> tensor<37x129xf32> {
  %c = qnk.matmul %a, %b : tensor<37x50xf32>, tensor<50x129xf32> -> tensor<37x129xf32>
  return %c : tensor<37x129xf32>
}
