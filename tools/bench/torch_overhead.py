#!/usr/bin/env python3
"""PyTorch eager baselines for tools/bench/bench_overhead.cpp: per-op host time on tiny CPU
tensors (same case names, shapes and dtypes). Prints 'name microseconds' lines.
Usage: torch_overhead.py [threads]   (run in the reference venv)."""
import sys, time
import torch
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads())
torch.manual_seed(0)
r = torch.randn
N_PARAMS = 100


def params_with_grads():
    ps = [r(16, requires_grad=True) for _ in range(N_PARAMS)]
    for p in ps:
        p.grad = r(16)
    return ps


def chain():
    x, w, b, c = r(2, 4), r(4, 4, requires_grad=True), r(4, requires_grad=True), r(2, 4, requires_grad=True)
    def step():
        loss = (F.gelu(x @ w + b) * c).sum()
        loss.backward()
        w.grad = b.grad = c.grad = None
        return loss
    return step


def optimizer_step(make):
    opt = make(params_with_grads())
    opt.step()
    return opt.step


def zero_grad():
    ps = params_with_grads()
    grads = [p.grad for p in ps]
    opt = torch.optim.SGD(ps, lr=0.01)
    def step():
        for p, g in zip(ps, grads):
            p.grad = g
        opt.zero_grad()
    return step


def cases():
    a, b = r(16), r(16)
    m, v = r(4, 4), r(4)
    m2 = r(4, 4)
    x, w, bias = r(2, 4), r(4, 4), r(4)
    with torch.no_grad():
        yield "add_16", lambda: a + b
        yield "mul_16", lambda: a * b
        yield "add_scalar_16", lambda: a + 1.5
        yield "add_broadcast_4x4", lambda: m + v
        yield "view_16", lambda: a.view(4, 4)
        yield "reshape_16", lambda: m.reshape(2, 8)
        yield "transpose_4x4", lambda: m.transpose(0, 1)
        yield "sum_16", lambda: a.sum()
        yield "sum_dim_4x4", lambda: m.sum(1)
        yield "matmul_4x4", lambda: m @ m2
        yield "linear_gelu_4x4", lambda: F.gelu(F.linear(x, w, bias))
    ag, bg = r(16, requires_grad=True), r(16, requires_grad=True)
    mg, m2g = r(4, 4, requires_grad=True), r(4, 4, requires_grad=True)
    wg, biasg = r(4, 4, requires_grad=True), r(4, requires_grad=True)
    yield "add_16_grad", lambda: ag + bg
    yield "mul_16_grad", lambda: ag * bg
    yield "matmul_4x4_grad", lambda: mg @ m2g
    yield "linear_gelu_4x4_grad", lambda: F.gelu(F.linear(x, wg, biasg))
    yield "chain_backward", chain()
    # foreach=False: the per-parameter loop, as tensorzoo's optimizers (PyTorch's default on CPU).
    yield "adamw_step_100", optimizer_step(lambda ps: torch.optim.AdamW(ps, foreach=False))
    yield "sgd_momentum_step_100", optimizer_step(lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9, foreach=False))
    yield "zero_grad_100", zero_grad()


# Best of 5 windows of 0.1 s (as compare.py --overhead takes tensorzoo's best of 5 runs).
for name, fn in cases():
    fn()
    best = float("inf")
    for _ in range(5):
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < 0.1:
            fn()
            n += 1
        best = min(best, (time.perf_counter() - t0) / n * 1e6)
    print(f"{name} {best:.2f}")
