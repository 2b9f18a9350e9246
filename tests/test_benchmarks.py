"""The benchmark suite (benchmarks/): its code runs, and the appendix page "What it
costs" is the one its committed results give. Nothing here asserts a timing: the
targets are measured and reported on the page, not tested."""

import json

import numpy as np
import pytest

from benchmarks import __main__ as cli
from benchmarks import chapters, report, timing
from benchmarks.operations import TARGETS, layernorm
from benchmarks.scaling import fitted_exponent
from dlbook.scratch.normalization import (
    layer_norm_backward_fast,
    layer_norm_forward_fast,
)
from tools.repository import BOOK
from tools.repository import chapters as chapter_paths

RESULTS = cli.RESULTS


@pytest.fixture(scope="module")
def committed():
    return json.loads(RESULTS.read_text(encoding="utf-8"))


def test_costs_page_is_built_from_the_committed_results(committed):
    """book/costs.md is what benchmarks/report.py makes of benchmarks/results.json."""
    page = (BOOK / "costs.md").read_text(encoding="utf-8")
    assert page == report.render(committed), (
        "book/costs.md is out of date: run `.venv/bin/python -m benchmarks.report`"
    )


def test_committed_results_are_a_full_run_with_every_target(committed):
    """The page reports the chapters' shapes (not a --quick run), every target, and
    each figure it shows exists."""
    assert committed["quick"] is False
    names = {row["name"] for row in committed["operations"]}
    assert set(TARGETS) <= names
    for figure in committed["figures"].values():
        assert (BOOK / figure).is_file(), figure
    missed = [
        r for r in committed["operations"] if r.get("target", {}).get("met") is False
    ]
    assert all("profile" in r for r in missed), "a missed target needs its profile"


def test_quick_run_writes_results_plots_and_page(tmp_path):
    """The whole suite on tiny shapes, in seconds: every operation timed in both
    libraries, the scaling studies fitted, the page rendered from the JSON."""
    page = tmp_path / "book" / "costs.md"
    page.parent.mkdir()
    argv = ["--quick", "--no-progress", "--out", str(tmp_path / "results.json")]
    argv += ["--plots", str(tmp_path / "book" / "_static" / "b"), "--page", str(page)]
    assert cli.main(argv) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["quick"] is True
    assert results["rounds"] == 2  # a quick run's rounds, said once on the page
    assert "in each of 2 rounds" in page.read_text()
    assert len(results["operations"]) >= 9
    for row in results["operations"]:
        for key in ("numpy_fwd_s", "numpy_fb_s", "torch_fwd_s", "torch_fb_s"):
            assert row[key] > 0, (row["name"], key)
        for mode in ("fwd", "fb"):  # the median of the rounds' ratios, within them
            low, high = row[f"ratio_{mode}_range"]
            assert low <= row[f"ratio_{mode}"] <= high, (row["name"], mode)
    assert set(results["scaling"]) == {"MLP", "CNN", "attention"}
    for figure in results["figures"].values():
        assert (page.parent / figure).is_file()
    assert page.read_text() == report.render(results)
    assert "## Targets" in page.read_text() and "## Chapters" in page.read_text()


def test_fitted_exponent_recovers_a_power_law():
    xs = np.array([16, 32, 64, 128])
    assert fitted_exponent(xs, 3 * xs**2.0) == pytest.approx(2.0)
    assert fitted_exponent(xs, 5 * xs**1.0) == pytest.approx(1.0)


def test_every_chapter_budget_is_read():
    """The benchmark reads each chapter's budget from what its run recorded (or, for a
    run stored before dlbook.runs, from its last cell's check_run_time call)."""
    stored = [chapters.stored_run(p) for p in chapter_paths()]
    assert stored and all(s["budget_s"] for s in stored), stored


def test_every_chapter_stores_its_headline_numbers():
    """Every chapter's stored run recorded the headline numbers its report_headlines
    cell asserted (tools/execute_notebooks.py), for the benchmark page."""
    for path in chapter_paths():
        stored = chapters.stored_run(path)["stored_headlines"]
        assert stored, f"{path.name}: no headline numbers in its metadata"
        for h in stored:
            low, high = h["asserted"]
            assert h["ok"] and low <= h["value"] <= high, (path.name, h)


def test_the_page_keeps_each_processor_kind_side_by_side(committed):
    """A run on another kind of processor adds its column and keeps the other's; a
    second run on the same kind replaces its own. Every machine is named with its
    instruction sets (or says they were not recorded)."""
    from benchmarks.machine import processor, processor_kind

    amd = {
        **committed["machine"],
        "cpu_model": "AMD EPYC",
        "cpu_vendor": "AMD",
        "cpu_flags": {"AVX2": True, "AVX-512": False, "BF16": False, "AMX": False},
        "date": "2099-01-01 00:00 UTC",
    }
    this_run = {**committed, "machine": amd, "quick": False}
    kept = cli._processors(committed, this_run)
    assert processor_kind(amd) in kept and processor_kind(committed["machine"]) in kept
    assert len(kept) == len(committed.get("processors", {}) | kept)
    assert len(cli._processors({**this_run, "processors": kept}, this_run)) == len(kept)
    page = report.render({**this_run, "processors": kept})
    assert "AMD EPYC (AMD; AVX2, no AVX-512, no BF16, no AMX)" == processor(amd)
    for kind in kept.values():
        assert processor(kind["machine"]) in page
    assert "benchmark issue" not in page


def test_alternating_rounds_give_each_library_its_own_blocks_in_turn(monkeypatch):
    """Each round runs one group's functions (and only them) in a block, then the
    other's, the order reversing every round; every function gets one timing a round."""
    calls = []
    monkeypatch.setattr(timing, "settle", lambda seconds=None: calls.append("|"))
    groups = {
        "numpy": {
            "numpy_fwd": lambda: calls.append("numpy"),
            "numpy_fb": lambda: calls.append("numpy"),
        },
        "torch": {"torch_fwd": lambda: calls.append("torch")},
    }
    per_round = timing.alternating_rounds(groups, rounds=3, budget_s=0.001)
    blocks, block = [], set()  # the functions called between two settles
    for call in calls:
        if call == "|":
            blocks.append(block)
            block = set()
        else:
            block.add(call)
    assert blocks == [{"numpy"}, {"torch"}, {"torch"}, {"numpy"}, {"numpy"}, {"torch"}]
    assert {name: len(t) for name, t in per_round.items()} == {
        "numpy_fwd": 3,
        "numpy_fb": 3,
        "torch_fwd": 3,
    }
    assert all(t["median_s"] >= 0 for ts in per_round.values() for t in ts)


class _Counted(np.ndarray):
    """An array that counts the NumPy operations made on it and on what comes of it:
    a pass when one writes an array of ``size`` elements, a product when a matrix
    product reads one."""

    size_of_interest = 0
    counts: dict = {}

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        def plain(a):
            return a.view(np.ndarray) if isinstance(a, _Counted) else a

        if out is not None:
            kwargs["out"] = tuple(plain(o) for o in out)
        result = getattr(ufunc, method)(*map(plain, inputs), **kwargs)
        big = _Counted.size_of_interest
        if ufunc is np.matmul:
            if any(np.size(a) == big for a in inputs):
                _Counted.counts["products"] += 1
        elif np.size(result) == big:
            _Counted.counts["passes"] += 1
        if out is not None:
            return out[0] if len(out) == 1 else out
        return result.view(_Counted) if isinstance(result, np.ndarray) else result


@pytest.mark.parametrize("shape", [(2, 3, 8), (4, 5, 16)])
def test_the_layernorm_floor_counts_the_passes_and_products_of_the_kernel(shape):
    """The floor on the costs page multiplies the passes and products that
    layer_norm_forward_fast and layer_norm_backward_fast make, counted here on a
    counting array, by the cheapest time of each."""
    floor = layernorm(np.random.default_rng(0), *shape).floor
    rng = np.random.default_rng(1)
    x, g = (rng.standard_normal(shape, dtype=np.float32) for _ in range(2))
    gamma, beta = np.ones(shape[-1], np.float32), np.zeros(shape[-1], np.float32)
    _Counted.size_of_interest = x.size
    _Counted.counts = {"passes": 0, "products": 0}
    out, cache = layer_norm_forward_fast(x.view(_Counted), gamma, beta)
    grads = layer_norm_backward_fast(g.view(_Counted), cache)
    expected = layer_norm_forward_fast(x, gamma, beta)[0]
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-6)  # same kernel
    assert np.asarray(grads[0]).shape == shape
    assert _Counted.counts == {"passes": floor.passes, "products": floor.products}


def test_the_floor_is_measured_and_reported_against_the_target():
    """A floor is timed from its two cheapest operations and put on the page with
    the verdict its ratio gives."""
    floor = layernorm(np.random.default_rng(0), 2, 3, 8).floor
    row = cli._floor(floor, torch_fb_s=1e-3)
    assert row["floor_s"] == pytest.approx(
        floor.passes * row["one_pass_s"] + floor.products * row["one_product_s"]
    )
    assert row["ratio"] == pytest.approx(row["floor_s"] / 1e-3)
    text = report.Text("en")
    above = {"floor": {**row, "ratio": 2.5}, "torch_fb_s": 1e-3, "target": {"limit": 2}}
    below = {**above, "floor": {**row, "ratio": 1.2}}
    assert "no arrangement of these passes meets it" in report._floor(above, text)[0]
    assert "within the target of ≤ 2×" in report._floor(below, text)[0]
