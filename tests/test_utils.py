"""dlbook.utils, dlbook.training and dlbook.plotting."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from dlbook.plotting import plot_curves, show_images, use_style
from dlbook.runs import RECORD_ENV, recorded_runs
from dlbook.training import History, fit, minibatches, progress
from dlbook.utils import (
    Headline,
    get_device,
    report_headlines,
    seed_everything,
    set_threads,
    timer,
)

matplotlib.use("Agg")

# --- utils ----------------------------------------------------------------------------


def draws(rng: np.random.Generator) -> tuple:
    return (
        np.random.rand(3).tolist(),
        random.random(),
        torch.rand(3).tolist(),
        rng.normal(size=3).tolist(),
    )


def test_seed_everything_repeats_every_generator():
    first = draws(seed_everything(123))
    second = draws(seed_everything(123))
    other = draws(seed_everything(124))
    assert first == second
    # each generator was reseeded
    assert all(a != b for a, b in zip(first, other, strict=True))


def test_seed_everything_seeds_torch_initialisers():
    seed_everything(7)
    a = torch.nn.Linear(3, 2).weight.detach().clone()
    seed_everything(7)
    b = torch.nn.Linear(3, 2).weight.detach().clone()
    assert torch.equal(a, b)


@pytest.fixture
def torch_threads(monkeypatch):
    """Put torch's thread count back after the test;
    no DLBOOK_THREADS from the environment."""
    monkeypatch.delenv("DLBOOK_THREADS", raising=False)
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize(
    ("asked", "cores", "expected"),
    [(1, 2, 1), (2, 2, 2), (64, 2, 2), (0, 2, 1), (-3, 2, 1), (8, 1, 1), (None, 2, 2)],
)
def test_set_threads_clamps_to_cpu_count(
    torch_threads, monkeypatch, asked, cores, expected
):
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert set_threads(asked) == expected
    assert torch.get_num_threads() == expected


def test_set_threads_reads_the_environment(torch_threads, monkeypatch):
    monkeypatch.setenv("DLBOOK_THREADS", "1")
    assert set_threads() == 1 and torch.get_num_threads() == 1


def test_set_threads_default_is_every_core(torch_threads):
    assert set_threads() == (os.cpu_count() or 1)


def test_get_device_here_is_one_this_machine_computes_on(monkeypatch):
    """Its contract where the tests run: a torch.device that a tensor can be created
    and computed on (a GPU asked for where none is present would fail here)."""
    monkeypatch.delenv("DLBOOK_DEVICE", raising=False)
    device = get_device()
    assert isinstance(device, torch.device) and device.type in ("cpu", "cuda")
    assert torch.ones(3, device=device).sum().item() == 3.0


@pytest.mark.parametrize("gpu", [False, True])
def test_get_device_follows_cuda(monkeypatch, gpu):
    monkeypatch.delenv("DLBOOK_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: gpu)
    assert get_device().type == ("cuda" if gpu else "cpu")


def test_get_device_honours_dlbook_device(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setenv("DLBOOK_DEVICE", "cpu")
    assert get_device() == torch.device("cpu")
    monkeypatch.setenv("DLBOOK_DEVICE", "meta")
    assert get_device() == torch.device("meta")
    assert get_device(prefer="cpu") == torch.device("cpu")  # an explicit choice wins


def test_report_headlines_prints_asserts_and_records(tmp_path, monkeypatch, capsys):
    """Each row is printed beside its range and baseline and appended to the file named
    by RECORD_ENV; a value out of range or no better than its baseline fails,
    with every problem named."""
    record = tmp_path / "headlines.jsonl"
    monkeypatch.setenv(RECORD_ENV, str(record))
    good = Headline("accuracy", np.float64(0.93), (0.9, 0.97), 0.52, "majority class")
    loss = Headline("loss", 1.5, (1.3, 1.6), 3.3, "frequencies", higher_is_better=False)
    assert report_headlines(good, loss) is None  # nothing to display in a notebook
    printed = capsys.readouterr().out
    assert "0.930" in printed and "0.900-0.970" in printed
    assert "0.520 (majority class; higher is better)" in printed
    stored = [json.loads(line) for line in record.read_text().splitlines()]
    assert [(r["name"], r["value"], r["ok"]) for r in stored] == [
        ("accuracy", 0.93, True),
        ("loss", 1.5, True),
    ]

    too_low = Headline("accuracy", 0.85, (0.9, 0.97), 0.52, "majority class")
    no_better = Headline("loss", 1.5, (1.0, 4.0), 1.4, "frequencies", False)
    with pytest.raises(AssertionError) as failure:
        report_headlines(too_low, no_better)
    assert "outside 0.900-0.970" in str(failure.value)
    assert "does not beat the baseline (frequencies, 1.400)" in str(failure.value)
    assert len(record.read_text().splitlines()) == 4  # failures are recorded too
    with pytest.raises(AssertionError, match="outside"):
        report_headlines(Headline("nan", float("nan"), (0, 1), -1.0, "none"))


def test_recorded_runs_collects_child_processes_and_restores_env(monkeypatch):
    """A process started inside the block (as a notebook kernel is) reports into the
    list; the variable is restored afterwards; rows arrive even if the block fails."""
    monkeypatch.setenv(RECORD_ENV, "/an/earlier/value")
    child = (
        "from dlbook.utils import Headline, report_headlines; "
        "report_headlines(Headline('accuracy', 0.93, (0.9, 0.97), 0.52, 'majority'))"
    )
    with recorded_runs() as rows:
        subprocess.run([sys.executable, "-c", child], check=True, capture_output=True)
        assert rows == []  # filled when the block ends
    assert [(r["name"], r["value"], r["ok"]) for r in rows] == [
        ("accuracy", 0.93, True)
    ]
    assert os.environ[RECORD_ENV] == "/an/earlier/value"

    monkeypatch.delenv(RECORD_ENV)
    with pytest.raises(AssertionError), recorded_runs() as failed:
        report_headlines(Headline("accuracy", 0.5, (0.9, 0.97), 0.52, "majority"))
    assert [r["ok"] for r in failed] == [False]
    assert RECORD_ENV not in os.environ


def test_timer_measures_a_sleep():
    with timer() as elapsed:
        time.sleep(0.05)
        inside = elapsed()
    final = elapsed()
    assert 0.05 <= inside <= final < 1.0
    time.sleep(0.01)
    assert elapsed() == final  # frozen at exit


# --- training -------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 10, 33])
@pytest.mark.parametrize("batch_size", [1, 4, 10, 64])
@pytest.mark.parametrize("shuffle", [False, True])
def test_minibatches_cover_every_index_once(n, batch_size, shuffle):
    rng = np.random.default_rng(0) if shuffle else None
    batches = list(minibatches(n, batch_size, rng))
    assert all(1 <= len(b) <= batch_size for b in batches)
    assert all(len(b) == batch_size for b in batches[:-1])
    assert len(batches) == -(-n // batch_size)
    flat = np.concatenate(batches) if batches else np.array([], dtype=int)
    assert sorted(flat.tolist()) == list(range(n))
    if not shuffle:
        assert flat.tolist() == list(range(n))


def test_minibatches_shuffle_depends_on_the_rng():
    a = np.concatenate(list(minibatches(50, 8, np.random.default_rng(1))))
    b = np.concatenate(list(minibatches(50, 8, np.random.default_rng(1))))
    c = np.concatenate(list(minibatches(50, 8, np.random.default_rng(2))))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert not np.array_equal(a, np.arange(50))


@pytest.mark.parametrize("batch_size", [0, -1])
def test_minibatches_reject_a_non_positive_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        list(minibatches(10, batch_size))


@pytest.fixture
def regression(monkeypatch):
    """A seeded toy regression y = X w + 0.1 noise, a linear model and its batches."""
    monkeypatch.setenv("DLBOOK_PROGRESS", "0")
    seed_everything(0)
    X = torch.randn(256, 4)
    y = X @ torch.tensor([1.5, -2.0, 0.5, 3.0]) + 0.1 * torch.randn(256)
    model = torch.nn.Linear(4, 1)
    rng = np.random.default_rng(0)

    def batches():
        return [(X[i], y[i].unsqueeze(1)) for i in minibatches(len(X), 32, rng)]

    return model, batches, X, y


def fit_regression(regression, optimizer=None, **kwargs) -> History:
    """``fit`` on the toy regression: mean squared error, SGD at 0.05 by default."""
    model, batches, *_ = regression
    optimizer = optimizer or torch.optim.SGD(model.parameters(), lr=0.05)
    return fit(model, torch.nn.MSELoss(), optimizer, batches, **kwargs)


def test_fit_decreases_the_loss(regression, capsys):
    model, _, X, y = regression

    def evaluate():
        return {"val_mse": float(torch.nn.functional.mse_loss(model(X), y[:, None]))}

    history = fit_regression(regression, epochs=5, evaluate=evaluate, desc="toy")
    assert isinstance(history, History) and len(history) == 5
    assert history["epoch"] == [1, 2, 3, 4, 5]
    assert set(history.last) == {"epoch", "train_loss", "val_mse", "seconds"}
    losses = history["train_loss"]
    assert losses[-1] < 0.1 * losses[0]
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False))
    assert history["val_mse"][-1] < 0.1
    assert all(s > 0 for s in history["seconds"])
    assert history.total_seconds == pytest.approx(sum(history["seconds"]))
    assert History().total_seconds == 0
    summary = history.summary()
    assert summary.startswith("5 epochs in ")
    assert f"train_loss {losses[-1]:.4f}" in summary and "val_mse" in summary
    assert "epoch 5" not in summary and "seconds" not in summary
    assert capsys.readouterr().out == f"toy: {summary}\n"


def test_fit_verbose_prints_every_epoch(regression, capsys):
    fit_regression(regression, epochs=3, verbose=True)
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == [
        "epoch 1",
        "epoch 2",
        "epoch 3",
        "train",
    ]


@pytest.mark.parametrize("per_batch", [False, True])
def test_fit_steps_the_scheduler(regression, per_batch):
    model, *_ = regression
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    fit_regression(
        regression,
        optimizer,
        epochs=2,
        scheduler=scheduler,
        step_scheduler_per_batch=per_batch,
    )
    steps = 2 * 8 if per_batch else 2  # 256 samples in batches of 32
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**steps)


def test_fit_stops_on_nan(regression):
    model, *_ = regression
    with torch.no_grad():
        model.weight[0, 0] = float("nan")
    with pytest.raises(FloatingPointError, match="nan in epoch 1"):
        fit_regression(regression, epochs=2)


def test_fit_with_zero_epochs(regression, capsys):
    history = fit_regression(regression, epochs=0)
    assert len(history) == 0
    assert capsys.readouterr().out == "train: 0 epochs\n"


def test_progress_disabled_returns_the_iterable(monkeypatch):
    monkeypatch.setenv("DLBOOK_PROGRESS", "0")
    items = [3, 1, 2]
    assert progress(items, desc="x") is items


def test_progress_enabled_yields_the_same_items(monkeypatch, capsys):
    monkeypatch.setenv("DLBOOK_PROGRESS", "1")
    items = [3, 1, 2]
    wrapped = progress(items, desc="x")
    assert wrapped is not items
    assert list(wrapped) == items
    # the bar goes to stderr, never to the stored stdout
    assert capsys.readouterr().out == ""


# --- plotting -------------------------------------------------------------------------


@pytest.fixture
def figures():
    """Restore matplotlib's settings and close every figure after the test."""
    with matplotlib.rc_context():
        yield
    plt.close("all")


def test_use_style_draws_small_light_figures(figures, tmp_path):
    """What the style does to a figure drawn after it: a 640 x 360 px image (what the
    stored notebooks and the HTML book hold), a grid, no top or right spine, a legend
    without a frame, laid out so that labels are not cut off."""
    use_style()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="a")
    ax.set_xlabel("a long label that a tight figure would cut off")
    legend = ax.legend()
    fig.savefig(tmp_path / "figure.png")
    assert plt.imread(tmp_path / "figure.png").shape[:2] == (360, 640)
    assert all(line.get_visible() for line in ax.get_xgridlines())
    assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()
    assert not legend.get_frame_on()
    fig.canvas.draw()
    label = ax.xaxis.label.get_window_extent()
    assert 0 <= label.y0 and label.x1 <= 640, "the axis label is cut off"


def test_plot_curves(figures):
    ax = plot_curves(
        {"train": [1.0, 0.5, 0.25], "validation": [1.2, 0.7, 0.4]},
        title="Loss",
        xlabel="epoch",
        ylabel="cross-entropy (nats)",
        logy=True,
    )
    assert ax.get_title() == "Loss"
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "cross-entropy (nats)"
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "train",
        "validation",
    ]
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["train", "validation"]
    # epochs count from 1
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines[1].get_ydata(), [1.2, 0.7, 0.4])


def test_plot_curves_single_curve_on_given_axes(figures):
    fig, ax = plt.subplots()
    returned = plot_curves(
        {"loss": np.array([3, 2, 1])}, title="T", xlabel="x", ylabel="y", ax=ax
    )
    assert returned is ax and len(fig.axes) == 1
    assert ax.get_legend() is None  # one line needs no legend
    assert ax.get_yscale() == "linear"


def test_show_images(figures):
    images = np.random.default_rng(0).integers(
        0, 256, size=(10, 28, 28), dtype=np.uint8
    )
    fig = show_images(
        images, titles=[str(i) for i in range(10)], ncols=4, title="digits"
    )
    assert len(fig.axes) == 12  # 3 rows of 4
    shown = [ax for ax in fig.axes if ax.get_images()]
    assert len(shown) == 10
    assert [ax.get_title() for ax in shown] == [str(i) for i in range(10)]
    np.testing.assert_array_equal(shown[3].get_images()[0].get_array(), images[3])
    assert fig.get_suptitle() == "digits"
