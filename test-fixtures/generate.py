#!/usr/bin/env python3
"""Regenerates every test fixture of torchfeed: TorchScript models with their golden manifests, the toynet
forward-pass reference, bad inputs, the out-of-the-box repository model, and the protocol frames.

Run it from anywhere with Debian's Python, which has torch 1.13 (apt-get install python3-torch):

    /usr/bin/python3 test-fixtures/generate.py

The outputs are deterministic: running it twice gives byte-identical files, wherever the checkout lives.
See test-fixtures/README.md for the layout.
"""
import os
import sys

SCRIPT = "test-fixtures/generate.py"  # this file, relative to the repository root
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

if __name__ == "__main__" and __file__ != SCRIPT:
    # A TorchScript archive records where its code came from: code/**.debug_pkl holds the Python file
    # name and line of every scripted function and, for traced modules, the whole Python call stack
    # at each traced operation. Python makes the main script's file name absolute, so the archives
    # would depend on where the checkout lives. Re-run this file's code from the repository root
    # under its relative name, from a `-c` launcher (whose frame is called "<string>"), so that only
    # "test-fixtures/generate.py" and torch's own files appear. A fixed hash seed rules out any
    # dependence on str hashing.
    os.chdir(REPO)
    boot = ("import sys; del sys.path[0]; __file__ = %r; "
            "exec(compile(open(__file__, 'rb').read(), __file__, 'exec'))" % SCRIPT)
    env = dict(os.environ, PYTHONHASHSEED="0")
    os.execve(sys.executable, [sys.executable, "-c", boot] + sys.argv[1:], env)

import hashlib  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import zipfile  # noqa: E402
from typing import List  # noqa: E402

try:
    import torch  # noqa: E402
    import torch.nn.functional as F  # noqa: E402
    from torch import Tensor, nn  # noqa: E402
except ImportError:
    sys.exit("generate.py needs torch: run it with Debian's /usr/bin/python3 "
             "(apt-get install python3-torch), not a Python without torch")

if not torch.__version__.startswith("1.13"):
    sys.exit("generate.py is pinned to torch 1.13 (Debian's python3-torch); this is torch %s, whose "
             "archives would differ byte for byte" % torch.__version__)

MODELS = os.path.join(HERE, "models")
BAD = os.path.join(HERE, "bad")
SERVED = os.path.join(REPO, "models", "toynet", "1", "model.pt")  # the repository's out-of-the-box model
FORWARD_INPUT = "torch.linspace(-1, 1, 784, dtype=torch.float32).reshape(1, 1, 28, 28)"


# ----------------------------------------------------------------------------------------------------
# The good models

class ToyNet(nn.Module):
    """LeNet-style; traced."""

    def __init__(self):
        super().__init__()
        self.conv0 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv1 = nn.Conv2d(6, 16, 5)
        self.linear0 = nn.Linear(400, 120)
        self.linear1 = nn.Linear(120, 84)
        self.linear2 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv0(x)), 2)  # 6x14x14
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # 16x5x5
        x = torch.flatten(x, 1)
        x = F.relu(self.linear0(x))
        x = F.relu(self.linear1(x))
        return self.linear2(x)


class BnNet(nn.Module):
    """Conv + BatchNorm2d, so it has running_mean, running_var and num_batches_tracked buffers; traced."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.head(x)


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)

    def forward(self, x: Tensor) -> Tensor:
        return torch.tanh(self.proj(x))


class ControlFlow(nn.Module):
    """Scripted: a loop, a while on a tensor value and an if on a tensor value."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.randn(4))
        self.shift = nn.Parameter(torch.randn(4))
        self.gate = Gate()

    def forward(self, x: Tensor, steps: int = 3) -> Tensor:
        h = x
        for _ in range(steps):
            h = self.gate(h) * self.scale
        rounds = 0
        while bool(h.abs().max() > 1.0) and rounds < 10:
            h = h * 0.5
            rounds += 1
        if bool(h.sum() > 0):
            return h + self.shift
        else:
            return h - self.shift


class DtypesInner(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight64 = nn.Parameter(torch.randn(2, 3, dtype=torch.float64))
        self.register_buffer("counts32", torch.arange(6, dtype=torch.int32).reshape(2, 3))
        self.register_buffer("small16", torch.tensor([-3, 0, 3], dtype=torch.int16))
        self.register_buffer("temperature", torch.tensor(0.5, dtype=torch.float64))  # 0-dim

    def forward(self, x: Tensor) -> Tensor:
        w = self.weight64 + self.counts32.double() + self.small16.double()
        return torch.matmul(x.double(), w.t()) * self.temperature  # [n, 2]


class Dtypes(nn.Module):
    """Scripted; parameters and buffers of many dtypes, a nested submodule and a tied weight:
    head.weight IS embed.weight (one Parameter under two names)."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.randn(3))  # float32
        self.half_bias = nn.Parameter(torch.randn(5).half())  # float16
        self.bf16_gain = nn.Parameter(torch.randn(5).bfloat16())  # bfloat16
        self.register_buffer("step", torch.tensor(7, dtype=torch.int64))  # 0-dim
        self.register_buffer("offsets8", torch.tensor([-128, -1, 0, 1, 127], dtype=torch.int8))
        self.register_buffer("pixels", torch.tensor([0, 1, 128, 255, 17], dtype=torch.uint8))
        self.register_buffer("mask", torch.tensor([True, False, True, True, False]))
        self.embed = nn.Embedding(5, 3)
        self.inner = DtypesInner()
        self.head = nn.Linear(3, 5, bias=False)
        self.head.weight = self.embed.weight  # tied

    def forward(self, idx: Tensor) -> Tensor:
        e = self.embed(idx) * self.scale  # [n, 3]
        logits = self.head(e)  # [n, 5]
        logits = logits + self.half_bias.float() * self.bf16_gain.float()
        logits = logits + self.offsets8.float() / 128.0 + self.pixels.float() / 255.0
        logits = logits.masked_fill(self.mask.logical_not(), 0.0)
        extra = self.inner(e).sum(dim=1, keepdim=True).float()  # [n, 1]
        return logits + extra * float(self.step)


def build_toynet():
    torch.manual_seed(1)
    model = ToyNet().eval()
    return model, torch.jit.trace(model, torch.zeros(1, 1, 28, 28))


def build_bnnet():
    torch.manual_seed(2)
    model = BnNet()
    model.train()
    with torch.no_grad():
        for _ in range(3):  # non-trivial running statistics; num_batches_tracked becomes 3
            model(torch.randn(4, 3, 8, 8) * 2.0 + 0.5)
    model.eval()
    return model, torch.jit.trace(model, torch.zeros(1, 3, 8, 8))


def build_controlflow():
    torch.manual_seed(3)
    model = ControlFlow().eval()
    return model, torch.jit.script(model)


def build_dtypes():
    torch.manual_seed(4)
    model = Dtypes().eval()
    return model, torch.jit.script(model)


GOOD = [("toynet", build_toynet), ("bnnet", build_bnnet),
        ("controlflow", build_controlflow), ("dtypes", build_dtypes)]


# ----------------------------------------------------------------------------------------------------
# Manifests

def dtype_name(dtype):
    return str(dtype)[len("torch."):]


def tensor_entry(name, tensor):
    return {"name": name, "shape": list(tensor.shape), "dtype": dtype_name(tensor.dtype)}


def archive_format_version(path):
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        top = names[0].split("/", 1)[0]
        return top, int(archive.read(top + "/version").decode("ascii").strip())


def libtorch_listing(loaded):
    """named_parameters() and named_buffers() as LibTorch lists them (torch::jit::Module, recurse=true).

    The Python ScriptModule's named_parameters()/named_buffers() are nn.Module's, which drop a tensor
    already seen, so a tied weight appears only under its first name. LibTorch's C++ Module lists
    every slot. _jit_debug_module_iterators calls those C++ iterators on the loaded module.
    """
    it = torch._C._jit_debug_module_iterators(loaded._c)
    params = list(it["named_parameters_r"])
    buffers = list(it["named_buffers_r"])
    # Sanity: the Python listing is the LibTorch listing minus repeats of the same tensor.
    for cxx, py in ((params, loaded.named_parameters()), (buffers, loaded.named_buffers())):
        seen, dedup = set(), []
        for name, tensor in cxx:
            key = (tensor.data_ptr(), tensor.dtype, tuple(tensor.shape), tensor.storage_offset())
            if key not in seen:
                seen.add(key)
                dedup.append(name)
        assert dedup == [name for name, _ in py], (dedup, [name for name, _ in py])
    return params, buffers


def manifest(name, path):
    data = read(path)
    loaded = torch.jit.load(path)
    params, buffers = libtorch_listing(loaded)
    _, format_version = archive_format_version(path)
    return {
        "name": name,
        "version": 1,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "formatVersion": format_version,
        "parameters": [tensor_entry(n, t) for n, t in params],
        "buffers": [tensor_entry(n, t) for n, t in buffers],
    }


def compact(obj):
    return (json.dumps(obj, separators=(",", ":")) + "\n").encode("utf-8")


# ----------------------------------------------------------------------------------------------------
# Files

def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def rel(path):
    return os.path.relpath(path, REPO).replace(os.sep, "/")


def report(path):
    print("%-48s %7d bytes  %s" % (rel(path), os.path.getsize(path), hashlib.sha256(read(path)).hexdigest()[:16]))


def save_model(name, scripted):
    path = os.path.join(MODELS, name, "model.pt")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path):
        os.remove(path)
    # Saved under its final name: the archive's top-level folder is the file name without extension
    # ("model"), so the same file saved under another name would differ.
    torch.jit.save(scripted, path)
    return path


def toynet_forward(eager, path):
    loaded = torch.jit.load(path)
    x = torch.linspace(-1, 1, 784, dtype=torch.float32).reshape(1, 1, 28, 28)
    with torch.no_grad():
        y = loaded(x)
        assert torch.allclose(y, eager(x), rtol=1e-5, atol=1e-6)
    return {
        "model": "toynet",
        "sha256": hashlib.sha256(read(path)).hexdigest(),
        "input": {"construction": FORWARD_INPUT, "shape": list(x.shape), "dtype": dtype_name(x.dtype),
                  "values": x.flatten().tolist()},
        "output": {"shape": list(y.shape), "dtype": dtype_name(y.dtype), "values": y.flatten().tolist()},
        "note": "float32 values as exact decimal doubles; compare outputs with a tolerance "
                "(e.g. 1e-5 absolute), other CPUs and BLAS builds round differently",
    }


def not_torchscript_zip():
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, text in (("notes/README.txt", "A zip archive, but not a TorchScript model.\n"),
                           ("notes/weights.txt", "conv0.weight = [0.1, 0.2, 0.3]\n")):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system = 3  # Unix, whatever platform this runs on
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_STORED
            z.writestr(info, text.encode("ascii"))
    return buf.getvalue()


def generate_bad(toynet_eager, toynet_path):
    paths = []
    p = os.path.join(BAD, "empty.pt")
    write(p, b"")
    paths.append(p)

    p = os.path.join(BAD, "random.pt")
    noise = random.Random(1313).randbytes(4096)
    assert not noise.startswith(b"PK")
    write(p, noise)
    paths.append(p)

    p = os.path.join(BAD, "truncated.pt")
    whole = read(toynet_path)
    write(p, whole[:len(whole) // 2])
    paths.append(p)

    p = os.path.join(BAD, "state_dict.pt")
    if os.path.exists(p):
        os.remove(p)
    torch.save(toynet_eager.state_dict(), p)
    paths.append(p)

    p = os.path.join(BAD, "not_torchscript.pt")
    write(p, not_torchscript_zip())
    paths.append(p)

    for p in paths:  # each of them must really be unloadable
        try:
            torch.jit.load(p)
        except Exception:  # noqa: BLE001 - any failure is the point
            pass
        else:
            raise AssertionError(rel(p) + " loads as TorchScript")
    return paths


def main():
    torch.set_num_threads(1)
    eager_toynet = None
    for name, build in GOOD:
        eager, scripted = build()
        path = save_model(name, scripted)
        write(os.path.join(MODELS, name, "manifest.json"), compact(manifest(name, path)))
        report(path)
        report(os.path.join(MODELS, name, "manifest.json"))
        if name == "toynet":
            eager_toynet = eager
            forward = os.path.join(MODELS, name, "forward.json")
            write(forward, compact(toynet_forward(eager, path)))
            report(forward)

    toynet_path = os.path.join(MODELS, "toynet", "model.pt")
    for p in generate_bad(eager_toynet, toynet_path):
        report(p)

    os.makedirs(os.path.dirname(SERVED), exist_ok=True)
    shutil.copyfile(toynet_path, SERVED)
    report(SERVED)

    subprocess.run([sys.executable, os.path.join(HERE, "protocol", "generate_frames.py")], check=True)


if __name__ == "__main__":
    main()
