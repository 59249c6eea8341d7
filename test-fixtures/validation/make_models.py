# Writes the TorchScript fixtures of io.torchfeed.validation's tests.
# Run with Debian's Python (torch 1.13):  /usr/bin/python3 make_models.py
# The outputs are committed; tests never run Python.
import torch
import torch.nn as nn

torch.manual_seed(0)


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.bn = nn.BatchNorm2d(2)
        self.fc = nn.Linear(2, 3)

    def forward(self, x):
        x = self.bn(self.conv(x))
        return self.fc(x.mean(dim=(2, 3)))


class Dtypes(nn.Module):
    """Tied weights and one buffer of each common dtype."""

    def __init__(self):
        super().__init__()
        self.register_buffer("f64", torch.zeros(2, dtype=torch.float64))
        self.register_buffer("f16", torch.zeros(2, dtype=torch.float16))
        self.register_buffer("bf16", torch.zeros(2, dtype=torch.bfloat16))
        self.register_buffer("i32", torch.zeros(1, 2, dtype=torch.int32))
        self.register_buffer("i16", torch.zeros(2, dtype=torch.int16))
        self.register_buffer("i8", torch.zeros(2, dtype=torch.int8))
        self.register_buffer("u8", torch.zeros(2, dtype=torch.uint8))
        self.register_buffer("mask", torch.ones(3, dtype=torch.bool))
        self.register_buffer("c64", torch.zeros(2, dtype=torch.complex64))
        self.register_buffer("c128", torch.zeros(2, dtype=torch.complex128))
        self.register_buffer("q8", torch.quantize_per_tensor(torch.zeros(2), 0.1, 0, torch.qint8))
        self.emb = nn.Embedding(4, 2)
        self.out = nn.Linear(2, 4, bias=False)
        self.out.weight = self.emb.weight

    def forward(self, x):
        return self.out(self.emb(x))


for name, module in [("convnet", ConvNet().eval()), ("dtypes", Dtypes())]:
    scripted = torch.jit.script(module)
    scripted.save(name + ".pt")
    for kind, items in [("P", scripted.named_parameters()), ("B", scripted.named_buffers())]:
        for n, t in items:
            print(name, kind, n, list(t.shape), str(t.dtype).replace("torch.", ""))
