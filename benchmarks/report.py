"""Medians, ratios to the reference drivers, the Markdown table and the JSON document."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any

#: The drivers every other one is compared with (ratio columns), if they were run.
REFERENCES = ("asyncmy", "mysqlclient")


def medians(samples: Iterable[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """{workload: {driver: cell}}; a cell has status ok/failed/n/a and medians when ok."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for s in samples:
        grouped.setdefault((s["workload"], s["driver"]), []).append(s)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for (workload, driver), group in grouped.items():
        good = [s for s in group if s["status"] == "ok"]
        bad = [s for s in group if s["status"] == "failed"]
        cell: dict[str, Any] = {"runs": len(group), "ok_runs": len(good)}
        if good:
            cell["status"] = "ok"
            for field in ("wall", "cpu", "rss_peak_mib", "rss_before_mib"):
                cell[field] = statistics.median(s[field] for s in good)
        elif bad:
            cell["status"] = "failed"
        else:
            cell["status"] = "n/a"
        if bad:
            cell["error"] = bad[0].get("error", "")
        out.setdefault(workload, {})[driver] = cell
    return out


def ratio(cells: dict[str, dict[str, Any]], driver: str, ref: str, field: str) -> float | None:
    a, b = cells.get(driver, {}), cells.get(ref, {})
    if a.get("status") != "ok" or b.get("status") != "ok" or not b[field]:
        return None
    return float(a[field] / b[field])


def _fmt_ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


#: The suffix of a driver's runs on uvloop in the medians (suite.UVLOOP_SUFFIX).
UVLOOP = "@uvloop"


def _uvloop_cells(cells: dict[str, dict[str, Any]], driver: str, refs: list[str]) -> list[str]:
    """The extra columns of a driver's row: its uvloop medians and their ratios to the
    references on uvloop too."""
    cell = cells.get(driver + UVLOOP)
    if cell is None:
        return ["–"] * (2 + 2 * len(refs))
    if cell["status"] != "ok":
        return ["FAILED" if cell["status"] == "failed" else "n/a"] + [""] * (1 + 2 * len(refs))
    row = [f"{cell['wall']:.3f}", f"{cell['cpu']:.3f}"]
    for ref in refs:
        row += [_fmt_ratio(ratio(cells, driver + UVLOOP, ref + UVLOOP, f)) for f in ("wall", "cpu")]
    return row


def table(
    med: dict[str, dict[str, dict[str, Any]]],
    workloads: list[str],
    drivers: list[str],
    uvloop: bool = False,
) -> str:
    """The Markdown table of medians, one row per workload and driver; with ``uvloop``,
    the same driver's uvloop medians and ratios in extra columns on its row."""
    refs = [r for r in REFERENCES if r in drivers]
    head = ["workload", "driver", "wall s", "CPU s", "peak RSS MiB"]
    for ref in refs:
        head += [f"wall ÷ {ref}", f"CPU ÷ {ref}"]
    uv_refs = [r for r in refs if any(r + UVLOOP in c for c in med.values())]
    if uvloop:
        head += ["uvloop wall s", "uvloop CPU s"]
        for ref in uv_refs:
            head += [f"uvloop wall ÷ {ref}", f"uvloop CPU ÷ {ref}"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    notes: list[str] = []
    for workload in workloads:
        cells = med.get(workload, {})
        for i, driver in enumerate(drivers):
            cell = cells.get(driver)
            first = f"**{workload}**" if i == 0 else ""
            if cell is None:
                continue
            if cell["status"] == "ok":
                row = [f"{cell['wall']:.3f}", f"{cell['cpu']:.3f}", f"{cell['rss_peak_mib']:.0f}"]
                for ref in refs:
                    row += [_fmt_ratio(ratio(cells, driver, ref, f)) for f in ("wall", "cpu")]
                if cell["ok_runs"] < cell["runs"]:
                    row[0] += f" ({cell['runs'] - cell['ok_runs']}/{cell['runs']} failed)"
                    notes.append(f"{workload} / {driver}: {cell.get('error', '')}")
            else:
                label = "FAILED" if cell["status"] == "failed" else "n/a"
                if cell["status"] == "failed":
                    notes.append(f"{workload} / {driver}: {cell.get('error', '')}")
                row = [label] + [""] * (2 + 2 * len(refs))
            if uvloop:
                row += _uvloop_cells(cells, driver, uv_refs)
                uv_cell = cells.get(driver + UVLOOP, {})
                if uv_cell.get("status") == "failed":
                    notes.append(f"{workload} / {driver} on uvloop: {uv_cell.get('error', '')}")
            lines.append("| " + " | ".join([first, driver, *row]) + " |")
    if notes:
        lines += ["", "Failures:", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines)


def header(meta: dict[str, Any], envs: dict[str, dict[str, Any]]) -> str:
    """Markdown lines naming the machine, the date, the commit and each driver's versions."""
    lines = [
        f"- date: {meta['date']}; rounds: {meta['rounds']} (medians); commit measured: "
        f"`{meta['commit']}`",
        f"- machine: {meta['nproc']} cores, {meta['cpu_model']}, Linux {meta['kernel']}, "
        f"load average before/after: {meta['loadavg_before']} / {meta.get('loadavg_after', '?')}",
        f"- Python {meta['python']}; server {meta['server']} (benchmarks/dataset.py settings)",
    ]
    for key, env in envs.items():
        versions = ", ".join(f"{d} {v}" for d, v in env["versions"].items()) or env["error"]
        extensions = (
            "; compiled: " + (", ".join(env["extensions"]) or "none")
            if env.get("extensions") is not None
            else ""
        )
        lines.append(f"- `{key}`: {env['label']} — {versions}{extensions}")
    return "\n".join(lines)
