"""The scaling plots of the appendix page, as SVG on log-log axes."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import NullFormatter  # noqa: E402

from dlbook.plotting import use_style  # noqa: E402

LABELS = {
    "numpy": "NumPy",
    "torch": "PyTorch",
    "torch_naive": "PyTorch, naive",
    "torch_fused": "PyTorch, fused SDPA",
}


def _panel(ax, scaling, suffix, scale, ylabel, title):
    xs = [p[scaling["variable"]] for p in scaling["points"]]
    for key, label in LABELS.items():
        series = scaling["series"].get(f"{key}_{suffix}")
        if series is None:
            continue
        ys = [y * scale for y in series["y"]]
        ax.loglog(xs, ys, "o-", label=f"{label} (slope {series['exponent']:.2f})")
    ax.set_xticks(xs, [str(x) for x in xs])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set(title=title, xlabel=scaling["variable"], ylabel=ylabel)
    ax.legend()


def scaling_figure(name: str, scaling: dict, path: Path) -> Path:
    use_style()
    plt.rcParams["svg.hashsalt"] = "dlbook"  # stable ids: the SVG diffs stay small
    fig, (ax_time, ax_mem) = plt.subplots(1, 2, figsize=(9.6, 3.6))
    step = "forward + backward"
    _panel(ax_time, scaling, "s", 1e3, "time (ms)", f"{name}: {step} time")
    memory = "peak allocation (NumPy) / saved for backward (PyTorch)"
    _panel(ax_mem, scaling, "bytes", 2**-20, "MiB", f"{name}: memory")
    ax_mem.set_title(f"{name}: memory", loc="center")
    ax_mem.text(0.0, -0.28, memory, transform=ax_mem.transAxes, fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, metadata={"Date": None})
    plt.close(fig)
    return path


def all_figures(results: dict, folder: Path, page_folder: Path) -> dict[str, str]:
    """Draw every scaling figure; returns ``{name: path relative to the page}``."""
    figures = {}
    for name, scaling in results.get("scaling", {}).items():
        path = scaling_figure(name, scaling, folder / f"scaling-{name.lower()}.svg")
        figures[name] = Path(os.path.relpath(path, page_folder)).as_posix()
    return figures
