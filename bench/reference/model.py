"""PyTorch reference of StackLab's patch-transformer (benchmark reference / fixture generator only).

Mirrors the TypeScript engine exactly: pre-LN transformer over patches of a multichannel series,
next-patch MSE loss. Matrices are stored [in, out] and used as ``x @ W``.
"""
import math

import torch
import torch.nn.functional as Fn

CONFIG_KEYS = ("D", "H", "L", "P", "S", "C", "F", "B")


def param_shapes(cfg):
    """Ordered {exact name: shape} of every parameter."""
    D, L, P, S, C, F = (cfg[k] for k in ("D", "L", "P", "S", "C", "F"))
    shapes = {"embed.w": (P * C, D), "embed.b": (D,), "pos": (S, D)}
    for l in range(L):
        p = f"blocks.{l}."
        shapes.update({
            p + "ln1.g": (D,), p + "ln1.b": (D,),
            p + "attn.wq": (D, D), p + "attn.bq": (D,),
            p + "attn.wk": (D, D), p + "attn.bk": (D,),
            p + "attn.wv": (D, D), p + "attn.bv": (D,),
            p + "attn.wo": (D, D), p + "attn.bo": (D,),
            p + "ln2.g": (D,), p + "ln2.b": (D,),
            p + "mlp.w1": (D, F), p + "mlp.b1": (F,),
            p + "mlp.w2": (F, D), p + "mlp.b2": (D,),
        })
    shapes.update({"final_ln.g": (D,), "final_ln.b": (D,), "head.w": (D, P * C), "head.b": (P * C,)})
    return shapes


def batch_from_starts(data, starts, S, P):
    """data [N, C], starts [B] (int) -> tokens [B, S, P*C]; token i = patch i, index p*C + c."""
    starts = starts.long()
    idx = starts[:, None] + torch.arange(S * P, device=data.device)[None, :]
    x = data[idx]  # [B, S*P, C]
    return x.reshape(starts.shape[0], S, P * data.shape[1])


class PatchTransformer(torch.nn.Module):
    def __init__(self, cfg, device=None, dtype=torch.float32):
        super().__init__()
        self.cfg = {k: int(cfg[k]) for k in CONFIG_KEYS if k in cfg}
        if self.cfg["D"] % self.cfg["H"] != 0:
            raise ValueError("D must be divisible by H")
        self.shapes = param_shapes(self.cfg)
        # Internal parameter names replace '.' (not allowed in register_parameter) with '__'.
        for name, shape in self.shapes.items():
            self.register_parameter(self._internal(name),
                                    torch.nn.Parameter(torch.zeros(shape, device=device, dtype=dtype)))
        S = self.cfg["S"]
        mask = torch.triu(torch.full((S, S), -1e9, device=device, dtype=dtype), diagonal=1)
        self.register_buffer("mask", mask, persistent=False)

    @staticmethod
    def _internal(name):
        return name.replace(".", "__")

    def p(self, name):
        return getattr(self, self._internal(name))

    def named(self):
        """{exact name: Parameter} in canonical order."""
        return {name: self.p(name) for name in self.shapes}

    @torch.no_grad()
    def load_named(self, tensors):
        """Copy a {exact name: tensor/ndarray} dict into the parameters (all names required)."""
        missing = [n for n in self.shapes if n not in tensors]
        extra = [n for n in tensors if n not in self.shapes]
        if missing or extra:
            raise KeyError(f"load_named: missing {missing}, unexpected {extra}")
        for name, param in self.named().items():
            t = torch.as_tensor(tensors[name])
            if tuple(t.shape) != tuple(self.shapes[name]):
                raise ValueError(f"{name}: shape {tuple(t.shape)} != {self.shapes[name]}")
            param.copy_(t.to(device=param.device, dtype=param.dtype))

    def decay_groups(self, wd):
        """AdamW param groups: weight decay only on rank >= 2 parameters."""
        decay = [p for p in self.named().values() if p.dim() >= 2]
        no_decay = [p for p in self.named().values() if p.dim() < 2]
        return [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]

    def predict(self, tokens):
        """tokens [B, S, P*C] -> pred [B, S, P*C]."""
        c = self.cfg
        B, S, D, H = tokens.shape[0], c["S"], c["D"], c["H"]
        Dh = D // H
        p = self.p
        h = tokens @ p("embed.w") + p("embed.b") + p("pos")
        scale = 1.0 / math.sqrt(Dh)
        for l in range(c["L"]):
            b = f"blocks.{l}."
            a = Fn.layer_norm(h, (D,), p(b + "ln1.g"), p(b + "ln1.b"), eps=1e-5)
            q = (a @ p(b + "attn.wq") + p(b + "attn.bq")).reshape(B, S, H, Dh).transpose(1, 2)
            k = (a @ p(b + "attn.wk") + p(b + "attn.bk")).reshape(B, S, H, Dh).transpose(1, 2)
            v = (a @ p(b + "attn.wv") + p(b + "attn.bv")).reshape(B, S, H, Dh).transpose(1, 2)
            scores = (q @ k.transpose(-1, -2)) * scale + self.mask
            att = torch.softmax(scores, dim=-1)
            o = (att @ v).transpose(1, 2).reshape(B, S, D) @ p(b + "attn.wo") + p(b + "attn.bo")
            h = h + o
            m = Fn.layer_norm(h, (D,), p(b + "ln2.g"), p(b + "ln2.b"), eps=1e-5)
            h = h + Fn.gelu(m @ p(b + "mlp.w1") + p(b + "mlp.b1")) @ p(b + "mlp.w2") + p(b + "mlp.b2")
        h = Fn.layer_norm(h, (D,), p("final_ln.g"), p("final_ln.b"), eps=1e-5)
        return h @ p("head.w") + p("head.b")

    def loss(self, tokens):
        """Next-patch MSE: mean((pred[:, :-1] - tokens[:, 1:])**2)."""
        pred = self.predict(tokens)
        return torch.mean((pred[:, :-1, :] - tokens[:, 1:, :]) ** 2)

    def forward(self, data, starts):
        return self.loss(batch_from_starts(data, starts, self.cfg["S"], self.cfg["P"]))
