"""Run every benchmark in ``bench/``, print a table and write ``bench/results.json``.

Usage: ``python -m bench [NAME ...]`` (names are module suffixes, e.g. ``pipeline``); naming
some keeps the other benchmarks' last figures in ``bench/results.json``.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path

from bench import Result

HERE = Path(__file__).parent


def _modules(selected: list[str]) -> list[str]:
    names = sorted(
        info.name for info in pkgutil.iter_modules([str(HERE)]) if info.name.startswith("bench_")
    )
    if selected:
        names = [n for n in names if n.removeprefix("bench_") in selected]
    return names


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}"


def _target(result: Result) -> str:
    if result.target is None:
        return "-"
    return ("≥ " if result.higher_is_better else "≤ ") + _fmt(result.target)


def _earlier(path: Path) -> list[dict[str, object]]:
    """The records of the last run, or none when there is no readable one."""
    try:
        earlier = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return [r for r in earlier if isinstance(r, dict)] if isinstance(earlier, list) else []


def main(argv: list[str]) -> int:
    results: list[Result] = []
    for name in _modules(argv):
        module = importlib.import_module(f"bench.{name}")
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results.extend(module.run())
    header = ("benchmark", "value", "unit", "reference", "target", "ok")
    rows = [
        (
            r.name,
            _fmt(r.value),
            r.unit,
            f"{_fmt(r.reference)} ({r.reference_name})" if r.reference is not None else "-",
            _target(r),
            {None: "", True: "yes", False: "NO"}[r.meets_target],
        )
        for r in results
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)))
    records = []
    for r in results:
        record: dict[str, object] = {"name": r.name, "value": r.value, "unit": r.unit}
        if r.reference is not None:
            record["reference"] = {"name": r.reference_name, "value": r.reference}
        if r.target is not None:
            record["target"] = r.target
            record["meets_target"] = r.meets_target
        records.append(record)
    path = HERE / "results.json"
    if argv:
        # A run of some benchmarks keeps the others' last figures: replace by name.
        fresh = {record["name"] for record in records}
        records = [*(kept for kept in _earlier(path) if kept.get("name") not in fresh), *records]
    path.write_text(json.dumps(records, indent=2) + "\n")
    print(f"\nwrote {HERE / 'results.json'}", file=sys.stderr)
    return 0 if all(r.meets_target is not False for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
