"""Writes qnk-fuzz seeds from the lit tests and examples: one per `// -----`
split, the MLIR text without RUN/CHECK/expected-* lines, which the parser
would only skip over. A split holding several top-level functions becomes
one seed per function (with the split's attribute aliases and private
helpers): whole files of attention or matmul kernels take longer than the
fuzzer's per-input timeout to compile under the sanitizers, while each
function alone takes a second or two."""
import hashlib
import pathlib
import re
import sys

root, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
noise = re.compile(r"^\s*//\s*(RUN|CHECK|REQUIRES|expected-|[A-Z0-9_-]+:)")


def per_function(text):
    """`text` split into one module per public top-level func.func."""
    lines = text.splitlines(True)
    starts = [i for i, l in enumerate(lines) if l.startswith("func.func")]
    if len(starts) < 2 or any(l.startswith("module") for l in lines):
        return [text]
    aliases = "".join(l for l in lines if l.startswith("#"))
    bodies = []
    for begin, end in zip(starts, starts[1:] + [len(lines)]):
        body = "".join(l for l in lines[begin:end] if not l.startswith("#"))
        bodies.append((lines[begin].startswith("func.func private"), body))
    privates = "".join(body for private, body in bodies if private)
    return [aliases + body + privates for private, body in bodies if not private]


count = 0
for path in sorted([*root.glob("test/**/*.mlir"), *root.glob("examples/*.mlir")]):
    for chunk in path.read_text().split("// -----"):
        text = "".join(l for l in chunk.splitlines(True) if not noise.match(l))
        for text in per_function(text) if text.strip() else []:
            name = hashlib.sha1(text.encode()).hexdigest()
            (out / name).write_text(text)
            count += 1
print(f"{count} seeds from {root}/test and {root}/examples")
