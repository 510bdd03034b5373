#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures under tests/data/ (see tests/data/README.md).

Run by hand in the reference venv, never in CI:
    tools/install-deps.sh --reference
    .venv-ref/bin/python tools/gen_torch_refs.py

Every case stores its inputs, PyTorch's outputs and, for differentiable cases, the input
gradients for a fixed upstream gradient, in one safetensors file per op group:
    <case>.in0, <case>.in1, ...   inputs (f64 when gradients are recorded, f32 otherwise)
    <case>.out                    the differentiated output (other outputs: <case>.<name>)
    <case>.grad_out               upstream gradient for <case>.out
    <case>.grad_in<i>             d(sum(out * grad_out)) / d(in<i>) for each differentiable input
The __metadata__ map holds "<case>": "<the PyTorch call>" so a fixture documents itself; the
C++ tests (tests/ops/test_torch_refs.cpp) repeat the same parameters.
Each case seeds its own generator from its name, so adding a case leaves the others unchanged.
"""
import math
import os
import zlib

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data")


class Group:
    """Collects the cases of one fixture file."""

    def __init__(self, name):
        self.name = name
        self.tensors = {}
        self.meta = {}

    def _gen(self, case):
        return torch.Generator().manual_seed(zlib.crc32(f"{self.name}/{case}".encode()))

    def case(self, case, call, inputs, fn, grad=True, frozen=()):
        """inputs: list of tensors or ("randn"/"rand"/"randint", shape, ...) specs; fn(*inputs)
        returns the differentiated output or a dict {"out": ..., other named outputs}. With grad,
        floating inputs are f64 and get gradients (except the indices in `frozen`); without,
        floating inputs are f32."""
        assert case not in self.meta, case
        g = self._gen(case)
        dtype = torch.float64 if grad else torch.float32
        ins = []
        for spec in inputs:
            if isinstance(spec, tuple):
                kind, shape = spec[0], spec[1]
                if kind == "randn":
                    t = torch.randn(shape, generator=g, dtype=torch.float64)
                elif kind == "rand":  # (rand, shape, lo, hi)
                    lo, hi = spec[2], spec[3]
                    t = lo + (hi - lo) * torch.rand(shape, generator=g, dtype=torch.float64)
                elif kind == "randint":  # (randint, shape, lo, hi)
                    t = torch.randint(spec[2], spec[3], shape, generator=g, dtype=torch.int64)
                else:
                    raise ValueError(kind)
                if t.is_floating_point():
                    t = t.to(dtype)
            else:
                t = spec.clone()
            ins.append(t)
        for i, t in enumerate(ins):
            self.tensors[f"{case}.in{i}"] = t.detach().clone().contiguous()
        leaves = [t.detach().clone().requires_grad_(grad and t.is_floating_point() and i not in frozen)
                  for i, t in enumerate(ins)]
        result = fn(*leaves)
        outputs = result if isinstance(result, dict) else {"out": result}
        for key, t in outputs.items():
            self.tensors[f"{case}.{key}"] = t.detach().clone().contiguous()
        if grad:
            out = outputs["out"]
            grad_out = torch.randn(out.shape, generator=g, dtype=out.dtype)
            diff = [i for i, t in enumerate(leaves) if t.requires_grad]
            grads = torch.autograd.grad(out, [leaves[i] for i in diff], grad_out)
            self.tensors[f"{case}.grad_out"] = grad_out
            for i, gi in zip(diff, grads):
                self.tensors[f"{case}.grad_in{i}"] = gi.clone().contiguous()
        self.meta[case] = call

    def save(self):
        path = os.path.join(DATA, f"torch_refs_{self.name}.safetensors")
        save_file(self.tensors, path, metadata=self.meta)
        print(f"{path}: {len(self.meta)} cases, {os.path.getsize(path)} bytes")


def linalg():
    g = Group("linalg")
    for case, a, b in [
        ("matmul_1d_1d", (5,), (5,)),
        ("matmul_2d_1d", (3, 4), (4,)),
        ("matmul_1d_3d", (4,), (2, 4, 3)),
        ("matmul_2d_2d", (3, 4), (4, 5)),
        ("matmul_3d_2d", (2, 3, 4), (4, 2)),
        ("matmul_broadcast_batch", (2, 1, 3, 4), (3, 4, 5)),
    ]:
        g.case(case, f"torch.matmul(in0{list(a)}, in1{list(b)})", [("randn", a), ("randn", b)], torch.matmul)
    for case, eq, shapes in [
        ("einsum_bmm", "bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
        ("einsum_attention_scores", "bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
        ("einsum_diagonal", "ii->i", [(4, 4)]),
        ("einsum_implicit_output", "ij,jk", [(3, 4), (4, 2)]),
    ]:
        g.case(case, f"torch.einsum('{eq}', ...)", [("randn", s) for s in shapes],
               lambda *ops, eq=eq: torch.einsum(eq, *ops))
    g.save()


def conv():
    g = Group("conv")
    g.case("conv1d", "F.conv1d(in0, in1, in2, stride=2, padding=1, dilation=2, groups=2)",
           [("randn", (2, 4, 9)), ("randn", (6, 2, 3)), ("randn", (6,))],
           lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2, groups=2))
    g.case("conv2d_plain", "F.conv2d(in0, in1)", [("randn", (1, 3, 5, 5)), ("randn", (4, 3, 3, 3))], F.conv2d)
    g.case("conv2d", "F.conv2d(in0, in1, in2, stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)",
           [("randn", (2, 4, 7, 6)), ("randn", (6, 2, 3, 2)), ("randn", (6,))],
           lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2))
    g.case("conv3d", "F.conv3d(in0, in1, in2, stride=(1, 2, 1), padding=(1, 1, 0), dilation=(2, 1, 1), groups=2)",
           [("randn", (1, 2, 5, 4, 4)), ("randn", (4, 1, 2, 3, 2)), ("randn", (4,))],
           lambda x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=(1, 1, 0), dilation=(2, 1, 1), groups=2))
    g.case("conv_transpose2d",
           "F.conv_transpose2d(in0, in1, in2, stride=2, padding=1, output_padding=1, groups=2, dilation=1)",
           [("randn", (2, 4, 4, 3)), ("randn", (4, 3, 3, 3)), ("randn", (6,))],
           lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2))
    g.case("conv_transpose2d_dilated", "F.conv_transpose2d(in0, in1, stride=(1, 2), padding=(0, 1), dilation=(2, 1))",
           [("randn", (1, 2, 3, 4)), ("randn", (2, 3, 2, 3))],
           lambda x, w: F.conv_transpose2d(x, w, stride=(1, 2), padding=(0, 1), dilation=(2, 1)))
    g.save()


def pool():
    g = Group("pool")
    x = ("randn", (2, 3, 7, 6))
    g.case("max_pool2d", "F.max_pool2d(in0, 3, stride=2, padding=1)", [x],
           lambda x: F.max_pool2d(x, 3, stride=2, padding=1))
    g.case("max_pool2d_ceil_dilated", "F.max_pool2d(in0, (3, 2), stride=2, padding=(1, 0), dilation=(1, 2), ceil_mode=True)",
           [x], lambda x: F.max_pool2d(x, (3, 2), stride=2, padding=(1, 0), dilation=(1, 2), ceil_mode=True))
    g.case("avg_pool2d", "F.avg_pool2d(in0, 3, stride=2, padding=1)", [x],
           lambda x: F.avg_pool2d(x, 3, stride=2, padding=1))
    g.case("avg_pool2d_ceil_exclude_pad",
           "F.avg_pool2d(in0, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)", [x],
           lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False))
    g.case("avg_pool2d_ceil_include_pad",
           "F.avg_pool2d(in0, (2, 3), stride=(2, 2), padding=(1, 1), ceil_mode=True, count_include_pad=True)", [x],
           lambda x: F.avg_pool2d(x, (2, 3), stride=(2, 2), padding=(1, 1), ceil_mode=True, count_include_pad=True))
    g.case("avg_pool2d_divisor_override", "F.avg_pool2d(in0, 2, divisor_override=3)", [x],
           lambda x: F.avg_pool2d(x, 2, divisor_override=3))
    g.case("adaptive_avg_pool2d", "F.adaptive_avg_pool2d(in0, (3, 4))", [x],
           lambda x: F.adaptive_avg_pool2d(x, (3, 4)))
    g.case("adaptive_avg_pool2d_upsample", "F.adaptive_avg_pool2d(in0, (9, 5))", [("randn", (1, 2, 4, 7))],
           lambda x: F.adaptive_avg_pool2d(x, (9, 5)))
    g.save()


def resample():
    g = Group("resample")
    x = ("randn", (2, 2, 3, 4))
    g.case("interpolate_nearest_up", "F.interpolate(in0, size=(5, 7), mode='nearest')", [x],
           lambda x: F.interpolate(x, size=(5, 7), mode="nearest"))
    g.case("interpolate_nearest_down", "F.interpolate(in0, size=(2, 3), mode='nearest')", [("randn", (1, 2, 5, 7))],
           lambda x: F.interpolate(x, size=(2, 3), mode="nearest"))
    g.case("interpolate_nearest_scale", "F.interpolate(in0, scale_factor=(2.0, 1.5), mode='nearest')", [x],
           lambda x: F.interpolate(x, scale_factor=(2.0, 1.5), mode="nearest"))
    for mode in ("bilinear", "bicubic"):
        for ac in (False, True):
            tag = "align" if ac else "noalign"
            g.case(f"interpolate_{mode}_{tag}_up", f"F.interpolate(in0, size=(5, 7), mode='{mode}', align_corners={ac})",
                   [x], lambda x, mode=mode, ac=ac: F.interpolate(x, size=(5, 7), mode=mode, align_corners=ac))
            g.case(f"interpolate_{mode}_{tag}_down", f"F.interpolate(in0, size=(3, 2), mode='{mode}', align_corners={ac})",
                   [("randn", (1, 2, 5, 6))],
                   lambda x, mode=mode, ac=ac: F.interpolate(x, size=(3, 2), mode=mode, align_corners=ac))
    g.save()


def norm():
    g = Group("norm")
    g.case("layer_norm_affine", "F.layer_norm(in0, (4,), in1, in2, eps=1e-5)",
           [("randn", (2, 3, 4)), ("randn", (4,)), ("randn", (4,))],
           lambda x, w, b: F.layer_norm(x, (4,), w, b, eps=1e-5))
    g.case("layer_norm_two_dims", "F.layer_norm(in0, (3, 4), eps=1e-3)", [("randn", (2, 3, 4))],
           lambda x: F.layer_norm(x, (3, 4), eps=1e-3))
    g.case("group_norm", "F.group_norm(in0, 3, in1, in2, eps=1e-5)",
           [("randn", (2, 6, 3, 3)), ("randn", (6,)), ("randn", (6,))],
           lambda x, w, b: F.group_norm(x, 3, w, b, eps=1e-5))

    def batch_norm(training):
        def fn(x, rm, rv, w, b):
            rm, rv = rm.detach().clone(), rv.detach().clone()
            y = F.batch_norm(x, rm, rv, w, b, training=training, momentum=0.1, eps=1e-5)
            return {"out": y, "running_mean": rm, "running_var": rv}
        return fn

    for training in (True, False):
        case = "batch_norm_train" if training else "batch_norm_eval"
        g.case(case, f"F.batch_norm(in0, in1, in2, in3, in4, training={training}, momentum=0.1, eps=1e-5); "
               "running_mean/running_var: the running stats after the call",
               [("randn", (4, 3, 2, 2)), ("randn", (3,)), ("rand", (3,), 0.5, 1.5), ("randn", (3,)), ("randn", (3,))],
               batch_norm(training), frozen=(1, 2))
    g.save()


def softmax():
    g = Group("softmax")
    g.case("softmax_last", "torch.softmax(in0, -1)", [("randn", (3, 5))], lambda x: torch.softmax(x, -1))
    g.case("softmax_middle", "torch.softmax(in0, 1)", [("randn", (2, 3, 4))], lambda x: torch.softmax(x, 1))
    g.case("log_softmax_first", "torch.log_softmax(in0, 0)", [("randn", (3, 5))], lambda x: torch.log_softmax(x, 0))
    g.case("log_softmax_last", "torch.log_softmax(in0 * 30, -1) (large logits)", [("randn", (2, 3, 4))],
           lambda x: torch.log_softmax(x * 30, -1))
    g.save()


def index():
    g = Group("index")
    g.case("sort_ascending", "torch.sort(in0, dim=-1)", [("randn", (3, 6))],
           lambda x: dict(zip(("out", "indices"), torch.sort(x, dim=-1))))
    g.case("sort_descending_dim0", "torch.sort(in0, dim=0, descending=True)", [("randn", (5, 3))],
           lambda x: dict(zip(("out", "indices"), torch.sort(x, dim=0, descending=True))))
    ties = torch.tensor([[2., 0., 1., 2., 0., 1., 1., 2.], [3., 3., 3., 0., 0., 3., 0., 0.]])
    g.case("sort_stable_ties", "torch.sort(in0, dim=-1, stable=True) and descending=True, stable=True",
           [ties], lambda x: {"out": torch.sort(x, stable=True)[0], "indices": torch.sort(x, stable=True)[1],
                              "desc_values": torch.sort(x, descending=True, stable=True)[0],
                              "desc_indices": torch.sort(x, descending=True, stable=True)[1]}, grad=False)
    g.case("topk_largest", "torch.topk(in0, 3, dim=-1)", [("randn", (3, 7))],
           lambda x: dict(zip(("out", "indices"), torch.topk(x, 3, dim=-1))))
    g.case("topk_smallest_dim0", "torch.topk(in0, 2, dim=0, largest=False)", [("randn", (5, 4))],
           lambda x: dict(zip(("out", "indices"), torch.topk(x, 2, dim=0, largest=False))))
    g.case("unique_flat", "torch.unique(in0, sorted=True, return_inverse=True, return_counts=True)",
           [("randint", (3, 5), 0, 6)],
           lambda x: dict(zip(("out", "inverse", "counts"), torch.unique(x, return_inverse=True, return_counts=True))),
           grad=False)
    g.case("unique_float", "torch.unique(in0, return_counts=True)",
           [torch.tensor([1.5, -2.0, 1.5, 0.0, -2.0, 3.25, 1.5])],
           lambda x: dict(zip(("out", "counts"), torch.unique(x, return_counts=True))), grad=False)
    rows = torch.tensor([[1, 2], [0, 5], [1, 2], [0, 5], [0, 4]])
    g.case("unique_dim0", "torch.unique(in0, dim=0, return_inverse=True, return_counts=True)", [rows],
           lambda x: dict(zip(("out", "inverse", "counts"),
                              torch.unique(x, dim=0, return_inverse=True, return_counts=True))), grad=False)
    for reduce in ("sum", "mean", "amax", "amin"):
        for include_self in (True, False):
            case = f"scatter_reduce_{reduce}_{'self' if include_self else 'noself'}"
            g.case(case, f"torch.scatter_reduce(in0, 0, in1, in2, '{reduce}', include_self={include_self})",
                   [("randn", (4, 5)), ("randint", (6, 5), 0, 3), ("randn", (6, 5))],
                   lambda x, i, s, r=reduce, inc=include_self: torch.scatter_reduce(x, 0, i, s, r, include_self=inc))
    g.case("scatter_reduce_dim1", "torch.scatter_reduce(in0, 1, in1, in2, 'sum')",
           [("randn", (3, 4)), ("randint", (3, 6), 0, 4), ("randn", (3, 6))],
           lambda x, i, s: torch.scatter_reduce(x, 1, i, s, "sum"))
    g.save()


def composite():
    g = Group("composite")
    g.case("attention", "torch.softmax(in0 @ in1.mT / sqrt(4), -1) @ in2",
           [("randn", (2, 3, 4)), ("randn", (2, 5, 4)), ("randn", (2, 5, 6))],
           lambda q, k, v: torch.softmax(q @ k.mT / math.sqrt(4), -1) @ v)
    g.case("layer_norm", "F.layer_norm(in0, (5,), in1, in2, eps=1e-5) (the test builds it from mean/var/rsqrt)",
           [("randn", (2, 3, 5)), ("randn", (5,)), ("randn", (5,))],
           lambda x, w, b: F.layer_norm(x, (5,), w, b, eps=1e-5))
    g.case("conv2d_max_pool2d", "F.max_pool2d(F.conv2d(in0, in1, in2, padding=1), 2)",
           [("randn", (2, 3, 6, 6)), ("randn", (4, 3, 3, 3)), ("randn", (4,))],
           lambda x, w, b: F.max_pool2d(F.conv2d(x, w, b, padding=1), 2))
    g.case("cross_entropy", "F.cross_entropy(in0, in1) (mean over the batch)",
           [("randn", (4, 5)), torch.tensor([1, 0, 4, 2])], lambda x, t: F.cross_entropy(x, t))
    g.save()


def losses():
    """nn/losses.h against torch.nn.functional (values and input gradients)."""
    g = Group("losses")
    t4 = torch.tensor([1, 0, 4, 2])
    t_ign = torch.tensor([1, 2, 4, 2, 0, 3])
    w5 = torch.tensor([0.5, 1.0, 2.0, 1.5, 0.25], dtype=torch.float64)
    g.case("cross_entropy_mean", "F.cross_entropy(in0, in1)", [("randn", (4, 5)), t4], F.cross_entropy)
    for red in ("mean", "sum", "none"):
        g.case(f"cross_entropy_weight_ignore_{red}",
               f"F.cross_entropy(in0, in1, weight=in2, ignore_index=2, reduction='{red}')",
               [("randn", (6, 5)), t_ign, w5],
               lambda x, t, w, red=red: F.cross_entropy(x, t, weight=w, ignore_index=2, reduction=red), frozen=(2,))
        g.case(f"cross_entropy_smoothing_{red}",
               f"F.cross_entropy(in0, in1, weight=in2, ignore_index=2, label_smoothing=0.2, reduction='{red}')",
               [("randn", (6, 5)), t_ign, w5],
               lambda x, t, w, red=red: F.cross_entropy(x, t, weight=w, ignore_index=2, label_smoothing=0.2,
                                                        reduction=red), frozen=(2,))
        g.case(f"cross_entropy_probs_{red}",
               f"F.cross_entropy(in0, softmax(in1), weight=in2, label_smoothing=0.1, reduction='{red}')",
               [("randn", (4, 5)), ("randn", (4, 5)), w5],
               lambda x, t, w, red=red: F.cross_entropy(x, torch.softmax(t, 1), weight=w, label_smoothing=0.1,
                                                        reduction=red), frozen=(1, 2))
    g.case("cross_entropy_smoothing_plain", "F.cross_entropy(in0, in1, label_smoothing=0.3)",
           [("randn", (4, 5)), t4], lambda x, t: F.cross_entropy(x, t, label_smoothing=0.3))
    g.case("cross_entropy_spatial", "F.cross_entropy(in0, in1, ignore_index=0, label_smoothing=0.1)",
           [("randn", (2, 4, 3, 2)), ("randint", (2, 3, 2), 0, 4)],
           lambda x, t: F.cross_entropy(x, t, ignore_index=0, label_smoothing=0.1))
    g.case("cross_entropy_spatial_probs", "F.cross_entropy(in0, softmax(in1, 1), reduction='none')",
           [("randn", (2, 4, 3)), ("randn", (2, 4, 3))],
           lambda x, t: F.cross_entropy(x, torch.softmax(t, 1), reduction="none"), frozen=(1,))
    g.case("cross_entropy_unbatched", "F.cross_entropy(in0, in1) with in0 [C], in1 0-d",
           [("randn", (5,)), torch.tensor(3)], F.cross_entropy)
    g.case("nll_loss_weight_ignore", "F.nll_loss(in0, in1, weight=in2, ignore_index=2)",
           [("randn", (6, 5)), t_ign, w5], lambda x, t, w: F.nll_loss(x, t, weight=w, ignore_index=2), frozen=(2,))
    g.case("nll_loss_sum", "F.nll_loss(in0, in1, reduction='sum')", [("randn", (4, 5)), t4],
           lambda x, t: F.nll_loss(x, t, reduction="sum"))
    g.case("binary_cross_entropy", "F.binary_cross_entropy(in0, in1, weight=in2)",
           [("rand", (3, 4), 0.05, 0.95), ("rand", (3, 4), 0.0, 1.0), ("rand", (4,), 0.5, 2.0)],
           lambda x, t, w: F.binary_cross_entropy(x, t, weight=w), frozen=(1, 2))
    g.case("binary_cross_entropy_sum", "F.binary_cross_entropy(in0, in1, reduction='sum')",
           [("rand", (5,), 0.05, 0.95), ("rand", (5,), 0.0, 1.0)],
           lambda x, t: F.binary_cross_entropy(x, t, reduction="sum"), frozen=(1,))
    g.case("bce_with_logits", "F.binary_cross_entropy_with_logits(in0, in1)",
           [("randn", (3, 4)), ("rand", (3, 4), 0.0, 1.0)],
           lambda x, t: F.binary_cross_entropy_with_logits(x, t * 1.0), frozen=(1,))
    g.case("bce_with_logits_pos_weight", "F.binary_cross_entropy_with_logits(in0 * 10, in1, weight=in2, pos_weight=in3, reduction='none')",
           [("randn", (3, 4)), ("rand", (3, 4), 0.0, 1.0), ("rand", (3, 1), 0.5, 2.0), ("rand", (4,), 0.5, 3.0)],
           lambda x, t, w, pw: F.binary_cross_entropy_with_logits(x * 10, t, weight=w, pos_weight=pw, reduction="none"),
           frozen=(1, 2, 3))
    for red in ("mean", "sum", "none"):
        g.case(f"mse_loss_{red}", f"F.mse_loss(in0, in1, reduction='{red}')", [("randn", (3, 4)), ("randn", (3, 4))],
               lambda x, t, red=red: F.mse_loss(x, t, reduction=red))
        g.case(f"l1_loss_{red}", f"F.l1_loss(in0, in1, reduction='{red}')", [("randn", (3, 4)), ("randn", (3, 4))],
               lambda x, t, red=red: F.l1_loss(x, t, reduction=red))
    g.case("smooth_l1_loss", "F.smooth_l1_loss(in0, in1, beta=0.5)", [("randn", (4, 5)), ("randn", (4, 5))],
           lambda x, t: F.smooth_l1_loss(x, t, beta=0.5))
    g.case("smooth_l1_loss_beta0_sum", "F.smooth_l1_loss(in0, in1, beta=0.0, reduction='sum')",
           [("randn", (4, 5)), ("randn", (4, 5))], lambda x, t: F.smooth_l1_loss(x, t, beta=0.0, reduction="sum"))
    g.case("kl_div_batchmean", "F.kl_div(log_softmax(in0, 1), softmax(in1, 1), reduction='batchmean')",
           [("randn", (3, 5)), ("randn", (3, 5))],
           lambda x, t: F.kl_div(torch.log_softmax(x, 1), torch.softmax(t, 1), reduction="batchmean"))
    g.case("kl_div_log_target_none", "F.kl_div(in0, in1, reduction='none', log_target=True)",
           [("randn", (3, 5)), ("randn", (3, 5))],
           lambda x, t: F.kl_div(x, t, reduction="none", log_target=True))
    g.case("kl_div_zero_target_mean", "F.kl_div(in0, in1 with zeros, reduction='mean')",
           [("randn", (2, 4)), torch.tensor([[0.0, 0.3, 0.7, 0.0], [0.25, 0.25, 0.0, 0.5]], dtype=torch.float64)],
           lambda x, t: F.kl_div(x, t, reduction="mean"), frozen=(1,))
    g.case("cosine_similarity", "F.cosine_similarity(in0, in1, dim=1)", [("randn", (3, 4)), ("randn", (3, 4))],
           lambda a, b: F.cosine_similarity(a, b, dim=1))
    g.case("cosine_similarity_broadcast", "F.cosine_similarity(in0, in1, dim=-1, eps=1e-6)",
           [("randn", (2, 3, 4)), ("randn", (3, 4))], lambda a, b: F.cosine_similarity(a, b, dim=-1, eps=1e-6))
    g.save()


def optim():
    """Optimizer trajectories, scheduler lr sequences and gradient clipping (tests/nn/test_optim.cpp).

    Problem: loss = mean((tanh(x @ w.T + b) - y)^2) in f64, w in group 0, b in group 1 (with its
    own lr). "<config>.w" / "<config>.b" hold the parameters after each of 20 steps ([20, ...])."""
    g = Group("optim")
    gen = torch.Generator().manual_seed(1234)
    x = torch.randn(8, 4, generator=gen, dtype=torch.float64)
    y = torch.randn(8, 3, generator=gen, dtype=torch.float64)
    w0 = torch.randn(3, 4, generator=gen, dtype=torch.float64) * 0.5
    b0 = torch.randn(3, generator=gen, dtype=torch.float64) * 0.5
    g.tensors.update({"problem.x": x, "problem.y": y, "problem.w0": w0, "problem.b0": b0})
    g.meta["problem"] = "loss = mean((tanh(x @ w.T + b) - y)^2); w in group 0, b in group 1"
    configs = {
        "sgd": (torch.optim.SGD, dict(lr=0.1), dict(lr=0.3)),
        "sgd_momentum": (torch.optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01), dict(lr=0.05)),
        "sgd_nesterov": (torch.optim.SGD, dict(lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.02), dict(lr=0.2)),
        "sgd_maximize": (torch.optim.SGD, dict(lr=0.01, momentum=0.5, maximize=True), dict(lr=0.02)),
        "adam": (torch.optim.Adam, dict(lr=0.05, betas=(0.9, 0.99), eps=1e-8), dict(lr=0.01)),
        "adam_weight_decay": (torch.optim.Adam, dict(lr=0.05, weight_decay=0.1), dict(lr=0.02)),
        "adam_amsgrad": (torch.optim.Adam, dict(lr=0.05, betas=(0.8, 0.9), amsgrad=True, weight_decay=0.01), dict(lr=0.1)),
        "adamw": (torch.optim.AdamW, dict(lr=0.05, weight_decay=0.1), dict(lr=0.02, weight_decay=0.0)),
        "adamw_amsgrad": (torch.optim.AdamW, dict(lr=0.03, betas=(0.85, 0.95), eps=1e-6, weight_decay=0.05, amsgrad=True),
                          dict(lr=0.06)),
        "adam_maximize": (torch.optim.Adam, dict(lr=0.01, maximize=True), dict(lr=0.01)),
    }
    for name, (cls, opts0, opts1) in configs.items():
        w = w0.clone().requires_grad_()
        b = b0.clone().requires_grad_()
        defaults = {k: v for k, v in opts0.items() if k != "lr"}
        opt = cls([dict(params=[w], **opts0), dict(params=[b], **opts1)], **defaults)
        ws, bs = [], []
        for _ in range(20):
            opt.zero_grad()
            loss = (torch.tanh(x @ w.T + b) - y).pow(2).mean()
            loss.backward()
            opt.step()
            ws.append(w.detach().clone())
            bs.append(b.detach().clone())
        g.tensors[f"{name}.w"] = torch.stack(ws)
        g.tensors[f"{name}.b"] = torch.stack(bs)
        g.meta[name] = f"{cls.__name__}([{{params: [w], **{opts0}}}, {{params: [b], **{opts1}}}])"

    def lrs(name, make, steps=25, lrs0=(0.1, 0.4), call=""):
        p0 = torch.zeros(1, requires_grad=True)
        p1 = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([dict(params=[p0], lr=lrs0[0]), dict(params=[p1], lr=lrs0[1])])
        sched = make(opt)
        seq = []
        for _ in range(steps):
            seq.append(sched.get_last_lr())
            opt.step()
            sched.step()
        g.tensors[f"{name}.lr"] = torch.tensor(seq, dtype=torch.float64)
        g.meta[name] = call + f"; SGD groups lr={list(lrs0)}; lr[i] = get_last_lr() before the i-th sched.step()"

    S = torch.optim.lr_scheduler
    lrs("linear_warmup", lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=6),
        call="LinearLR(start_factor=0.25, end_factor=1.0, total_iters=6)")
    lrs("cosine", lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.01), call="CosineAnnealingLR(T_max=10, eta_min=0.01)")
    lrs("step", lambda o: S.StepLR(o, step_size=4, gamma=0.5), call="StepLR(step_size=4, gamma=0.5)")
    for anneal in ("cos", "linear"):
        for three in (False, True):
            name = f"one_cycle_{anneal}{'_three_phase' if three else ''}"
            lrs(name, lambda o, a=anneal, t=three: S.OneCycleLR(o, max_lr=1.0, total_steps=25, pct_start=0.3,
                                                                anneal_strategy=a, div_factor=25.0,
                                                                final_div_factor=1e4, three_phase=t,
                                                                cycle_momentum=False),
                call=f"OneCycleLR(max_lr=1.0, total_steps=25, pct_start=0.3, anneal_strategy='{anneal}', "
                     f"div_factor=25, final_div_factor=1e4, three_phase={three}, cycle_momentum=False)")

    def warmup_cosine(o, warmup=5, total=20, min_lr=0.01):
        def factor(base):
            def f(step):
                if step < warmup:
                    return step / max(1, warmup)
                progress = min(1.0, (step - warmup) / max(1, total - warmup))
                return (min_lr + (base - min_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))) / base
            return f
        return S.LambdaLR(o, [factor(grp["lr"]) for grp in o.param_groups])
    lrs("warmup_cosine", warmup_cosine,
        call="LambdaLR: step < 5: step / 5; else (min_lr + (base - min_lr) * 0.5 * (1 + cos(pi * min(1, (step - 5) / 15)))) / base, min_lr=0.01")

    gen = torch.Generator().manual_seed(99)
    grads = [torch.randn(3, 4, generator=gen, dtype=torch.float64), torch.randn(5, generator=gen, dtype=torch.float64)]
    g.tensors["clip.grad0"], g.tensors["clip.grad1"] = grads[0].clone(), grads[1].clone()
    g.meta["clip"] = "clip_grad_norm_([p0, p1] with grads grad0, grad1, max_norm, norm_type)"
    for tag, max_norm, norm_type in [("l2", 1.0, 2.0), ("l1", 2.0, 1.0), ("inf", 0.5, math.inf), ("l3", 100.0, 3.0)]:
        ps = [torch.zeros_like(t, requires_grad=True) for t in grads]
        for p, gr in zip(ps, grads):
            p.grad = gr.clone()
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
        g.tensors[f"clip_{tag}.total_norm"] = total.detach().clone()
        g.tensors[f"clip_{tag}.grad0"] = ps[0].grad.clone()
        g.tensors[f"clip_{tag}.grad1"] = ps[1].grad.clone()
        g.meta[f"clip_{tag}"] = f"clip_grad_norm_(max_norm={max_norm}, norm_type={norm_type})"
    g.save()
def nn_layers():
    """torch.nn modules (group "nn_layers", read by tests/nn/test_torch_parity.cpp). Per case:
        <case>.state.<key>   the module's state_dict (f64) before the call; parameters are
                             re-drawn from the case's generator so nothing sits at its default
        <case>.in<i>         inputs; <case>.out the output; <case>.grad_out the upstream gradient
        <case>.grad_in<i>    gradient w.r.t. floating input i
        <case>.grad.<name>   gradient w.r.t. parameter <name>
        <case>.after.<key>   buffers after the call (running statistics)
    __metadata__["<case>"] is the module's constructor and mode."""
    tensors, meta = {}, {}

    def case(name, ctor, module, inputs, training=True):
        g = torch.Generator().manual_seed(zlib.crc32(f"nn_layers/{name}".encode()))
        module = module.double()
        with torch.no_grad():
            for key, t in module.named_parameters():
                t.copy_(torch.randn(t.shape, generator=g, dtype=torch.float64))
            for key, t in module.named_buffers():
                if key.endswith("running_var"):
                    t.copy_(0.5 + torch.rand(t.shape, generator=g, dtype=torch.float64))
                elif key.endswith("running_mean"):
                    t.copy_(torch.randn(t.shape, generator=g, dtype=torch.float64))
        if isinstance(module, torch.nn.Embedding) and module.padding_idx is not None:
            with torch.no_grad():
                module.weight[module.padding_idx].zero_()
        module.train(training)
        for key, t in module.state_dict().items():
            tensors[f"{name}.state.{key}"] = t.detach().clone().contiguous()
        ins = []
        for spec in inputs:
            kind, shape = (None, None) if isinstance(spec, torch.Tensor) else spec[:2]
            if kind is None:
                t = spec.clone()
            elif kind == "randn":
                t = torch.randn(shape, generator=g, dtype=torch.float64).requires_grad_()
            else:  # ("randint", shape, lo, hi)
                t = torch.randint(spec[2], spec[3], shape, generator=g, dtype=torch.int64)
            ins.append(t)
            tensors[f"{name}.in{len(ins) - 1}"] = t.detach().clone()
        out = module(*ins)
        grad_out = torch.randn(out.shape, generator=g, dtype=out.dtype)
        tensors[f"{name}.out"] = out.detach().clone().contiguous()
        tensors[f"{name}.grad_out"] = grad_out
        params = list(module.named_parameters())
        diff = [i for i, t in enumerate(ins) if t.is_floating_point()]
        grads = torch.autograd.grad(out, [ins[i] for i in diff] + [p for _, p in params], grad_out)
        for i, gi in zip(diff, grads):
            tensors[f"{name}.grad_in{i}"] = gi.clone().contiguous()
        for (key, _), gp in zip(params, grads[len(diff):]):
            tensors[f"{name}.grad.{key}"] = gp.clone().contiguous()
        for key, t in module.named_buffers():
            tensors[f"{name}.after.{key}"] = t.detach().clone().contiguous()
        meta[name] = ctor + ("" if training else ", eval()")

    nn = torch.nn
    case("linear", "nn.Linear(5, 3)", nn.Linear(5, 3), [("randn", (2, 4, 5))])
    case("linear_no_bias", "nn.Linear(4, 6, bias=False)", nn.Linear(4, 6, bias=False), [("randn", (3, 4))])
    case("bilinear", "nn.Bilinear(3, 4, 2)", nn.Bilinear(3, 4, 2), [("randn", (5, 3)), ("randn", (5, 4))])
    case("conv2d_groups", "nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2)",
         nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2), [("randn", (2, 4, 7, 6))])
    case("conv2d_same_reflect", "nn.Conv2d(3, 4, (3, 4), padding='same', padding_mode='reflect')",
         nn.Conv2d(3, 4, (3, 4), padding="same", padding_mode="reflect"), [("randn", (2, 3, 6, 7))])
    case("conv1d_circular", "nn.Conv1d(2, 4, 3, padding=2, dilation=2, padding_mode='circular')",
         nn.Conv1d(2, 4, 3, padding=2, dilation=2, padding_mode="circular"), [("randn", (2, 2, 8))])
    case("conv_transpose2d", "nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)",
         nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2), [("randn", (2, 4, 4, 3))])
    case("batch_norm2d_train", "nn.BatchNorm2d(3, momentum=0.1)", nn.BatchNorm2d(3), [("randn", (4, 3, 3, 2))])
    case("batch_norm2d_eval", "nn.BatchNorm2d(3)", nn.BatchNorm2d(3), [("randn", (4, 3, 3, 2))], training=False)
    case("batch_norm1d_train", "nn.BatchNorm1d(4, momentum=0.3)", nn.BatchNorm1d(4, momentum=0.3),
         [("randn", (6, 4))])
    case("layer_norm", "nn.LayerNorm((3, 4), eps=1e-5)", nn.LayerNorm((3, 4)), [("randn", (2, 5, 3, 4))])
    case("group_norm", "nn.GroupNorm(2, 6)", nn.GroupNorm(2, 6), [("randn", (2, 6, 3, 3))])
    case("embedding_padding_idx", "nn.Embedding(7, 4, padding_idx=2) on indices that include 2",
         nn.Embedding(7, 4, padding_idx=2), [torch.tensor([[0, 2, 5, 2, 6], [1, 1, 2, 4, 3], [6, 0, 2, 5, 5]])])
    path = os.path.join(DATA, "torch_refs_nn_layers.safetensors")
    save_file(tensors, path, metadata=meta)
    print(f"{path}: {len(meta)} cases, {os.path.getsize(path)} bytes")


def safetensors_sample():
    """A file written by PyTorch's safetensors for tests/core/test_safetensors.cpp (whose
    expected values follow the same formulas)."""
    r = torch.arange(12)
    frac = (r.double() / 8 - 0.5).reshape(3, 4)
    tensors = {
        "f32": frac.float(), "f64": frac, "f16": frac.half(), "bf16": frac.bfloat16(),
        "i32": (r - 6).int().reshape(2, 6), "i8": (r - 6).to(torch.int8).reshape(2, 6),
        "u8": (r * 20).to(torch.uint8).reshape(2, 6), "i64": (r - 6) * 10_000_000_000,
        "bool": (r % 3 == 0).reshape(3, 4), "scalar": torch.tensor(2.5, dtype=torch.float64),
        "empty": torch.zeros(0, 3), "transposed": frac.float().t().contiguous(),
    }
    path = os.path.join(DATA, "safetensors_torch_sample.safetensors")
    save_file(tensors, path, metadata={"writer": "torch", "purpose": "tensorzoo safetensors reader test"})
    print(f"{path}: {os.path.getsize(path)} bytes")


def attention():
    """Module cases (SDPA, MultiheadAttention, Transformer layers, GPT block): see
    tools/gen_torch_refs_attention.py."""
    import gen_torch_refs_attention
    gen_torch_refs_attention.attention(Group)


def main():
    torch.use_deterministic_algorithms(True)
    os.makedirs(DATA, exist_ok=True)
    safetensors_sample()
    for group in (linalg, conv, pool, resample, norm, softmax, index, composite, losses, optim, attention, nn_layers):
        group()


if __name__ == "__main__":
    main()
