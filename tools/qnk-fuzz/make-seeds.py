"""Writes one qnk-fuzz seed per `// -----` split of each lit test and
example: the MLIR text without RUN/CHECK/expected-* lines, which the parser
would only skip over."""
import hashlib
import pathlib
import re
import sys

root, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
noise = re.compile(r"^\s*//\s*(RUN|CHECK|REQUIRES|expected-|[A-Z0-9_-]+:)")
count = 0
for path in sorted([*root.glob("test/**/*.mlir"), *root.glob("examples/*.mlir")]):
    for chunk in path.read_text().split("// -----"):
        text = "".join(l for l in chunk.splitlines(True) if not noise.match(l))
        if text.strip():
            name = hashlib.sha1(text.encode()).hexdigest()
            (out / name).write_text(text)
            count += 1
print(f"{count} seeds from {root}/test and {root}/examples")
