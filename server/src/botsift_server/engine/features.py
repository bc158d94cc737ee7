"""The feature vectors the learned models read, computed from a session's state windows.

The same function serves training (:mod:`botsift_server.engine.training`) and serving
(``Engine.assess``), so the model sees in production exactly what it was trained on.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from botsift_server.engine._state import SessionState
from botsift_server.engine.keystroke_features import KEYSTROKE_FEATURES, keystroke_features
from botsift_server.engine.pointer_features import POINTER_FEATURES, pointer_features

# Left out of the model on purpose: whether coordinates are whole pixels depends on the
# browser and the screen's pixel ratio as much as on the driver, so it would learn one dataset.
# Counts (how many steps or keys) are left out too: they describe the page and the recording,
# not the hand, and a model learns them as shortcuts (one dataset's fixed password length).
_POINTER_EXCLUDED = frozenset({"ptr_non_integer_share", "ptr_log_steps"})
_KEY_INDEX = np.array([i for i, n in enumerate(KEYSTROKE_FEATURES) if n != "key_log_flights"])
_POINTER_INDEX = np.array([i for i, n in enumerate(POINTER_FEATURES) if n not in _POINTER_EXCLUDED])
POINTER_MODEL_INDEX = _POINTER_INDEX
"""Positions in the full pointer vector of the features the pointer model reads."""
KEYSTROKE_MODEL_INDEX = _KEY_INDEX
"""Positions in the full keystroke vector of the features the keystroke model reads."""

MODALITY_FEATURES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "pointer": tuple(POINTER_FEATURES[i] for i in _POINTER_INDEX),
        "keystrokes": tuple(KEYSTROKE_FEATURES[i] for i in _KEY_INDEX),
    }
)
"""Feature names by modality, in the order :func:`modality_features` returns them."""


def modality_features(state: SessionState, modality: str) -> npt.NDArray[np.float64]:
    """The feature vector of ``modality`` (``pointer`` or ``keystrokes``) for a session so far."""
    if modality == "pointer":
        t, x, y, k = state.pointer_window.columns()
        full = pointer_features(t, x.astype(np.float64), y.astype(np.float64), k)
        picked: npt.NDArray[np.float64] = full[_POINTER_INDEX]
        return picked
    if modality == "keystrokes":
        t, kind, key_class = state.key_window.columns()
        keys: npt.NDArray[np.float64] = keystroke_features(t, kind, key_class)[_KEY_INDEX]
        return keys
    raise ValueError(f"unknown modality {modality!r}")
