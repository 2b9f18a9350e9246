"""Write the appendix page ``book/costs.md`` ("What it costs") from
``benchmarks/results.json``, and the command-line summary.

    .venv/bin/python -m benchmarks.report   # after editing this file: no re-run needed

``tests/test_benchmarks.py`` checks that the page equals ``render(results.json)``.
"""

from __future__ import annotations

import json
import sys

from tools.repository import BOOK, ROOT, relative

from .machine import processor, processor_kind

RESULTS = ROOT / "benchmarks" / "results.json"
PAGE = BOOK / "costs.md"

# What would close a missed target: reasoning from the profile, not measured.
REMEDIES = {
    "Conv2d": (
        "the matrix products already run in BLAS; the rest is the copies around them "
        "(im2col's one copy, col2im's k x k strided additions, the transposes). Fewer "
        "copies (a channels-last layout that makes the output reshape free, col2im "
        "with one scatter) would close the gap to the products' own time."
    ),
    "MLP training step": (
        "the step is a few large products plus element-wise passes over the batch; a "
        "gap beyond the products is Python overhead per layer and temporary arrays, "
        "which in-place operations (out=) would cut."
    ),
    "LSTM": (
        "the recurrence is a Python loop over the T steps; lstm_forward_fast and "
        "lstm_backward_fast already take the input projection, the weight gradients "
        "and dL/dx out of the loop and make about ten NumPy calls a step forward and "
        "seven backward, on (32, 128) arrays where each call costs more in overhead "
        "than in arithmetic; PyTorch runs the same loop in C++. Only a compiled loop "
        "would close the rest."
    ),
    "LayerNorm": (
        "each line of layer_norm_forward_fast and layer_norm_backward_fast is a pass "
        "over the whole (32, 64, 128) activation, about a dozen in all, where "
        "PyTorch's compiled kernel fuses them. Fewer passes need a compiled kernel, "
        "or blocks of rows small enough to stay in cache."
    ),
    "CNN training step": (
        "the step is the two convolutions (see Conv2d), then the ReLUs and the "
        "poolings, which run on transposed (non-contiguous) views of the "
        "convolutions' outputs; a layout that keeps each layer's output contiguous "
        "would make those passes cheaper."
    ),
}


def _num(value: float) -> str:
    """Three significant digits, never in exponent form."""
    return f"{value:.0f}" if value >= 100 else f"{value:.3g}"


def _ms(seconds) -> str:
    return "—" if seconds is None else _num(seconds * 1e3)


def _x(ratio) -> str:
    return "—" if ratio is None else f"{ratio:.2f}×"


def _gf(row, library, mode) -> str:
    gflops = row.get(f"{library}_{mode}_gflops")
    if gflops is None:
        return "—"
    return f"{gflops:.3g} ({row[f'{library}_{mode}_of_peak']:.0%})"


def _mib(n) -> str:
    return _num(n / 2**20)


def _table(header: list[str], rows: list[list[str]], align: str = "") -> list[str]:
    align = align or "l" + "r" * (len(header) - 1)
    marks = {"l": "---", "r": "---:", "c": ":---:"}
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join(marks[a] for a in align) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


def _machine(m: dict) -> list[str]:
    peak_np, peak_t = m["peak_numpy"], m["peak_torch"]
    return _table(
        ["", ""],
        [
            ["measured on", m["date"]],
            [
                "load average (1 min)",
                f"{m.get('load_before', 0):.1f} at the start, "
                f"{m.get('load_after', 0):.1f} at the end (this run's own threads "
                "count too)",
            ],
            ["CPU", f"{processor(m)}, {m['logical_cores']} logical cores"],
            ["threads", f"PyTorch {m['torch_threads']}; NumPy: its BLAS's default"],
            ["Python, platform", f"{m['python']}, {m['platform']}"],
            ["NumPy", f"{m['numpy']} ({m['numpy_blas']})"],
            ["PyTorch", f"{m['torch']} ({m['torch_blas']})"],
            [
                "peak float32 matmul, NumPy",
                f"{peak_np['gflops']:.0f} GFLOP/s ({peak_np['size']}²)",
            ],
            [
                "peak float32 matmul, PyTorch",
                f"{peak_t['gflops']:.0f} GFLOP/s ({peak_t['size']}²)",
            ],
        ],
        "ll",
    )


def _targets(results: dict) -> list[str]:
    rows = []
    for row in results["operations"]:
        target = row.get("target")
        if not target:
            continue
        goal = f" (goal ≤ {target['goal']}×)" if target["goal"] else ""
        verdict = "met" if target["met"] else "**missed**"
        if target["goal"] is not None:
            verdict += ", goal met" if target["goal_met"] else ", goal missed"
        rows.append(
            [
                f"NumPy {row['name']}"
                + ("" if "step" in row["name"] else ", forward + backward"),
                f"≤ {target['limit']}× PyTorch{goal}",
                _x(row["ratio_fb"]),
                verdict,
            ]
        )
    chapters = results.get("chapters", {})
    executed = chapters.get("executed", {})
    stored = chapters.get("stored", [])
    budgeted = [e for e in executed.values() if e.get("allowed_s") is not None]
    if budgeted:
        inside = sum(bool(e["within_budget"]) for e in budgeted)
        rows.append(
            [
                "every chapter within its budget",
                "scaled to this machine",
                f"{inside} of {len(budgeted)} executed here",
                "met" if inside == len(budgeted) else "**missed**",
            ]
        )
    timed = [s for s in stored if s["stored_run_s"] and s["stored_allowed_s"]]
    if timed:
        inside = sum(s["stored_run_s"] <= s["stored_allowed_s"] for s in timed)
        rows.append(
            [
                "every chapter within its budget",
                "scaled to the machine of its stored run",
                f"{inside} of {len(timed)} stored runs",
                "met" if inside == len(timed) else "**missed**",
            ]
        )
    ran = [e for e in executed.values() if e.get("run_s") is not None]
    if stored and len(ran) >= len(stored):  # every notebook nbval runs, executed here
        total = sum(e["run_s"] for e in ran)
        failed = sum(bool(e["error"]) for e in ran)
        rows.append(
            [
                "all notebooks in CI",
                "≤ 35 min",
                f"{total / 60:.1f} min: the {len(ran)} notebooks nbval runs, executed "
                "one after another here" + (f" ({failed} failed)" if failed else ""),
                "met" if total <= 35 * 60 and not failed else "**missed**",
            ]
        )
    else:
        recorded = [s["stored_run_s"] for s in stored if s["stored_run_s"] is not None]
        if recorded:
            total = sum(recorded)
            rows.append(
                [
                    "all notebooks in CI",
                    "≤ 35 min",
                    f"{total / 60:.1f} min: the {len(recorded)} stored runs",
                    "not measured here (run `--chapters`)",
                ]
            )
    return _table(["target", "limit", "this run", "verdict"], rows, "llrl")


def _processors(results: dict) -> list[str]:
    """The forward + backward ratios of the last full run on each processor kind,
    side by side."""
    kinds = dict(results.get("processors", {}))
    if not results.get("quick"):
        kinds.setdefault(processor_kind(results["machine"]), results)
    if not kinds:
        return ["No full run recorded.", ""]
    order = sorted(kinds, key=lambda k: kinds[k]["machine"]["date"])
    names = []
    for run in (kinds[k] for k in order):
        names += [r["name"] for r in run["operations"] if r["name"] not in names]
    rows = []
    for name in names:
        row = [name]
        for kind in order:
            found = [r for r in kinds[kind]["operations"] if r["name"] == name]
            row.append(_x(found[0]["ratio_fb"]) if found else "—")
        rows.append(row)
    header = ["kernel"] + [
        f"{processor(kinds[k]['machine'])}, {kinds[k]['machine']['date']}"
        for k in order
    ]
    return [
        "NumPy time over PyTorch time, forward + backward (a step, for the training "
        "steps), in the last full run on each kind of processor this page has seen; a "
        "run on one kind replaces only that kind's column. The two libraries use "
        "different kernels (NumPy its BLAS, PyTorch its own and oneDNN's), which do "
        "not gain alike from a processor's instruction sets: a ratio holds for its "
        "own processor.",
        "",
        *_table(header, rows),
    ]


def _operations(results: dict) -> list[str]:
    rows = []
    for r in results["operations"]:
        rows.append(
            [
                r["name"],
                r["chapter"],
                r["shape"],
                _ms(r["numpy_fwd_s"]),
                _ms(r["torch_fwd_s"]),
                _x(r["ratio_fwd"]),
                _ms(r["numpy_fb_s"]),
                _ms(r["torch_fb_s"]),
                _x(r["ratio_fb"]),
                _gf(r, "numpy", "fb"),
                _gf(r, "torch", "fb"),
            ]
        )
    header = [
        "kernel",
        "ch.",
        "shape",
        "NumPy fwd (ms)",
        "PyTorch fwd (ms)",
        "ratio",
        "NumPy fwd+bwd (ms)",
        "PyTorch fwd+bwd (ms)",
        "ratio",
        "NumPy GFLOP/s (of peak)",
        "PyTorch GFLOP/s (of peak)",
    ]
    return _table(header, rows, "lll" + "r" * 8)


def _profiles(results: dict) -> list[str]:
    lines = []
    for r in results["operations"]:
        if "profile" not in r:
            continue
        target = r.get("target")
        why = (
            f"misses its target ({_x(r['ratio_fb'])} against ≤ {target['limit']}×)"
            if target and not target["met"]
            else f"is {_x(r['ratio_fb'])} slower than PyTorch"
        )
        lines += [
            f"### {r['name']}",
            "",
            f"The NumPy {r['name']} (forward + backward) {why}. Where its time goes "
            "(cProfile, own time of each function, share of the profiled total; "
            "cProfile sees no operator, so the matrix products (`@`) and element-wise "
            "arithmetic count in the own time of the function that writes them):",
            "",
        ]
        lines += _table(
            ["function", "calls per pass", "share of time"],
            [
                [f"`{p['function']}`", f"{p['calls_per_run']:.0f}", f"{p['share']:.0%}"]
                for p in r["profile"]
            ],
            "lrr",
        )
        if r["name"] in REMEDIES:
            lines += [f"What would close it (not measured): {REMEDIES[r['name']]}", ""]
    return lines or ["No kernel missed its target or ran over 3× PyTorch.", ""]


def _scaling(results: dict) -> list[str]:
    lines = []
    names = {
        "numpy": "NumPy",
        "torch": "PyTorch",
        "torch_naive": "PyTorch naive",
        "torch_fused": "PyTorch fused",
    }
    order = ["MLP", "CNN", "attention"]
    studies = sorted(
        results["scaling"].items(),
        key=lambda item: order.index(item[0]) if item[0] in order else len(order),
    )
    for name, scaling in studies:
        var = scaling["variable"]
        shape = f" ({scaling['shape']})" if "shape" in scaling else ""
        lines += [f"### {name} against {var}{shape}", ""]
        figure = results.get("figures", {}).get(name)
        if figure:
            alt = (
                f"Two log-log plots for the {name}: forward plus backward time in "
                f"milliseconds and memory in MiB against {var}, one line per "
                "implementation, each labelled with its fitted slope."
            )
            lines += [f"![{alt}]({figure})", ""]
        series = scaling["series"]
        libraries = [lib for lib in names if f"{lib}_s" in series]
        header = [var]
        for lib in libraries:
            header += [f"{names[lib]} (ms)"]
        for lib in libraries:
            header += [f"{names[lib]} (MiB)"]
        rows = []
        for p in scaling["points"]:
            row = [str(p[var])]
            row += [_ms(p[f"{lib}_s"]) for lib in libraries]
            row += [_mib(p[f"{lib}_bytes"]) for lib in libraries]
            rows.append(row)
        slope = ["fitted exponent"]
        slope += [f"{series[f'{lib}_s']['exponent']:.2f}" for lib in libraries]
        slope += [f"{series[f'{lib}_bytes']['exponent']:.2f}" for lib in libraries]
        lines += _table(header, [*rows, slope])
    return lines


def _chapters(results: dict) -> list[str]:
    chapters = results.get("chapters", {})
    executed = chapters.get("executed", {})
    rows = []
    for s in chapters.get("stored", []):
        e = executed.get(s["notebook"])
        if e:
            verdict = (
                "error: " + e["error"]
                if e["error"]
                else ("within" if e["within_budget"] else "**over**")
            )
            here = (
                f"{e['run_s']:.0f} s of {e['allowed_s']:.0f} s allowed ({verdict})"
                if e["allowed_s"] is not None
                else f"{e['run_s']:.0f} s (no budget)"
                + (f" ({verdict})" if e["error"] else "")
            )
            when = e["date"]
        else:
            here, when = "not executed by the benchmark", "—"
        stored_run = "—"
        if s["stored_run_s"] is not None:
            stored_run = f"{s['stored_run_s']:.0f} s"
            if s["stored_allowed_s"]:
                stored_run += f" of {s['stored_allowed_s']:.0f} s allowed"
        budget = "—" if s["budget_s"] is None else f"{s['budget_s']} s"
        rows.append([f"`{s['notebook']}`", budget, stored_run, here, when])
    return _table(
        ["notebook", "budget (CI)", "stored run", "executed here", "when"],
        rows,
        "lrrll",
    )


def _headlines(results: dict) -> list[str]:
    """Each chapter's headline numbers: the stored run's and this run's, beside the
    range the chapter asserts and its naive baseline."""
    chapters = results.get("chapters", {})
    executed = chapters.get("executed", {})
    rows = []
    for s in chapters.get("stored", []):
        fresh = {
            h["name"]: h for h in executed.get(s["notebook"], {}).get("headlines", [])
        }
        for h in s.get("stored_headlines", []):
            low, high = h["asserted"]
            here = fresh.get(h["name"])
            d = h.get("decimals", 3)
            rows.append(
                [
                    f"`{s['notebook']}`",
                    h["name"],
                    f"{low:.{d}f}–{high:.{d}f}",
                    f"{h['baseline']:.{d}f} ({h['baseline_name']})",
                    f"{h['value']:.{d}f}",
                    "—"
                    if here is None
                    else f"{here['value']:.{d}f}"
                    + ("" if here["ok"] else " (**out**)"),
                ]
            )
    if not rows:
        return ["No headline numbers recorded.", ""]
    return _table(
        [
            "notebook",
            "headline number",
            "asserted range",
            "naive baseline",
            "stored run",
            "executed here",
        ],
        rows,
        "llrlrr",
    )


def _alternation(results: dict) -> list[str]:
    a = results.get("alternation")
    if not a:
        return ["Not measured in this run.", ""]
    rows = [
        [
            label,
            f"{a[key]['numpy_us']:.0f} µs",
            f"{a[key]['torch_us']:.0f} µs",
            f"{a[key]['in_turn_us']:.0f} µs",
            f"{a[key]['slowdown']:.1f}×",
        ]
        for key, label in (
            ("default", "OpenBLAS's default (threads busy-wait)"),
            ("dlbook first", "`import dlbook` before NumPy"),
        )
    ]
    return [
        f"Measured on {a['cpu_model']} ({a['cores']} cores), each setting in a fresh "
        "process: a 256 × 256 float32 NumPy product and a small PyTorch step (a "
        "64 × 256 linear layer, forward and backward), each alone and then in turn. "
        "The last column is the time of the pair in turn over the sum of their times "
        "alone (1× when they do not get in each other's way).",
        "",
        *_table(
            ["setting", "NumPy alone", "PyTorch alone", "in turn", "slowdown"],
            rows,
            "lrrrr",
        ),
    ]


def render(results: dict) -> str:
    """The page, from the results alone (same results, same page)."""
    m = results["machine"]
    quick = " (a `--quick` run on tiny shapes: not the chapters' shapes)"
    lines = [
        "# What it costs",
        "",
        "<!-- Generated by benchmarks/report.py from benchmarks/results.json: do not "
        "edit by hand. -->",
        "",
        "How fast the course's from-scratch NumPy kernels run against PyTorch, how "
        "close each comes to the machine's ceiling, how time and memory grow with the "
        "batch and the sequence, and what each chapter costs to run. Every number on "
        f"this page was measured on one machine on {m['date']}"
        f"{quick if results.get('quick') else ''}: {processor(m)} with "
        f"{m['logical_cores']} logical cores, except the table of processors side "
        "by side, which keeps each kind's last run. `make benchmarks` (or "
        "`.venv/bin/python -m benchmarks`) measures again on yours and rewrites "
        "this page; `--chapters` also executes the chapter notebooks.",
        "",
        "Times are medians of several runs after a warm-up. Forward + backward "
        "computes the input gradient and every parameter gradient from a fixed "
        "upstream gradient; the training steps also apply an SGD update. GFLOP/s "
        "counts the matrix products only, so element-wise kernels (pooling, "
        "normalization, the loss) show none; the share is of the library's own peak "
        "matrix-product speed below.",
        "",
        "## The machine",
        "",
        *_machine(m),
        "## Targets",
        "",
        "What the course asks of its own code. Each NumPy layer the chapters build, "
        "forward + backward, within 2× of PyTorch's time (the convolution within "
        "1.5× as a goal), and a NumPy training step within 1.5×: then the chapters "
        "can train their from-scratch networks in minutes on a laptop, and the "
        "difference a learner sees is what PyTorch adds (fused kernels, C++ loops), "
        "not a slow implementation. And every chapter within its time budget, so "
        "that the book's continuous integration can execute all of them. Measured "
        f"in this run on {processor(m)} and reported here, not asserted by the "
        "tests: timings depend on the machine.",
        "",
        *_targets(results),
        "### Processors side by side",
        "",
        *_processors(results),
        "## Kernels at the chapters' shapes",
        "",
        f"Measured on {processor(m)}.",
        "",
        *_operations(results),
        "## Where the time goes",
        "",
        *_profiles(results),
        "## Scaling",
        "",
        f"Measured on {processor(m)}. Forward + backward time and memory on log-log "
        "axes; the fitted exponent is the slope of a least-squares line through the "
        "points (1: linear growth, 2: quadratic). Memory is NumPy's peak allocation "
        "during the pass (tracemalloc) and, for PyTorch, the tensors autograd saves "
        "for the backward pass: two different measures, comparable in their growth "
        "only.",
        "",
        *_scaling(results),
        "## NumPy beside PyTorch",
        "",
        *_alternation(results),
        "## Chapters",
        "",
        "Budgets are seconds on CI's 2-core reference machine; the time allowed here "
        "is the budget scaled by this machine's matrix-product speed for the work "
        "each part does (NumPy's, or PyTorch's in a training run's precision), as "
        "`check_run_time` and `check_training_time` do. The stored run is the "
        "execution whose outputs are committed (`make execute`, other numerical "
        "kernels).",
        "",
        *_chapters(results),
        "### Headline numbers",
        "",
        "What each chapter's `report_headlines` cell reported: in its stored run and "
        "in the execution above (training on another machine or with other numerical "
        "kernels moves the last digits). Each is asserted in the notebook against "
        "the range shown and must beat its baseline.",
        "",
        *_headlines(results),
    ]
    return "\n".join(lines).rstrip() + "\n"


def summary(results: dict) -> str:
    """The kernel table and the targets, for the command line."""
    out = [f"{'kernel':<22}{'fwd ratio':>10}{'f+b ratio':>10}{'NumPy f+b':>12}  target"]
    for r in results.get("operations", []):
        target = r.get("target")
        verdict = (
            ""
            if not target
            else f"<= {target['limit']}x: {'met' if target['met'] else 'MISSED'}"
        )
        out.append(
            f"{r['name']:<22}{r['ratio_fwd']:>9.2f}x{r['ratio_fb']:>9.2f}x"
            f"{r['numpy_fb_s'] * 1e3:>9.3g} ms  {verdict}"
        )
    for e in results.get("chapters", {}).get("executed", {}).values():
        allowed = (
            "no budget" if e["allowed_s"] is None else f"allowed {e['allowed_s']:.0f} s"
        )
        out.append(
            f"{e['notebook']}: {e['run_s']:.0f} s, {allowed}"
            + (f" ({e['error']})" if e["error"] else "")
        )
    return "\n".join(out)


def main() -> int:
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    PAGE.write_text(render(results), encoding="utf-8")
    print(f"wrote {relative(PAGE)} from {relative(RESULTS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
