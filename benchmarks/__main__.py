"""``python -m benchmarks``: run the benchmarks, write results.json, the plots and the
appendix page ``book/costs.md`` with its Chinese edition (see
``benchmarks/__init__.py``)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from tools.repository import BOOK, ROOT, notebooks

RESULTS = ROOT / "benchmarks" / "results.json"
PLOTS = BOOK / "_static" / "benchmarks"
PAGE = BOOK / "costs.md"


def run_operations(operations, machine, bar, rounds: int = 7) -> list[dict]:
    """Each operation's forward and forward + backward in both libraries, NumPy and
    PyTorch in alternating blocks over ``rounds`` rounds: a time is the median over
    the rounds, a ratio the median of the rounds' ratios, with their range."""
    from .operations import TARGETS
    from .timing import alternating_rounds, profile_top

    rows = []
    for operation in operations:
        bar.set_postfix_str(operation.name)
        row = {
            "name": operation.name,
            "chapter": operation.chapter,
            "shape": operation.shape,
            "note": operation.note,
        }
        groups = {
            library: {
                f"{library}_{mode}": getattr(operation, f"{library}_{mode}")
                for mode in ("fwd", "fb")
            }
            for library in ("numpy", "torch")
        }
        timings = alternating_rounds(groups, rounds)
        for name, per_round in timings.items():
            row[f"{name}_s"] = statistics.median(t["median_s"] for t in per_round)
            row[f"{name}_min_s"] = min(t["min_s"] for t in per_round)
            row[f"{name}_runs"] = sum(t["runs"] for t in per_round)
        for mode in ("fwd", "fb"):
            ratios = [
                n["median_s"] / t["median_s"]
                for n, t in zip(timings[f"numpy_{mode}"], timings[f"torch_{mode}"])
            ]
            row[f"ratio_{mode}"] = statistics.median(ratios)
            row[f"ratio_{mode}_range"] = [min(ratios), max(ratios)]
            flops = getattr(operation, f"flops_{mode}")
            for library in ("numpy", "torch"):
                gflops = flops / row[f"{library}_{mode}_s"] / 1e9 if flops else None
                peak = machine[f"peak_{library}"]["gflops"]
                row[f"{library}_{mode}_gflops"] = gflops
                row[f"{library}_{mode}_of_peak"] = gflops / peak if gflops else None
        target = TARGETS.get(operation.name)
        if target:
            row["target"] = {
                **target,
                "met": bool(row["ratio_fb"] <= target["limit"]),
                "met_every_round": bool(row["ratio_fb_range"][1] <= target["limit"]),
                "goal_met": (
                    None
                    if target["goal"] is None
                    else row["ratio_fb"] <= target["goal"]
                ),
            }
        if (target and not row["target"]["met"]) or row["ratio_fb"] > 3:
            row["profile"] = profile_top(operation.numpy_fb)
        if operation.floor:
            row["floor"] = _floor(operation.floor, row["torch_fb_s"])
        rows.append(row)
        bar.update()
    return rows


def _floor(floor, torch_fb_s: float) -> dict:
    """The least time the NumPy kernel can take (:class:`operations.Floor`): its
    passes and products, each at the time of the cheapest of its kind (a median of
    21 runs), against PyTorch's forward + backward."""
    from .timing import median_time

    def seconds(fn):
        return median_time(fn, warmup=3, repeat=21)["median_s"]

    one_pass = seconds(floor.one_pass)
    one_product = min(seconds(fn) for fn in floor.one_product)
    floor_s = floor.passes * one_pass + floor.products * one_product
    return {
        "passes": floor.passes,
        "products": floor.products,
        "one_pass_s": one_pass,
        "one_product_s": one_product,
        "floor_s": floor_s,
        "ratio": floor_s / torch_fb_s,
    }


def _processors(previous: dict, results: dict) -> dict:
    """The last full run of each processor kind (:func:`machine.processor_kind`): the
    previous file's, with this run's replacing the one of its own kind. A file from
    before this record counts as its own machine's entry."""
    from .machine import processor_kind

    kept = dict(previous.get("processors", {}))
    for run in (previous, results):
        if "operations" in run and "machine" in run and not run.get("quick"):
            kept[processor_kind(run["machine"])] = {
                "machine": run["machine"],
                "operations": [
                    {
                        key: row.get(key)
                        for key in (
                            "name",
                            "ratio_fwd",
                            "ratio_fb",
                            "ratio_fb_range",
                            "numpy_fb_s",
                            "torch_fb_s",
                            "target",
                        )
                    }
                    for row in run["operations"]
                ],
            }
    return kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="tiny shapes: checks the code, in seconds"
    )
    parser.add_argument(
        "--chapters",
        nargs="*",
        metavar="NB",
        help="also execute these notebooks (when none is named: every notebook CI's "
        "nbval run executes, book/ and solutions/)",
    )
    parser.add_argument(
        "--skip-operations",
        action="store_true",
        help="keep the machine, operation and scaling results of the existing JSON",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--plots", type=Path, default=PLOTS)
    parser.add_argument("--page", type=Path, default=PAGE)
    parser.add_argument(
        "--page-zh",
        type=Path,
        help="the Chinese page (default: locales/zh_CN/pages/book/costs.md, or "
        "NAME.zh_CN.md beside a --page NAME.md)",
    )
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    return run(args)


def run(args) -> int:
    import torch

    from dlbook.runs import numpy_gflops
    from dlbook.utils import set_threads

    from . import alternation, chapters, operations, report, scaling, timing
    from .machine import machine_facts
    from .plots import all_figures

    set_threads()
    timing.SETTLE_S = 0.0 if args.quick else 0.3
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    previous = json.loads(args.out.read_text()) if args.out.is_file() else {}
    results = dict(previous) if args.skip_operations else {}
    chapter_paths = []
    if args.chapters is not None:
        named = [Path(p).resolve() for p in args.chapters]
        chapter_paths = named or notebooks()
    todo = [] if args.skip_operations else operations.all_operations(rng, args.quick)
    total = len(todo) + (0 if args.skip_operations else 4) + len(chapter_paths)
    start = time.perf_counter()
    bar = tqdm(
        total=total, desc="benchmarks", file=sys.stderr, disable=args.no_progress
    )
    if not args.skip_operations:
        bar.set_postfix_str("machine")
        results["machine"] = machine_facts(args.quick)
        results["quick"] = args.quick
        bar.update()
        results["rounds"] = 2 if args.quick else 7
        results["operations"] = run_operations(
            todo, results["machine"], bar, results["rounds"]
        )
        results["scaling"] = {}
        for name, fn in scaling.scaling_parts(rng, args.quick):
            bar.set_postfix_str(f"scaling {name}")
            results["scaling"][name] = fn()
            bar.update()
        results["targets"] = operations.TARGETS
        results["processors"] = _processors(previous, results)
    bar.set_postfix_str("NumPy beside PyTorch")
    results["alternation"] = alternation.measure()
    # executions of earlier runs are kept; the stored runs are read afresh every time
    executed = dict(previous.get("chapters", {}).get("executed", {}))
    gflops = numpy_gflops() if chapter_paths else None
    for path in chapter_paths:
        bar.set_postfix_str(path.name)
        entry = chapters.execute(path)
        entry["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        entry["machine_gflops"] = gflops
        executed[entry["notebook"]] = entry
        bar.update()
    results["chapters"] = {
        "executed": executed,
        "stored": [chapters.stored_run(p) for p in notebooks()],
    }
    bar.close()
    results["figures"] = all_figures(results, args.plots, args.page.parent)
    if not args.skip_operations:  # a --skip-operations run keeps the full run's figures
        results["wall_s"] = time.perf_counter() - start
        results["machine"]["load_after"] = os.getloadavg()[0]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    results = json.loads(args.out.read_text())  # the page is built from the file
    page_zh = chinese_page(args.page, args.page_zh)
    report.write_pages(results, args.page, page_zh)
    print(report.summary(results))
    print(f"wrote {args.out}, {args.page}, {page_zh} and the plots in {args.plots}")
    return 0


def chinese_page(page: Path, page_zh: Path | None) -> Path:
    """Where the Chinese page goes: ``--page-zh``; else the book's Chinese page when
    the English one is the book's, or beside a ``--page`` elsewhere (a test's run
    leaves the book alone)."""
    if page_zh is not None:
        return page_zh
    from .report import PAGE_ZH

    if page.resolve() == PAGE.resolve():
        return PAGE_ZH
    return page.with_name(f"{page.stem}.zh_CN{page.suffix}")


if __name__ == "__main__":
    sys.exit(main())
