"""Differential test: random qnk.matmul programs (with and without epilogue
clauses and group scales), attention, quantize/dequantize and softmax programs through the fast
pipeline, compared with the reference lowering by `qnk-run --verify`.

Shapes include 1, primes and non-multiples of every register block; types,
transposes, batch dimensions, scale schemes and types (fp4, E8M0 and E4M3
block scales, MX and NVFP4 block quantization), epilogues, masks, targets
and thread counts vary. Each case is reproducible from (--seed, case index): a
failure prints both (rerun one with --only) and the program, which is a
complete input for qnk-run, then the program with its dimensions shrunk as
far as the mismatch persists.

  differential.py --qnk-run PATH --cases N --seed S [--targets a,b] [--quant]
"""
import argparse
import os
import random
import re
import subprocess
import sys
import tempfile

TYPES = [("f32", "f32", "f32"), ("bf16", "bf16", "f32"), ("f16", "f16", "f32"),
         ("i8", "i8", "i32"), ("ui8", "i8", "i32"),
         ("f8E4M3FN", "f8E5M2", "f32"), ("bf16", "f8E4M3FN", "f32"),
         ("i8", "i4", "i32"), ("ui4", "i4", "i32"), ("i4", "ui4", "i32")]
DIMS = [1, 2, 3, 5, 7, 13, 16, 17, 31, 37, 64, 97, 129, 257]


ACTIVATIONS = ["relu", "gelu", "gelu_tanh", "silu"]
STORAGE = ["i8", "ui8", "i4", "ui4", "f8E4M3FN", "f8E5M2"]
#: What qnk.quantize / dequantize store beyond the epilogue's types, and the
#: scale types they read (exact in f32).
QUANT_STORAGE = STORAGE + ["f4E2M1FN"]
SCALE_TYPES = ["f32", "f32", "f16", "bf16", "f8E8M0FNU", "f8E4M3FN"]


def tensor(shape, elt):
    return "tensor<" + "".join(f"{d}x" for d in shape) + elt + ">"


def epilogue_program(rng):
    """A 2-D qnk.matmul with random epilogue clauses."""
    ta, tb, tc = rng.choice(TYPES)
    m, n, k = (rng.choice(DIMS) for _ in range(3))
    trans_b = rng.random() < 0.5
    args = [f"%a: {tensor((m, k), ta)}",
            f"%b: {tensor((n, k) if trans_b else (k, n), tb)}"]
    clauses = []
    integer = tc == "i32"
    if integer or rng.random() < 0.5:
        sa = (m,) if rng.random() < 0.5 else ()
        sb = (n,) if rng.random() < 0.5 else ()
        args += [f"%sa: {tensor(sa, 'f32')}", f"%sb: {tensor(sb, 'f32')}"]
        clauses.append(f"dequantize(%sa, %sb : {tensor(sa, 'f32')}, {tensor(sb, 'f32')})")
    if rng.random() < 0.5:
        args.append(f"%bias: {tensor((n,), 'f32')}")
        clauses.append(f"bias(%bias : {tensor((n,), 'f32')})")
    if rng.random() < 0.7:
        clauses.append(f"activation({rng.choice(ACTIVATIONS)})")
    out = "f32"
    if rng.random() < 0.5:
        out = rng.choice(STORAGE)
        args.append("%so: tensor<f32>")
        clauses.append("quantize(%so : tensor<f32>)")
        if out in ("i8", "ui8", "i4", "ui4") and rng.random() < 0.5:
            args.append("%zo: tensor<i32>")
            clauses.append("zero_point(%zo : tensor<i32>)")
    if not clauses:
        clauses.append("activation(relu)")
    a_ty = tensor((m, k), ta)
    b_ty = tensor((n, k) if trans_b else (k, n), tb)
    c_ty = tensor((m, n), out)
    flags = " transpose_b" if trans_b else ""
    return (f"func.func @mm({', '.join(args)}) -> {c_ty} {{\n"
            f"  %c = qnk.matmul %a, %b{flags} {' '.join(clauses)} : {a_ty}, "
            f"{b_ty} -> {c_ty}\n  return %c : {c_ty}\n}}\n")


def mx_program(rng):
    """qnk.mx_quantize (MXFP8, MXFP4 or NVFP4), optionally dequantized back
    by its block scales."""
    rank = rng.choice([1, 2, 3])
    block = rng.choice([16, 32])
    shape = [rng.choice([1, 2, 3, 5]) for _ in range(rank - 1)]
    shape.append(block * rng.choice([1, 2, 3]))
    sshape = shape[:-1] + [shape[-1] // block]
    nvfp4 = rng.random() < 0.3
    elt = "f4E2M1FN" if nvfp4 else rng.choice(["f8E4M3FN", "f8E5M2", "f4E2M1FN"])
    selt = "f8E4M3FN" if nvfp4 else "f8E8M0FNU"
    real = rng.choice(["f32", "bf16", "f16"])
    x, q, s = tensor(shape, real), tensor(shape, elt), tensor(sshape, selt)
    args = [f"%x: {x}"] + (["%g: tensor<f32>"] if nvfp4 else [])
    operands = "%x, %g" if nvfp4 else "%x"
    types = f"{x}, tensor<f32>" if nvfp4 else x
    body = (f"  %q, %s = qnk.mx_quantize {operands} block_size = {block} : "
            f"{types} -> {q}, {s}\n")
    if rng.random() < 0.5:
        y = tensor(shape, "f32")
        body += (f"  %y = qnk.dequantize %q, %s axis = {rank - 1} group_size = "
                 f"{block} : {q}, {s} -> {y}\n")
        results, ret = y, f"%y : {y}"
    else:
        results, ret = f"{q}, {s}", f"%q, %s : {q}, {s}"
    return (f"func.func @mm({', '.join(args)}) -> ({results}) {{\n{body}"
            f"  return {ret}\n}}\n")


#: Operand pairs of group-scaled matmuls: integers, float activations with
#: integer weights (W4A16), fp8.
GROUP_TYPES = [("i8", "i8"), ("ui8", "i8"), ("i8", "i4"), ("ui4", "i4"),
               ("bf16", "i4"), ("f16", "ui4"), ("f32", "i8"),
               ("f8E4M3FN", "f8E4M3FN"), ("bf16", "f8E5M2"),
               ("f4E2M1FN", "f4E2M1FN"), ("bf16", "f4E2M1FN")]
GROUP_SCALE_TYPES = ["f32", "f16", "bf16", "f8E4M3FN", "f8E8M0FNU"]


def group_program(rng):
    """A qnk.matmul with per-group scales on A, B or both inside the K
    reduction, sometimes with epilogue clauses."""
    ta, tb = rng.choice(GROUP_TYPES)
    group = rng.choice([4, 8, 16, 32, 64])
    k = group * rng.choice([1, 2, 3, 5])
    m, n = rng.choice(DIMS[:10]), rng.choice(DIMS)
    trans_a, trans_b = rng.random() < 0.2, rng.random() < 0.6
    a_shape = (k, m) if trans_a else (m, k)
    b_shape = (n, k) if trans_b else (k, n)
    args = [f"%a: {tensor(a_shape, ta)}", f"%b: {tensor(b_shape, tb)}"]
    clauses = []
    which = rng.choice(["a", "b", "b", "both"])
    if which in ("a", "both"):
        sa = (k // group, m) if trans_a else (m, k // group)
        t = tensor(sa, rng.choice(GROUP_SCALE_TYPES))
        args.append(f"%ga: {t}")
        clauses.append(f"a_group_scale(%ga : {t})")
    if which in ("b", "both"):
        sb = (n, k // group) if trans_b else (k // group, n)
        t = tensor(sb, rng.choice(GROUP_SCALE_TYPES))
        args.append(f"%gb: {t}")
        clauses.append(f"b_group_scale(%gb : {t})")
    clauses.append(f"group_size = {group}")
    if rng.random() < 0.3:
        args.append(f"%bias: {tensor((n,), 'f32')}")
        clauses.append(f"bias(%bias : {tensor((n,), 'f32')})")
    if rng.random() < 0.3:
        clauses.append(f"activation({rng.choice(ACTIVATIONS)})")
    c_ty = tensor((m, n), "f32")
    flags = (" transpose_a" if trans_a else "") + (" transpose_b" if trans_b else "")
    return (f"func.func @mm({', '.join(args)}) -> {c_ty} {{\n"
            f"  %c = qnk.matmul %a, %b{flags} {' '.join(clauses)} : "
            f"{tensor(a_shape, ta)}, {tensor(b_shape, tb)} -> {c_ty}\n"
            f"  return %c : {c_ty}\n}}\n")


def attention_program(rng):
    """qnk.attention: batch, grouped heads, odd lengths (Lq = 1 decode and
    Lk = 1 included), head dims, causal, broadcast masks, scales, types."""
    b = rng.choice([1, 2])
    hkv = rng.choice([1, 2])
    h = hkv * rng.choice([1, 2, 3])
    lq = rng.choice([1, 1, 3, 17, 40])
    lk = rng.choice([1, 5, 17, 64, 100])
    d = rng.choice([8, 32, 64, 80])
    dv = d if rng.random() < 0.8 else rng.choice([16, 20])
    elt = rng.choice(["f32", "bf16", "f16"])
    out = rng.choice(["f32", elt])
    q, k, v = (tensor((b, h, lq, d), elt), tensor((b, hkv, lk, d), elt),
               tensor((b, hkv, lk, dv), elt))
    o = tensor((b, h, lq, dv), out)
    args = [f"%q: {q}", f"%k: {k}", f"%v: {v}"]
    clauses = ""
    if rng.random() < 0.3:
        full = (b, h, lq, lk)
        mshape = tuple(x if rng.random() < 0.6 else 1 for x in full)
        m = tensor(mshape, rng.choice(["f32", elt]))
        args.append(f"%m: {m}")
        clauses += f" mask(%m : {m})"
    if rng.random() < 0.3:
        clauses += f" scale = {rng.choice([0.125, 0.5, 1.0])}"
    if rng.random() < 0.4:
        clauses += " causal"
    return (f"func.func @mm({', '.join(args)}) -> {o} {{\n"
            f"  %o = qnk.attention %q, %k, %v{clauses} : {q}, {k}, {v} -> {o}\n"
            f"  return %o : {o}\n}}\n")


def quant_program(rng):
    """qnk.quantize or qnk.dequantize with a random scale scheme (or, one
    time in three, a block-scaled qnk.mx_quantize)."""
    if rng.random() < 1 / 3:
        return mx_program(rng)
    rank = rng.choice([1, 2, 3])
    shape = [rng.choice([1, 2, 3, 5, 7, 16, 33]) for _ in range(rank)]
    storage = rng.choice(QUANT_STORAGE)
    scheme = rng.choice(["tensor", "axis", "group"])
    axis = rng.randrange(rank)
    attrs, scale = "", ()
    if scheme == "axis":
        attrs, scale = f" axis = {axis}", (shape[axis],)
    elif scheme == "group":
        group = rng.choice([1, 2, 4])
        shape[axis] *= group
        attrs = f" axis = {axis} group_size = {group}"
        scale = tuple(d // group if i == axis else d for i, d in enumerate(shape))
    zp = storage in ("i8", "ui8", "i4", "ui4") and rng.random() < 0.5
    real = rng.choice(["f32", "bf16", "f16"])
    quantize = rng.random() < 0.5
    src_ty = tensor(shape, real if quantize else storage)
    dst_ty = tensor(shape, storage if quantize else "f32")
    scale_ty = tensor(scale, "f32" if zp else rng.choice(SCALE_TYPES))
    args = [f"%x: {src_ty}", f"%s: {scale_ty}"]
    operands, types = "%x, %s", [src_ty, scale_ty]
    if zp:
        args.append(f"%z: {tensor(scale, 'i32')}")
        operands += ", %z"
        types.append(tensor(scale, "i32"))
    op = "qnk.quantize" if quantize else "qnk.dequantize"
    return (f"func.func @mm({', '.join(args)}) -> {dst_ty} {{\n"
            f"  %r = {op} {operands}{attrs} : {', '.join(types)} -> {dst_ty}\n"
            f"  return %r : {dst_ty}\n}}\n")


def program(rng, only_quant=False):
    if only_quant:
        return quant_program(rng)
    kind = rng.random()
    if kind < 0.15:
        return epilogue_program(rng)
    if kind > 0.9:
        return group_program(rng)
    if kind > 0.82:
        return attention_program(rng)
    if kind < 0.25:
        return quant_program(rng)
    if kind < 0.32:
        return softmax_program(rng)
    ta, tb, tc = rng.choice(TYPES)
    m, n, k = (rng.choice(DIMS) for _ in range(3))
    trans_a, trans_b = rng.random() < 0.25, rng.random() < 0.3
    batch = rng.choice([None, None, None, 1, 3])
    pre = f"{batch}x" if batch else ""
    a_shape = f"{pre}{k}x{m}" if trans_a else f"{pre}{m}x{k}"
    b_shape = f"{pre}{n}x{k}" if trans_b else f"{pre}{k}x{n}"
    c_shape = f"{pre}{m}x{n}"
    op = "qnk.batch_matmul" if batch else "qnk.matmul"
    flags = (" transpose_a" if trans_a else "") + (" transpose_b" if trans_b else "")
    return (f"func.func @mm(%a: tensor<{a_shape}x{ta}>, %b: tensor<{b_shape}x{tb}>)"
            f" -> tensor<{c_shape}x{tc}> {{\n"
            f"  %c = {op} %a, %b{flags} : tensor<{a_shape}x{ta}>, "
            f"tensor<{b_shape}x{tb}> -> tensor<{c_shape}x{tc}>\n"
            f"  return %c : tensor<{c_shape}x{tc}>\n}}\n")


def softmax_program(rng):
    """qnk.softmax along a random axis, with or without a mask and scale."""
    rank = rng.choice([1, 2, 3])
    shape = [rng.choice([1, 2, 3, 7, 16, 17, 100]) for _ in range(rank)]
    axis = rng.randrange(rank)
    elt = rng.choice(["f32", "bf16", "f16"])
    out = rng.choice(["f32", elt])
    args = [f"%x: {tensor(shape, elt)}"]
    mask = ""
    if rng.random() < 0.4:
        mshape = [d if rng.random() < 0.6 else 1 for d in shape]
        args.append(f"%mask: {tensor(mshape, 'f32')}")
        mask = f" mask(%mask : {tensor(mshape, 'f32')})"
    attrs = f" axis = {axis}"
    if rng.random() < 0.3:
        attrs += f" scale = {rng.choice([0.125, 0.5, 2.0])}"
    return (f"func.func @mm({', '.join(args)}) -> {tensor(shape, out)} {{\n"
            f"  %y = qnk.softmax %x{mask}{attrs} : {tensor(shape, elt)} -> "
            f"{tensor(shape, out)}\n  return %y : {tensor(shape, out)}\n}}\n")


#: Extra qnk-run arguments (the reducer's own test corrupts results on
#: purpose with --testing-corrupt-result).
EXTRA_ARGS = []


def run_case(qnk_run, path, src, target, threads, seed):
    with open(path, "w") as f:
        f.write(src)
    cmd = [qnk_run, path, "-e", "mm", f"--target={target}",
           f"--threads={threads}", f"--seed={seed}", "--verify"] + EXTRA_ARGS
    return subprocess.run(cmd, capture_output=True, text=True)


def mismatches(r):
    """A failure worth reducing: the fast path disagrees with the reference
    (not a rejected program)."""
    return r.returncode != 0 and "does not match the reference" in r.stderr


DIM = re.compile(r"(?<=[<x])(\d+)(?=x)")


def reduce(qnk_run, path, src, target, threads, seed):
    """Shrinks the tensor dimensions of a mismatching program while it still
    mismatches: each distinct size is replaced everywhere by 1, 2 or its
    half (coupled dimensions move together)."""
    changed = True
    while changed:
        changed = False
        for value in sorted({int(d) for d in DIM.findall(src)}, reverse=True):
            for smaller in sorted({1, 2, value // 2} - {0, value}):
                if smaller >= value:
                    continue
                candidate = DIM.sub(
                    lambda m: str(smaller) if int(m.group(1)) == value
                    else m.group(1), src)
                if mismatches(run_case(qnk_run, path, candidate, target,
                                       threads, seed)):
                    src, changed = candidate, True
                    break
            if changed:
                break
    return src


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qnk-run", required=True)
    ap.add_argument("--cases", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--targets", default="host,znver3")
    ap.add_argument("--only", type=int, help="run just this case index")
    ap.add_argument("--quant", action="store_true",
                    help="only quantization programs (quantize, dequantize, "
                    "block-scaled)")
    ap.add_argument("--qnk-run-arg", action="append", default=[],
                    help="an extra qnk-run argument (repeatable)")
    args = ap.parse_args()
    EXTRA_ARGS.extend(args.qnk_run_arg)
    targets = args.targets.split(",")
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        cases = [args.only] if args.only is not None else range(args.cases)
        for i in cases:
            rng = random.Random(args.seed * 1000003 + i)
            src = program(rng, args.quant)
            target = rng.choice(targets)
            threads = rng.choice([1, 1, 2])
            path = os.path.join(tmp, f"case{i}.mlir")
            r = run_case(args.qnk_run, path, src, target, threads, i)
            if r.returncode == 0 and "verified:" in r.stdout:
                passed += 1
                continue
            failed += 1
            print(f"FAIL case {i}: rerun with --seed {args.seed} --only {i} "
                  f"(target={target} threads={threads} --seed={i})\n"
                  f"{src}{r.stdout}{r.stderr}")
            if mismatches(r):
                small = reduce(args.qnk_run, path, src, target, threads, i)
                print(f"reduced (still mismatching):\n{small}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
