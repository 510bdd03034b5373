#!/usr/bin/env python3
"""PyTorch baselines of tools/bench/bench_cuda.cpp (same names, sizes and dtypes), timed with
torch.cuda events. Prints 'name value unit' lines.  Usage: torch_cuda.py [iterations]"""
import sys
import torch
import torch.nn.functional as F

iters = int(sys.argv[1]) if len(sys.argv) > 1 else 20
dev = "cuda"
torch.backends.cuda.matmul.allow_tf32 = False


def time_ms(fn):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(iters):
        fn()
    end.record()
    end.synchronize()
    return start.elapsed_time(end) / iters


def bandwidth(name, fn, nbytes, tensors):
    print(f"{name} {tensors * nbytes / (time_ms(fn) * 1e-3) / 1e9:.2f} GB/s", flush=True)


print(f"# {torch.cuda.get_device_name(0)}")
n = 64 << 20
nbytes = n * 4
a, b = torch.rand(n, device=dev), torch.rand(n, device=dev)
with torch.no_grad():
    bandwidth("copy_clone_f32_64m", lambda: a.clone(), nbytes, 2)
    bandwidth("add_f32_64m", lambda: a + b, nbytes, 3)
    bandwidth("mul_f32_64m", lambda: a * b, nbytes, 3)
    bandwidth("gelu_f32_64m", lambda: F.gelu(a), nbytes, 2)
    bandwidth("gelu_tanh_f32_64m", lambda: F.gelu(a, approximate="tanh"), nbytes, 2)
    ah, bh = a.bfloat16(), b.bfloat16()
    bandwidth("add_bf16_64m", lambda: ah + bh, nbytes / 2, 3)
    bandwidth("cast_f32_to_bf16_64m", lambda: a.bfloat16(), nbytes * 0.75, 2)
    bandwidth("transpose_copy_f32_8kx8k", lambda: a.view(8192, 8192).t().contiguous(), nbytes, 2)
    bandwidth("randn_f32_64m", lambda: torch.randn(n, device=dev), nbytes, 1)
    m = 4096
    x, y = torch.randn(m, m, device=dev, dtype=torch.bfloat16), torch.randn(m, m, device=dev, dtype=torch.bfloat16)
    print(f"matmul_bf16_4096 {2 * m ** 3 / (time_ms(lambda: x @ y) * 1e-3) / 1e12:.2f} TFLOP/s")
