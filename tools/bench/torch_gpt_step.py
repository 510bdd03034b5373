"""GPT training-step throughput in PyTorch eager: the same model as tools/bench/bench_gpt_step.cpp
(GPT-2 layout: learned positions, pre-norm blocks, causal SDPA attention, GELU MLP of width
4d, tied head, AdamW), random tokens. Same options and output lines as the C++ program.

    python3 tools/bench/torch_gpt_step.py --device cuda --layers 12 --d 768 ...
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.o_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d)
        self.c_fc = nn.Linear(d, 4 * d)
        self.c_proj = nn.Linear(4 * d, d)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln_1(x)).split(d, dim=2)
        q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.o_proj(y.transpose(1, 2).reshape(b, t, d))
        return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self, vocab, block, layers, d, heads):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(block, d)
        self.h = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)

    def forward(self, idx, targets):
        pos = torch.arange(idx.shape[1], device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        for blk in self.h:
            x = blk(x)
        logits = self.ln_f(x) @ self.wte.weight.t()
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))


def main():
    p = argparse.ArgumentParser()
    for name, default in [("layers", 12), ("d", 768), ("heads", 12), ("block", 1024), ("batch", 8),
                          ("vocab", 50304), ("steps", 10), ("warmup", 3)]:
        p.add_argument("--" + name, type=int, default=default)
    p.add_argument("--device", default="cpu")
    p.add_argument("--autocast", default="none")
    a = p.parse_args()
    torch.manual_seed(0)
    dev = torch.device(a.device)
    model = GPT(a.vocab, a.block, a.layers, a.d, a.heads).to(dev)
    for prm in model.parameters():  # nanoGPT / tensorzoo gpt-char init: N(0, 0.02) weights
        if prm.dim() == 2:
            torch.nn.init.normal_(prm, std=0.02)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
    idx = torch.randint(0, a.vocab, (a.batch, a.block), device=dev)
    tgt = torch.randint(0, a.vocab, (a.batch, a.block), device=dev)
    dtype = {"bf16": torch.bfloat16, "f16": torch.float16}.get(a.autocast)

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast(dev.type, dtype=dtype, enabled=dtype is not None):
            loss = model(idx, tgt)
        loss.backward()
        opt.step()
        return loss.item()

    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    for _ in range(a.warmup):
        step()
    sync()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        last = step()
    sync()
    secs = time.perf_counter() - t0
    print(f"gpt_step_config layers={a.layers} d={a.d} heads={a.heads} block={a.block} batch={a.batch} "
          f"vocab={a.vocab} device={a.device} autocast={a.autocast} (torch {torch.__version__})")
    print(f"gpt_step_ms {1e3 * secs / a.steps:.3f} ms")
    print(f"gpt_step_tokens_per_s {a.batch * a.block * a.steps / secs:.1f} tok/s")
    print(f"gpt_step_last_loss {last:.4f} nats")


if __name__ == "__main__":
    main()
