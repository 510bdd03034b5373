#!/usr/bin/env python3
"""PyTorch's flash scaled_dot_product_attention timed like tools/bench/bench_cuda_attention.cpp.

Causal, bf16, H = 16 heads of D = 128, B * N = 16K tokens, N = 1K..16K. Prints `name value unit`
lines (ms and TFLOP/s for forward, backward and both) with the same names, prefixed torch_.
FLOPs follow the FlashAttention papers: forward 4 B H N^2 D (halved when causal), backward 2.5x.
"""
import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel


def time_ms(fn, iters=10, warmup=3):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    total = 0.0
    for _ in range(iters):
        start.record()
        fn()
        end.record()
        end.synchronize()
        total += start.elapsed_time(end)
    return total / iters


def main():
    H, D = 16, 128
    for N in (1024, 2048, 4096, 8192, 16384):
        B = 16384 // N
        q, k, v = (torch.randn(B, H, N, D, device="cuda", dtype=torch.bfloat16, requires_grad=True) for _ in range(3))
        dout = torch.randn(B, H, N, D, device="cuda", dtype=torch.bfloat16)
        with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
            fwd = time_ms(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True))
            out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            bwd = time_ms(lambda: torch.autograd.grad(out, (q, k, v), dout, retain_graph=True))
        flops = 4.0 * B * H * N * N * D / 2
        for name, ms, mult in (("fwd", fwd, 1.0), ("bwd", bwd, 2.5), ("fwd_bwd", fwd + bwd, 3.5)):
            print(f"torch_flash_{name}/N={N} {ms:.3f} ms")
            print(f"torch_flash_{name}/N={N} {mult * flops / ms / 1e9:.1f} TFLOP/s")


if __name__ == "__main__":
    main()
