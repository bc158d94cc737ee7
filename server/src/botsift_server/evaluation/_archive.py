"""Reading dataset archives in place (the shared data folder is read-only) and building columns."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from botsift_server.engine import EventColumns

SHARED_DATA = Path("../shared/data")
"""Where the dataset archives live, relative to the repository root (CI clones ../shared beside it)."""


class DatasetError(ValueError):
    """An archive is missing or does not hold what its importer expects."""


def members(archive: Path) -> Iterator[tuple[str, io.TextIOWrapper]]:
    """(name, text stream) of every regular file of ``archive``, in archive order.

    Streams instead of extracting: xz archives are read once, front to back.
    """
    if not archive.is_file():
        raise DatasetError(f"{archive}: no such archive")
    with tarfile.open(archive, "r:*") as tar:
        for member in tar:
            if not member.isfile():
                continue
            raw = tar.extractfile(member)
            if raw is None:
                continue
            with io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="") as text:
                yield member.name, text


def columns(
    t: Sequence[float] | np.ndarray,
    kind: Sequence[int] | np.ndarray,
    x: Sequence[float] | np.ndarray | None = None,
    y: Sequence[float] | np.ndarray | None = None,
    button: Sequence[int] | np.ndarray | None = None,
    key_class: Sequence[int] | np.ndarray | None = None,
) -> EventColumns:
    """Valid :class:`EventColumns`: sorted by time (stable), starting at 0 ms."""
    t_arr = np.asarray(t, dtype=np.float64)
    n = t_arr.shape[0]

    def col(values: Sequence[float] | Sequence[int] | np.ndarray | None, dtype: type) -> np.ndarray:
        return np.zeros(n, dtype) if values is None else np.asarray(values, dtype=dtype)

    xs, ys = col(x, np.float32), col(y, np.float32)
    # Recorders occasionally write NaN positions; such rows carry nothing and the engine refuses them.
    keep = np.isfinite(t_arr) & np.isfinite(xs) & np.isfinite(ys)
    order = np.flatnonzero(keep)[np.argsort(t_arr[keep], kind="stable")]
    t_sorted = t_arr[order]
    if n:
        t_sorted = t_sorted - t_sorted[0]
    return EventColumns(
        t_ms=t_sorted,
        kind=col(kind, np.uint8)[order],
        x=xs[order],
        y=ys[order],
        button=col(button, np.uint8)[order],
        key_class=col(key_class, np.uint8)[order],
    )


def cut(events: EventColumns, start: int, stop: int) -> EventColumns:
    """Events ``start:stop``, re-based so the first is at 0 ms."""
    t = events.t_ms[start:stop]
    return EventColumns(
        t_ms=t - (t[0] if len(t) else 0.0),
        kind=events.kind[start:stop],
        x=events.x[start:stop],
        y=events.y[start:stop],
        button=events.button[start:stop],
        key_class=events.key_class[start:stop],
    )
