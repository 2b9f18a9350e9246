"""Generate exercises/ from the otter-grader masters in solutions/
(never edit exercises/ by hand).

    # write exercises/NN-name.ipynb
    python -m tools.make_exercises
    # exit 1 if the committed exercises are out of date
    python -m tools.make_exercises --check
    # also keep the autograder zips there
    python -m tools.make_exercises --autograder dist/

For each master, `otter assign` writes the learner's notebook (solutions and hidden
tests removed, outputs cleared) with its public tests in the notebook's metadata
(``files: false`` in the master's config), so that one downloaded notebook grades
itself; this script copies it into exercises/.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tools.repository import EXERCISES, exercise_masters


def otter_assign(master: Path, out: Path) -> None:
    otter = Path(sys.executable).with_name("otter")
    result = subprocess.run(
        [str(otter), "assign", "--no-run-tests", "--no-pdfs", str(master), str(out)],
        capture_output=True,
        text=True,
        cwd=master.parent,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"otter assign failed on {master.name}:\n{result.stdout}\n{result.stderr}"
        )


def clean_student_notebook(path: Path) -> None:
    """Drop the master's execution metadata (cell hashes) and number the cells.

    otter assign gives the cells it inserts random ids; numbered ids make the output
    repeatable.
    """
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["metadata"].pop("dlbook", None)
    for index, cell in enumerate(nb["cells"]):
        cell["id"] = f"cell-{index:03d}"
    path.write_text(
        json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def generate(target: Path, autograder_dir: Path | None = None) -> None:
    """Write the learner notebook of every master into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for master in exercise_masters():
            out = Path(tmp) / master.stem
            otter_assign(master, out)
            student = out / "student"
            shutil.copy(student / master.name, target / master.name)
            clean_student_notebook(target / master.name)
            if autograder_dir is not None:
                autograder_dir.mkdir(parents=True, exist_ok=True)
                (zip_file,) = (out / "autograder").glob("*.zip")
                shutil.copy(zip_file, autograder_dir / f"{master.stem}-autograder.zip")


def differences(expected: Path, actual: Path) -> list[str]:
    """Files that differ between two exercise folders (relative names)."""
    names = {p.relative_to(expected) for p in expected.rglob("*") if p.is_file()}
    names |= {
        p.relative_to(actual)
        for p in actual.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    return sorted(
        str(n)
        for n in names
        if not (expected / n).is_file()
        or not (actual / n).is_file()
        or not filecmp.cmp(expected / n, actual / n, shallow=False)
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed exercises/"
    )
    parser.add_argument(
        "--autograder", type=Path, help="also copy the autograder zips into this folder"
    )
    args = parser.parse_args()
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            generate(Path(tmp))
            stale = differences(Path(tmp), EXERCISES)
        if stale:
            print(
                "exercises/ is out of date with solutions/ (run `make exercises`): "
                + ", ".join(stale)
            )
            return 1
        print("exercises/ matches what otter assign makes from solutions/")
        return 0
    if EXERCISES.exists():
        shutil.rmtree(EXERCISES)
    generate(EXERCISES, args.autograder)
    print(f"wrote {len(exercise_masters())} exercise notebook(s) into exercises/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
