"""Paths of the small dataset cuts the importer tests read."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "data"


@pytest.fixture
def fixtures() -> Path:
    """The folder of the dataset cuts (see data/README.md for their licences)."""
    return FIXTURES
