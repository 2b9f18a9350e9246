"""dlbook.runs: the time checks scale a budget by the speed of the work a run does,
so that a correct chapter passes on a slower processor and a chapter that became twice
as slow fails; every check is recorded as data."""

from __future__ import annotations

import json

import pytest

from dlbook import runs
from dlbook.runs import (
    REFERENCE_NUMPY_GFLOPS,
    REFERENCE_TORCH_GFLOPS,
    check_run_time,
    check_training_time,
    record,
    recorded_runs,
    time_allowed,
)

REF_F32 = REFERENCE_TORCH_GFLOPS["float32"]
REF_BF16 = REFERENCE_TORCH_GFLOPS["bfloat16"]


@pytest.fixture(autouse=True)
def ci(monkeypatch):
    """As in CI: the budgets are enforced; no training left over from another test."""
    monkeypatch.setenv("CI", "1")
    runs._TRAININGS.clear()
    yield
    runs._TRAININGS.clear()


def test_time_allowed_scales_with_a_slower_machine_only():
    assert time_allowed(100, REFERENCE_NUMPY_GFLOPS) == 100
    assert time_allowed(100, REFERENCE_NUMPY_GFLOPS / 2) == 200
    assert time_allowed(100, 4 * REFERENCE_NUMPY_GFLOPS) == 100  # never less
    assert time_allowed(180, 138.0, REF_BF16) == pytest.approx(180 * REF_BF16 / 138)


def test_a_correct_run_on_a_machine_half_as_fast_passes(capsys):
    """A fake machine: NumPy at half the reference speed, and a chapter that takes
    twice its budget there, as it should."""
    check_run_time(0.0, budget=100, gflops=REFERENCE_NUMPY_GFLOPS / 2, now=190.0)
    assert "190 s here; its budget is 100 s" in capsys.readouterr().out


def test_a_run_twice_as_slow_fails_on_the_reference_machine():
    """A fake slow run: twice the budget on a machine as fast as the reference."""
    with pytest.raises(AssertionError, match="took 200 s, over its 100 s budget"):
        check_run_time(0.0, budget=100, gflops=REFERENCE_NUMPY_GFLOPS, now=200.0)


def test_a_slow_run_is_only_reported_outside_ci(monkeypatch, capsys):
    monkeypatch.delenv("CI")
    check_run_time(0.0, budget=100, gflops=REFERENCE_NUMPY_GFLOPS, now=200.0)
    assert "200 s here" in capsys.readouterr().out


def test_a_bfloat16_budget_holds_at_float32_speed_elsewhere(capsys):
    """The GPT's budget is set in bfloat16 on the reference machine; a processor
    without native bfloat16 trains in float32 at a third of that speed and gets three
    times the time; on the reference machine twice the budget fails."""
    here = REF_BF16 / 3
    run = check_training_time("GPT", 500, 180, "float32", "bfloat16", gflops=here)
    assert run.allowed == pytest.approx(540)
    assert "GPT: trained in 500 s; budget 180 s" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="GPT trained for 360 s, over the 180 s"):
        check_training_time("GPT", 360, 180, "bfloat16", gflops=REF_BF16)


def test_the_chapter_budget_gives_training_runs_their_own_allowance(capsys):
    """A chapter of 300 s, 180 of them PyTorch training: on a machine with NumPy at
    the reference speed and PyTorch at half, the training gets 360 s and the rest
    120 s; a chapter of 470 s passes, one of 500 s fails."""
    check_training_time("LSTM", 350, 180, gflops=REF_F32 / 2)
    check_run_time(0.0, budget=300, gflops=REFERENCE_NUMPY_GFLOPS, now=470.0)
    assert "(180 s of it PyTorch training), 480 s on this machine" in (
        capsys.readouterr().out
    )
    check_training_time("LSTM", 350, 180, gflops=REF_F32 / 2)
    with pytest.raises(AssertionError, match="over its 480 s budget"):
        check_run_time(0.0, budget=300, gflops=REFERENCE_NUMPY_GFLOPS, now=500.0)


def test_checks_are_recorded_as_data(tmp_path, monkeypatch):
    path = tmp_path / "records.jsonl"
    monkeypatch.setenv(runs.RECORD_ENV, str(path))
    check_training_time("GPT", 100, 180, "bfloat16", gflops=REF_BF16)
    check_run_time(0.0, budget=300, gflops=REFERENCE_NUMPY_GFLOPS, now=250.0)
    record("note", text="free-form")
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["kind"] for r in rows] == ["training", "run_time", "note"]
    assert rows[0]["allowed"] == 180 and rows[0]["ok"] is True
    assert rows[1] | {"kind": "run_time"} == rows[1]
    assert (rows[1]["seconds"], rows[1]["budget"], rows[1]["allowed"]) == (
        250.0,
        300,
        300.0,
    )


def test_recorded_runs_restores_the_environment(monkeypatch):
    monkeypatch.setenv(runs.RECORD_ENV, "/an/earlier/value")
    with recorded_runs() as rows:
        record("x", value=1)
    assert rows == [{"kind": "x", "value": 1}]
    assert runs.os.environ[runs.RECORD_ENV] == "/an/earlier/value"


def test_speeds_are_measured():
    assert runs.numpy_gflops(size=64, repeat=1) > 0
    assert runs.torch_gflops("float32", size=64, repeat=1) > 0


def test_records_by_kind_groups_and_drops_the_kind():
    rows = [{"kind": "headline", "v": 1}, {"kind": "run_time", "s": 2}, {"v": 3}]
    assert runs.records_by_kind(rows) == {
        "headline": [{"v": 1}, {"v": 3}],
        "run_time": [{"s": 2}],
    }
    assert rows[0] == {"kind": "headline", "v": 1}  # the input is left as it was
