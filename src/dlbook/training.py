"""A small training loop with a progress bar that leaves tidy stored output.

The bar (tqdm, on stderr) redraws in place while a reader runs a notebook and is cleared when the
loop ends; what stays in the notebook is one summary line. ``DLBOOK_PROGRESS=0`` turns the bars
off altogether (the book's executor and the tests set it, so stored outputs hold no bar at all).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
from tqdm.std import tqdm

__all__ = ["History", "fit", "minibatches", "progress"]


def progress(iterable: Iterable, desc: str = "", total: int | None = None) -> Iterable:
    """Wrap ``iterable`` in a transient text progress bar (or return it as is when disabled)."""
    if os.environ.get("DLBOOK_PROGRESS", "1") == "0":
        return iterable
    return tqdm(iterable, desc=desc, total=total, leave=False, file=sys.stderr, mininterval=0.5,
                dynamic_ncols=True)  # fmt: skip


def minibatches(n: int, batch_size: int, rng: np.random.Generator | None = None) -> Iterator[np.ndarray]:
    """Yield index arrays that cover ``range(n)`` in batches (shuffled when ``rng`` is given)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    order = rng.permutation(n) if rng is not None else np.arange(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


@dataclass
class History:
    """Per-epoch records of a training run: ``history["val_acc"]`` is a list over epochs."""

    records: list[dict[str, float]] = field(default_factory=list)

    def __getitem__(self, key: str) -> list[float]:
        return [record[key] for record in self.records]

    def __len__(self) -> int:
        return len(self.records)

    @property
    def last(self) -> dict[str, float]:
        return self.records[-1]

    def summary(self) -> str:
        if not self.records:  # fit(..., epochs=0)
            return "0 epochs"
        last = self.last
        metrics = ", ".join(f"{k} {v:.4f}" for k, v in last.items() if k not in ("epoch", "seconds"))
        total = sum(self["seconds"])
        return f"{len(self)} epochs in {total:.1f} s; last epoch: {metrics}"


def fit(
    model,
    loss_fn: Callable,
    optimizer,
    train_batches: Callable[[], Iterable[tuple]],
    epochs: int,
    evaluate: Callable[[], dict[str, float]] | None = None,
    scheduler=None,
    step_scheduler_per_batch: bool = False,
    desc: str = "train",
    verbose: bool = False,
) -> History:
    """Train a torch ``model`` for ``epochs`` epochs and return its :class:`History`.

    ``train_batches()`` returns a fresh iterable of ``(inputs, targets)`` each epoch;
    ``evaluate()`` (optional) returns metrics such as ``{"val_acc": 0.98}`` after each epoch.
    Prints one summary line at the end (one per epoch with ``verbose=True``).
    """
    import torch

    history = History()
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        total, count = 0.0, 0
        for inputs, targets in progress(train_batches(), desc=f"{desc} epoch {epoch}/{epochs}"):
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(inputs), targets)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"the training loss became {loss.item()} in epoch {epoch}")
            loss.backward()
            optimizer.step()
            if scheduler is not None and step_scheduler_per_batch:
                scheduler.step()
            total += loss.item() * len(targets)
            count += len(targets)
        if scheduler is not None and not step_scheduler_per_batch:
            scheduler.step()
        record = {"epoch": epoch, "train_loss": total / max(count, 1)}
        if evaluate is not None:
            model.eval()
            with torch.no_grad():
                record.update(evaluate())
        record["seconds"] = time.perf_counter() - start
        history.records.append(record)
        if verbose:
            print(f"epoch {epoch}: " + ", ".join(f"{k} {v:.4f}" for k, v in record.items() if k != "epoch"))
    print(f"{desc}: {history.summary()}")
    return history
