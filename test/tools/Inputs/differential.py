"""Differential test: random qnk.matmul programs (with and without epilogue
clauses) and quantize/dequantize programs through the fast pipeline,
compared with the reference lowering by `qnk-run --verify`.

Shapes include 1, primes and non-multiples of every register block; types,
transposes, batch dimensions, targets and thread counts vary. Each case is
reproducible from (--seed, case index): a failure prints both and the
program, which is a complete input for qnk-run.

  differential.py --qnk-run PATH --cases N --seed S [--targets a,b]
"""
import argparse
import os
import random
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


def quant_program(rng):
    """qnk.quantize or qnk.dequantize with a random scale scheme."""
    rank = rng.choice([1, 2, 3])
    shape = [rng.choice([1, 2, 3, 5, 7, 16, 33]) for _ in range(rank)]
    storage = rng.choice(STORAGE)
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
    args = [f"%x: {src_ty}", f"%s: {tensor(scale, 'f32')}"]
    operands, types = "%x, %s", [src_ty, tensor(scale, "f32")]
    if zp:
        args.append(f"%z: {tensor(scale, 'i32')}")
        operands += ", %z"
        types.append(tensor(scale, "i32"))
    op = "qnk.quantize" if quantize else "qnk.dequantize"
    return (f"func.func @mm({', '.join(args)}) -> {dst_ty} {{\n"
            f"  %r = {op} {operands}{attrs} : {', '.join(types)} -> {dst_ty}\n"
            f"  return %r : {dst_ty}\n}}\n")


def program(rng):
    kind = rng.random()
    if kind < 0.15:
        return epilogue_program(rng)
    if kind < 0.25:
        return quant_program(rng)
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qnk-run", required=True)
    ap.add_argument("--cases", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--targets", default="host,znver3")
    args = ap.parse_args()
    targets = args.targets.split(",")
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.cases):
            rng = random.Random(args.seed * 1000003 + i)
            src = program(rng)
            target = rng.choice(targets)
            threads = rng.choice([1, 1, 2])
            path = os.path.join(tmp, f"case{i}.mlir")
            with open(path, "w") as f:
                f.write(src)
            cmd = [args.qnk_run, path, "-e", "mm", f"--target={target}",
                   f"--threads={threads}", f"--seed={i}", "--verify"]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode == 0 and "verified:" in r.stdout:
                passed += 1
                continue
            failed += 1
            print(f"FAIL case {i} (--seed {args.seed}): target={target} "
                  f"threads={threads}\n{src}{r.stdout}{r.stderr}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
