#!/usr/bin/env python3
"""PyTorch baselines for tools/bench/bench_ops.cpp (same case names, shapes and dtypes).
Prints 'name microseconds' lines. Run in the reference venv (tools/install-deps.sh --reference)."""
import sys, time
import torch
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads())
torch.manual_seed(0)
r = torch.randn


def mlp():
    x, w1, w2 = r(64, 256), r(256, 512, requires_grad=True), r(512, 10, requires_grad=True)
    def step():
        loss = (F.gelu(x @ w1) @ w2).square().mean()
        loss.backward()
        w1.grad = None
        w2.grad = None
        return loss
    return step


def cases():
    a1, b1 = r(1 << 20), r(1 << 20)
    m, v = r(1024, 1024), r(1024)
    a512, b512 = r(512, 512), r(512, 512)
    ba, bb = r(64, 128, 64), r(64, 64, 128)
    ln, lw, lb = r(4096, 256), torch.ones(256), torch.zeros(256)
    cx, cw = r(8, 32, 32, 32), r(64, 32, 3, 3)
    px = r(8, 64, 32, 32)
    with torch.no_grad():
        yield "add_1m", lambda: a1 + b1
        yield "exp_1m", lambda: torch.exp(a1)
        yield "gelu_1m", lambda: F.gelu(a1)
        yield "add_broadcast_rows", lambda: m + v
        yield "transpose_copy", lambda: m.t().contiguous()
        yield "sum_rows", lambda: m.sum(1)
        yield "sum_cols", lambda: m.sum(0)
        yield "matmul_512", lambda: a512 @ b512
        yield "bmm_64x128", lambda: torch.bmm(ba, bb)
        yield "softmax_rows", lambda: torch.softmax(m, -1)
        yield "layer_norm_rows", lambda: F.layer_norm(ln, (256,), lw, lb)
        yield "conv2d_3x3", lambda: F.conv2d(cx, cw, padding=1)
        yield "max_pool2d", lambda: F.max_pool2d(px, 2)
    yield "mlp_train_step", mlp()


for name, fn in cases():
    fn()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 0.5:
        fn()
        n += 1
    print(f"{name} {(time.perf_counter() - t0) / n * 1e6:.2f}")
