"""The "attention" fixture group of tools/gen_torch_refs.py: scaled_dot_product_attention,
nn.MultiheadAttention, nn.TransformerEncoderLayer / DecoderLayer and a hand-written GPT block /
self-attention (the PyTorch twins of tensorzoo's nn::SelfAttention and nn::GPTBlock).

Module cases store, besides the inputs/outputs/grads of Group.case (tests/data/README.md):
    <case>.param.<name>   the module's state_dict (f64), loaded by the C++ test
    <case>.grad.<name>    PyTorch's gradient of sum(out * grad_out) w.r.t. each parameter
    <case>.weights        the attention weights when the case returns them
Masks are inputs too (bool or f64, never differentiated). Modules run in eval mode (no dropout).
"""
import math
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---- the hand-written twins of nn::SelfAttention / nn::GPTBlock ---------------------------------

def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def apply_rotary(x, start_pos=0, theta=10000.0):
    """RoPE, rotate-half convention (GPT-NeoX / Hugging Face LLaMA); x [..., T, D]."""
    T, D = x.shape[-2], x.shape[-1]
    inv_freq = theta ** (-torch.arange(0, D, 2, dtype=torch.float64) / D)
    angles = torch.outer(torch.arange(start_pos, start_pos + T, dtype=torch.float64), inv_freq)
    emb = torch.cat([angles, angles], dim=-1)
    return x * emb.cos().to(x.dtype) + rotate_half(x) * emb.sin().to(x.dtype)


def alibi_slopes(n):
    """The ALiBi paper's reference slopes, incl. non-power-of-2 head counts."""
    def power_of_2(n):
        start = 2 ** (-2 ** -(math.log2(n) - 3))
        return [start * start ** i for i in range(n)]
    if math.log2(n).is_integer():
        return power_of_2(n)
    m = 2 ** math.floor(math.log2(n))
    return power_of_2(m) + alibi_slopes(2 * m)[0::2][:n - m]


class SelfAttentionRef(nn.Module):
    def __init__(self, d, h, hkv, causal=True, position="none", qkv_bias=True, out_bias=True):
        super().__init__()
        self.h, self.hkv, self.hd, self.causal, self.position = h, hkv, d // h, causal, position
        self.q_proj = nn.Linear(d, h * self.hd, bias=qkv_bias)
        self.k_proj = nn.Linear(d, hkv * self.hd, bias=qkv_bias)
        self.v_proj = nn.Linear(d, hkv * self.hd, bias=qkv_bias)
        self.o_proj = nn.Linear(h * self.hd, d, bias=out_bias)

    def forward(self, x):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.h, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.hkv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.hkv, self.hd).transpose(1, 2)
        if self.position == "rotary":
            q, k = apply_rotary(q), apply_rotary(k)
        mask, causal = None, self.causal
        if self.position == "alibi":
            pos = torch.arange(T)
            dist = (pos[:, None] - pos[None, :]).to(x.dtype)
            if not self.causal:
                dist = dist.abs()
            mask = -torch.tensor(alibi_slopes(self.h), dtype=x.dtype)[:, None, None] * dist
            if self.causal:
                mask = mask.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
            causal = False
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal, enable_gqa=self.hkv != self.h)
        return self.o_proj(y.transpose(1, 2).reshape(B, T, self.h * self.hd))


class GPTBlockRef(nn.Module):
    def __init__(self, d, h, hkv, position="none"):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = SelfAttentionRef(d, h, hkv, True, position)
        self.ln_2 = nn.LayerNorm(d)
        self.mlp = nn.Module()
        self.mlp.c_fc = nn.Linear(d, 4 * d)
        self.mlp.c_proj = nn.Linear(4 * d, d)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x))))


# ---- cases ----------------------------------------------------------------------------------

def module_case(g, case, call, make, inputs, run, frozen=()):
    """make() builds the module (seeded from the case name); run(module, *inputs) returns the
    output or {"out": ..., "weights": ...}. Floating inputs not in `frozen` get gradients."""
    torch.manual_seed(zlib.crc32(f"{g.name}/{case}/module".encode()))
    module = make().double().eval()
    for name, t in module.state_dict().items():
        g.tensors[f"{case}.param.{name}"] = t.detach().clone().contiguous()
    g.case(case, call, inputs, lambda *xs: run(module, *xs), frozen=frozen)
    out = g.tensors[f"{case}.out"]
    params = [(n, p) for n, p in module.named_parameters()]
    # Rerun to get parameter gradients (Group.case only differentiates inputs).
    ins = [g.tensors[f"{case}.in{i}"].clone() for i in range(len(inputs))]
    result = run(module, *ins)
    result = result["out"] if isinstance(result, dict) else result
    assert torch.equal(result.detach(), out)
    grads = torch.autograd.grad(result, [p for _, p in params], g.tensors[f"{case}.grad_out"], allow_unused=True)
    for (n, p), gr in zip(params, grads):
        g.tensors[f"{case}.grad.{n}"] = (gr if gr is not None else torch.zeros_like(p)).detach().clone()


def bool_mask(shape, seed, p=0.3):
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=gen) < p


def attention(Group):
    g = Group("attention")

    # -- scaled_dot_product_attention --
    sdpa = F.scaled_dot_product_attention
    g.case("sdpa_basic", "F.scaled_dot_product_attention(in0, in1, in2)",
           [("randn", (2, 2, 3, 4)), ("randn", (2, 2, 5, 4)), ("randn", (2, 2, 5, 6))], sdpa)
    g.case("sdpa_causal", "F.scaled_dot_product_attention(in0, in1, in2, is_causal=True)",
           [("randn", (2, 3, 4, 4)), ("randn", (2, 3, 4, 4)), ("randn", (2, 3, 4, 4))],
           lambda q, k, v: sdpa(q, k, v, is_causal=True))
    g.case("sdpa_causal_rect", "F.scaled_dot_product_attention(in0, in1, in2, is_causal=True) (L=3 < S=5)",
           [("randn", (2, 3, 4)), ("randn", (2, 5, 4)), ("randn", (2, 5, 2))],
           lambda q, k, v: sdpa(q, k, v, is_causal=True))
    g.case("sdpa_gqa_scale", "F.scaled_dot_product_attention(in0, in1, in2, scale=0.3, enable_gqa=True)",
           [("randn", (2, 4, 3, 4)), ("randn", (2, 2, 5, 4)), ("randn", (2, 2, 5, 3))],
           lambda q, k, v: sdpa(q, k, v, scale=0.3, enable_gqa=True))
    g.case("sdpa_mqa_causal", "F.scaled_dot_product_attention(in0, in1, in2, is_causal=True, enable_gqa=True)",
           [("randn", (1, 3, 4, 4)), ("randn", (1, 1, 4, 4)), ("randn", (1, 1, 4, 5))],
           lambda q, k, v: sdpa(q, k, v, is_causal=True, enable_gqa=True))
    keep = bool_mask((3, 5), 1, 0.6)
    keep[:, 0] = True  # no fully masked row (PyTorch's fused CPU kernels disagree there)
    g.case("sdpa_bool_mask", "F.scaled_dot_product_attention(in0, in1, in2, attn_mask=in3) (bool [3, 5], true = attend)",
           [("randn", (2, 2, 3, 4)), ("randn", (2, 2, 5, 4)), ("randn", (2, 2, 5, 4)), keep],
           lambda q, k, v, m: sdpa(q, k, v, attn_mask=m))
    g.case("sdpa_float_mask", "F.scaled_dot_product_attention(in0, in1, in2, attn_mask=in3) (float [2, 1, 3, 5])",
           [("randn", (2, 2, 3, 4)), ("randn", (2, 2, 5, 4)), ("randn", (2, 2, 5, 4)), ("randn", (2, 1, 3, 5))],
           lambda q, k, v, m: sdpa(q, k, v, attn_mask=m))

    # -- nn.MultiheadAttention --
    def mha_run(need_weights=True, average=True, kpm=None, am=None, self_attn=False):
        def run(m, *xs):
            q = xs[0]
            k, v = (q, q) if self_attn else (xs[1], xs[2])
            rest = list(xs[1 if self_attn else 3:])
            kp = rest.pop(0) if kpm else None
            a = rest.pop(0) if am else None
            out, w = m(q, k, v, key_padding_mask=kp, need_weights=need_weights, attn_mask=a,
                       average_attn_weights=average)
            return {"out": out, "weights": w} if need_weights else out
        return run

    E, H, N, L, S = 8, 2, 2, 3, 4
    g_kpm = bool_mask((N, S), 2)
    g_kpm[:, 0] = False
    mha = nn.MultiheadAttention
    module_case(g, "mha_basic", "nn.MultiheadAttention(8, 2)(in0, in1, in2) -> (out, weights averaged)",
                lambda: mha(E, H), [("randn", (L, N, E)), ("randn", (S, N, E)), ("randn", (S, N, E))], mha_run())
    causal = torch.ones(5, 5, dtype=torch.bool).triu(1)
    kpm5 = bool_mask((N, 5), 3)
    kpm5[:, 0] = False
    module_case(g, "mha_self_batch_first_bool_masks",
                "nn.MultiheadAttention(8, 2, batch_first=True)(x, x, x, key_padding_mask=in1 (bool), "
                "attn_mask=in2 (bool causal), average_attn_weights=False)",
                lambda: mha(E, H, batch_first=True), [("randn", (N, 5, E)), kpm5, causal],
                mha_run(average=False, kpm=True, am=True, self_attn=True))
    fkpm = torch.randn(N, S, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    fkpm[0, 2] = float("-inf")
    module_case(g, "mha_float_masks",
                "nn.MultiheadAttention(8, 2)(in0, in1, in2, key_padding_mask=in3 (float, one -inf), "
                "attn_mask=in4 (float [N*H, L, S]))",
                lambda: mha(E, H), [("randn", (L, N, E)), ("randn", (S, N, E)), ("randn", (S, N, E)), fkpm,
                                    ("randn", (N * H, L, S))],
                mha_run(kpm=True, am=True), frozen=(3, 4))
    module_case(g, "mha_kdim_vdim_mixed_masks",
                "nn.MultiheadAttention(8, 2, kdim=5, vdim=6)(in0, in1, in2, key_padding_mask=in3 (bool), "
                "attn_mask=in4 (float [L, S]), need_weights=False)",
                lambda: mha(E, H, kdim=5, vdim=6), [("randn", (L, N, E)), ("randn", (S, N, 5)), ("randn", (S, N, 6)),
                                                    g_kpm, ("randn", (L, S))],
                mha_run(need_weights=False, kpm=True, am=True), frozen=(4,))
    module_case(g, "mha_bias_kv_zero_attn",
                "nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True, batch_first=True)(in0, in1, in2, "
                "key_padding_mask=in3 (bool), attn_mask=in4 (bool [N*H, L, S]), average_attn_weights=False)",
                lambda: mha(E, H, add_bias_kv=True, add_zero_attn=True, batch_first=True),
                [("randn", (N, L, E)), ("randn", (N, S, E)), ("randn", (N, S, E)), g_kpm, bool_mask((N * H, L, S), 5)],
                mha_run(average=False, kpm=True, am=True))
    um = bool_mask((S,), 6)
    um[0] = False
    module_case(g, "mha_unbatched_no_bias",
                "nn.MultiheadAttention(8, 2, bias=False)(in0 [L, E], in1, in2, key_padding_mask=in3 [S] (bool), "
                "attn_mask=in4 (float [H, L, S]))",
                lambda: mha(E, H, bias=False), [("randn", (L, E)), ("randn", (S, E)), ("randn", (S, E)), um,
                                                ("randn", (H, L, S))],
                mha_run(kpm=True, am=True), frozen=(4,))

    # -- Transformer layers (eval: dropout off) --
    d, ff = 8, 16
    enc = nn.TransformerEncoderLayer
    module_case(g, "encoder_post_norm_relu",
                "nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)(in0 [5, 2, 8], src_key_padding_mask=in1)",
                lambda: enc(d, 2, ff), [("randn", (5, 2, d)), kpm5], lambda m, x, kp: m(x, src_key_padding_mask=kp))
    module_case(g, "encoder_pre_norm_gelu_batch_first",
                "nn.TransformerEncoderLayer(8, 2, 16, activation='gelu', batch_first=True, norm_first=True)"
                "(in0 [2, 5, 8], src_mask=in1 (bool causal))",
                lambda: enc(d, 2, ff, activation="gelu", batch_first=True, norm_first=True),
                [("randn", (2, 5, d)), causal], lambda m, x, am: m(x, src_mask=am))
    dec = nn.TransformerDecoderLayer
    module_case(g, "decoder_post_norm",
                "nn.TransformerDecoderLayer(8, 2, 16)(in0 [4, 2, 8], in1 [5, 2, 8], tgt_mask=in2 (float causal), "
                "memory_key_padding_mask=in3)",
                lambda: dec(d, 2, ff),
                [("randn", (4, 2, d)), ("randn", (5, 2, d)), nn.Transformer.generate_square_subsequent_mask(4).double(), kpm5],
                lambda m, t, mem, tm, mk: m(t, mem, tgt_mask=tm, memory_key_padding_mask=mk), frozen=(2,))
    tkpm = bool_mask((2, 4), 7)
    tkpm[:, 0] = False
    module_case(g, "decoder_pre_norm_gelu_batch_first",
                "nn.TransformerDecoderLayer(8, 2, 16, activation='gelu', batch_first=True, norm_first=True)"
                "(in0 [2, 4, 8], in1 [2, 5, 8], memory_mask=in2 (float [4, 5]), tgt_key_padding_mask=in3)",
                lambda: dec(d, 2, ff, activation="gelu", batch_first=True, norm_first=True),
                [("randn", (2, 4, d)), ("randn", (2, 5, d)), ("randn", (4, 5)), tkpm],
                lambda m, t, mem, mm, tk: m(t, mem, memory_mask=mm, tgt_key_padding_mask=tk), frozen=(2,))

    # -- hand-written GPT block / self-attention --
    module_case(g, "gpt_block", "GPTBlockRef(8, n_heads=2) (pre-norm GPT-2 block; see gen_torch_refs_attention.py)",
                lambda: GPTBlockRef(8, 2, 2), [("randn", (2, 5, 8))], lambda m, x: m(x))
    module_case(g, "gpt_block_rotary_gqa", "GPTBlockRef(8, n_heads=4, n_kv_heads=2, position='rotary')",
                lambda: GPTBlockRef(8, 4, 2, "rotary"), [("randn", (2, 5, 8))], lambda m, x: m(x))
    module_case(g, "gpt_block_alibi_mqa", "GPTBlockRef(6, n_heads=3, n_kv_heads=1, position='alibi')",
                lambda: GPTBlockRef(6, 3, 1, "alibi"), [("randn", (2, 5, 6))], lambda m, x: m(x))
    module_case(g, "self_attention_bidirectional_alibi",
                "SelfAttentionRef(12, 6, 3, causal=False, position='alibi', qkv_bias=False) (|i - j| distances)",
                lambda: SelfAttentionRef(12, 6, 3, False, "alibi", qkv_bias=False), [("randn", (2, 4, 12))],
                lambda m, x: m(x))
    module_case(g, "self_attention_bidirectional_rotary",
                "SelfAttentionRef(8, 2, 2, causal=False, position='rotary', out_bias=False)",
                lambda: SelfAttentionRef(8, 2, 2, False, "rotary", out_bias=False), [("randn", (1, 6, 8))],
                lambda m, x: m(x))
    g.save()
