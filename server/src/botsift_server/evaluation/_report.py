"""Reports of an evaluation: a text table for the terminal, and Markdown with PNG plots."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from botsift_server.evaluation._metrics import reliability, roc_curve
from botsift_server.evaluation._results import FLAGGED_SCORE, HISTOGRAM_BINS, Results
from botsift_server.evaluation._runner import Scored


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _source_rows(results: Results) -> list[list[str]]:
    return [
        [
            s.source,
            s.label,
            str(s.sessions),
            _num(s.auc),
            _pct(s.tpr_at_1pct_fpr),
            _pct(s.high_or_above),
            f"{s.mean_score:.3f}",
            ", ".join(f"{code} ({n})" for code, n in s.top_reasons) or "-",
        ]
        for s in results.sources
    ]


_SOURCE_HEADER = ["source", "label", "sessions", "AUC", "TPR@1%FPR", "HIGH+", "mean score", "top reasons"]


def _summary_lines(results: Results) -> list[tuple[str, str]]:
    return [
        ("mode", results.mode),
        (
            "sessions",
            f"{results.sessions} ({results.humans} human, {results.bots} bot, "
            f"{results.unlabelled} unlabelled)",
        ),
        ("ROC AUC", _num(results.auc)),
        ("TPR at 1% FPR", _pct(results.tpr_at_1pct_fpr)),
        ("TPR at 0.1% FPR", _pct(results.tpr_at_01pct_fpr)),
        (
            f"accuracy (bot = HIGH or CRITICAL: score >= {results.high_score}, or the action's threshold)",
            _pct(results.accuracy_at_high),
        ),
        ("humans at HIGH or CRITICAL", _pct(results.humans_high_or_above)),
        ("bots at HIGH or CRITICAL", _pct(results.bots_high_or_above)),
        ("expected calibration error", _num(results.calibration_error)),
        ("events", str(results.events)),
        (
            "time per event",
            f"{results.microseconds_per_event:.2f} µs ({results.engine_seconds:.2f} s in all)",
        ),
    ]


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=False)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out.extend("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows)
    return out


_FLAGGED_HEADER = ["session", "source", "score", "risk", "reasons pointing to a bot"]


def _flagged_title(results: Results) -> str:
    return f"People scored {FLAGGED_SCORE} or more, or at HIGH or above: {results.flagged_humans}" + (
        f" (the {len(results.flagged_highest)} highest below)" if results.flagged_highest else ""
    )


def _flagged_reasons(results: Results) -> str:
    return "Among their top three reasons: " + ", ".join(f"{c} ({n})" for c, n in results.flagged_reasons)


def _flagged_rows(results: Results) -> list[list[str]]:
    return [
        [f.session_id, f.source, f"{f.score:.3f}", f.risk_level, ", ".join(f.reasons) or "-"]
        for f in results.flagged_highest
    ]


def _flagged_lines(results: Results) -> list[str]:
    """False alarms to look at: how many people were flagged, why, and which."""
    if not results.humans:
        return []
    lines = [_flagged_title(results)]
    if results.flagged_highest:
        lines.extend([_flagged_reasons(results), "", *_table(_FLAGGED_HEADER, _flagged_rows(results))])
    return lines


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _histogram_lines(results: Results, width: int = 40) -> list[str]:
    edges = np.linspace(0.0, 1.0, HISTOGRAM_BINS + 1)
    out: list[str] = []
    for name, counts in results.histograms.items():
        total = sum(counts)
        if not total:
            continue
        out.append(f"{name} scores ({total} sessions)")
        peak = max(counts)
        for lo, hi, count in zip(edges[:-1], edges[1:], counts, strict=True):
            bar = "#" * round(width * count / peak) if peak else ""
            out.append(f"  {lo:.1f}-{hi:.1f} {count:>7} {bar}")
    return out


def render_text(results: Results) -> str:
    """The terminal report: summary, per-source table, score histograms."""
    label_width = max(len(k) for k, _ in _summary_lines(results))
    lines = [f"BotSift evaluation ({results.engine_version})", ""]
    lines.extend(f"{k.ljust(label_width)}  {v}" for k, v in _summary_lines(results))
    lines.extend(["", "Per source (AUC and TPR against all traces of the other label):", ""])
    lines.extend(_table(_SOURCE_HEADER, _source_rows(results)))
    flagged = _flagged_lines(results)
    if flagged:
        lines.extend(["", *flagged])
    lines.extend(["", *_histogram_lines(results)])
    return "\n".join(lines) + "\n"


def write_report(results: Results, scored: Sequence[Scored], directory: Path) -> list[Path]:
    """Write ``report.md`` and its PNG plots into ``directory``; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    plots = _plots(scored, directory)
    md = [f"# BotSift evaluation ({results.engine_version})", "", "| measure | value |", "|---|---|"]
    md.extend(f"| {k} | {v} |" for k, v in _summary_lines(results))
    md.extend(
        [
            "",
            "## Per source",
            "",
            "AUC and TPR@1%FPR compare a source with all traces of the other label.",
            "",
        ]
    )
    md.extend(_md_table(_SOURCE_HEADER, _source_rows(results)))
    if results.humans:
        md.extend(["", "## People flagged", "", _flagged_title(results) + "."])
        if results.flagged_highest:
            md.extend(["", _flagged_reasons(results) + ".", ""])
            md.extend(_md_table(_FLAGGED_HEADER, _flagged_rows(results)))
    md.extend(["", "## Score distributions", "", "```", *_histogram_lines(results), "```", ""])
    md.extend(f"![{p.stem}]({p.name})" for p in plots)
    report = directory / "report.md"
    report.write_text("\n".join(md) + "\n", encoding="utf-8")
    return [report, *plots]


def _plots(scored: Sequence[Scored], directory: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")  # files only: never a window, works on machines with no display
    import matplotlib.pyplot as plt

    labelled = [s for s in scored if s.label is not None]
    y = np.array([s.label == "bot" for s in labelled], dtype=bool)
    scores = np.array([s.score for s in labelled], dtype=np.float64)
    written: list[Path] = []

    fig, ax = plt.subplots(figsize=(6, 5))
    if y.any() and (~y).any():
        humans = scores[~y]
        curve = roc_curve(y, scores)
        ax.plot(curve.fpr, curve.tpr, label="all bots", linewidth=2)
        for source in sorted({s.source for s in labelled if s.label == "bot"}):
            mine = np.array([s.score for s in labelled if s.label == "bot" and s.source == source])
            both = np.concatenate((humans, mine))
            yy = np.concatenate((np.zeros(len(humans), bool), np.ones(len(mine), bool)))
            c = roc_curve(yy, both)
            ax.plot(c.fpr, c.tpr, label=source, linewidth=1, alpha=0.7)
    chance = np.linspace(0.0, 1.0, 500)  # many points: the x axis is not linear
    ax.plot(chance, chance, color="grey", linestyle=":", label="chance")
    ax.set(
        xscale="symlog",
        xlim=(0, 1),
        ylim=(0, 1.01),
        xlabel="false-positive rate (humans flagged)",
        ylabel="true-positive rate (bots caught)",
        title="ROC",
    )
    ax.set_xscale("symlog", linthresh=0.001)
    ax.legend(fontsize=6, loc="center left", bbox_to_anchor=(1.02, 0.5))
    written.append(_save(fig, directory / "roc.png"))

    fig, ax = plt.subplots(figsize=(6, 4))
    bins = [i / 40 for i in range(41)]
    for name, mask in (("human", ~y), ("bot", y)):
        if mask.any():
            ax.hist(scores[mask], bins=bins, alpha=0.6, label=f"{name} ({int(mask.sum())})", density=True)
    ax.set(xlabel="score", ylabel="density", title="Score distributions")
    ax.legend()
    written.append(_save(fig, directory / "scores.png"))

    fig, ax = plt.subplots(figsize=(5, 5))
    if len(labelled):
        rel = reliability(y, scores)
        used = rel.count > 0
        ax.plot(rel.mean_score[used], rel.bot_rate[used], marker="o", label="engine")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfectly calibrated")
    ax.set(
        xlim=(0, 1),
        ylim=(0, 1),
        xlabel="mean score in bin",
        ylabel="share of bots in bin",
        title="Reliability",
    )
    ax.legend()
    written.append(_save(fig, directory / "reliability.png"))
    return written


def _save(fig: object, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=110, bbox_inches="tight")  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    return path
