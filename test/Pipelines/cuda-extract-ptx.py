"""Writes the PTX embedded in a gpu.binary (gpu-module-to-binary{format=isa})
of the MLIR read from stdin to the file named by argv[1], so lit tests can
assemble it with ptxas."""
import re
import sys

text = sys.stdin.read()
match = re.search(r'assembly = "((?:[^"\\]|\\.)*)"', text)
if not match:
    sys.exit("no `assembly = \"...\"` (PTX) in the input")
# MLIR string escapes: \XX (two hex digits), \\ and \".
raw = match.group(1)
out = bytearray()
i = 0
while i < len(raw):
    if raw[i] == "\\":
        nxt = raw[i + 1]
        if nxt in '\\"':
            out += nxt.encode()
            i += 2
            continue
        out.append(int(raw[i + 1:i + 3], 16))
        i += 3
        continue
    out += raw[i].encode()
    i += 1
with open(sys.argv[1], "wb") as f:
    f.write(bytes(out))
