"""Shared fixtures: the offline data mirror, a small fake copy of it,
and a no-network guard."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pooch
import pytest

from tools import repository
from tools.repository import ROOT

# The small files of the mirror (a few kB to 1 MB), enough for the error-path tests.
SMALL_FILES = (
    "mnist/t10k-labels-idx1-ubyte.gz",
    "timeseries/airline-passengers.csv",
    "tinyshakespeare/input.txt",
)


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """The offline data mirror (read-only): ``DLBOOK_DATA``, or the mirror beside the
    repository (tools.repository.offline_data); the test is skipped when there is
    none."""
    data = repository.offline_data()
    if data is None or not (data / "SHA256SUMS").is_file():
        pytest.skip(
            "offline data mirror not found (DLBOOK_DATA is unset and "
            f"{repository.OFFLINE_DATA_BESIDE} does not exist)"
        )
    return data


@pytest.fixture
def offline_data(shared_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point ``DLBOOK_DATA`` at the shared offline mirror and return its path."""
    monkeypatch.setenv("DLBOOK_DATA", str(shared_data_dir))
    return shared_data_dir


@pytest.fixture
def fake_data_dir(
    shared_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A writable folder laid out like shared/data
    holding copies of the small files only.

    ``DLBOOK_DATA`` points at it. The large image files are missing on purpose.
    """
    root = tmp_path / "data"
    for rel in SMALL_FILES:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared_data_dir / rel, target)  # copyfile: the copy is writable
    monkeypatch.setenv("DLBOOK_DATA", str(root))
    return root


@pytest.fixture(autouse=True)
def _no_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach the network:
    a download that a test did not fake fails loudly."""

    def refuse(url, *args, **kwargs):
        raise RuntimeError(
            f"a test tried to download {url}; fake pooch.retrieve or set DLBOOK_DATA"
        )

    monkeypatch.setattr(pooch, "retrieve", refuse)


def _build(command: list[str], what: str) -> None:
    """Run a book build (MathJax fetched first); fail on an error or a warning."""
    subprocess.run([sys.executable, "-m", "tools.fetch_mathjax"], check=True, cwd=ROOT)
    run = subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, timeout=1200
    )
    log = run.stdout + run.stderr
    assert run.returncode == 0, f"the {what} build failed or warned:\n{log[-5000:]}"
    assert "WARNING" not in log, f"the {what} build printed warnings:\n{log[-5000:]}"


@pytest.fixture(scope="session")
def built_book() -> Path:
    """Build the HTML book once per session,
    as `make book` does but with every warning an error."""
    jb = str(Path(sys.executable).with_name("jupyter-book"))
    options = ["--builder", "html", "--all", "-W", "-n", "--keep-going"]
    _build([jb, "build", str(ROOT), *options], "book")
    return ROOT / "_build" / "html"


@pytest.fixture(scope="session")
def built_book_zh(built_book: Path) -> Path:
    """Build the Chinese book (_build/html/zh_CN) once per session, as `make book-zh`
    does but with every warning an error; after the English one, as `make book`
    does."""
    from tools.translations import HTML_ZH

    _build([sys.executable, "-m", "tools.translations", "build", "--strict"], "Chinese")
    return HTML_ZH
