#!/usr/bin/env python3
"""Runs tensorzoo's op benchmarks and the PyTorch baselines on this machine with the same thread
count and prints them side by side.
Usage: tools/bench/compare.py [--threads N] [--build build] [--python .venv-ref/bin/python]
       tools/bench/compare.py --cuda [--build build] [--python ...]   (GPU: bench_cuda vs torch_cuda.py)
       tools/bench/compare.py --overhead [--threads N] ...   (per-op host time: bench_overhead vs torch_overhead.py)"""
import argparse, json, os, subprocess

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=os.cpu_count())
p.add_argument("--build", default="build")
p.add_argument("--python", default=".venv-ref/bin/python")
p.add_argument("--cuda", action="store_true", help="compare the GPU benchmarks (higher is better)")
p.add_argument("--overhead", action="store_true", help="compare per-op host overhead on tiny tensors")
a = p.parse_args()


def name_value_unit(text):
    """{name: (value, unit)} of the 'name value unit' lines (comments start with #)."""
    rows = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) == 3 and not line.startswith("#"):
            rows[f[0]] = (float(f[1]), f[2])
    return rows


if a.cuda:
    here = os.path.dirname(os.path.abspath(__file__))
    tz_rows = name_value_unit(subprocess.check_output([f"{a.build}/bench/tz_bench_cuda"], text=True))
    torch_rows = name_value_unit(subprocess.check_output([a.python, os.path.join(here, "torch_cuda.py")], text=True))
    print(f"{'case':28} {'tensorzoo':>10} {'pytorch':>10} {'unit':>8} {'tz/torch':>9}")
    for name, (v, unit) in tz_rows.items():
        ref = torch_rows.get(name, (float("nan"), unit))[0]
        print(f"{name:28} {v:10.2f} {ref:10.2f} {unit:>8} {v / ref if ref else float('nan'):9.2f}")
    raise SystemExit(0)
env = dict(os.environ, OMP_NUM_THREADS=str(a.threads))
tz_bench, torch_script = ("tz_bench_overhead", "torch_overhead.py") if a.overhead else ("tz_bench_ops", "torch_ops.py")
# Overhead cases take microseconds, so a busy machine shows as outliers: keep the best of 5 runs.
reps = ["--benchmark_repetitions=5", "--benchmark_min_time=0.1"] if a.overhead else ["--benchmark_min_time=0.3"]
tz = json.loads(subprocess.check_output([f"{a.build}/bench/{tz_bench}", "--benchmark_format=json"] + reps, env=env))
tz_us = {}
for b in tz["benchmarks"]:
    if b.get("run_type") == "aggregate":
        continue
    name, us = b.get("run_name", b["name"]), b["real_time"] / (1e3 if b["time_unit"] == "ns" else 1)
    tz_us[name] = min(tz_us.get(name, us), us)
here = os.path.dirname(os.path.abspath(__file__))
out = subprocess.check_output([a.python, os.path.join(here, torch_script), str(a.threads)], env=env, text=True)
torch_us = {l.split()[0]: float(l.split()[1]) for l in out.splitlines() if l.strip()}
print(f"{'case':22} {'tensorzoo us':>13} {'pytorch us':>11} {'ratio':>7}   (threads={a.threads})")
for name, t in tz_us.items():
    ref = torch_us.get(name)
    print(f"{name:22} {t:13.2f} {ref if ref else float('nan'):11.2f} {t / ref if ref else float('nan'):7.2f}")
