#!/usr/bin/env python3
"""Renders spr_matmul.py's results as the Sapphire Rapids section of
docs/performance.md (between its BEGIN/END spr-lowp-gemm markers).

    python3 benchmarks/device/render_spr.py benchmarks/results/spr_2026-11-23.json \
        --clock benchmarks/results/spr_2026-11-23_clock.json --out docs/performance.md
"""
import argparse
import json
import re

BEGIN, END = "<!-- BEGIN spr-lowp-gemm -->", "<!-- END spr-lowp-gemm -->"
# AMX: one tdpbf16ps is 16x16x32 multiply-adds per 16 cycles per core.
AMX_FLOP_PER_CYCLE = {"bf16": 1024, "i8": 2048, "ui8": 2048}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--clock")
    ap.add_argument("--out", required=True)
    ap.add_argument("--date", default="2026-11-23")
    ap.add_argument("--plot", help="PNG of GFLOP/s against threads")
    args = ap.parse_args()
    r = json.load(open(args.results))
    ghz = json.load(open(args.clock))["clock_ghz_imul"] if args.clock else None
    lines = [BEGIN, "## Sapphire Rapids: bf16 and int8 GEMM (AMX, AVX-512)", ""]
    lines.append(
        f"Measured {args.date} on the lent machine's host CPU (Intel Xeon, "
        "Sapphire Rapids, 16 cores exposed, amx_bf16/amx_int8/avx512_bf16/"
        f"avx512_vnni) with PyTorch {r['torch']} on the same host. Kernels "
        f"built here ahead of time for `{r['target']}` by "
        "`benchmarks/device/build_spr_kernels.py` (qnk-compile, no MLIR on "
        "that machine) and run by `benchmarks/device/spr_matmul.py`; the "
        "process requests AMX from Linux (`arch_prctl`) and checks the CPU "
        "flags first.")
    if ghz:
        lines.append("")
        lines.append(
            f"Clock {ghz:.2f} GHz (dependent `imul` chain, "
            "`benchmarks/device/clock_probe.c`); one core's AMX peak is then "
            f"{AMX_FLOP_PER_CYCLE['bf16'] * ghz:.0f} GFLOP/s bf16 and "
            f"{AMX_FLOP_PER_CYCLE['i8'] * ghz:.0f} GOP/s int8.")
    checks = r["check"]
    ok = sum(c["ok"] for c in checks)
    lines += ["", f"**Correctness:** {ok} of {len(checks)} kernels match an "
              "exact float64 reference (integers bit for bit, floats within "
              "K·2⁻²³·Σ|a·b|): bf16, i8×i8, u8×i8 and f32 at "
              + ", ".join(sorted({f"{c['m']}x{c['n']}x{c['k']}" for c in checks},
                                 key=lambda s: [int(x) for x in s.split('x')]))
              + ", one and 16 threads.", ""]
    # A column for 4-bit weights only where the run has them.
    w4 = any(b.get("tb") in ("i4", "ui4") for b in r["bench"])
    for threads in sorted({b["threads"] for b in r["bench"]}):
        lines += [f"**{threads} thread{'s' if threads > 1 else ''}** "
                  "(GFLOP/s or GOP/s; PyTorch: `torch.matmul` for bf16, "
                  "`torch._int_mm` for i8×i8, none for u8×i8):", "",
                  "| shape (MxNxK) | bf16 QNK | bf16 torch | ratio | i8 QNK | "
                  "i8 torch | ratio | u8×i8 QNK |" + (" u8×i4 QNK |" if w4 else "")
                  + (" QNK bf16 % AMX peak |" if threads == 1 and ghz else ""),
                  "|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if w4 else "")
                  + ("---:|" if threads == 1 and ghz else "")]
        rows = {}
        for b in r["bench"]:
            if b["threads"] == threads:
                kind = b["ta"] if b.get("tb") not in ("i4", "ui4") else "w4"
                rows.setdefault((b["m"], b["n"], b["k"]), {})[kind] = b

        def cell(b, key):
            return f"{b[key]:.0f}" if b and b.get(key) else "n/a"

        def ratio(b):
            if not b or not b.get("torch_gflops"):
                return "n/a"
            return f"{b['qnk_gflops'] / b['torch_gflops']:.2f}"

        for (m, n, k), d in sorted(rows.items(),
                                   key=lambda kv: (kv[0][0] != kv[0][1], kv[0])):
            bf, i8, u8 = d.get("bf16"), d.get("i8"), d.get("ui8")
            row = (f"| {m}x{n}x{k} | {cell(bf, 'qnk_gflops')} | "
                   f"{cell(bf, 'torch_gflops')} | {ratio(bf)} | "
                   f"{cell(i8, 'qnk_gflops')} | {cell(i8, 'torch_gflops')} | "
                   f"{ratio(i8)} | {cell(u8, 'qnk_gflops')} |"
                   + (f" {cell(d.get('w4'), 'qnk_gflops')} |" if w4 else ""))
            if threads == 1 and ghz:
                row += (f" {100 * bf['qnk_gflops'] / (1024 * ghz):.0f}% |"
                        if bf else " |")
            lines.append(row)
        lines.append("")
    scaling = r.get("scaling", [])
    if scaling:
        lines += ["**Scaling with threads** (same kernels, `threads=N`; "
                  "PyTorch with `torch.set_num_threads(N)`):", "",
                  "| kernel | " + " | ".join(
                      f"{t} thr" for t in sorted({b['threads'] for b in scaling}))
                  + " |",
                  "|---|" + "---:|" * len({b['threads'] for b in scaling})]
        series = {}
        for b in scaling:
            key = f"{b['ta']} {b['m']}x{b['n']}x{b['k']}"
            series.setdefault(key, {})[b["threads"]] = b
        for key, d in series.items():
            for who, field in (("QNK", "qnk_gflops"), ("torch", "torch_gflops")):
                lines.append(f"| {key} {who} | " + " | ".join(
                    f"{d[t][field]:.0f}" if d[t].get(field) else "n/a"
                    for t in sorted(d)) + " |")
        lines.append("")
        if args.plot:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            fig, ax = plt.subplots(figsize=(7, 4.5))
            for key, d in series.items():
                ts = sorted(d)
                line, = ax.plot(ts, [d[t]["qnk_gflops"] for t in ts], "o-",
                                label=f"QNK {key}")
                ax.plot(ts, [d[t]["torch_gflops"] or float("nan") for t in ts],
                        "x--", color=line.get_color(), label=f"torch {key}")
            ax.set_xscale("log", base=2)
            ax.set_xticks(sorted({b["threads"] for b in scaling}))
            ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
            ax.set_xlabel("threads")
            ax.set_ylabel("GFLOP/s (bf16) / GOP/s (i8)")
            ax.set_title("Sapphire Rapids (16 cores): scaling with threads")
            ax.legend(fontsize=7)
            ax.grid(alpha=0.3)
            fig.tight_layout()
            fig.savefig(args.plot, dpi=110)
            rel = args.plot.split("docs/", 1)[-1]
            lines += [f"![scaling]({rel})", ""]
    lines.append(END)
    text = open(args.out).read()
    section = "\n".join(lines)
    if BEGIN in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), section, text,
                      flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    open(args.out, "w").write(text)


if __name__ == "__main__":
    main()
