#!/usr/bin/python3
"""Writes a TorchScript model of about SIZE_MIB MiB of float32 parameters to OUT.

Usage: /usr/bin/python3 bench/lib/make_model.py SIZE_MIB OUT [--one-tensor]

Deterministic (seeded), so two runs write the same bytes. The parameters are split into tensors of at most
16 MiB (a stack of linear layers, as a real model has many tensors), and forward() uses every one of them, so the
loaded module is a real module and not just a blob. --one-tensor: one linear layer of SIZE_MIB MiB (a model of
one large tensor, like an embedding table). Run with Debian's python3 (python3-torch), never committed:
the benchmark generates what it needs into its work directory.
"""
import sys

import torch

kChunkFloats = 2048 * 2048  # 16 MiB of float32 per weight


class Stack(torch.nn.Module):
    def __init__(self, total_floats: int):
        super().__init__()
        layers = []
        left = total_floats
        while left > 0:
            rows = max(1, min(2048, left // 2048))
            layers.append(torch.nn.Linear(2048, rows, bias=False))
            left -= rows * 2048
        self.layers = torch.nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.zeros(1)
        for layer in self.layers:
            out = out + layer(x).sum()
        return out


def main() -> None:
    if len(sys.argv) not in (3, 4) or sys.argv[3:] not in ([], ["--one-tensor"]):
        sys.exit("usage: make_model.py SIZE_MIB OUT [--one-tensor]")
    size_mib = int(sys.argv[1])
    torch.manual_seed(size_mib)
    with torch.no_grad():
        if sys.argv[3:]:
            module = torch.nn.Linear(2048, size_mib * 1024 * 1024 // 4 // 2048, bias=False)
        else:
            module = Stack(size_mib * 1024 * 1024 // 4)
    torch.jit.save(torch.jit.script(module), sys.argv[2])


if __name__ == "__main__":
    main()
