#!/usr/bin/env python3
"""CPU int8 GEMM benchmark (u8 x s8 -> s32): QNK vs. oneDNN, single thread, one run.

Measures C[MxN] = A[MxK] * B[KxN], A uint8, B int8, C int32 (row-major), for

  * QNK     build/bin/qnk-run FILE.mlir -e mm --target=T --bench=N --json
            on a generated `qnk.matmul` (tensor<MxKxui8>, tensor<KxNxi8>)
  * oneDNN  dnnl_gemm_u8s8s32('N', 'N', 'F', ..., ao=bo=0, co=0, alpha=1,
            beta=0)   (benchmarks/peers/gemm_int8_peers.c)

for two QNK targets, each against oneDNN limited to the same ISA family:

  * --target=znver3: AVX2 only; QNK's `vpmaddwd` kernel on i16 pairs;
                     oneDNN with DNNL_MAX_CPU_ISA=AVX2
  * --target=host:   this CPU (AVX512-VNNI: QNK's `vpdpbusd` kernel);
                     oneDNN at its default ISA

Every process is pinned to one CPU with one thread, one at a time, after the
other CPUs went idle (helpers imported from cpu_matmul.py). Prints GOP/s
(2*M*N*K / median call time) and the QNK/oneDNN ratio per target.

    python3 benchmarks/cpu_int8.py                          # all shapes, both targets
    python3 benchmarks/cpu_int8.py --quick                  # smoke run
    python3 benchmarks/cpu_int8.py --shapes 256,16x4096x4096 --targets znver3
    python3 benchmarks/cpu_int8.py --out docs/performance.md    # update the docs
    python3 benchmarks/cpu_int8.py --from-json benchmarks/out/cpu_int8.json \\
        --out docs/performance.md                           # re-render only

Correctness. gemm_int8_peers writes its inputs and result as .npy; QNK runs
on the same A and B (--input) and its C (--output) must equal oneDNN's and an
exact reference bit for bit. The timed inputs use B in [-64, 63] (A in
[0, 255]): oneDNN's AVX2 kernel adds u8*s8 product pairs in int16 with
saturation (vpmaddubsw), which is exact only for |B| <= 64. A separate probe
(--probe-shape, default 256^3) runs full-range B ([-128, 127]) through every
configuration and counts wrong entries. Timings do not depend on the values.

Shapes are MxNxK (or one number for M=N=K). Raw results go to
benchmarks/out/cpu_int8.json.
"""

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from cpu_matmul import (BUSY_MARK, REPO, OUT_DIR, bench_env, busy_fraction, cpu_times,  # noqa: E402
                        machine_info, others_busy, parse_json_line, parse_shapes, pinned, run,
                        wait_idle)

SQUARE = [256, 512, 1024, 2048]
LLM = [(m, 4096, 4096) for m in (1, 16, 128)]          # (M, N, K), K = N = 4096
ALL_SHAPES = [(s, s, s) for s in SQUARE] + LLM
QUICK_SHAPES = [(256, 256, 256), (16, 4096, 4096)]

# QNK target -> what oneDNN is limited to for the comparison.
TARGETS = {
    "znver3": {"dnnl_max_isa": "AVX2", "title": "AVX2 (QNK --target=znver3, oneDNN DNNL_MAX_CPU_ISA=AVX2)",
               "qnk_kernel": "vpmaddwd on i16 pairs (6x2 ymm)", "qnk_peak": "pmaddwd_ymm",
               "onednn_peak": "maddubsw_ymm"},
    "host": {"dnnl_max_isa": None, "title": "AVX-512 VNNI (QNK --target=host, oneDNN default ISA)",
             "qnk_kernel": "vpdpbusd (6x4 zmm)", "qnk_peak": "dpbusd_zmm", "onednn_peak": "dpbusd_zmm"},
}

SECTION = "CPU int8 GEMM, u8 x s8 -> s32 (single thread)"
BEGIN = "<!-- BEGIN cpu-int8-gemm -->"
END = "<!-- END cpu-int8-gemm -->"
# Hand-written text between these two lines survives re-generation.
NOTES_BEGIN = "<!-- cpu-int8-gemm analysis: hand-written, kept by benchmarks/cpu_int8.py -->"
NOTES_END = "<!-- end of cpu-int8-gemm analysis -->"

INT8_DIR = OUT_DIR / "int8"
PEAK_LABEL = {"pmaddwd_ymm": "`vpmaddwd`+`vpaddd` ymm", "maddubsw_ymm": "`vpmaddubsw`+`vpmaddwd`+`vpaddd` ymm",
              "dpbusd_ymm": "`vpdpbusd` ymm (AVX-VNNI)", "dpbusd_zmm": "`vpdpbusd` zmm (AVX512-VNNI)"}


# --------------------------------------------------------------------------
# Build / run the pieces
# --------------------------------------------------------------------------

def build_peer(cc):
    src = BENCH_DIR / "peers" / "gemm_int8_peers.c"
    binary = OUT_DIR / "gemm_int8_peers"
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    if not binary.exists() or binary.stat().st_mtime < src.stat().st_mtime:
        proc = run([cc, "-O2", "-Wall", str(src), "-o", str(binary), "-ldl"])
        if proc.returncode != 0:
            sys.exit(f"building {src.name} failed:\n{proc.stderr}")
    return binary


def null(lib, target, shape, why):
    m, n, k = shape
    return {"lib": lib, "target": target, "m": m, "n": n, "k": k, "median_ms": None, "gops": None,
            "error": why}


def shape_dir(shape, brange):
    d = INT8_DIR / f"{'x'.join(map(str, shape))}_{brange}"
    d.mkdir(parents=True, exist_ok=True)
    return d


def onednn_env(env, target):
    env = dict(env)
    env.pop("DNNL_MAX_CPU_ISA", None)
    env.pop("ONEDNN_MAX_CPU_ISA", None)
    isa = TARGETS[target]["dnnl_max_isa"]
    if isa:
        env["DNNL_MAX_CPU_ISA"] = isa
    return env


def run_onednn(shape, target, brange, target_s, args, env, peer, dump=True):
    """oneDNN, ISA limited as the target says; with dump, writes A, B and its
    C to the shape's directory (C as c_onednn_<target>.npy)."""
    m, n, k = shape
    d = shape_dir(shape, brange)
    cmd = [str(peer), "onednn", str(m), str(n), str(k), "0", str(target_s), f"--b-range={brange}"]
    if dump:
        cmd.append(f"--dump={d}")
    try:
        proc = run(pinned(cmd, args.cpu), env=onednn_env(env, target), timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return null("onednn", target, shape, f"timed out after {args.timeout} s")
    res = parse_json_line(proc.stdout)
    if res is None:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return null("onednn", target, shape, f"exit {proc.returncode}: " + " | ".join(tail))
    res["target"] = target
    if dump and res.get("error") is None:
        (d / "c_onednn.npy").replace(d / f"c_onednn_{target}.npy")
    return res


def qnk_mlir(m, n, k):
    a, b, c = f"tensor<{m}x{k}xui8>", f"tensor<{k}x{n}xi8>", f"tensor<{m}x{n}xi32>"
    return (f"func.func @mm(%a: {a}, %b: {b}) -> {c} {{\n"
            f"  %c = qnk.matmul %a, %b : {a}, {b} -> {c}\n"
            f"  return %c : {c}\n"
            f"}}\n")


def run_qnk(shape, target, brange, target_s, args, env, est_ms, output=True):
    """qnk-run on the A, B that oneDNN dumped; --bench sized from est_ms (the
    oneDNN call time) for about target_s seconds of timed calls; with output,
    C goes to c_qnk_<target>.npy."""
    m, n, k = shape
    qnk_run = Path(args.qnk_run)
    if not qnk_run.exists():
        return null("qnk", target, shape, f"{qnk_run} not found (build QNK first)")
    d = shape_dir(shape, brange)
    src = INT8_DIR / "mlir" / f"mm_{m}x{n}x{k}.mlir"
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_text(qnk_mlir(m, n, k))
    iters = int(min(max(target_s * 1e3 / est_ms, 5), 200000)) if est_ms else 20
    cmd = [str(qnk_run), str(src), "-e", "mm", f"--target={target}", f"--bench={iters}", "--json",
           f"--input={d / 'a.npy'}", f"--input={d / 'b.npy'}"]
    if output:
        out = d / f"c_qnk_{target}.npy"
        out.unlink(missing_ok=True)
        cmd.append(f"--output={out}")
    try:
        proc = run(pinned(cmd, args.cpu), env=env, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return null("qnk", target, shape, f"timed out after {args.timeout} s")
    res = parse_json_line(proc.stdout)
    if proc.returncode != 0 or res is None or res.get("median_ms") is None:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return null("qnk", target, shape, f"qnk-run exit {proc.returncode}: " + " | ".join(tail))
    med = float(res["median_ms"])
    return {"lib": "qnk", "target": target, "m": m, "n": n, "k": k, "reps": iters, "median_ms": med,
            "gops": 2.0 * m * n * k / (med * 1e-3) * 1e-9, "error": None,
            "compiled_for": res.get("target"), "features": res.get("features"),
            "info": f"qnk-run --target={target} (compiled for {res.get('target', '?')})"}


def combine(runs):
    """One result from several processes: the median of their medians, and
    each process's median (the spread between processes is reported)."""
    first = dict(runs[0])
    good = [r for r in runs if r.get("median_ms") and not r.get("error")]
    if len(good) < len(runs):
        bad = dict(next(r for r in runs if r not in good))
        bad.update({"median_ms": None, "gops": None, "error": bad.get("error") or "no time reported"})
        return bad
    meds = sorted(float(r["median_ms"]) for r in good)
    mid = len(meds) // 2
    med = meds[mid] if len(meds) % 2 else 0.5 * (meds[mid - 1] + meds[mid])
    m, n, k = first["m"], first["n"], first["k"]
    first.update({"median_ms": med, "gops": 2.0 * m * n * k / (med * 1e-3) * 1e-9,
                  "proc_median_ms": [float(r["median_ms"]) for r in good], "processes": len(good),
                  "reps": [r.get("reps") for r in good],
                  "background_busy": max((r.get("background_busy") or 0) for r in good),
                  "attempts": [r.get("attempts") for r in good]})
    first.pop("min_ms", None)
    return first


def check_exact(shape, brange, libs_targets):
    """Compare every result of a shape with the exact product (float64 matmul
    of small integers: every partial sum is an integer below 2^53, so it is
    exact) and with each other. Returns {"lib/target": wrong entries}."""
    import numpy as np
    d = shape_dir(shape, brange)
    a = np.load(d / "a.npy").astype(np.float64)
    b = np.load(d / "b.npy").astype(np.float64)
    ref = (a @ b).astype(np.int64).astype(np.int32)    # int32 wrap-around (never reached here)
    wrong, results = {}, {}
    for lib, target in libs_targets:
        path = d / f"c_{lib}_{target}.npy"
        if not path.exists():
            continue
        c = np.load(path)
        if c.dtype != np.int32 or c.shape != ref.shape:
            wrong[f"{lib}/{target}"] = -1
            continue
        results[(lib, target)] = c
        wrong[f"{lib}/{target}"] = int((c != ref).sum())
    same = {}
    for target in {t for _, t in results}:
        if ("qnk", target) in results and ("onednn", target) in results:
            same[target] = bool(np.array_equal(results[("qnk", target)], results[("onednn", target)]))
    return wrong, same, int(ref.size)


# --------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------

def snapshot_qnk_run(args):
    """Run a private copy of qnk-run, so that a concurrent rebuild of
    build/ cannot mix two builds into one run. Returns what was copied."""
    src = Path(args.qnk_run)
    for _ in range(60):             # a concurrent `ninja` may be relinking it
        if src.exists() and time.time() - src.stat().st_mtime > 5:
            break
        time.sleep(1)
    if not src.exists():
        return {"error": f"{src} not found"}
    INT8_DIR.mkdir(parents=True, exist_ok=True)
    copy = INT8_DIR / "qnk-run"
    shutil.copy2(src, copy)
    head = run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]).stdout.strip()
    info = {"path": str(src), "built": time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(src.stat().st_mtime)),
            "git_head": head or None}
    args.qnk_run = str(copy)
    print(f"# qnk-run: copy of {src} (built {info['built']}; HEAD {head})", flush=True)
    return info


def measure_peaks(peer, env, cpu):
    proc = run(pinned([str(peer), "peak", "0.2"], cpu), env=env, timeout=120)
    return parse_json_line(proc.stdout) or {}


def measure(args):
    peer = build_peer(os.environ.get("CC", "cc"))
    env = bench_env(args)
    machine = machine_info()
    flags = Path("/proc/cpuinfo").read_text().split("flags", 2)[1].split("\n", 1)[0].split()
    if "avx_vnni" in flags and "avx_vnni" not in machine["flags"]:
        machine["flags"].append("avx_vnni")
    print(f"# {machine['model']} ({machine.get('uarch') or 'family ' + machine['family']}), "
          f"{machine['cpus']} CPUs, pinned to CPU {args.cpu}", flush=True)
    busy_before = busy_fraction()
    if busy_before is not None and busy_before > 0.1:
        print(f"WARNING: the machine is {100 * busy_before:.0f}% busy before the run", flush=True)
    peaks = [measure_peaks(peer, env, args.cpu)]
    print("# int8 instruction peaks: " + json.dumps(peaks[0]), flush=True)

    wait_budget = [args.max_total_wait]

    def watched(fn, *a):
        """As cpu_matmul.py: wait for the other CPUs to go idle, measure, record
        how busy they were meanwhile, retry (up to twice) when over BUSY_MARK,
        as long as the total idle-wait budget (--max-total-wait) lasts."""
        for attempt in range(3):
            if args.wait_idle and wait_budget[0] > 0:
                waited = wait_idle(args.cpu, min(args.wait_idle, wait_budget[0]))
                wait_budget[0] -= waited
                if waited:
                    print(f"  (waited {waited:.1f} s for the machine to go idle)", flush=True)
            before = cpu_times()
            res = fn(*a)
            busy = others_busy(before, cpu_times(), args.cpu)
            res["background_busy"] = busy
            res["attempts"] = attempt + 1
            if busy is None or busy <= BUSY_MARK:
                break
            retry = attempt < 2 and args.wait_idle and wait_budget[0] > 0
            print(f"  WARNING: other CPUs {100 * busy:.0f}% busy during this measurement"
                  + ("; retrying" if retry else ""), flush=True)
            if not retry:       # no idle time left to wait for: a retry would see the same load
                break
        return res

    machine["qnk"] = snapshot_qnk_run(args)
    t_start = time.time()
    # 1. Exactness probe with full-range B (no timing of interest).
    probe = None
    if args.probe_shape:
        shape = args.probe_shape
        pairs, probe_isa = [], {}
        for target in args.targets:
            r = run_onednn(shape, target, "full", 0.05, args, env, peer)
            pairs.append(("onednn", target))
            q = run_qnk(shape, target, "full", 0.01, args, env, r.get("median_ms"))
            pairs.append(("qnk", target))
            for x in (r, q):
                if x.get("error"):
                    print(f"  probe {x['lib']}/{target}: {x['error']}", flush=True)
            probe_isa[target] = r.get("isa")
        wrong, same, total = check_exact(shape, "full", pairs)
        probe = {"shape": list(shape), "b_range": "full", "wrong": wrong, "entries": total,
                 "onednn_isa": probe_isa}
        print(f"# exactness probe {'x'.join(map(str, shape))}, B in [-128, 127]: wrong entries of "
              f"{total}: {wrong}", flush=True)

    # 2. Timed runs, B in [-64, 63].
    results, checks = [], []
    for shape in args.shapes:
        m, n, k = shape
        pairs = []
        for target in args.targets:
            # --procs processes per library, alternating oneDNN and QNK; the
            # first of each writes/reads the .npy files that are checked.
            o_runs, q_runs = [], []
            per_proc_s = args.target_s / args.procs
            for i in range(args.procs):
                o_runs.append(watched(run_onednn, shape, target, args.b_range, per_proc_s, args, env,
                                      peer, i == 0))
                est = o_runs[0].get("median_ms")
                q_runs.append(watched(run_qnk, shape, target, args.b_range, per_proc_s, args, env, est,
                                      i == 0))
                if o_runs[0].get("error") or q_runs[0].get("error"):
                    break
            r, q = combine(o_runs), combine(q_runs)
            results += [r, q]
            pairs += [("onednn", target), ("qnk", target)]
            for x in (r, q):
                g = x.get("gops")
                print(f"  {m}x{n}x{k} {target:7s} {x['lib']:7s} "
                      + (f"{g:8.1f} GOP/s  {float(x['median_ms']):.4g} ms  (processes: "
                         + " ".join(f"{2e-6 * m * n * k / t:.0f}" for t in x["proc_median_ms"]) + ")"
                         if g else f"n/a ({x.get('error')})"), flush=True)
        wrong, same, total = check_exact(shape, args.b_range, pairs)
        checks.append({"shape": list(shape), "wrong": wrong, "qnk_equals_onednn": same, "entries": total})
        bad = {key: v for key, v in wrong.items() if v}
        if bad or not all(same.values()):
            print(f"  WARNING {m}x{n}x{k}: wrong entries {bad}, QNK == oneDNN: {same}", flush=True)
        # A wrong result gets no number in the tables.
        for x in results[-2 * len(args.targets):]:
            if wrong.get(f"{x['lib']}/{x['target']}"):
                x["gops_unchecked"], x["gops"] = x.get("gops"), None
                x["error"] = f"{wrong[x['lib'] + '/' + x['target']]} wrong entries"

    peaks.append(measure_peaks(peer, env, args.cpu))
    busy_after = busy_fraction()
    machine["busy_before_after"] = [busy_before, busy_after]
    print(f"# measurements took {time.time() - t_start:.0f} s; other load "
          f"{100 * (busy_before or 0):.0f}% before, {100 * (busy_after or 0):.0f}% after", flush=True)
    peak = {key: max((p.get(key) or 0) for p in peaks) or None
            for key in set().union(*peaks) if key.endswith("_gops") or key == "clock_ghz"}
    peak["runs"] = peaks
    return {"machine": machine, "peak": peak, "results": results, "checks": checks, "probe": probe,
            "targets": args.targets, "shapes": [list(s) for s in args.shapes],
            "b_range": args.b_range, "target_s": args.target_s, "cpu": args.cpu,
            "command": "python3 benchmarks/cpu_int8.py" + (" " + shlex.join(args.argv) if args.argv else "")}


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------

def lookup(data):
    return {(r["m"], r["n"], r["k"], r["lib"], r["target"]): r for r in data["results"]}


def fmt(r, key="gops", digits=1):
    if not (r and r.get(key)):
        return "n/a"
    mark = "†" if (r.get("background_busy") or 0) > BUSY_MARK else ""
    return f"{float(r[key]):.{digits}f}{mark}"


def spread(r):
    """min-max GOP/s over the processes."""
    if not (r and r.get("gops") and r.get("proc_median_ms")):
        return "n/a"
    g = sorted(2e-6 * r["m"] * r["n"] * r["k"] / t for t in r["proc_median_ms"])
    return f"{g[0]:.0f}–{g[-1]:.0f}" if len(g) > 1 else "-"


def table(data, target):
    tab = lookup(data)
    peak = data["peak"]
    qpk, opk = peak.get(TARGETS[target]["qnk_peak"] + "_gops"), peak.get(TARGETS[target]["onednn_peak"] + "_gops")
    head = ["shape (MxNxK)", "QNK GOP/s", "QNK range", "oneDNN GOP/s", "oneDNN range", "QNK/oneDNN",
            "QNK % of its ceiling", "oneDNN % of its ceiling"]
    rows = []
    for m, n, k in data["shapes"]:
        q, o = tab.get((m, n, k, "qnk", target)), tab.get((m, n, k, "onednn", target))
        ratio = f"{q['gops'] / o['gops']:.2f}" if q and o and q.get("gops") and o.get("gops") else "n/a"
        rows.append([f"{m}x{n}x{k}", fmt(q), spread(q), fmt(o), spread(o),
                     f"**{ratio}**" if ratio != "n/a" else ratio,
                     f"{100 * q['gops'] / qpk:.0f}%" if q and q.get("gops") and qpk else "n/a",
                     f"{100 * o['gops'] / opk:.0f}%" if o and o.get("gops") and opk else "n/a"])
    return head, rows


def print_tables(data):
    for target in data["targets"]:
        head, rows = table(data, target)
        rows = [[c.replace("**", "") for c in row] for row in rows]
        widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
        print(f"\n{TARGETS[target]['title']}")
        line = "  ".join(h.rjust(w) for h, w in zip(head, widths))
        print(line)
        print("-" * len(line))
        for row in rows:
            print("  ".join(str(x).rjust(w) for x, w in zip(row, widths)))
    print("\nGOP/s = 2*M*N*K / median call time; QNK/oneDNN > 1 means QNK is faster.")


def onednn_isa(data, target):
    isas = {r.get("isa") for r in data["results"] if r["lib"] == "onednn" and r["target"] == target}
    isas.discard(None)
    return ", ".join(sorted(isas)) or "?"


def markdown(data, notes):
    m = data["machine"]
    p = data["peak"]
    out = [BEGIN, f"## {SECTION}", ""]
    out.append(f"Measured {m['date']} with `{data['command']}` "
               f"(generated by `benchmarks/cpu_int8.py`; oneDNN side: `benchmarks/peers/gemm_int8_peers.c`)"
               + (f"; QNK is `build/bin/qnk-run` built {m['qnk']['built']} (HEAD `{m['qnk']['git_head']}`)"
                  if (m.get("qnk") or {}).get("built") else "") + ".")
    out.append("")
    bgs = [r.get("background_busy") for r in data["results"] if r.get("gops")]
    max_bg = max([x for x in bgs if x is not None], default=None)
    out.append(f"**Machine.** {m['model']}"
               + (f" ({m['uarch']}, family {m['family']} model {m['cpu_model']})" if m.get("uarch") else "")
               + f", {m['cpus']} CPUs" + (f" under {m['hypervisor']}" if m.get("hypervisor") else "")
               + f"; caches {m['caches']}; flags: {', '.join(m['flags'])}; Linux {m['kernel']}. "
               f"Every measurement is one process pinned to CPU {data['cpu']} (`taskset`) with one "
               f"thread (`OMP_NUM_THREADS=1`, `DNNL_MAX_THREADS=1`), one at a time, started once the "
               f"other CPU was idle and repeated (up to twice) if it was over {100 * BUSY_MARK:.0f}% "
               f"busy meanwhile"
               + (f" (highest background load during a reported measurement: {100 * max_bg:.0f}%)."
                  if max_bg is not None else "."))
    out.append("")
    if p.get("clock_ghz"):
        bits = [f"{PEAK_LABEL[key]} {p[key + '_gops']:.0f}" for key in PEAK_LABEL if p.get(key + "_gops")]
        out.append(f"**Instruction ceilings** (`gemm_int8_peers peak`: independent accumulators, "
                   f"no loads; 1 multiply-add = 2 ops; best of before/after the run; clock "
                   f"{p['clock_ghz']:.2f} GHz from a dependent-add loop), GOP/s: " + "; ".join(bits)
                   + ". \"% of its ceiling\" below is relative to the sequence each kernel is built "
                   "from: QNK AVX2 `vpmaddwd`+`vpaddd`, oneDNN AVX2 `vpmaddubsw`+`vpmaddwd`+`vpaddd`, "
                   "both on AVX-512 `vpdpbusd` zmm.")
        out.append("")
    for target in data["targets"]:
        t = TARGETS[target]
        compiled = {r.get("compiled_for") for r in data["results"] if r["lib"] == "qnk" and r["target"] == target}
        compiled.discard(None)
        out.append(f"**{t['title']}.** QNK compiled for `{', '.join(sorted(compiled)) or target}`, "
                   f"nanokernel {t['qnk_kernel']}; oneDNN effective ISA `{onednn_isa(data, target)}`. "
                   f"GOP/s = 2·M·N·K / median call time; QNK/oneDNN > 1: QNK faster.")
        out.append("")
        head, rows = table(data, target)
        out.append("| " + " | ".join(head) + " |")
        out.append("|---|" + "|".join(["---:"] * (len(head) - 1)) + "|")
        for row in rows:
            out.append("| " + " | ".join(row) + " |")
        out.append("")
    if any((r.get("background_busy") or 0) > BUSY_MARK for r in data["results"] if r.get("gops")):
        out.append(f"† = the other CPU was more than {100 * BUSY_MARK:.0f}% busy during this "
                   "measurement (competing load; the number may be low).")
        out.append("")
    # Correctness
    checks = data.get("checks") or []
    all_ok = checks and all(not any(c["wrong"].values()) and all(c["qnk_equals_onednn"].values())
                            for c in checks)
    out.append("**Correctness.** " + (
        "Every timed result above (both libraries, both targets, every shape) equals the exact "
        "product bit for bit, and QNK's C equals oneDNN's C bit for bit"
        if all_ok else "Not every result was exact: " + "; ".join(
            f"{'x'.join(map(str, c['shape']))}: {c['wrong']}" for c in checks if any(c["wrong"].values())))
        + " (QNK reads oneDNN's A and B through `qnk-run --input` and writes C with `--output`; the "
        "reference is a float64 product of the integer matrices, exact since every partial sum is an "
        "integer below 2⁵³). The timed inputs have A uniform in [0, 255] and B in [-64, 63].")
    pr = data.get("probe")
    if pr:
        shape = "x".join(map(str, pr["shape"]))
        parts = []
        for target in data["targets"]:
            w_o, w_q = pr["wrong"].get(f"onednn/{target}"), pr["wrong"].get(f"qnk/{target}")
            parts.append(f"oneDNN (`{(pr.get('onednn_isa') or {}).get(target, '?')}`) "
                         f"{w_o if w_o is not None else 'n/a'} wrong, QNK `--target={target}` "
                         f"{w_q if w_q is not None else 'n/a'} wrong")
        out.append("")
        out.append(f"With full-range B ([-128, 127]) at {shape} ({pr['entries']} entries of C): "
                   + "; ".join(parts) + ". oneDNN's AVX2 kernel adds each pair of u8·s8 products "
                   "in int16 with `vpmaddubsw`, which saturates once |a₀b₀ + a₁b₁| > 32767 (possible "
                   "for |b| > 64), so on AVX2 (and AVX-512 without VNNI) it is exact only for 7-bit "
                   "weights, as its documentation warns; QNK's `vpmaddwd` on i16 pairs and "
                   "`vpdpbusd` are exact for all inputs. Timings do not depend on the values, so "
                   "the tables use inputs on which both are exact.")
    out.append("")
    procs = max((r.get("processes") or 1) for r in data["results"])
    out.append(f"**Method.** oneDNN: `dnnl_gemm_u8s8s32('N', 'N', 'F', M, N, K, 1.0, A, K, 0, B, N, 0, "
               f"0.0, C, N, {{0}})` (row-major), 3 warm-up calls, ~50 ms of calibration calls, then "
               f"individually timed calls; the process reports their median. QNK: "
               f"`qnk-run mm.mlir -e mm --target=T --bench=N --json` on `qnk.matmul` with "
               f"`tensor<MxKxui8>, tensor<KxNxi8> -> tensor<MxNxi32>`, N sized from oneDNN's call "
               f"time for the same duration; the median qnk-run reports (after its warm-up; JIT "
               f"compilation is not timed). Each library runs in {procs} separate processes per shape "
               f"and target (alternating with the other library, {data['target_s'] / procs:.2g} s of "
               f"timed calls each, at least 5 calls); the tables give the median of the process "
               f"medians and the range over processes. B is an ordinary argument for both "
               f"libraries (no pre-packed weights): whatever packing a library does happens inside "
               f"every call.")
    out.append("")
    out.append(NOTES_BEGIN)
    out.append(notes.strip("\n") if notes else
               "_(analysis to be written: run the benchmark, then describe where QNK wins or loses and why)_")
    out.append(NOTES_END)
    out.append("")
    out.append(END)
    return "\n".join(out) + "\n"


def write_markdown(data, md_path):
    md_path = Path(md_path)
    text = md_path.read_text() if md_path.exists() else "# Performance\n"
    notes = None
    if BEGIN in text and END in text:
        old = text[text.index(BEGIN):text.index(END)]
        if NOTES_BEGIN in old and NOTES_END in old:
            notes = old[old.index(NOTES_BEGIN) + len(NOTES_BEGIN):old.index(NOTES_END)]
        section = markdown(data, notes)
        pre = text[:text.index(BEGIN)]
        post = text[text.index(END) + len(END):].lstrip("\n")
        text = pre + section + ("\n" + post if post else "")
    else:
        text = text.rstrip("\n") + "\n\n" + markdown(data, None)
    md_path.write_text(text)
    print(f"wrote {md_path}")


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke run: 2 shapes, 0.3 s per measurement")
    ap.add_argument("--shapes", type=parse_shapes, help="comma list of S (=SxSxS) or MxNxK")
    ap.add_argument("--targets", default="znver3,host", help="comma list from " + ",".join(TARGETS))
    ap.add_argument("--target-s", type=float, default=None,
                    help="seconds of timed calls per library and shape, split over --procs "
                         "processes (default 1.0, --quick 0.3)")
    ap.add_argument("--procs", type=int, default=5,
                    help="processes per library and shape (the median of their medians is reported; "
                         "QNK's speed varies between processes with the address layout)")
    ap.add_argument("--b-range", choices=["7bit", "full"], default="7bit",
                    help="B values of the timed runs: [-64, 63] (default; oneDNN AVX2 is exact) or [-128, 127]")
    ap.add_argument("--probe-shape", type=lambda s: parse_shapes(s)[0] if s else None,
                    default=(256, 256, 256), help="shape of the full-range exactness probe ('' to skip)")
    ap.add_argument("--cpu", type=int, default=(os.cpu_count() or 1) - 1,
                    help="CPU to pin every measurement to (default: the last one)")
    ap.add_argument("--qnk-run", default=str(REPO / "build" / "bin" / "qnk-run"))
    ap.add_argument("--wait-idle", type=float, default=30.0,
                    help="before each measurement wait up to this many seconds for the other CPUs to go idle")
    ap.add_argument("--max-total-wait", type=float, default=120.0,
                    help="stop waiting for idle once this many seconds were spent waiting in total")
    ap.add_argument("--timeout", type=int, default=300, help="per-process timeout, seconds")
    ap.add_argument("--json", default=str(OUT_DIR / "cpu_int8.json"), help="raw results file")
    ap.add_argument("--from-json", help="skip measuring; render tables/docs from this file")
    ap.add_argument("--out", help="markdown file to write/update the section in (docs/performance.md)")
    args = ap.parse_args()
    args.argv = sys.argv[1:]

    if args.from_json:
        data = json.loads(Path(args.from_json).read_text())
    else:
        args.targets = [t.strip() for t in args.targets.split(",") if t.strip()]
        bad = [t for t in args.targets if t not in TARGETS]
        if bad:
            ap.error(f"unknown targets {bad}")
        args.shapes = args.shapes or (QUICK_SHAPES if args.quick else ALL_SHAPES)
        if args.target_s is None:
            args.target_s = 0.3 if args.quick else 1.0
        data = measure(args)
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(data, indent=1))
        print(f"wrote {args.json}")
    print_tables(data)
    if args.out:
        write_markdown(data, args.out)


if __name__ == "__main__":
    main()
