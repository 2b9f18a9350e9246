"""Machine facts and the practical ceiling: peak float32 matrix-product GFLOP/s."""

from __future__ import annotations

import datetime
import io
import os
import platform
import re
from contextlib import redirect_stdout

import numpy as np

from dlbook.runs import numpy_gflops, torch_gflops

from .timing import settle


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cpuinfo(key: str) -> str:
    """The first ``key : value`` of /proc/cpuinfo ("" where there is none)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.split(":", 1)[0].strip() == key:
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def cpu_vendor() -> str:
    """``Intel``, ``AMD``, or the vendor string as the kernel reports it."""
    vendor = _cpuinfo("vendor_id")
    return {"GenuineIntel": "Intel", "AuthenticAMD": "AMD"}.get(vendor, vendor or "?")


# The instruction sets that change what a float32 or bfloat16 matrix product costs on
# a CPU: AVX2 (8 float32 lanes), AVX-512 (16), BF16 (bfloat16 dot products) and AMX
# (Intel's matrix tiles, what makes PyTorch's bfloat16 fast on a Xeon).
FLAGS = {
    "AVX2": ("avx2",),
    "AVX-512": ("avx512f",),
    "BF16": ("avx512_bf16", "amx_bf16"),
    "AMX": ("amx_tile",),
}


def cpu_flags() -> dict[str, bool]:
    """Which of :data:`FLAGS` the processor has (all False where /proc/cpuinfo is
    unreadable)."""
    present = set(_cpuinfo("flags").split())
    return {name: any(f in present for f in names) for name, names in FLAGS.items()}


# How :func:`processor` words it; benchmarks/report_zh.py gives the Chinese.
PROCESSOR_WORDS = {
    "not recorded": "instruction sets not recorded",
    "absent": "no {}",
    "between": ", ",
    "form": "{model} ({vendor}; {sets})",
}


def processor(machine: dict, words: dict[str, str] = PROCESSOR_WORDS) -> str:
    """The processor of a run, for a reader: model, vendor and the flags that matter,
    e.g. ``AMD EPYC (AMD; AVX2, no AVX-512, no BF16, no AMX)``."""
    flags = machine.get("cpu_flags")
    if flags is None:
        sets = words["not recorded"]
    else:
        sets = words["between"].join(
            name if flags.get(name) else words["absent"].format(name) for name in FLAGS
        )
    vendor = machine.get("cpu_vendor") or _vendor_from_model(machine["cpu_model"])
    return words["form"].format(model=machine["cpu_model"], vendor=vendor, sets=sets)


def processor_kind(machine: dict) -> str:
    """The key under which the page keeps a processor's last results: the vendor and
    the flags (a run on another processor of the same kind replaces it)."""
    flags = machine.get("cpu_flags")
    vendor = machine.get("cpu_vendor") or _vendor_from_model(machine["cpu_model"])
    if flags is None:
        return f"{vendor}, {machine['cpu_model']}"
    return ", ".join([vendor, *(name for name in FLAGS if flags.get(name))])


def _vendor_from_model(model: str) -> str:
    for vendor in ("Intel", "AMD"):
        if vendor.lower() in model.lower():
            return vendor
    return "?"


def numpy_blas() -> str:
    """NumPy's BLAS library and version, from ``np.show_config``."""
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older NumPy: parse the printed form
        text = io.StringIO()
        with redirect_stdout(text):
            np.show_config()
        found = re.search(r"name:\s*(\S+)", text.getvalue())
        return found.group(1) if found else "unknown"


def torch_blas() -> str:
    """What torch was built with for matrix products (MKL, OpenBLAS, oneDNN)."""
    import torch

    config = torch.__config__.show()
    found = re.search(r"BLAS_INFO=([^,\s]+)", config)
    parts = [f"BLAS {found.group(1)}" if found else "BLAS ?"]
    if torch.backends.mkldnn.is_available():
        parts.append("oneDNN")
    return ", ".join(parts)


def peak_gflops(library: str, sizes=(512, 1024, 2048), repeat: int = 5) -> dict:
    """Best float32 ``a @ a`` speed over ``sizes`` (best of ``repeat`` each), measured
    as the chapters' time checks measure it (``dlbook.runs``)."""
    settle()  # the other library's idle threads stop spinning
    best = {
        str(n): (
            numpy_gflops(n, repeat)
            if library == "numpy"
            else torch_gflops("float32", n, repeat)
        )
        for n in sizes
    }
    size = max(best, key=best.get)
    return {"gflops": best[size], "size": int(size), "by_size": best}


def machine_facts(quick: bool = False) -> dict:
    import torch

    sizes = (256,) if quick else (512, 1024, 2048)
    repeat = 2 if quick else 5
    return {
        "load_before": os.getloadavg()[0],
        "date": datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC"
        ),
        "cpu_model": cpu_model(),
        "cpu_vendor": cpu_vendor(),
        "cpu_flags": cpu_flags(),
        "logical_cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "numpy_blas": numpy_blas(),
        "torch_blas": torch_blas(),
        "peak_numpy": peak_gflops("numpy", sizes, repeat),
        "peak_torch": peak_gflops("torch", sizes, repeat),
    }
