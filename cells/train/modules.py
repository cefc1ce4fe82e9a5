"""Torch modules that PyTorch lacks, named so that ``cells.from_torch`` reads them.

``SimplifiedGRU`` is the update-gate-only GRU of ``cells/sgru.py`` (equations there), with
parameters named and shaped like ``nn.GRU``'s (``weight_ih_l0`` (2H, I), ``weight_hh_l0`` (2H, H),
``bias_ih_l0``, ``bias_hh_l0``, ``..._reverse``) in gate order (z, n).
"""

from __future__ import annotations

import math

import torch
from torch import nn


class SimplifiedGRU(nn.Module):
    gatescope_cell = "sgru"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        bidirectional: bool = False,
    ):
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.bidirectional = bias, batch_first, bidirectional
        self.num_directions = 2 if bidirectional else 1
        k = 1.0 / math.sqrt(hidden_size)
        for layer in range(num_layers):
            n_in = input_size if layer == 0 else hidden_size * self.num_directions
            for d in range(self.num_directions):
                s = f"l{layer}" + ("_reverse" if d else "")
                rows = 2 * hidden_size  # z and n blocks
                self.register_parameter(f"weight_ih_{s}", nn.Parameter(torch.empty(rows, n_in)))
                self.register_parameter(f"weight_hh_{s}", nn.Parameter(torch.empty(rows, hidden_size)))
                if bias:
                    self.register_parameter(f"bias_ih_{s}", nn.Parameter(torch.empty(2 * hidden_size)))
                    self.register_parameter(f"bias_hh_{s}", nn.Parameter(torch.empty(2 * hidden_size)))
        for p in self.parameters():
            nn.init.uniform_(p, -k, k)

    def _direction(self, x: torch.Tensor, s: str, h: torch.Tensor) -> torch.Tensor:
        # x: (T, B, I) -> (T, B, H)
        hidden = self.hidden_size
        x_part = x @ getattr(self, f"weight_ih_{s}").T  # (T, B, 2H)
        if self.bias:
            x_part = x_part + getattr(self, f"bias_ih_{s}")
        w_hh = getattr(self, f"weight_hh_{s}")
        b_hh = getattr(self, f"bias_hh_{s}") if self.bias else None
        outs = []
        for t in range(x.shape[0]):
            pre = x_part[t] + h @ w_hh.T  # (B, 2H)
            if b_hh is not None:
                pre = pre + b_hh
            z = torch.sigmoid(pre[:, :hidden])
            n = torch.tanh(pre[:, hidden:])
            h = n + z * (h - n)  # (1 − z) ⊙ n + z ⊙ h, in the arithmetic of PyTorch's GRU
            outs.append(h)
        return torch.stack(outs)

    def forward(self, x: torch.Tensor, h0: torch.Tensor | None = None):
        if self.batch_first:
            x = x.transpose(0, 1)
        unbatched = x.dim() == 2
        if unbatched:
            x = x.unsqueeze(1)
        batch = x.shape[1]
        if h0 is None:
            h0 = x.new_zeros(self.num_layers * self.num_directions, batch, self.hidden_size)
        elif unbatched:
            h0 = h0.unsqueeze(1)
        finals = []
        layer_in = x
        for layer in range(self.num_layers):
            outs = []
            for d in range(self.num_directions):
                s = f"l{layer}" + ("_reverse" if d else "")
                h_init = h0[layer * self.num_directions + d]
                seq = layer_in if d == 0 else layer_in.flip(0)
                y = self._direction(seq, s, h_init)
                finals.append(y[-1])
                outs.append(y if d == 0 else y.flip(0))
            layer_in = torch.cat(outs, dim=2)
        h_n = torch.stack(finals)
        out = layer_in
        if unbatched:
            out, h_n = out.squeeze(1), h_n.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, h_n
