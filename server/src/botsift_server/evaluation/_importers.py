"""The dataset importers by name, as ``botsift-server data import`` offers them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from botsift_server.evaluation._archive import SHARED_DATA
from botsift_server.evaluation._import_devices import import_browser_profiles
from botsift_server.evaluation._import_keys import import_aalto, import_keystroke100
from botsift_server.evaluation._import_mouse import import_balabit, import_delbot
from botsift_server.evaluation._traces import Trace

Importer = Callable[[Path], Iterator[Trace]]

DATASETS: dict[str, tuple[Importer, str]] = {
    "delbot": (import_delbot, "delbot-mouse.tar.gz"),
    "balabit": (import_balabit, "balabit-mouse-training.tar.xz"),
    "balabit-movements": (
        lambda archive: import_balabit(archive, "movements"),
        "balabit-mouse-training.tar.xz",
    ),
    "aalto": (import_aalto, "aalto-keystrokes-dev.tar.xz"),
    "keystroke100": (import_keystroke100, "keystroke100.tar.xz"),
    "browser-profiles": (import_browser_profiles, "browser-profiles.tar.xz"),
}
"""Dataset name -> (importer, archive file name in the shared data folder)."""


def default_archive(dataset: str) -> Path:
    """Where ``dataset``'s archive is by default (``../shared/data/<file>``)."""
    return SHARED_DATA / DATASETS[dataset][1]


def import_dataset(dataset: str, archive: Path | None = None) -> Iterator[Trace]:
    """The traces of ``dataset``, read from ``archive`` (default: :func:`default_archive`)."""
    importer, _ = DATASETS[dataset]
    return importer(archive if archive is not None else default_archive(dataset))
