//===- Passes.td - QNK passes ------------------------------*- tablegen -*-===//
//
// Every pass of the CPU pipeline is declared here, once, with its options.
//
//===----------------------------------------------------------------------===//

#ifndef QNK_TRANSFORMS_PASSES
#define QNK_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def QNKSetTarget : Pass<"qnk-set-target", "mlir::ModuleOp"> {
  let summary = "Resolve the target CPU and attach it to the module";
  let description = [{
    Resolves `target` (an LLVM x86-64 CPU name, or `host` for the running
    CPU) with the `features` overrides (`+name` / `-name`, LLVM spelling) into
    a `#qnk.cpu_target` stored as the module attribute `qnk.target`. Every
    later decision reads that attribute, so cross-compiling is a matter of
    naming another CPU. An unknown CPU or feature is an error.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"host\"",
           "LLVM CPU name (znver3, haswell, skylake-avx512, sapphirerapids, "
           "...) or host">,
    ListOption<"features", "features", "std::string",
               "Feature overrides, e.g. +avx512f,-avx512bw">
  ];
  let dependentDialects = ["qnk::QNKDialect"];
}

def QNKRaiseLinalg : Pass<"qnk-raise-linalg"> {
  let summary = "Raise linalg matmuls on tensors to qnk ops";
  let description = [{
    Turns `linalg.matmul` (including the transposed forms that torch-mlir and
    StableHLO produce through `indexing_maps`) and `linalg.batch_matmul` on
    tensors into `qnk.matmul` / `qnk.batch_matmul`. An accumulator that is not
    a zero fill is added back with `linalg.add`. Ops with unsupported element
    types or cast semantics are left alone.
  }];
  let dependentDialects = ["qnk::QNKDialect", "mlir::linalg::LinalgDialect"];
}

def QNKLowerToReference : Pass<"qnk-lower-to-reference"> {
  let summary = "Lower qnk ops to their reference linalg/arith semantics";
  let description = [{
    The numeric oracle: every qnk op becomes plain `linalg.generic` +
    `arith` that states its semantics directly (widen each operand, multiply,
    accumulate). The fast pipelines are checked against this lowering.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::vector::VectorDialect"];
}

def QNKImportQuantTypes : Pass<"qnk-import-quant-types", "mlir::ModuleOp"> {
  let summary = "Map !quant.uniform tensors to QNK storage tensors and ops";
  let description = [{
    Function arguments and results of `!quant.uniform` element type become
    their storage tensors (i8, ui8, i4, ui4); `quant.dcast` / `quant.qcast`
    become `qnk.dequantize` / `qnk.quantize` with the type's scales and zero
    points as constants (per tensor, per axis, or sub-channel blocks along
    one dimension); `quant.scast` disappears. Quantized types that QNK
    cannot state (narrowed storage ranges, non-f32 expressed types, blocks
    along several dimensions) are diagnosed.
  }];
  let dependentDialects = ["qnk::QNKDialect", "mlir::arith::ArithDialect"];
}

def QNKDecomposeEpilogues : Pass<"qnk-decompose-epilogues"> {
  let summary = "Split qnk.matmul epilogues into element-wise ops";
  let description = [{
    A `qnk.matmul` with `dequantize`, `bias`, `activation` or `quantize`
    clauses becomes a plain `qnk.matmul` (accumulator type) followed by one
    element-wise `linalg.generic` (f32) and, for `quantize`, a
    `qnk.quantize`. erf, tanh and exp are expanded into upstream MLIR's
    polynomial approximations. Both pipelines run it, so the epilogue's
    numbers are the same in each. With `keep-fusable` (the CPU pipeline)
    `dequantize`, `bias` and `activation` stay on matmuls whose nanokernel
    applies them to its accumulators in registers (the vector kernels, not
    AMX); only `quantize` is split off those.
  }];
  let options = [
    Option<"keepFusable", "keep-fusable", "bool", /*default=*/"false",
           "Keep the clauses a vector nanokernel applies in registers">
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::x86vector::X86VectorDialect"];
}

def QNKLowerQuantization : Pass<"qnk-lower-quantization"> {
  let summary = "Lower qnk.quantize / dequantize / requantize to linalg";
  let description = [{
    States the quantization ops as element-wise `linalg.generic` ops with
    exact arithmetic (docs/numerics.md): one f32 division or multiplication,
    round half to even, saturation, integer zero points, and 64-bit
    fixed-point requantization. Both pipelines run it, so the reference and
    the fast path compute the same numbers by construction.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::vector::VectorDialect"];
}

def QNKPack : Pass<"qnk-pack"> {
  let summary = "Pack matmul operands into nanokernel panels";
  let description = [{
    Chooses the nanokernel for each `qnk.matmul` / `qnk.batch_matmul` from the
    module's `#qnk.cpu_target` and the operand types, and rewrites the op into
    `qnk.pack` of B into `[N/nr, K/kr, nr(, kr)]` panels (and of A into
    `[M/mr, K/kr, mr(, kr)]` panels when A is reused by more than one register
    block, is transposed, or needs widening), followed by
    `qnk.packed_matmul`. Conversions happen while packing: bf16/f16 to f32
    for FMA kernels, fp8 decoded exactly to bf16 or f32, 8-bit integers to
    i16 pairs for `vpmaddwd`, s8 offset to u8 for `vpdpbusd`. AMX kernels
    get A in 64-byte rows of K and B with K padded to whole tiles.
    Single-row-block problems with f32 B read B in place instead of packing
    it, since packing would move B three times.
  }];
  let dependentDialects = ["qnk::QNKDialect", "mlir::tensor::TensorDialect"];
}

def QNKTile : Pass<"qnk-tile"> {
  let summary = "Block qnk.packed_matmul on buffers for the caches";
  let description = [{
    Splits each buffer-level `qnk.packed_matmul` into loops over batch,
    N blocks (`nc`), K blocks (`kc`) and M blocks (`mc`) so that a B panel of
    `kc` steps stays in L1 and an A block of `mc x kc` stays in L2, using the
    cache sizes of the module's `#qnk.cpu_target`. Non-zero options override
    the derived sizes. The packs of A and B move into the loops, block by
    block. With `threads` > 1 the N-block loop (or, when N is too narrow, the
    M-block loop) becomes an `scf.parallel` with blocks small enough to give
    every thread work, and each parallel iteration packs into its own block
    buffers.
  }];
  let options = [
    Option<"kc", "kc", "int64_t", /*default=*/"0", "K block (0: derived)">,
    Option<"mc", "mc", "int64_t", /*default=*/"0", "M block (0: derived)">,
    Option<"nc", "nc", "int64_t", /*default=*/"0", "N block (0: derived)">,
    Option<"threads", "threads", "int64_t", /*default=*/"1",
           "Threads to split the N (or M) block loop across (scf.parallel)">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::linalg::LinalgDialect"];
}

def QNKComposeNanokernels : Pass<"qnk-compose-nanokernels"> {
  let summary = "Build register-level nanokernels from qnk.packed_matmul";
  let description = [{
    Rewrites each buffer-level `qnk.packed_matmul` into its register block:
    loops over B panels and A row blocks whose body loads (or zeroes) the
    `mr x nv` accumulator vectors once, runs the whole K loop with the
    accumulators as loop-carried values, one broadcast per row and one target
    instruction per accumulator (`vector.fma` for `fma_f32`, `vpmaddwd` +
    add for `pmaddwd_i16`, `vpdpbusd` for `dpbusd_u8s8`,
    `x86vector.avx512.dot` (`vdpbf16ps`) for `dpbf16_f32`), and stores them
    once. AMX kernels (`amx_*`) carry a 2 x 2 block of 16 x 16 accumulator
    tiles through the K loop the same way (`amx.tile_mulf` /
    `amx.tile_muli`), with tile-sized blocks that stick out of C staged
    through a stack buffer. Row remainders get a
    register block of exactly the remaining rows; column remainders use
    masked loads and stores of C only.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::LLVM::LLVMDialect",
                           "mlir::x86vector::X86VectorDialect",
                           "mlir::math::MathDialect",
                           "mlir::amx::AMXDialect"];
}

def QNKLowerPack : Pass<"qnk-lower-pack"> {
  let summary = "Lower buffer-level qnk.pack into vectorized copy loops";
  let description = [{
    Rewrites each buffer-level `qnk.pack` into loops that copy (and widen)
    source rows into panels with vector loads and stores, masked at the
    edges and zero-filled past them.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::ub::UBDialect"];
}

def QNKEmulateNarrowTypes : Pass<"qnk-emulate-narrow-types", "mlir::ModuleOp"> {
  let summary = "Store 4-bit integer buffers packed two per byte";
  let description = [{
    LLVM gives an `i4` a whole byte in memory; QNK's 4-bit tensors are packed
    two per byte. This pass rewrites every buffer of a sub-byte integer type
    into the byte buffer that holds it, with upstream MLIR's narrow-type
    emulation: `memref<MxKxi4>` becomes `memref<ceil(M*K/2)xi8>` (row-major,
    the even element in the low nibble) at function boundaries too, and
    `memref.load` / `vector.load` of 4-bit elements become byte loads,
    shifts and bit casts; widenings of loaded nibbles are rewritten into
    shifts on whole bytes. Views of 4-bit buffers are first folded into the
    accesses through them (upstream's `fold-memref-alias-ops` patterns).
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::affine::AffineDialect"];
}

def QNKLegalizeBF16 : Pass<"qnk-legalize-bf16", "mlir::ModuleOp"> {
  let summary = "Round f32 to bf16 with integer ops where the CPU cannot";
  let description = [{
    Without AVX512-BF16, LLVM lowers an f32 -> bf16 truncation to a call to
    compiler-rt's `__truncsfbf2`, which neither the JIT nor QNK's
    self-contained objects provide. On such targets (the module's
    `#qnk.cpu_target`) this pass rewrites `arith.truncf` / `arith.extf`
    between f32 and bf16 into integer operations (round to nearest even,
    NaN kept quiet) with upstream MLIR's bf16 expansion patterns.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::vector::VectorDialect"];
}

def QNKCopyRepeatedResults : Pass<"qnk-copy-repeated-results", "mlir::ModuleOp"> {
  let summary = "Give each repeated function result its own tensor";
  let description = [{
    Runs before bufferization. A `func.return` that returns one tensor more
    than once returns a `linalg.copy` of it in each later position, so every
    result gets its own buffer. Upstream's `buffer-results-to-out-params`
    (LLVM 22) crashes on a repeated result (found by qnk-fuzz).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def QNKLegalizeBF16Memory : Pass<"qnk-legalize-bf16-memory"> {
  let summary = "Move bf16 values through memory as i16 bits";
  let description = [{
    Runs on the LLVM dialect. Rewrites `llvm.load`, `llvm.store` and the
    masked load/store/gather/scatter intrinsics of bf16 scalars and vectors
    into the same accesses of i16 plus `llvm.bitcast`. Without AVX512-BF16,
    LLVM keeps a scalar bf16 in an f32 register, so a bf16 element stored on
    its own (the scalarized tail of a masked store) is rounded through
    compiler-rt's `__truncsfbf2`, which the JIT and QNK's objects lack;
    accesses of bits need no conversion on any target.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def QNKInlineAllocaScopes : Pass<"qnk-inline-alloca-scopes"> {
  let summary = "Inline stack scopes that hold no stack allocation";
  let description = [{
    The OpenMP conversion wraps every parallel loop body in a
    `memref.alloca_scope`, which must stay a single block; canonicalization
    inlines such scopes only when it can prove no op inside allocates on the
    stack, and ops with unknown effects (`llvm.call_intrinsic` of the
    nanokernels) defeat that proof. QNK's code allocates only on the heap:
    this pass inlines every scope that holds no `memref.alloca`.
  }];
}

def QNKAnnotateLLVMTarget : Pass<"qnk-annotate-llvm-target", "mlir::ModuleOp"> {
  let summary = "Copy the qnk target onto LLVM functions";
  let description = [{
    Sets `target_cpu` and `target_features` of every `llvm.func` from the
    module's `#qnk.cpu_target`, so `mlir-translate` output compiles for the
    right CPU whatever `llc` is told, then drops the `qnk.target` module
    attribute so tools without QNK can read the module.
  }];
}

def QNKLowerSoftmax : Pass<"qnk-lower-softmax"> {
  let summary = "Lower qnk.softmax to two vectorized passes over each row";
  let description = [{
    Rewrites each `qnk.softmax` along the innermost axis (on tensors, ahead
    of bufferization) into a loop over rows (`scf.parallel` when `threads`
    > 1) whose body makes two passes over the row in vectors of the
    target's width (`#qnk.cpu_target`): an online max and sum (the running
    sum rescaled by `exp(m_old - m_new)` once per step of four vectors, or
    eight with 32 vector registers), then the normalization: for f32
    results pass 1 has stored each step's exps in the result (and the step's
    max in a scratch vector), and pass 2 scales them by
    `exp(m_step - m) / s`, one exp per step; bf16/f16 results recompute
    `exp(t - m) * (1 / s)` from the input. `exp` is QNK's own polynomial
    (`qnk/Transforms/VectorExp.h`), never a library call; for the same reason
    every f32 `math.exp` left in the module is rewritten to it too. Softmax
    along another axis takes the reference lowering.
  }];
  let options = [
    Option<"threads", "threads", "int64_t", /*default=*/"1",
           "Threads to split the rows across (scf.parallel)">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::affine::AffineDialect",
                           "mlir::bufferization::BufferizationDialect",
                           "mlir::linalg::LinalgDialect"];
}

//===----------------------------------------------------------------------===//
// CUDA (qnk-cuda-pipeline)
//===----------------------------------------------------------------------===//

def QNKCUDAOutlineMatmul : Pass<"qnk-cuda-outline-matmul", "mlir::ModuleOp"> {
  let summary = "Replace qnk.matmul on tensors with a CUDA kernel launch";
  let description = [{
    Chooses, for the NVIDIA chip `chip` (`sm_80` or `sm_90a`), a tensor-core
    kernel for each static `qnk.matmul` on tensors and replaces the op with
    host code in the `gpu` dialect: device buffers (`gpu.alloc`), copies in
    and out (`gpu.memcpy`), one `gpu.launch_func` over a grid of output
    tiles, all on one stream (`gpu.wait async`), which `gpu-to-llvm` turns
    into the `mgpu*` runtime calls. The kernel is an empty `gpu.func` in the
    `gpu.module` `@qnk_cuda_kernels` (target `#nvvm.target`, `+ptx80` for
    sm_90a) carrying its configuration in the `qnk.cuda_matmul` attribute
    (tile, warps, stages, instruction); `qnk-cuda-compose-mma` writes its
    body. Supported: bf16×bf16→f32 and f16×f16→f32 (`mma.sync` m16n8k16;
    on sm_90a with B stored N×K and M > 16, `wgmma` m64nNk16), i8×i8→i32
    with B stored N×K (`transpose_b`, `mma.sync` m16n8k32), any static M,
    N, K. Everything else (fp8, f32, transposed A, epilogue clauses,
    dynamic shapes, unknown chips, `mma=wgmma` on sm_80) is an error at the
    op's location. `tile`, `warps`, `stages` and `mma` override the
    configuration chosen by shape (for tuning and tests).

    With `pointers=device` the function's tensors are already in device
    memory (its C entry takes device pointers, e.g. from PyTorch): the
    launch reads A and B and writes C where they are, with no device
    buffers or copies. Host code cannot touch such memory, so every function
    may then only return `qnk.matmul`s of its arguments, each once; anything
    else is an error.
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_80\"",
           "NVIDIA chip: sm_80 or sm_90a">,
    ListOption<"tile", "tile", "int64_t",
               "Thread-block tile BM,BN,BK (default: chosen by shape)">,
    ListOption<"warps", "warps", "int64_t",
               "Warps along M,N of the block tile (with tile)">,
    Option<"stages", "stages", "int64_t", /*default=*/"0",
           "Shared-memory stages, at least 2 (0: chosen)">,
    Option<"instruction", "mma", "std::string", /*default=*/"\"auto\"",
           "Tensor-core instruction: auto, mma.sync or wgmma (sm_90a)">,
    Option<"pointers", "pointers", "std::string", /*default=*/"\"host\"",
           "Where the function's tensors live: host (copied to and from "
           "the GPU) or device">
  ];
  let dependentDialects = ["mlir::gpu::GPUDialect",
                           "mlir::NVVM::NVVMDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::bufferization::BufferizationDialect"];
}

def QNKCUDAComposeMMA : Pass<"qnk-cuda-compose-mma", "mlir::gpu::GPUModuleOp"> {
  let summary = "Write the body of each qnk.cuda_matmul kernel";
  let description = [{
    Fills every `gpu.func` carrying `qnk.cuda_matmul` with its tiled
    tensor-core kernel: the thread block owns a BM×BN tile of C, its warps a
    grid of WM×WN sub-tiles; A and B tiles of BK columns stream through a
    ring of `stages` buffers in dynamic shared memory with `cp.async`
    (16-byte copies that zero-fill past the matrix edge; operands whose rows
    are not 16-byte aligned are copied element by element instead), one
    commit group per tile; warps read fragments with `ldmatrix` and
    accumulate in registers with `nvvm.mma.sync` (m16n8k16 bf16/f16 → f32
    with packed i32 operands, m16n8k32 s8 → s32). wgmma kernels (sm_90a)
    store 128-byte rows swizzled (16-byte chunk c of row r at c ^ r%8) in
    1 KiB-aligned tiles, fence the async proxy after the copies, and let
    each warpgroup issue `nvvm.wgmma.mma_async` m64nBNk16 on shared-memory
    descriptors. The epilogue stores the accumulators to C, each element
    predicated on M and N. The instruction is checked against the module's
    chip again (mma.sync needs sm_80 or later, wgmma sm_90a).
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect",
                           "mlir::nvgpu::NVGPUDialect",
                           "mlir::NVVM::NVVMDialect",
                           "mlir::LLVM::LLVMDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def QNKLowerAttention : Pass<"qnk-lower-attention"> {
  let summary = "Lower qnk.attention to a fused flash-attention loop nest";
  let description = [{
    Rewrites each `qnk.attention` (on tensors, ahead of bufferization) into
    a flash-attention loop nest for the module's `#qnk.cpu_target`. K is
    transposed into f32 panels of one key tile (`[D][Nk]`, 8x8 blocks by
    shuffles): once per call when several row tiles read it, else tile by
    tile into per-thread scratch inside the key loop (decode). V is read in
    place (widened as loaded) unless several row tiles read it as bf16/f16
    or its rows are not whole vectors: then it is packed once, widened to
    f32 and padded. Then,
    for each work item (batch, key/value head, tile of rows; the rows of a
    tile are the (query head, query) pairs of one GQA group, so the heads
    that share K and V share their loads), the K/V tiles stream past a
    running max and sum per row (online softmax):
    S = Q·Kᵀ for a register block of rows by vectors of keys (broadcast and
    FMA, f32 accumulation), scale, mask and causal window applied in
    registers, then `exp` (QNK's own, `qnk/Transforms/VectorExp.h`), then
    O = O·alpha + P·V with a register block of rows by vectors of Dv. Only
    one tile of scores (rows by Nk) ever exists. With `causal`, key tiles
    wholly past a row tile's window are skipped. Work items run on
    `threads` threads (`scf.parallel`); when there are fewer items than
    threads (decode, Lq = 1), the key tiles are split across threads too,
    each split keeping its own max, sum and partial output, combined
    exactly afterwards. Register blocks come from the target's vector width
    and register count.

    The products run on one of three instructions. bf16 Q·Kᵀ, and P·V with
    `pv_type`, take `vdpbf16ps` on targets with AVX512-BF16 and no AMX (on
    Sapphire Rapids it measured slower than FMAs): K is packed as 32-bit
    words of bf16 pairs along D (`[D/2][Nk]`, the same 8x8 transposes), Q
    rows and P as words, V as pairs of consecutive keys (`[Nk/2][Dv]`
    words, packed once). `qk_type = i8` first computes K's mean per
    channel and the block scales of K (minus it) and Q in passes of their
    own, then packs K once as u8 quads (k + 128) with each key's scale,
    quantizes Q rows as they are loaded, and sums on `vpdpbusd` (AVX512-VNNI
    or AVX-VNNI) from -128 times each row's sum, or with f32 FMAs on the
    same integers without VNNI (exact). `vpdpbusd` is called through an
    intrinsic declaration: this pass runs ahead of bufferization, whose
    deallocation rejects `llvm.call_intrinsic`.
  }];
  let options = [
    Option<"threads", "threads", "int64_t", /*default=*/"1",
           "Threads to split the work items (and, for few items, the keys) "
           "across (scf.parallel)">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::bufferization::BufferizationDialect",
                           "mlir::x86vector::X86VectorDialect",
                           "mlir::LLVM::LLVMDialect"];
}

#endif // QNK_TRANSFORMS_PASSES
