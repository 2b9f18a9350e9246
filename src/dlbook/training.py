"""The course's training loops: :func:`fit_numpy` for the NumPy layers,
:func:`fit` for torch.

Both train in shuffled mini-batches, return a :class:`History` of per-epoch records and
print one summary line. The progress bar (tqdm, on stderr) redraws in place while a
reader runs a notebook and is cleared when the loop ends; what stays in the notebook is
one summary line. ``DLBOOK_PROGRESS=0`` turns the bars off altogether (the book's
executor and the tests set it, so stored outputs hold no bar at all).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
from tqdm.std import tqdm

from dlbook.scratch.layers import accuracy, softmax_cross_entropy

__all__ = [
    "History",
    "evaluate",
    "fit",
    "fit_numpy",
    "minibatches",
    "progress",
    "train_epoch",
]


def progress(iterable: Iterable, desc: str = "", total: int | None = None) -> Iterable:
    """Wrap ``iterable`` in a transient text progress bar
    (or return it as is when disabled)."""
    if os.environ.get("DLBOOK_PROGRESS", "1") == "0":
        return iterable
    return tqdm(
        iterable,
        desc=desc,
        total=total,
        leave=False,
        file=sys.stderr,
        mininterval=0.5,
        dynamic_ncols=True,
    )


def minibatches(
    n: int, batch_size: int, rng: np.random.Generator | None = None
) -> Iterator[np.ndarray]:
    """Yield index arrays that cover ``range(n)`` in batches
    (shuffled when ``rng`` is given)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    order = rng.permutation(n) if rng is not None else np.arange(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


@dataclass
class History:
    """Per-epoch records of a training run:
    ``history["val_acc"]`` is a list over epochs."""

    records: list[dict[str, float]] = field(default_factory=list)

    def __getitem__(self, key: str) -> list[float]:
        return [record[key] for record in self.records]

    def __len__(self) -> int:
        return len(self.records)

    @property
    def last(self) -> dict[str, float]:
        return self.records[-1]

    @property
    def total_seconds(self) -> float:
        """The training time of every epoch together."""
        return sum(self["seconds"])

    def summary(self) -> str:
        if not self.records:  # fit(..., epochs=0)
            return "0 epochs"
        last = self.last
        metrics = ", ".join(
            f"{k} {v:.4f}" for k, v in last.items() if k not in ("epoch", "seconds")
        )
        seconds = self.total_seconds
        return f"{len(self)} epochs in {seconds:.1f} s; last epoch: {metrics}"


def train_epoch(
    model,
    optimizer,
    X: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    rng: np.random.Generator,
    loss_fn: Callable = softmax_cross_entropy,
    augment: Callable | None = None,
    scheduler=None,
    batch_losses: list | None = None,
    desc: str = "",
) -> float:
    """One pass of a NumPy model over ``(X, y)`` in shuffled mini-batches;
    the mean training loss.

    ``loss_fn(outputs, targets)`` returns ``(loss, dL/doutputs)``;
    ``augment(inputs, rng)`` transforms each batch; ``scheduler.step()`` runs after
    every optimizer step when given.
    """
    model.train()
    total = 0.0
    for idx in progress(minibatches(len(X), batch_size, rng), desc=desc):
        inputs = X[idx] if augment is None else augment(X[idx], rng)
        loss, grad = loss_fn(model.forward(inputs), y[idx])  # (2.4), (2.7)
        model.backward(grad)  # (2.8)-(2.11): fills the gradients
        optimizer.step()  # (2.18)
        if scheduler is not None:
            scheduler.step()
        total += loss * len(idx)
        if batch_losses is not None:
            batch_losses.append(loss)
    return total / len(X)


def evaluate(
    model,
    X: np.ndarray,
    y: np.ndarray,
    loss_fn: Callable = softmax_cross_entropy,
    batch_size: int | None = None,
) -> tuple[float, float]:
    """``(mean loss, accuracy)`` of a NumPy classifier in evaluation mode
    (in batches if given)."""
    model.eval()
    step = batch_size or len(X)
    logits = np.concatenate(
        [model.forward(X[i : i + step]) for i in range(0, len(X), step)]
    )
    model.train()
    return loss_fn(logits, y)[0], accuracy(logits, y)


def fit_numpy(
    model,
    optimizer,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int,
    batch_size: int,
    rng: np.random.Generator,
    validation: tuple | None = None,
    eval_batch_size: int | None = None,
    scheduler=None,
    step_scheduler_per_batch: bool = False,
    desc: str = "NumPy",
    **epoch_options,
) -> History:
    """Train a NumPy model for ``epochs`` epochs of :func:`train_epoch`;
    return its :class:`History`.

    ``validation=(X_val, y_val)`` adds ``val_loss`` and ``val_acc`` to each epoch's
    record (computed in batches of ``eval_batch_size`` when given). ``scheduler.step()``
    runs once per epoch, or after every batch with ``step_scheduler_per_batch=True``.
    Other options (``loss_fn``, ``augment``) go to :func:`train_epoch`. Prints one
    summary line.
    """
    history = History()
    per_batch = scheduler if step_scheduler_per_batch else None
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        record = {"epoch": epoch}
        record["train_loss"] = train_epoch(
            model,
            optimizer,
            X,
            y,
            batch_size,
            rng,
            scheduler=per_batch,
            desc=f"{desc} epoch {epoch}/{epochs}",
            **epoch_options,
        )
        if validation is not None:
            record["val_loss"], record["val_acc"] = evaluate(
                model, *validation, batch_size=eval_batch_size
            )
        if scheduler is not None and not step_scheduler_per_batch:
            scheduler.step()
        record["seconds"] = time.perf_counter() - start
        history.records.append(record)
    print(f"{desc}: {history.summary()}")
    return history


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
    ``evaluate()`` (optional) returns metrics such as ``{"val_acc": 0.98}`` after each
    epoch. Prints one summary line at the end (one per epoch with ``verbose=True``).
    """
    import torch

    history = History()
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        total, count = 0.0, 0
        for inputs, targets in progress(
            train_batches(), desc=f"{desc} epoch {epoch}/{epochs}"
        ):
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(inputs), targets)
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"the training loss became {loss.item()} in epoch {epoch}"
                )
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
            print(
                f"epoch {epoch}: "
                + ", ".join(f"{k} {v:.4f}" for k, v in record.items() if k != "epoch")
            )
    print(f"{desc}: {history.summary()}")
    return history
