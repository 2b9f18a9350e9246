"""The Chinese page "What it costs" (运行成本, CONTRIBUTING.md, "The Chinese edition"):
the benchmark renders it from the same results as the English page
(benchmarks/report.py with the Chinese text of benchmarks/report_zh.py), every text of
the English page has its translation, and the Chinese build reads the Chinese page in
place of the English source, which has no catalogue."""

from __future__ import annotations

import copy
import json
import re
import string
from collections import Counter
from types import SimpleNamespace

import pytest

from benchmarks import __main__ as cli
from benchmarks import report, report_zh
from tools.repository import BOOK, ROOT
from tools.sphinx_translation import read_whole_page
from tools.translations import (
    LANGUAGE,
    catalogue_path,
    glossary,
    glossary_forms,
    whole_pages,
)


@pytest.fixture(scope="module")
def committed():
    return json.loads(report.RESULTS.read_text(encoding="utf-8"))


def _variants(committed: dict) -> dict[str, dict]:
    """The committed results and two variants that take every branch of the page: a
    quick run with nothing but operations and scaling, its targets met but not the
    goals; and one where targets are met and missed, goals met, every kernel is
    profiled, every notebook was executed here (one with an error, one over its
    budget, one without a budget) and headline numbers fall out of their range."""
    bare = copy.deepcopy(committed)
    bare.update(quick=True, processors={}, figures={}, chapters={})
    bare.pop("alternation")
    bare["scaling"]["attention"].pop("shape")
    for row in bare["operations"]:
        row.pop("profile", None)
        if row.get("target"):
            row["target"]["met"] = True
            if row["target"]["goal"] is not None:  # met, but not the goal
                row["target"]["goal_met"] = False
    branches = copy.deepcopy(committed)
    profiled = next(r for r in branches["operations"] if "profile" in r)
    for row in branches["operations"]:
        row.setdefault("profile", profiled["profile"])
        if row.get("target") and row["target"]["goal"] is not None:
            row["target"].update(met=True, goal_met=True)
    missed = next(
        r
        for r in branches["operations"]
        if r.get("target") and r["target"]["goal"] is None
    )
    missed["target"]["met"] = False  # whatever this run measured
    median_only = next(
        r for r in branches["operations"] if r.get("target") and r is not missed
    )
    median_only["target"].update(met=True, met_every_round=False)
    stored = branches["chapters"]["stored"]
    executed = branches["chapters"]["executed"]
    some_run = next(iter(executed.values()))
    for s in stored:
        executed.setdefault(s["notebook"], {**some_run, "notebook": s["notebook"]})
    first, second, third = list(executed)[:3]
    executed[first] = {**executed[first], "error": "CellExecutionError: boom"}
    executed[second] = {**executed[second], "within_budget": False}
    executed[third] = {**executed[third], "allowed_s": None, "error": "Timeout"}
    stored[0] = {**stored[0], "stored_run_s": None}
    stored[1] = {**stored[1], "stored_allowed_s": None}
    stored[2] = {**stored[2], "budget_s": None}
    with_headlines = next(s["notebook"] for s in stored if s["stored_headlines"])
    executed[with_headlines]["headlines"] = [
        {**h, "ok": False} for h in executed[with_headlines]["headlines"]
    ]
    floored = next((r for r in branches["operations"] if "floor" in r), None)
    if floored:  # the floor's other verdict than the committed run's
        limit, floor = floored["target"]["limit"], floored["floor"]
        ratio = limit / 2 if floor["ratio"] > limit else limit * 1.5
        floored["floor"] = {**floor, "ratio": ratio}
    return {"committed": committed, "bare": bare, "branches": branches}


VARIANTS = ["committed", "bare", "branches"]
# a number as the page writes it: 2.28, 1246, 2026; not the 32 of float32
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])\d+(?:[.,]\d+)*")
_CODE = re.compile(r"`[^`]+`")


def test_the_committed_chinese_page_is_built_from_the_committed_results(committed):
    """locales/zh_CN/pages/book/costs.md is what report.py makes of results.json in
    Chinese, as book/costs.md is in English (tests/test_benchmarks.py)."""
    page = report.PAGE_ZH.read_text(encoding="utf-8")
    assert page == report.render(committed, "zh_CN"), (
        f"{report.PAGE_ZH.relative_to(ROOT)} is out of date: run "
        "`.venv/bin/python -m benchmarks.report`"
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_both_pages_show_the_same_numbers(committed, variant):
    results = _variants(committed)[variant]
    english, chinese = report.render(results), report.render(results, "zh_CN")
    assert english != chinese
    assert Counter(_NUMBER.findall(chinese)) == Counter(_NUMBER.findall(english))
    assert Counter(_CODE.findall(chinese)) == Counter(_CODE.findall(english))


def _skeleton(page: str) -> list[str]:
    """The Markdown structure of a page: headings, table rows and their cells, the
    figures' files, paragraphs."""
    shape = []
    for line in page.splitlines():
        if line.startswith("#"):
            shape.append(line.split(" ")[0])
        elif line.startswith("|"):
            shape.append(f"row of {line.count('|')}")
        elif line.startswith("!["):
            shape.append(re.search(r"\]\(([^)]+)\)$", line).group(1))
        else:
            shape.append("text" if line else "")
    return shape


@pytest.mark.parametrize("variant", VARIANTS)
def test_both_pages_have_the_same_headings_tables_and_figures(committed, variant):
    results = _variants(committed)[variant]
    english, chinese = report.render(results), report.render(results, "zh_CN")
    assert _skeleton(chinese) == _skeleton(english)


def test_every_text_of_the_page_has_its_translation(committed):
    """Every template and name that the English page uses, in every branch, is
    translated, and report_zh translates nothing that the page no longer says."""
    used = set()
    for variant in _variants(committed).values():
        assert report.untranslated(variant) == [], (
            "translate these texts in benchmarks/report_zh.py"
        )
        text = report.Text()
        report._render(variant, text)
        used |= text.used
    assert set(report_zh.TEMPLATES) <= used, "templates that report.py no longer uses"
    assert set(report_zh.NAMES) <= used, "names that the results no longer hold"


def _fields(template: str) -> Counter:
    return Counter(f for _, f, _, _ in string.Formatter().parse(template) if f)


@pytest.mark.parametrize("table", ["TEMPLATES", "NAMES"])
def test_translations_keep_placeholders_numbers_and_code(table):
    wrong = []
    for english, chinese in getattr(report_zh, table).items():
        kept = [
            (_fields(english), _fields(chinese)),
            (Counter(_NUMBER.findall(english)), Counter(_NUMBER.findall(chinese))),
            (Counter(_CODE.findall(english)), Counter(_CODE.findall(chinese))),
        ]
        if any(a != b for a, b in kept):
            wrong.append(f"  {english[:70]!r}")
    assert not wrong, f"{table}: translations that change the original:\n" + "\n".join(
        wrong
    )


# Glossary terms that the page uses in another sense than the glossary's: (term, a
# regular expression on the English, why).
GLOSSARY_EXCEPTIONS = [
    ("kernel", r"kernel", "a compute kernel (计算内核), never a convolution's here"),
    ("precision", r"a training run's precision", "numerical precision (数值精度)"),
]


@pytest.mark.parametrize("table", ["TEMPLATES", "NAMES"])
def test_translations_use_the_glossary_terms(table):
    entries = []
    for english, chinese in glossary():
        main = re.sub(r"\s*\([^)]*\)", "", english).strip()
        if re.fullmatch(r"[A-Za-z][A-Za-z\- ]+", main):
            entries.append(
                (main, [f.replace(" ", "") for f in glossary_forms(chinese)])
            )
    wrong = []
    for english, chinese in getattr(report_zh, table).items():
        text = re.sub(r"\{\w+\}", " ", _CODE.sub(" ", english))
        for term, forms in entries:
            flags = 0 if term.isupper() else re.I
            if not re.search(rf"\b{re.escape(term)}(?:s|es)?\b", text, flags):
                continue
            if any(
                t == term and re.search(pattern, english, re.I)
                for t, pattern, _ in GLOSSARY_EXCEPTIONS
            ):
                continue
            squeezed = chinese.replace(" ", "").lower()
            if not any(form.lower() in squeezed for form in forms):
                wrong.append(f"  {term!r} -> {forms}: {english[:60]!r}")
    assert not wrong, f"{table}: the glossary's Chinese term is missing:\n" + "\n".join(
        wrong
    )


def test_the_page_has_no_catalogue():
    """The page changes with every benchmark run: it is translated as a whole, so it
    has neither a catalogue nor (tools.translations.templates) a message template."""
    assert "book/costs" in whole_pages()
    assert report.PAGE_ZH.relative_to(ROOT).as_posix() == (
        f"locales/{LANGUAGE}/pages/book/costs.md"
    )
    assert not catalogue_path("book/costs").is_file()
    assert not catalogue_path("book/costs").with_suffix(".mo").is_file()


def _app(language: str, dependencies: list) -> SimpleNamespace:
    return SimpleNamespace(
        config=SimpleNamespace(language=language, locale_dirs=["locales"]),
        srcdir=str(ROOT),
        env=SimpleNamespace(note_dependency=dependencies.append),
    )


def test_the_chinese_build_reads_the_chinese_page():
    """tools/sphinx_translation.py's source-read handler gives Sphinx the Chinese page
    in place of book/costs.md in the Chinese build, and only there."""
    english = (BOOK / "costs.md").read_text(encoding="utf-8")
    dependencies = []
    source = [english]
    read_whole_page(_app(LANGUAGE, dependencies), "book/costs", source)
    assert source == [report.PAGE_ZH.read_text(encoding="utf-8")]
    assert dependencies == [str(report.PAGE_ZH)]
    for language, docname in (("en", "book/costs"), (LANGUAGE, "book/01-neurons")):
        source = [english]
        read_whole_page(_app(language, []), docname, source)
        assert source == [english]


def test_the_benchmark_writes_both_pages(committed, tmp_path):
    """python -m benchmarks writes the Chinese page beside the English one: the
    book's, or beside a --page elsewhere (a test's run leaves the book alone)."""
    assert cli.chinese_page(cli.PAGE, None) == report.PAGE_ZH
    page = tmp_path / "costs.md"
    assert cli.chinese_page(page, None) == tmp_path / "costs.zh_CN.md"
    assert cli.chinese_page(page, tmp_path / "zh.md") == tmp_path / "zh.md"
    report.write_pages(committed, page, tmp_path / "zh" / "costs.md")
    assert page.read_text(encoding="utf-8") == report.render(committed)
    assert (tmp_path / "zh" / "costs.md").read_text(encoding="utf-8") == (
        report.render(committed, LANGUAGE)
    )
