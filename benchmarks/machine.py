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
