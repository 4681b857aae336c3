// RUN: qnk-opt %s --qnk-set-target=target=znver3 | FileCheck %s --check-prefix=ZEN3
// RUN: qnk-opt %s --qnk-set-target=target=skylake-avx512 | FileCheck %s --check-prefix=SKX
// RUN: qnk-opt %s --qnk-set-target="target=skylake-avx512 features=-avx512f" | FileCheck %s --check-prefix=NO512
// RUN: qnk-opt %s --qnk-set-target="target=haswell features=+avx512bw" | FileCheck %s --check-prefix=IMPLIED
// RUN: qnk-opt %s --qnk-set-target=target=sapphirerapids | FileCheck %s --check-prefix=SPR
// RUN: qnk-opt %s --qnk-set-target=target=host | FileCheck %s --check-prefix=HOST
// RUN: not qnk-opt %s --qnk-set-target=target=pentium9 2>&1 | FileCheck %s --check-prefix=BADCPU
// RUN: not qnk-opt %s --qnk-set-target="target=znver3 features=+avx9000" 2>&1 | FileCheck %s --check-prefix=BADFEAT
// RUN: not qnk-opt %s --qnk-set-target="target=znver3 features=avx2" 2>&1 | FileCheck %s --check-prefix=NOSIGN

// ZEN3: qnk.target = #qnk.cpu_target<cpu = "znver3", features = "{{.*}}+avx2,{{.*}}+fma,{{.*}}", vector_bits = 256, vector_registers = 16, l1d_bytes = 32768, l2_bytes = 524288>
// ZEN3-NOT: avx512f
// SKX: cpu = "skylake-avx512", features = "{{.*}}+avx512bw,{{.*}}+avx512f,{{.*}}", vector_bits = 512, vector_registers = 32, l1d_bytes = 32768, l2_bytes = 1048576
// -avx512f also removes everything that implies it.
// NO512: cpu = "skylake-avx512", features = "{{.*}}+avx2,{{.*}}", vector_bits = 256, vector_registers = 16
// NO512-NOT: avx512
// IMPLIED: cpu = "haswell", features = "{{.*}}+avx512bw,{{.*}}+avx512f,{{.*}}", vector_bits = 512, vector_registers = 32
// SPR: cpu = "sapphirerapids", features = "{{.*}}+amx-bf16,{{.*}}+amx-int8,{{.*}}+avx512bf16,{{.*}}+avx512vnni,{{.*}}", vector_bits = 512, vector_registers = 32, l1d_bytes = 49152, l2_bytes = 2097152
// HOST: qnk.target = #qnk.cpu_target<cpu = "{{[a-z0-9-]+}}"
// HOST-NOT: cpu = "host"
// BADCPU: error: unknown target CPU 'pentium9' (expected an LLVM x86-64 CPU name such as znver3, haswell, skylake-avx512, sapphirerapids, or 'host')
// BADFEAT: error: unknown target feature 'avx9000' for x86-64
// NOSIGN: error: target feature 'avx2' must start with '+' or '-'
module {
}
