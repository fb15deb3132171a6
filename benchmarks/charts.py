"""Bar charts of a benchmark run: wall and CPU time of each driver relative to asyncmy.

Usage: python benchmarks/charts.py RESULTS.json OUTDIR
       (needs matplotlib; `bash benchmarks/run.sh --charts OUTDIR [--from-json FILE]`
       installs it into benchmarks/.venvs/charts and runs this)

Reads the JSON that `benchmarks/run.sh --json FILE` writes (its "medians", "workloads",
"drivers" and "meta") and writes into OUTDIR:
  ratios-wall.png, ratios-cpu.png   one group of bars per workload, one bar per driver:
                                    the driver's median over asyncmy's (below 1: faster);
                                    asyncmy itself is the line at 1
  results.md                        the machine header and the table (report.py), the
                                    same text as `--markdown`
A workload where asyncmy has no time (failed, n/a) has no bars; the chart says so.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import report  # noqa: E402

REFERENCE = "asyncmy"
FIELDS = {"wall": "wall time", "cpu": "CPU time"}
TITLES = {"wall": "Wall time", "cpu": "CPU time"}
COLOURS = ["#2b6cb0", "#68a4e0", "#c05621", "#8a8a8a", "#2f855a", "#805ad5", "#b7791f"]


def ratios(
    doc: dict[str, Any], field: str
) -> tuple[list[str], list[str], dict[str, list[float | None]]]:
    """(workloads, drivers other than the reference, {driver: ratio per workload})."""
    med: dict[str, dict[str, dict[str, Any]]] = doc["medians"]
    workloads = [w for w in doc.get("workloads", med) if w in med]
    drivers = [d for d in doc.get("drivers", {}) if d != REFERENCE]
    out = {d: [report.ratio(med[w], d, REFERENCE, field) for w in workloads] for d in drivers}
    return workloads, drivers, out


def draw(doc: dict[str, Any], field: str, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    workloads, drivers, values = ratios(doc, field)
    meta = doc.get("meta", {})
    width = 0.8 / max(len(drivers), 1)
    fig, ax = plt.subplots(figsize=(max(5.0, 1.3 * len(workloads) + 2.5), 4.2), dpi=110)
    for i, driver in enumerate(drivers):
        xs = [w + (i - (len(drivers) - 1) / 2) * width for w in range(len(workloads))]
        ys = [v if v is not None else 0.0 for v in values[driver]]
        bars = ax.bar(xs, ys, width * 0.92, label=driver, color=COLOURS[i % len(COLOURS)])
        for bar, v in zip(bars, values[driver], strict=True):
            text = "n/a" if v is None else f"{v:.2f}×"
            ax.annotate(
                text,
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
    ax.axhline(1.0, color="black", linewidth=1, linestyle="--", label=f"{REFERENCE} = 1")
    ax.set_xticks(range(len(workloads)), workloads)
    ax.set_ylabel(f"{FIELDS[field]} ÷ {REFERENCE} (lower is faster)")
    top = max([v for vs in values.values() for v in vs if v is not None] + [1.0])
    ax.set_ylim(0, top * 1.18)
    ax.set_title(
        f"{TITLES[field]} relative to {REFERENCE} (median of {meta.get('rounds', '?')} rounds)",
        fontsize=11,
    )
    ax.legend(fontsize=8, loc="upper right")
    note = (
        f"commit {meta.get('commit', '?')}, {meta.get('date', '?')}; {meta.get('nproc', '?')} "
        f"cores {meta.get('cpu_model', '')}; Python {meta.get('python', '?')}; "
        f"{meta.get('server', '')}"
    )
    fig.text(0.01, 0.01, note, fontsize=6.5, color="#555555")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path)
    plt.close(fig)


def write_all(json_path: str, outdir: str) -> list[str]:
    """Draw both charts and the Markdown table from one JSON file; return the paths."""
    with open(json_path) as f:
        doc = json.load(f)
    os.makedirs(outdir, exist_ok=True)
    written = []
    for field in FIELDS:
        path = os.path.join(outdir, f"ratios-{field}.png")
        draw(doc, field, path)
        written.append(path)
    workloads = [w for w in doc.get("workloads", doc["medians"])]
    drivers = list(doc.get("drivers", {}))
    md = os.path.join(outdir, "results.md")
    with open(md, "w") as f:
        f.write(report.header(doc["meta"], doc["drivers"]) + "\n\n")
        f.write(report.table(doc["medians"], workloads, drivers) + "\n")
    written.append(md)
    return written


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    for path in write_all(sys.argv[1], sys.argv[2]):
        print(f"==> wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
