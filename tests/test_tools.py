"""The course's tooling (tools/): the repository's layout read from its YAML, the one
function that executes a notebook, and the run times written into the book."""

from __future__ import annotations

import os

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from tools import claims, repository, run_times
from tools.execute_notebooks import run_notebook


def test_pages_follow_the_table_of_contents_with_nested_sections(monkeypatch):
    toc = {
        "root": "book/intro",
        "parts": [
            {
                "caption": "One",
                "chapters": [
                    {"file": "book/a.ipynb"},
                    {"file": "book/b", "sections": [{"file": "book/b1.md"}]},
                ],
            },
            {"caption": "Two", "chapters": [{"file": "book/c"}]},
        ],
    }
    monkeypatch.setattr(repository, "toc", lambda: toc)
    assert repository.pages() == [
        "book/intro",
        "book/a",
        "book/b",
        "book/b1",
        "book/c",
    ]


def test_the_book_notebooks_are_the_notebook_pages_of_the_table_of_contents():
    notebooks = repository.book_notebooks()
    assert [f"book/{p.stem}" for p in notebooks] == [
        page
        for page in repository.pages()
        if (repository.ROOT / f"{page}.ipynb").exists()
    ]
    assert set(repository.chapters()) < set(notebooks)
    assert repository.notebooks() == notebooks + repository.exercise_masters()


def test_offline_data_prefers_dlbook_data(monkeypatch, tmp_path):
    monkeypatch.setenv("DLBOOK_DATA", str(tmp_path))
    assert repository.offline_data() == tmp_path
    monkeypatch.delenv("DLBOOK_DATA")
    beside = repository.OFFLINE_DATA_BESIDE
    assert repository.offline_data() == (beside if beside.is_dir() else None)


def notebook(*sources: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in sources]
    )


def test_run_notebook_runs_in_the_course_environment_and_collects_the_records(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("DLBOOK_EXTRA", raising=False)
    nb = notebook(
        "import os\nprint(os.getcwd())",
        "print(os.environ['DLBOOK_PROGRESS'], os.environ['DLBOOK_EXTRA'])",
        "from dlbook.runs import record\nrecord('headline', name='x', value=1.5)",
    )
    run = run_notebook(nb, tmp_path, env={"DLBOOK_EXTRA": "yes"})
    outputs = [cell.outputs[0].text.strip() for cell in nb.cells[:2]]
    assert outputs == [str(tmp_path), "0 yes"]
    assert run.records == [{"kind": "headline", "name": "x", "value": 1.5}]
    assert run.error is None and run.seconds > 0
    assert "DLBOOK_EXTRA" not in os.environ  # the environment is restored


def test_run_notebook_raises_or_keeps_going_on_an_error(tmp_path):
    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        run_notebook(notebook("1 / 0"), tmp_path)
    run = run_notebook(notebook("1 / 0", "print('never')"), tmp_path, keep_going=True)
    assert run.error.startswith("CellExecutionError") and "ZeroDivisionError" in (
        run.error
    )


@pytest.mark.parametrize(
    "seconds, stated",
    [(4.6, 5), (38.2, 40), (50.7, 50), (176.1, 175), (327.6, 330), (621.4, 620)],
)
def test_stated_seconds_round_to_five_seconds(seconds, stated):
    assert run_times.stated_seconds(seconds) == stated


def test_the_time_line_states_the_recorded_time_and_keeps_its_prose():
    source = "# 1. T\n\n- **Time:** about 330 s on a 2-core CPU (the last cell ...)\n"
    assert run_times.with_time_line(source, 176.1) == source.replace("330", "175")
    with pytest.raises(ValueError, match="Time"):
        run_times.with_time_line("# 1. T\n\n- **Time:** a while", 10.0)


def test_the_time_line_states_the_recorded_speed_where_it_states_one():
    source = (
        "# 1. T\n\n- **Time:** about 330 s on a CPU that multiplied matrices\n"
        "  at about 100 GFLOP/s (the last cell ...)\n- **Colab:** at about 7 GFLOP/s\n"
    )
    written = run_times.with_time_line(source, 311.0, 137.2)
    assert written == source.replace("330", "310").replace("100 GFLOP", "140 GFLOP")
    plain = "# 1. T\n\n- **Time:** about 330 s here\n"
    assert run_times.with_time_line(plain, 311.0, 137.2) == plain.replace("330", "310")


def test_the_intro_table_lists_each_notebook_from_its_metadata(tmp_path):
    paths = []
    for name, seconds, gflops in [("01-a", 4.6, 148.0), ("02-b", 327.6, 100.6)]:
        nb = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_markdown_cell(f"# Title {name}\n\ntext")],
            metadata={"dlbook": {"run_seconds": seconds, "machine_gflops": gflops}},
        )
        paths.append(tmp_path / f"{name}.ipynb")
        nbformat.write(nb, paths[-1])
    table = run_times.intro_table(paths)
    assert table.split("\n")[2:] == [
        "| [Title 01-a](01-a.ipynb) | 5 s | 148 GFLOP/s |",
        "| [Title 02-b](02-b.ipynb) | 328 s | 101 GFLOP/s |",
    ]
    page = (
        f"before\n\n{run_times.TABLE_HEADER}\n|---|---|---|\n| old | 1 s | 2 |\n\nafter"
    )
    assert run_times.with_intro_table(page, table) == f"before\n\n{table}\n\nafter"


def test_write_makes_the_book_state_the_recorded_run_times(tmp_path, monkeypatch):
    """`python -m tools.run_times --write` on a copy of the book: afterwards --check
    finds nothing stale, and only the Time lines and the intro's table changed."""
    copies = []
    for path in repository.book_notebooks():
        copies.append(tmp_path / path.name)
        copies[-1].write_bytes(path.read_bytes())
    intro = tmp_path / "intro.md"
    intro.write_text(run_times.INTRO.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(run_times, "INTRO", intro)
    monkeypatch.setattr(run_times, "book_notebooks", lambda: copies)
    monkeypatch.setattr(run_times, "relative", lambda path: path.name)
    nb = nbformat.read(copies[0], as_version=4)
    nb.cells[0].source = run_times.TIME_LINE.sub(r"\g<1>999\g<3>", nb.cells[0].source)
    nbformat.write(nb, copies[0])
    assert copies[0].name in run_times.stale()
    run_times.write()
    assert run_times.stale() == []
    for copy, original in zip(copies, repository.book_notebooks()):
        ours, theirs = (nbformat.read(p, as_version=4) for p in (copy, original))
        assert [c.source for c in ours.cells[1:]] == [
            c.source for c in theirs.cells[1:]
        ]
        assert ours.metadata == theirs.metadata
    before = run_times.INTRO.read_text(encoding="utf-8").split(run_times.TABLE_HEADER)
    after = intro.read_text(encoding="utf-8").split(run_times.TABLE_HEADER)
    assert after[0] == before[0]


def test_claims_name_the_cell_that_prints_each_number_or_its_source(tmp_path, capsys):
    """`python -m tools.claims`: each decimal of the prose beside the output that
    prints it (the nearest such cell), its citation or its metadata reason; an
    unbacked number makes the command fail."""
    printing = nbformat.v4.new_code_cell(
        "...", outputs=[nbformat.v4.new_output("stream", text="accuracy 0.9818\n")]
    )
    far = nbformat.v4.new_code_cell(
        "...", outputs=[nbformat.v4.new_output("stream", text="loss 2.0394 | 0.98\n")]
    )
    prose = nbformat.v4.new_markdown_cell(
        "It reaches 98.2% in this run, a loss of 2.04. Simard et al. report 98.4% "
        "{cite}`simard2003best`. The chance level is 2.3. Our run took 7.7 s."
    )
    cited = "cited: simard2003best, their MLP's accuracy"
    prose.metadata["prose_numbers"] = {
        "2.3": "log 10, derived in the sentence",
        "98.4": cited,
    }
    path = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[far, printing, prose]), path)
    found = {claim.written: claim for claim in claims.claims(path)}
    assert list(found) == ["98.2", "2.04", "98.4", "2.3", "7.7"]
    assert (found["98.2"].source, found["98.2"].backing_cell) == ("output", 1)
    assert found["98.2"].evidence == "accuracy 0.9818"
    assert (found["2.04"].source, found["2.04"].backing_cell) == ("output", 0)
    assert (found["98.4"].source, found["98.4"].evidence) == ("cite", cited)
    assert found["2.3"].evidence == "log 10, derived in the sentence"
    assert not found["7.7"].backed
    assert claims.unbacked(path) == ["cell 2: 7.7 in 'Our run took 7.7 s.'"]
    assert claims.main([str(path)]) == 1
    table = capsys.readouterr().out
    assert "5 numbers in the prose: 2 printed by an output, 1 cited, 1 " in table
    assert (
        "| 98.2 | It reaches 98.2% in this run, a loss of 2.04. | 2 | cell 1 |" in table
    )
    assert (
        "| 2.04 | It reaches 98.2% in this run, a loss of 2.04. | 2 | cell 0 | "
        in table
    )
    assert "loss 2.0394 \\| 0.98 |" in table  # a | of an output is escaped
    assert "| 7.7 | Our run took 7.7 s. | 2 | **unbacked** |  |" in table
    prose.source = "It reaches 98.2% in this run."
    nbformat.write(nbformat.v4.new_notebook(cells=[far, printing, prose]), path)
    assert claims.main([str(path)]) == 0


def test_a_citation_backs_a_number_only_through_a_cited_reason(tmp_path):
    """A number beside a citation may be this run's: the citation alone backs nothing
    (the run's number is checked against the outputs like any other), and a reason
    that says "cited" must name a key that the number's sentence cites."""
    printing = nbformat.v4.new_code_cell(
        "...", outputs=[nbformat.v4.new_output("stream", text="accuracy 0.844\n")]
    )
    prose = nbformat.v4.new_markdown_cell(
        "Fine-tuning brings it back to 84.5%, as Han et al. found with 9.0 times fewer "
        "weights {cite}`han2015learning`. Simard et al. report 98.4% "
        "{cite}`simard2003best`."
    )
    prose.metadata["prose_numbers"] = {
        "9.0": "cited: han2015learning, AlexNet's compression",
        "98.4": "cited: han2015learning, the wrong paper",
    }
    path = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[printing, prose]), path)
    found = {claim.written: claim for claim in claims.claims(path)}
    assert not found["84.5"].backed  # a stale run number beside a citation
    assert found["9.0"].source == "cite"
    assert not found["98.4"].backed  # its reason cites a key of another sentence
    problems = claims.unbacked(path)
    assert len(problems) == 2 and "84.5" in problems[0]
    assert "98.4" in problems[1] and "cites no key of the sentence" in problems[1]
    prose.source = prose.source.replace("84.5%", "84.4%")
    nbformat.write(nbformat.v4.new_notebook(cells=[printing, prose]), path)
    assert claims.claims(path)[0].source == "output"
