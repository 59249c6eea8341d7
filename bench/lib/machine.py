#!/usr/bin/python3
"""Prints run.json for bench/report: the command, the date, the mode and the machine (CPU, RAM, kernel, JDK, the
versions of the peers and of LibTorch, the load average when the run started).

Usage: machine.py "COMMAND LINE"
"""
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path


def out(command):
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
        return (done.stdout + done.stderr).strip()
    except (OSError, subprocess.TimeoutExpired):
        return "not found"


def first_line(command, pattern=None):
    text = out(command)
    line = text.splitlines()[0] if text else ""
    if pattern:
        m = re.search(pattern, text)
        return m.group(1) if m else line
    return line


def package(name):
    version = out(["dpkg-query", "-W", "-f=${Version}", name])
    return f"{name} {version}" if "no packages found" not in version.lower() else f"{name} not installed"


def main():
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    flags = next((line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags")), "")
    mem_kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    os_release = dict(re.findall(r'^(\w+)="?([^"\n]*)"?$', Path("/etc/os-release").read_text(), re.M))
    commit = out(["git", "-C", str(Path(__file__).resolve().parents[2]), "rev-parse", "--short", "HEAD"])
    dirty = out(["git", "-C", str(Path(__file__).resolve().parents[2]), "status", "--porcelain",
                 "--untracked-files=no"])
    print(json.dumps({
        "command": sys.argv[1] if len(sys.argv) > 1 else "bench/run",
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "smoke": os.environ.get("BENCH_SMOKE") == "1",
        "reps": int(os.environ.get("BENCH_REPS", "5")),
        "commit": commit + (" (with uncommitted changes)" if dirty else ""),
        "machine": {
            "CPU": f"{cpu}, {os.cpu_count()} logical CPUs (nproc {out(['nproc'])})"
                   + (", SHA extensions" if " sha_ni" in flags else ""),
            "RAM": f"{mem_kib / 1024 / 1024:.1f} GiB",
            "kernel": platform.release(),
            "OS": os_release.get("PRETTY_NAME", "?"),
            "load average at start": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
            "JDK": first_line(["java", "-version"]),
            "nginx": first_line(["nginx", "-v"], r"nginx/(\S+)") + " (" + package("nginx-light") + ")",
            "iperf3": first_line(["iperf3", "--version"]),
            "curl": first_line(["curl", "--version"]),
            "LibTorch (C++ client)": package("libtorch-dev"),
            "PyTorch (make_model.py)": package("python3-torch"),
            "gnuplot": first_line(["gnuplot", "--version"]),
            "Python": platform.python_version(),
        },
    }, indent=2))


if __name__ == "__main__":
    main()
