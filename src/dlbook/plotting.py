"""One plotting style for the whole book, and the plots several chapters draw."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_curves", "show_images", "use_style"]


def use_style() -> None:
    """Readable, small figures: the stored notebooks and the HTML book stay light."""
    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 3.6),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "figure.constrained_layout.use": True,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 11,
            "axes.labelsize": 10,
            "legend.fontsize": 9,
            "legend.frameon": False,
            "image.cmap": "viridis",
        }
    )


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    title: str,
    xlabel: str,
    ylabel: str,
    ax=None,
    logy: bool = False,
):
    """Plot several named curves against their index on one axes, with a legend."""
    if ax is None:
        _, ax = plt.subplots()
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, len(values) + 1), values, label=label)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if logy:
        ax.set_yscale("log")
    if len(curves) > 1:
        ax.legend()
    return ax


def show_images(
    images: np.ndarray,
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    title: str = "",
):
    """Show a grid of grey-scale images (N, H, W) with optional per-image titles."""
    images = np.asarray(images)
    nrows = int(np.ceil(len(images) / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(1.1 * ncols, 1.25 * nrows), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i], cmap="gray_r")
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
    if title:
        fig.suptitle(title)
    return fig
