//===- QNKOps.td - QNK dialect operations ------------------*- tablegen -*-===//
//
// The qnk dialect states low-precision ML operations precisely. User-facing
// ops (matmul, batch_matmul) have value semantics on ranked tensors; the
// packed-layout ops (pack, packed_matmul) are destination-style and work on
// tensors or memrefs so the CPU pipeline can bufferize between them.
//
//===----------------------------------------------------------------------===//

#ifndef QNK_OPS
#define QNK_OPS

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"

def QNK_Dialect : Dialect {
  let name = "qnk";
  let cppNamespace = "::qnk";
  let summary = "Quantized NanoKernels: precise low-precision ML operations";
  let description = [{
    The `qnk` dialect describes low-precision matrix multiplication (and, in
    later layers, softmax, attention and quantization) with exact element-type
    semantics. Every op has a reference lowering to plain `linalg`/`arith`
    (`--qnk-lower-to-reference`) that serves as the numeric oracle for the
    fast pipelines.

    Element types: `f32`, `bf16`, `f16`, fp8 (`f8E4M3FN`, `f8E5M2`), `i8`
    and `i4` (signed), `ui8` and `ui4` (unsigned). Integer products
    accumulate exactly in `i32`; floating-point products accumulate in `f32`.
    4-bit tensors cross function boundaries packed two elements per byte in
    row-major order, the even element in the low nibble.
  }];
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

class QNK_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<QNK_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def QNK_NanoKernelKind : I32EnumAttr<"NanoKernelKind",
    "the target instruction a nanokernel is built from", [
  I32EnumAttrCase<"fma_f32", 0>,
  I32EnumAttrCase<"pmaddwd_i16", 1>,
  I32EnumAttrCase<"dpbusd_u8s8", 2>,
  I32EnumAttrCase<"dpbf16_f32", 3>,
  I32EnumAttrCase<"amx_bf16", 4>,
  I32EnumAttrCase<"amx_s8s8", 5>,
  I32EnumAttrCase<"amx_u8s8", 6>,
  I32EnumAttrCase<"dpbusd_s8s8", 7>,
  I32EnumAttrCase<"dot_f32", 8>,
  I32EnumAttrCase<"dot_i8", 9>
]> {
  let cppNamespace = "::qnk";
  let genSpecializedAttr = 0;
}
def QNK_NanoKernelKindAttr : EnumAttr<QNK_Dialect, QNK_NanoKernelKind, "kind">;

def QNK_CPUTargetAttr : QNK_Attr<"CPUTarget", "cpu_target"> {
  let summary = "A resolved x86-64 CPU target description";
  let description = [{
    Names the CPU the way clang and llc do (`cpu`, an LLVM CPU name) and the
    full resolved feature list (`features`, `+name` entries as LLVM spells
    them). `vector_bits`, `vector_registers` and the cache sizes are derived
    from them by `qnk::resolveCPUTarget`; passes read only this attribute,
    never the machine they run on.

    ```mlir
    #qnk.cpu_target<cpu = "znver3", features = "+avx2,+fma,...",
                    vector_bits = 256, vector_registers = 16,
                    l1d_bytes = 32768, l2_bytes = 524288>
    ```
  }];
  let parameters = (ins
    StringRefParameter<"LLVM CPU name">:$cpu,
    StringRefParameter<"comma-separated LLVM feature list">:$features,
    "int64_t":$vector_bits,
    "int64_t":$vector_registers,
    "int64_t":$l1d_bytes,
    "int64_t":$l2_bytes
  );
  let assemblyFormat = [{
    `<` `cpu` `=` $cpu `,` `features` `=` $features `,`
        `vector_bits` `=` $vector_bits `,`
        `vector_registers` `=` $vector_registers `,`
        `l1d_bytes` `=` $l1d_bytes `,` `l2_bytes` `=` $l2_bytes `>`
  }];
  // Passes divide by and allocate from these numbers: reject what
  // resolveCPUTarget would never produce.
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// True if the resolved feature list contains `+name`.
    bool hasFeature(::llvm::StringRef name) const;
  }];
}

def QNK_NanoKernelAttr : QNK_Attr<"NanoKernel", "nanokernel"> {
  let summary = "A register-level nanokernel: instruction and register block";
  let description = [{
    Describes the register block that `qnk-compose-nanokernels` builds: `mr`
    rows by `nv` vectors of `vector_length` lanes of accumulators, advanced
    by one `kind` instruction per step over `kr` reduction elements. `nr =
    nv * vector_length` is the width of a packed B panel.

    * `fma_f32`: broadcast one f32 of A, multiply-add into f32 lanes (kr = 1).
    * `pmaddwd_i16`: broadcast an i16 pair of A as one i32, `vpmaddwd` against
      `nr` i16 pairs of B, add into i32 lanes (kr = 2).
    * `dpbusd_u8s8`: broadcast four u8 of A as one i32, `vpdpbusd` against
      `nr` quads of s8 of B, accumulating in i32 lanes (kr = 4; AVX512-VNNI
      or AVX-VNNI).
    * `dpbf16_f32`: broadcast a bf16 pair of A as one i32, `vdpbf16ps`
      against `nr` bf16 pairs of B, accumulating in f32 lanes (kr = 2;
      AVX512-BF16).
    * `dpbusd_s8s8`: `vpdpbusd` for s8 x s8: A is packed offset by +128
      (as u8), and each B panel's column sums times -128 start the
      accumulators, which restores the signed product exactly (kr = 4).
    * `dot_f32`: dot products for a few rows of A (`mr`) against `nv` rows
      of a B stored `[N, K]` (a Linear weight, read in place), each
      accumulator `vector_length` lanes along K; B rows of `i4`, `ui4`,
      `i8`, `bf16`, `f16` or `f32` and A rows of `f32`, `bf16` or `f16` are
      widened to f32 in registers, so the weights cross memory once, at
      their stored size (LLM decode). Lanes are summed once per output
      (kr = 1).
    * `dot_i8`: the same for 8-bit activations (`i8`, `ui8`) and 8- or
      4-bit weights with `vpdpbusd` on quads along K (kr = 4): `ui8` A is its
      unsigned operand; with `i8` A the weight bytes, offset to unsigned
      (+8 for `i4`, +128 for `i8`), are, and the offset times each A row's
      sum is taken off. The i32 lanes are summed exactly per output (per K
      group with group scales).
    * `amx_bf16`, `amx_s8s8`, `amx_u8s8`: AMX tiles. `mr` x (`nv` *
      `vector_length`) accumulators are `mr/16` x `nv` tiles of 16 x 16
      (f32 or i32); each step multiplies 16-row A tiles of 64 bytes of K
      (`a_kr` = 32 bf16 or 64 bytes) by B tiles of 16 rows of `kr`-element
      VNNI groups (`tdpbf16ps`, `tdpbssd`, `tdpbusd`). A is packed
      `[M/mr, K/a_kr, mr, a_kr]`, B `[N/nr, K/kr, nr, kr]` with K padded to a
      multiple of `a_kr`.

    ```mlir
    #qnk.nanokernel<fma_f32, mr = 6, nv = 2, vector_length = 8, kr = 1>
    ```
  }];
  let parameters = (ins
    "NanoKernelKind":$kind,
    "int64_t":$mr,
    "int64_t":$nv,
    "int64_t":$vector_length,
    "int64_t":$kr
  );
  let assemblyFormat = [{
    `<` $kind `,` `mr` `=` $mr `,` `nv` `=` $nv `,`
        `vector_length` `=` $vector_length `,` `kr` `=` $kr `>`
  }];
  // The register block must be one the target instruction can build.
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getNr() const { return getNv() * getVectorLength(); }
    /// True for the AMX tile kernels.
    bool isAMX() const;
    /// True for the dot-product kernels, which read B [N, K] in place.
    bool isDot() const;
    /// K elements per packed A group: `kr`, or a tile row (64 bytes) of K
    /// for AMX.
    int64_t getAKr() const;
    /// Element type of packed operands and of the accumulators.
    ::mlir::Type getOperandType(::mlir::MLIRContext *ctx) const;
    ::mlir::Type getAccumulatorType(::mlir::MLIRContext *ctx) const;
  }];
}

//===----------------------------------------------------------------------===//
// Operations
//===----------------------------------------------------------------------===//

def QNK_Activation : I32EnumAttr<"Activation",
    "an element-wise activation of a matmul epilogue", [
  I32EnumAttrCase<"relu", 0>,
  I32EnumAttrCase<"gelu", 1>,
  I32EnumAttrCase<"gelu_tanh", 2>,
  I32EnumAttrCase<"silu", 3>
]> {
  let cppNamespace = "::qnk";
}

class QNK_Op<string mnemonic, list<Trait> traits = []>
    : Op<QNK_Dialect, mnemonic, traits>;

def QNK_MatmulOp : QNK_Op<"matmul", [Pure, AttrSizedOperandSegments]> {
  let summary = "Matrix multiplication with exact low-precision semantics";
  let description = [{
    `C[m, n] = sum_k ext(A[m, k]) * ext(B[k, n])` with A of shape `M×K`, B of
    shape `K×N` and C of shape `M×N`. `ext` widens each operand to the
    accumulator type before the product: `f32`, `bf16`, `f16` and fp8
    (`f8E4M3FN`, `f8E5M2`) operands accumulate in `f32`; integer operands
    (`i8`, `i4` signed; `ui8`, `ui4` unsigned) accumulate exactly in `i32`
    (wrapping modulo 2^32, which needs K > 2^17 for i8 x i8 and K > 65793
    for ui8 x i8). Supported pairs: f32×f32→f32, bf16×bf16→f32,
    f16×f16→f32, fp8×fp8→f32 and fp8×bf16→f32 (any mix of `f8E4M3FN`,
    `f8E5M2` and the fp4 `f4E2M1FN` of MXFP4/NVFP4, packed two per byte),
    and integers A ∈ {i8, ui8, i4, ui4} × B ∈ {i8, i4, ui4} →
    i32 (B is the signed operand of the dot-product instructions; `ui4`
    fits it). 4-bit operands are widened to 8 bits while packing, so they
    take the 8-bit nanokernels at half the memory traffic.

    `transpose_a` means A is stored `K×M`; `transpose_b` means B is stored
    `N×K` (the layout of a PyTorch `Linear` weight).

    **Epilogue.** Optional clauses turn the accumulators into the result
    element by element, in this order (docs/numerics.md states each step):

    * `dequantize(%sa, %sb)`: `y = f32(acc) * sa * sb` — two IEEE f32
      products; `sa` is rank 0 (per tensor) or `[M]` (per row: per token),
      `sb` rank 0 or `[N]` (per output channel), both f32;
    * `bias(%bias)`: `y = y + bias[n]`, bias `[N]` f32;
    * `activation(relu | gelu | gelu_tanh | silu)`;
    * `quantize(%so)` with optional `zero_point(%zo)`: `qnk.quantize` of `y`
      with the rank-0 f32 scale `so` (and i32 zero point) to the result
      element type (i8, ui8, i4, ui4, f8E4M3FN, f8E5M2).

    With any clause the result holds f32 (or the quantized type); without,
    the accumulator type.

    **Group scales** (weight-only groupwise W4A16/W4A8, block-scaled MX
    formats): `a_group_scale(%ga)` and/or `b_group_scale(%gb)` with
    `group_size = G` split K into groups of G (G must divide K); each
    operand's group scale has that operand's stored shape with its K
    dimension replaced by K/G (`[M, K/G]` for A, `[K/G, N]` for B, `[N, K/G]`
    with `transpose_b`) and holds f32, bf16, f16, f8E4M3FN or f8E8M0FNU.
    Then, per output element and with `P_g` the exact sum of the group's
    products in the accumulator type (i32 for integer pairs, f32 otherwise),
    `acc = 0; for g in 0..K/G-1: acc = fma(f32(P_g), s_g, acc)` with
    `s_g = f32(ga[m, g]) * f32(gb[g, n])` (the present one alone if only one
    is given). The result is `acc` (f32), on which the epilogue clauses
    apply. Integer sums are formed per group and scaled once per group: no
    operand is dequantized before the products. Float A with integer B
    (`f32`, `bf16`, `f16` × `i8`, `i4`, `ui4`) is accepted: the integers are
    exact in the float type.

    ```mlir
    %c = qnk.matmul %a, %b : tensor<128x256xbf16>, tensor<256x64xbf16>
           -> tensor<128x64xf32>
    %d = qnk.matmul %x, %w transpose_b : tensor<16x4096xf32>,
           tensor<11008x4096xf32> -> tensor<16x11008xf32>
    // W4A16: bf16 activations, int4 weights with an f16 scale per 128.
    %o = qnk.matmul %x, %w4 transpose_b
           b_group_scale(%gw : tensor<4096x32xf16>) group_size = 128
           : tensor<1x4096xbf16>, tensor<4096x4096xi4> -> tensor<1x4096xf32>
    // W8A8 with per-token and per-channel scales, bias and SiLU, requantized.
    %y = qnk.matmul %x, %w transpose_b
           dequantize(%sx, %sw : tensor<16xf32>, tensor<1024xf32>)
           bias(%bias : tensor<1024xf32>) activation(silu)
           quantize(%so : tensor<f32>) zero_point(%zo : tensor<i32>)
           : tensor<16x4096xi8>, tensor<1024x4096xi8> -> tensor<16x1024xi8>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$a, AnyRankedTensor:$b,
                       Optional<AnyRankedTensor>:$a_scale,
                       Optional<AnyRankedTensor>:$b_scale,
                       Optional<AnyRankedTensor>:$bias,
                       Optional<AnyRankedTensor>:$out_scale,
                       Optional<AnyRankedTensor>:$out_zero_point,
                       Optional<AnyRankedTensor>:$a_group_scale,
                       Optional<AnyRankedTensor>:$b_group_scale,
                       UnitAttr:$transpose_a, UnitAttr:$transpose_b,
                       OptionalAttr<QNK_Activation>:$activation,
                       OptionalAttr<I64Attr>:$group_size);
  let results = (outs AnyRankedTensor:$c);
  let assemblyFormat = [{
    $a `,` $b (`transpose_a` $transpose_a^)? (`transpose_b` $transpose_b^)?
    (`a_group_scale` `(` $a_group_scale^ `:` type($a_group_scale) `)`)?
    (`b_group_scale` `(` $b_group_scale^ `:` type($b_group_scale) `)`)?
    (`group_size` `=` $group_size^)?
    (`dequantize` `(` $a_scale^ `,` $b_scale `:` type($a_scale) `,`
        type($b_scale) `)`)?
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`activation` `(` $activation^ `)`)?
    (`quantize` `(` $out_scale^ `:` type($out_scale) `)`)?
    (`zero_point` `(` $out_zero_point^ `:` type($out_zero_point) `)`)?
    attr-dict `:` type($a) `,` type($b) `->` type($c)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Type":$c, "::mlir::Value":$a, "::mlir::Value":$b,
                   CArg<"bool", "false">:$transposeA,
                   CArg<"bool", "false">:$transposeB)>
  ];
  let extraClassDeclaration = [{
    /// True if any epilogue clause is present.
    bool hasEpilogue();
    /// True if K is reduced in groups with their own scales.
    bool hasGroupScales() { return getAGroupScale() || getBGroupScale(); }
  }];
  let hasVerifier = 1;
}

def QNK_BatchMatmulOp : QNK_Op<"batch_matmul", [Pure]> {
  let summary = "Batched matrix multiplication";
  let description = [{
    `C[b, m, n] = sum_k ext(A[b, m, k]) * ext(B[b, k, n])`, the batched form
    of `qnk.matmul` with the same element-type rules and transpose flags
    (which apply to the two innermost dimensions).

    ```mlir
    %c = qnk.batch_matmul %a, %b : tensor<8x64x32xf32>, tensor<8x32x16xf32>
           -> tensor<8x64x16xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$a, AnyRankedTensor:$b,
                       UnitAttr:$transpose_a, UnitAttr:$transpose_b);
  let results = (outs AnyRankedTensor:$c);
  let assemblyFormat = [{
    $a `,` $b (`transpose_a` $transpose_a^)? (`transpose_b` $transpose_b^)?
    attr-dict `:` type($a) `,` type($b) `->` type($c)
  }];
  let hasVerifier = 1;
}

def QNK_PackOp : QNK_Op<"pack", [DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "Pack a matrix operand into nanokernel panels";
  let description = [{
    Copies the logical matrix `X[r, k]` (R rows of panel dimension, K
    reduction elements) held in `source` into panels of `tile` rows:
    `dest[.., p, kk, r, v] = ext(X[p * tile + r, kk * kr + v])`, with zeros for
    `r` or `k` past the end. `panel_dim` names which of the two innermost
    source dimensions is R (0 for a row-major A or a transposed B, 1 for a
    row-major B or a transposed A). The destination is `[P, K, tile]` when
    `kr` is 1 and `[P, ceil(K/kr), tile, kr]` otherwise, with an optional
    leading batch dimension shared with the source. Widening follows the
    destination type (`extf`, `extsi`, or `extui` when `zero_extend` is set;
    fp8 sources are decoded exactly). `bias_to_unsigned` stores 8-bit signed
    values plus 128 (the u8 bit pattern `x ^ 0x80`) for `vpdpbusd`, whose
    first operand is unsigned; padding stays 0.

    ```mlir
    %bp = qnk.pack %b into %init panel_dim = 1 : tensor<256x64xbf16>
            -> tensor<4x256x16xf32>
    ```
  }];
  let arguments = (ins AnyShaped:$source, AnyShaped:$dest,
                       I64Attr:$panel_dim, UnitAttr:$zero_extend,
                       UnitAttr:$bias_to_unsigned);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    $source `into` $dest `panel_dim` `=` $panel_dim
    (`zero_extend` $zero_extend^)? (`bias_to_unsigned` $bias_to_unsigned^)?
    attr-dict
    `:` type($source) `,` type($dest) (`->` type($result)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getDestMutable();
    }
    /// Rows per panel (the innermost-but-kr destination dimension).
    int64_t getTile();
    /// Reduction elements per nanokernel step (1 or the innermost dim).
    int64_t getKr();
  }];
}

def QNK_PackedMatmulOp : QNK_Op<"packed_matmul", [DestinationStyleOpInterface,
    AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "Matrix multiplication over nanokernel-packed operands";
  let description = [{
    `C[m, n] (+)= sum_k A[m, k] * B[k, n]` where A is either row-major
    `[M, K]` or packed `[M/mr, K, mr]` (`[M/mr, K/kr, mr, kr]`), B is either
    row-major `[K, N]` or packed `[N/nr, K, nr]` (`[N/nr, K/kr, nr, kr]`),
    all operands already in the nanokernel's operand type (see
    `#qnk.nanokernel`), and C has the accumulator type. Without `accumulate`
    C is overwritten. An optional leading batch dimension is shared by all
    operands. M and N are C's sizes; packed operands may be padded with zeros
    past them and past K, which leaves the result unchanged.

    This is the op that `qnk-tile` blocks for caches and
    `qnk-compose-nanokernels` turns into a register block.

    An epilogue (`dequantize`, `bias`, `activation`, as on `qnk.matmul`) is
    applied to the accumulators in registers before they are stored, when
    the i1 `epilogue_if` operand is true (the last K block; always when it
    is absent). C then holds f32: K blocks before the last one keep their
    partial sums in it, as i32 bit patterns for integer kernels.

    With group scales (`a_group_scale` f32 `[M, K/G]`, `b_group_scale` f32
    `[K/G, N]`, at least one, `group_size = G` source elements, a multiple
    of the kernel's K step) K is reduced group by group as on `qnk.matmul`:
    `C = fma(f32(P_g), s_g, C)` in group order, starting from C with
    `accumulate` and from 0 without; C holds f32. `qnk-tile` makes every K
    block one group, which is the form `qnk-compose-nanokernels` accepts.
  }];
  let arguments = (ins AnyShaped:$a, AnyShaped:$b, AnyShaped:$init,
                       Optional<I1>:$last,
                       Optional<AnyShaped>:$a_scale,
                       Optional<AnyShaped>:$b_scale,
                       Optional<AnyShaped>:$bias,
                       Optional<AnyShaped>:$a_group_scale,
                       Optional<AnyShaped>:$b_group_scale,
                       QNK_NanoKernelAttr:$kernel, UnitAttr:$accumulate,
                       OptionalAttr<QNK_Activation>:$activation,
                       OptionalAttr<I64Attr>:$group_size);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    `ins` `(` $a `,` $b `:` type($a) `,` type($b) `)`
    `outs` `(` $init `:` type($init) `)` `kernel` `=` $kernel
    (`accumulate` $accumulate^)?
    (`epilogue_if` `(` $last^ `)`)?
    (`dequantize` `(` $a_scale^ `,` $b_scale `:` type($a_scale) `,`
        type($b_scale) `)`)?
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`activation` `(` $activation^ `)`)?
    (`a_group_scale` `(` $a_group_scale^ `:` type($a_group_scale) `)`)?
    (`b_group_scale` `(` $b_group_scale^ `:` type($b_group_scale) `)`)?
    (`group_size` `=` $group_size^)?
    attr-dict (`->` type($result)^)?
  }];
  let builders = [
    OpBuilder<(ins "::mlir::TypeRange":$results, "::mlir::Value":$a,
                   "::mlir::Value":$b, "::mlir::Value":$init,
                   "::qnk::NanoKernelAttr":$kernel, "bool":$accumulate)>
  ];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitMutable();
    }
    /// True if the op carries epilogue clauses.
    bool hasEpilogue() {
      return getLast() || getAScale() || getBias() || getActivation();
    }
    bool isAPacked();
    bool isBPacked();
    bool isBatched();
    /// True if K is reduced in groups with their own scales.
    bool hasGroupScales() { return getAGroupScale() || getBGroupScale(); }
  }];
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

class QNK_ScaledOp<string mnemonic> : QNK_Op<mnemonic, [Pure]> {
  let extraClassDeclaration = [{
    /// How the scale tensor maps onto the input: per tensor, per channel
    /// along `axis`, or per group of `group_size` along `axis`.
    ::qnk::ScaleScheme getScaleScheme();
  }];
  let hasVerifier = 1;
}

def QNK_QuantizeOp : QNK_ScaledOp<"quantize"> {
  let summary = "Quantize real values to an integer, fp8 or fp4 storage type";
  let description = [{
    `q = saturate(round_half_even(x / scale) + zero_point)` for integer
    storage (`i8`, `ui8`, `i4`, `ui4`) and `q = saturate_fp(x / scale)`
    (round to nearest even, magnitudes beyond the largest finite value
    clamped to it) for `f8E4M3FN` / `f8E5M2` / `f4E2M1FN`. `x / scale` is
    one IEEE f32 division (bf16 and f16 inputs, and scales, are widened
    exactly first). A NaN quotient quantizes to `zero_point` (integers), NaN
    (fp8) or +0 (fp4, which has no NaN); ±Inf saturates.

    The scale (f32, or f16, bf16, f8E8M0FNU, f8E4M3FN, all exact in f32) and
    optional zero point (i32, integer storage only) are tensors: rank 0 for one scale per tensor; rank 1 with `axis` for one per
    channel along `axis`; the input's rank with `axis` and `group_size` for
    one per group of `group_size` consecutive elements along `axis` (that
    dimension of the scale is the input's divided by `group_size`, which must
    divide it).

    ```mlir
    %q = qnk.quantize %w, %s axis = 0 : tensor<4096x4096xf32>,
           tensor<4096xf32> -> tensor<4096x4096xi8>
    %g = qnk.quantize %w, %s, %z axis = 1 group_size = 32 :
           tensor<64x128xf32>, tensor<64x4xf32>, tensor<64x4xi32>
           -> tensor<64x128xui4>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale,
                       Optional<AnyRankedTensor>:$zero_point,
                       OptionalAttr<I64Attr>:$axis,
                       OptionalAttr<I64Attr>:$group_size);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale (`,` $zero_point^)? (`axis` `=` $axis^)?
    (`group_size` `=` $group_size^)? attr-dict `:` type($input) `,`
    type($scale) (`,` type($zero_point)^)? `->` type($result)
  }];
}

def QNK_DequantizeOp : QNK_ScaledOp<"dequantize"> {
  let summary = "Dequantize integer, fp8 or fp4 storage to f32";
  let description = [{
    `x = f32(q - zero_point) * scale` for integer storage (the difference is
    exact in i32 and converts exactly to f32; the product is one IEEE f32
    multiplication) and `x = f32(q) * f32(scale)` for fp8 and fp4 (exact
    decode, then the product). Scales and zero points as for
    `qnk.quantize`; an f16 scale per group of 32 reads llama.cpp weights
    (`qnk.unpack_ggml`), an f8E8M0FNU one MX blocks.

    ```mlir
    %x = qnk.dequantize %q, %s : tensor<16x64xi8>, tensor<f32>
           -> tensor<16x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale,
                       Optional<AnyRankedTensor>:$zero_point,
                       OptionalAttr<I64Attr>:$axis,
                       OptionalAttr<I64Attr>:$group_size);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale (`,` $zero_point^)? (`axis` `=` $axis^)?
    (`group_size` `=` $group_size^)? attr-dict `:` type($input) `,`
    type($scale) (`,` type($zero_point)^)? `->` type($result)
  }];
}

def QNK_RequantizeOp : QNK_Op<"requantize", [Pure]> {
  let summary = "Integer-only rescaling of i32 accumulators to 8 or 4 bits";
  let description = [{
    `q = clamp(round_half_even(acc * multiplier / 2^(31 + shift)) +
    zero_point, qmin, qmax)`, computed exactly in 64-bit integers: the real
    scale `multiplier * 2^-(31 + shift)` is a Q31 fixed-point `multiplier`
    (i32, positive) and a right `shift` (i32, -31 <= shift <= 32; negative
    values shift left). The rounding is to nearest, ties to even, like
    `qnk.quantize`. `multiplier` and `shift` are rank 0 (per tensor) or
    rank 1 along `axis` (per channel); `zero_point` is an i32 scalar tensor.

    ```mlir
    %q = qnk.requantize %acc, %m, %s, %z axis = 1 : tensor<16x64xi32>,
           tensor<64xi32>, tensor<64xi32>, tensor<i32> -> tensor<16x64xi8>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$multiplier,
                       AnyRankedTensor:$shift, AnyRankedTensor:$zero_point,
                       OptionalAttr<I64Attr>:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $multiplier `,` $shift `,` $zero_point (`axis` `=` $axis^)?
    attr-dict `:` type($input) `,` type($multiplier) `,` type($shift) `,`
    type($zero_point) `->` type($result)
  }];
  let hasVerifier = 1;
}

def QNK_MXQuantizeOp : QNK_Op<"mx_quantize", [Pure]> {
  let summary = "Block-scaled (MX / NVFP4) dynamic quantization";
  let description = [{
    Splits the last axis of `input` (f32, bf16 or f16) into blocks of
    `block_size` consecutive elements (which must divide it), computes one
    scale per block from the block's largest magnitude and quantizes each
    element by its block's scale. Returns the elements and the scales (the
    input's shape with the last dimension divided by `block_size`). Two
    families, chosen by the scale type (docs/numerics.md states them
    exactly):

    * **MX** (OCP MX v1.0): `f8E8M0FNU` scales, elements `f8E4M3FN`,
      `f8E5M2` (MXFP8) or `f4E2M1FN` (MXFP4); no `tensor_scale`. The scale
      is `2^(floor(log2(amax)) - emax_elem)` (emax 8, 15, 2), clamped to
      `[2^-127, 2^127]`, NaN for a NaN or infinite amax.
    * **NVFP4**: `f8E4M3FN` scales, `f4E2M1FN` elements, and a rank-0 f32
      `tensor_scale` g given by the user: the block scale is
      `e4m3(amax / 6 / g)` and an element `e2m1(x / (scale * g))`.

    Elements are then exactly `qnk.quantize` by the decoded scale (rounded
    to nearest even, saturated). `qnk.dequantize` with `axis` = last and
    `group_size = block_size` inverts it (times g for NVFP4).

    ```mlir
    %q, %s = qnk.mx_quantize %x block_size = 32 : tensor<16x256xf32>
               -> tensor<16x256xf4E2M1FN>, tensor<16x8xf8E8M0FNU>
    %n, %t = qnk.mx_quantize %x, %g block_size = 16 : tensor<16x256xbf16>,
               tensor<f32> -> tensor<16x256xf4E2M1FN>, tensor<16x16xf8E4M3FN>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       Optional<AnyRankedTensor>:$tensor_scale,
                       I64Attr:$block_size);
  let results = (outs AnyRankedTensor:$result, AnyRankedTensor:$scale);
  let assemblyFormat = [{
    $input (`,` $tensor_scale^)? `block_size` `=` $block_size attr-dict `:`
    type($input) (`,` type($tensor_scale)^)? `->` type($result) `,`
    type($scale)
  }];
  let hasVerifier = 1;
}

def QNK_GGMLFormat : I32EnumAttr<"GGMLFormat",
    "a llama.cpp (ggml) block-quantized weight layout", [
  I32EnumAttrCase<"q4_0", 0>,
  I32EnumAttrCase<"q8_0", 1>
]> {
  let cppNamespace = "::qnk";
}

def QNK_UnpackGGMLOp : QNK_Op<"unpack_ggml", [Pure]> {
  let summary = "Split llama.cpp Q4_0 / Q8_0 blocks into values and scales";
  let description = [{
    Reads rows of llama.cpp blocks as users have them on disk (`raw`, `i8`
    or `ui8`, shape `[..., K/32 * bytes_per_block]`) and returns QNK's form:
    the values (`[..., K]`) and one f16 scale per block of 32 (`[..., K/32]`),
    so that `qnk.dequantize %values, %scales axis = last group_size = 32`
    gives what llama.cpp's dequantization gives.

    * `q4_0` (18 bytes a block): the f16 scale `d` (little endian), then 16
      bytes; element j of the block is the low nibble of byte j and element
      j + 16 the high nibble, each an unsigned q in [0, 15] whose value is
      `(q - 8) * d`. Values are `i4` (q - 8).
    * `q8_0` (34 bytes a block): the f16 scale, then 32 `i8` values q with
      value `q * d`. Values are `i8`.

    ```mlir
    %v, %d = qnk.unpack_ggml %raw format = q4_0 : tensor<4096x2304xui8>
               -> tensor<4096x4096xi4>, tensor<4096x128xf16>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$raw, QNK_GGMLFormat:$format);
  let results = (outs AnyRankedTensor:$values, AnyRankedTensor:$scales);
  let assemblyFormat = [{
    $raw `format` `=` $format attr-dict `:` type($raw) `->` type($values) `,`
    type($scales)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Bytes of one block of 32 elements (18 for q4_0, 34 for q8_0).
    int64_t getBlockBytes();
  }];
}

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

def QNK_SoftmaxOp : QNK_Op<"softmax", [Pure]> {
  let summary = "Softmax along one axis, with optional scale and additive mask";
  let description = [{
    `y = softmax(scale * ext(x) + ext(mask))` along `axis`, computed in f32:
    with `t = scale * x + mask` (one f32 multiplication, then one addition;
    without `scale` or `mask` that step is skipped),
    `y_i = exp(t_i - m) / sum_j exp(t_j - m)` where `m = max_j t_j`.
    `x` is a static ranked tensor of `f32`, `bf16` or `f16`, widened exactly;
    the result has `x`'s shape and element type `f32` or `x`'s element type
    (rounded to nearest even from the f32 value). `mask` (`f32`, `bf16` or
    `f16`) has `x`'s rank and each of its dimensions equals `x`'s or is 1
    (broadcast). A row whose every `t` is `-inf` (fully masked) gives zeros;
    a NaN or `+inf` among a row's `t` gives a row of NaN. See
    docs/numerics.md for the exact statement.

    ```mlir
    %y = qnk.softmax %x axis = 1 : tensor<8x1000xf32> -> tensor<8x1000xf32>
    %p = qnk.softmax %s mask(%m : tensor<1x1x128x128xf32>) axis = 3
           scale = 0.125 : tensor<2x8x128x128xbf16> -> tensor<2x8x128x128xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       Optional<AnyRankedTensor>:$mask, I64Attr:$axis,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input (`mask` `(` $mask^ `:` type($mask) `)`)? `axis` `=` $axis
    (`scale` `=` $scale^)? attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def QNK_AttentionOp : QNK_Op<"attention", [Pure]> {
  let summary = "Scaled dot-product attention (GQA/MQA, causal, additive mask)";
  let description = [{
    `O = softmax(scale * Q Kᵀ + mask) V` per batch and query head, computed
    in f32: Q is `[B, H, Lq, D]`, K is `[B, Hkv, Lk, D]`, V is
    `[B, Hkv, Lk, Dv]` and the result `[B, H, Lq, Dv]`. H is a multiple of
    Hkv: query head `h` reads key/value head `h / (H / Hkv)` (grouped-query
    attention; Hkv = 1 is multi-query). Q, K and V share one element type,
    `f32`, `bf16` or `f16`, widened exactly; the result is `f32` or that
    type (rounded to nearest even). `scale` defaults to `1 / sqrt(D)`.

    `mask` (`f32`, `bf16` or `f16`, rank <= 4) is added to the scores and
    broadcasts to `[B, H, Lq, Lk]` as in numpy (trailing dimensions aligned,
    each 1 or equal). `causal` keeps, for query `i`, the keys
    `j <= i + (Lk - Lq)`: the causal diagonal is aligned to the bottom-right
    corner (FlashAttention 2; PyTorch's `is_causal` aligns it top-left,
    which differs only when Lq != Lk), so a decode step (Lq = 1) sees every
    key. Keys outside that window take no part at all.

    A row whose every score is `-inf` or outside the causal window (and
    every row when Lk = 0) gives zeros; a NaN or `+inf` score gives a row of
    NaN. docs/numerics.md ("Attention") states the semantics exactly.

    Low precision (SageAttention's scheme), each part optional:

    - `qk_type = i8` computes Q·Kᵀ in 8-bit integers: K minus its mean over
      the keys (per batch, kv head and channel; softmax is invariant to it)
      and Q are quantized symmetrically to [-127, 127] with one f32 scale
      per block of tokens (per batch and head), and the scores are the
      exact i32 dot products times both scales. `qk_blocks = [bq, bk]`
      sets the block lengths along Lq and Lk (default `[64, 64]`). D is at
      most 1024.
    - `pv_type = bf16` rounds P (the exponentials, f32) and V to bf16
      before P·V, which accumulates in f32; `pv_type = f8E4M3FN` rounds
      `448·P` and V divided by a per-channel scale (its largest magnitude
      over the keys / 448) to E4M3 instead, and scales O back. The row sums
      are those of the unrounded P.

    ```mlir
    %s = qnk.attention %q, %k, %v causal qk_type = i8 qk_blocks = [128, 64]
           pv_type = bf16 : tensor<1x32x512x128xbf16>,
             tensor<1x8x512x128xbf16>, tensor<1x8x512x128xbf16>
             -> tensor<1x32x512x128xbf16>
    ```

    ```mlir
    %o = qnk.attention %q, %k, %v causal
           : tensor<1x32x512x128xbf16>, tensor<1x8x512x128xbf16>,
             tensor<1x8x512x128xbf16> -> tensor<1x32x512x128xbf16>
    %p = qnk.attention %q, %k, %v mask(%m : tensor<1x1x64x64xf32>)
           scale = 0.125 : tensor<2x4x64x64xf32>, tensor<2x4x64x64xf32>,
             tensor<2x4x64x64xf32> -> tensor<2x4x64x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$query, AnyRankedTensor:$key,
                       AnyRankedTensor:$value,
                       Optional<AnyRankedTensor>:$mask,
                       OptionalAttr<F32Attr>:$scale, UnitAttr:$causal,
                       OptionalAttr<TypeAttr>:$qk_type,
                       OptionalAttr<DenseI64ArrayAttr>:$qk_blocks,
                       OptionalAttr<TypeAttr>:$pv_type);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` `(` $mask^ `:` type($mask) `)`)?
    (`scale` `=` $scale^)? (`causal` $causal^)?
    (`qk_type` `=` $qk_type^)? (`qk_blocks` `=` $qk_blocks^)?
    (`pv_type` `=` $pv_type^)? attr-dict `:` type($query)
    `,` type($key) `,` type($value) `->` type($result)
  }];
  let extraClassDeclaration = [{
    /// The scale applied to Q·Kᵀ: the attribute, or 1/sqrt(D).
    float getScaleOrDefault();
    /// Whether Q·Kᵀ runs on 8-bit integers (`qk_type = i8`).
    bool hasInt8QK() { return getQkType().has_value(); }
    /// The token blocks of the Q and K scales: `qk_blocks`, or [64, 64].
    std::pair<int64_t, int64_t> getQKBlocksOrDefault();
    /// The type P and V are rounded to before P·V, or null (f32).
    ::mlir::Type getPVTypeOrNull() {
      return getPvType() ? *getPvType() : ::mlir::Type();
    }
  }];
  let hasVerifier = 1;
}

#endif // QNK_OPS
