// RUN: qnk-opt %s -split-input-file -verify-diagnostics
//
// #qnk.cpu_target and #qnk.nanokernel are checked when parsed: the passes
// divide by, allocate from and look up what they hold (found by qnk-fuzz).

// The vector width must be the one the features give: kernel selection
// divided by vector_bits / 32 lanes (0 lanes crashed qnk-pack).
// expected-error @+1 {{vector_bits must be 256 for these features (512 with +avx512f, 256 with +avx or +avx2, else 128), got 0}}
module attributes {qnk.target = #qnk.cpu_target<cpu = "znver3", features = "+avx2,+fma", vector_bits = 0, vector_registers = 16, l1d_bytes = 32768, l2_bytes = 524288>} {}

// -----

// expected-error @+1 {{vector_bits must be 512 for these features}}
module attributes {qnk.target = #qnk.cpu_target<cpu = "skylake-avx512", features = "+avx2,+avx512f", vector_bits = 256, vector_registers = 32, l1d_bytes = 32768, l2_bytes = 1048576>} {}

// -----

// expected-error @+1 {{vector_registers must be in [4, 64], got 2}}
module attributes {qnk.target = #qnk.cpu_target<cpu = "haswell", features = "+avx2,+fma", vector_bits = 256, vector_registers = 2, l1d_bytes = 32768, l2_bytes = 262144>} {}

// -----

// expected-error @+1 {{cache sizes must be in [1, 2^40] bytes, got l1d_bytes = 0, l2_bytes = 262144}}
module attributes {qnk.target = #qnk.cpu_target<cpu = "haswell", features = "+avx2,+fma", vector_bits = 256, vector_registers = 16, l1d_bytes = 0, l2_bytes = 262144>} {}

// -----

// An unknown CPU name sent LLVM's CPU table lookup (qnk-annotate-llvm-target)
// past the end of the table.
// expected-error @+1 {{unknown x86-64 CPU 'bogus'}}
module attributes {qnk.target = #qnk.cpu_target<cpu = "bogus", features = "+avx2,+fma", vector_bits = 256, vector_registers = 16, l1d_bytes = 32768, l2_bytes = 524288>} {}

// -----

// expected-error @+1 {{kr must be 4 for dpbusd_u8s8, got 1}}
func.func private @f() attributes {k = #qnk.nanokernel<dpbusd_u8s8, mr = 6, nv = 2, vector_length = 8, kr = 1>}

// -----

// expected-error @+1 {{vector_length must be one of 4 8 16 for fma_f32, got 0}}
func.func private @f() attributes {k = #qnk.nanokernel<fma_f32, mr = 6, nv = 2, vector_length = 0, kr = 1>}

// -----

// expected-error @+1 {{vector_length must be one of 8 16 for pmaddwd_i16, got 4}}
func.func private @f() attributes {k = #qnk.nanokernel<pmaddwd_i16, mr = 6, nv = 2, vector_length = 4, kr = 2>}

// -----

// expected-error @+1 {{register block 0 x 2 must have mr in [1, 32], nv in [1, 16] and at most 64 accumulators}}
func.func private @f() attributes {k = #qnk.nanokernel<fma_f32, mr = 0, nv = 2, vector_length = 8, kr = 1>}

// -----

// expected-error @+1 {{register block 32 x 4 must have}}
func.func private @f() attributes {k = #qnk.nanokernel<fma_f32, mr = 32, nv = 4, vector_length = 8, kr = 1>}

// -----

// expected-error @+1 {{vector_length must be one of 16 for amx_bf16, got 8}}
func.func private @f() attributes {k = #qnk.nanokernel<amx_bf16, mr = 32, nv = 2, vector_length = 8, kr = 2>}

// -----

// expected-error @+1 {{AMX register block 24 x 2 must have mr a multiple of 16 and fit the eight tile registers}}
func.func private @f() attributes {k = #qnk.nanokernel<amx_s8s8, mr = 24, nv = 2, vector_length = 16, kr = 4>}

// -----

// expected-error @+1 {{AMX register block 16 x 4 must have}}
func.func private @f() attributes {k = #qnk.nanokernel<amx_u8s8, mr = 16, nv = 4, vector_length = 16, kr = 4>}
