"""Turning a learned model's output into findings with stable reason codes.

A logistic model's log-odds is a sum of one term per feature, so it explains itself: the terms
are grouped by what they describe (sampling, velocity profile, path shape…) and each group
becomes one finding, with a sentence that depends on which way it points. The model's offset
(the log-odds of a session whose features all sit at the training mean) is added to the
strongest group, so the findings add up to the model's whole contribution.

That contribution is bounded (:data:`MAX_HUMAN_LOG_ODDS`, :data:`MAX_BOT_LOG_ODDS`). Trees are
calibrated on the people and bots they were trained on, where the two are far apart, so their
log-odds reach +-18; on a bot unlike any of those (a tool nobody trained on) a tree can land in a
leaf of people and say so just as loudly, drowning every rule. Bounded, the model still ranks
what it knows, but a few rules that agree (straight lines, zero-length key holds, instant clicks)
outweigh it.

A model also vouches for a person only as far as the session looks like the people it was
trained on. Trees extrapolate flat: past the last split they say what they said at the edge, so a
bot whose features lie beyond every person's (a Java robot's steps every 7 ms, half of them under
a pixel or two; a replayer's 1 kHz recordings) lands in a leaf of the people nearest that edge
and is called human with all their confidence. The model file records, per feature, the range of
its training people (:data:`~botsift_server.engine.learned.HUMAN_RANGE_PERCENT`); where two
features fall outside it, what the model says *for a person* counts half, from three nothing
(:data:`UNLIKE_FEATURES`). What it says for a bot is not touched: an unusual person loses the
model's word for them, never gains a word against them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from botsift_server.engine._evidence import Finding, ramp, total
from botsift_server.engine.learned import TreeModel

# code: (prefix of the features it groups, sentence when bot-like, sentence when human-like)
_GROUPS: Mapping[str, tuple[tuple[str, ...], str, str]] = MappingProxyType(
    {
        "POINTER_SAMPLING_PATTERN": (
            ("ptr_dt_", "ptr_log_steps"),
            "Pointer events arrive on a timer unlike a hand-held mouse's.",
            "Pointer events arrive at the uneven intervals of a real mouse.",
        ),
        "POINTER_VELOCITY_PROFILE": (
            ("ptr_speed", "ptr_log_speed", "ptr_accel", "ptr_log_jerk", "ptr_peak"),
            "The pointer's speed, acceleration and jerk profile looks generated.",
            "The pointer speeds up and slows down as a hand does (sub-movements, smooth jerk).",
        ),
        "POINTER_PATH_SHAPE": (
            ("ptr_straightness", "ptr_turn_", "ptr_power_law"),
            "The pointer's path bends unlike a hand's (direction changes, speed against curvature).",
            "The pointer's path bends as a hand's does (direction changes, speed against curvature).",
        ),
        "POINTER_STEP_PATTERN": (
            ("ptr_still", "ptr_small_step", "ptr_step_len", "ptr_repeat_step"),
            "The pointer moves in steps of machine-like sizes (repeats, stalls).",
            "The pointer's step sizes vary as a hand's do.",
        ),
        "POINTER_PAUSE_PATTERN": (
            ("ptr_press_to_move", "ptr_pause"),
            "Pauses around presses and within movements are unlike a person's.",
            "Pauses around presses and within movements are like a person's.",
        ),
        "KEYS_RHYTHM_PATTERN": (
            (
                "key_flight_cv",
                "key_log_flight_std",
                "key_flight_skew",
                "key_flight_range",
                "key_flight_entropy",
                "key_flight_mode",
            ),
            "Intervals between key presses are spread unlike a person's (too even, flat or symmetric).",
            "Intervals between key presses are skewed and uneven, as a person's are.",
        ),
        "KEYS_TEMPO_PATTERN": (
            ("key_log_flights", "key_flight_log_median", "key_fast", "key_slow", "key_flight_lag1"),
            "The typing tempo (speed, bursts and pauses) is unlike a person's.",
            "The typing tempo has the bursts and pauses of a person.",
        ),
        "KEYS_STRUCTURE_PATTERN": (
            ("key_boundary", "key_backspace"),
            "Typing ignores word boundaries and corrections, as a timer does.",
            "Typing slows at word boundaries and has corrections, as a person's does.",
        ),
    }
)

MODEL_REASON_CODES: tuple[str, ...] = tuple(_GROUPS)
"""Reason codes the learned models can give."""

MAX_HUMAN_LOG_ODDS = 5.0
"""The most human-pointing log-odds a model's findings add up to (approached smoothly)."""
MAX_BOT_LOG_ODDS = 12.0
"""The most bot-pointing log-odds a model's findings add up to (approached smoothly)."""


UNLIKE_FEATURES = (1.0, 3.0)
"""Features outside the training people's range at which a model's human-pointing findings start
to count less and count nothing. One is ordinary; with the shipped pointer model, of the eval-part
Balabit movements of 12 steps or more 2.1% have one outside, 0.4% two, 0.25% three; of Balabit's
eval-part windows and the composite sessions under 1% have one and none two."""


def bounded(log_odds: float) -> float:
    """``log_odds`` squashed smoothly (``tanh``) into ``[-MAX_HUMAN_LOG_ODDS, MAX_BOT_LOG_ODDS]``;
    order-preserving, and near the identity for small values."""
    cap = MAX_BOT_LOG_ODDS if log_odds > 0.0 else MAX_HUMAN_LOG_ODDS
    return cap * math.tanh(log_odds / cap)


@functools.lru_cache(maxsize=16)
def _group_index(features: tuple[str, ...]) -> dict[str, npt.NDArray[np.intp]]:
    # Cached by feature names (pure: the same names always give the same groups).
    out: dict[str, npt.NDArray[np.intp]] = {}
    for code, (prefixes, _, _) in _GROUPS.items():
        idx = [i for i, name in enumerate(features) if name.startswith(prefixes)]
        if idx:
            out[code] = np.array(idx, np.intp)
    return out


def model_findings(
    model: TreeModel, x: npt.NDArray[np.float64], strength: float, unlike_code: str | None = None
) -> list[Finding]:
    """Findings of ``model`` on feature vector ``x``, each scaled by ``strength`` (0-1).

    With ``unlike_code``, human-pointing findings count less the more features of ``x`` lie
    outside the range of the model's training people (see the module docstring), and a finding
    of that code (weight 0) says so; without it (features the caller knows to be distorted, such
    as times read off a coarse clock) they count as they are.
    """
    if strength <= 0.0:
        return []
    terms = model.terms(x)
    groups = _group_index(model.features)
    totals = {code: total(terms[idx]) for code, idx in groups.items()}
    if not totals:
        return []
    strongest = max(totals, key=lambda c: abs(totals[c]))
    totals[strongest] += model.offset
    whole = math.fsum(totals.values())
    scale = strength * (bounded(whole) / whole if whole != 0.0 else 1.0)
    findings = []
    if unlike_code is not None and whole < 0.0:
        unlike = model.unlike_people(x)
        vouched = 1.0 - ramp(unlike, *UNLIKE_FEATURES)
        if vouched < 1.0:
            scale *= vouched
            measured = int(np.count_nonzero(np.isfinite(x)))
            findings.append(
                Finding(
                    unlike_code,
                    f"{unlike} of the {measured} measured features lie outside the range of every "
                    f"person the learned model was trained on; what it says for a person counts "
                    f"{vouched:.0%}.",
                    0.0,
                )
            )
    for code, group_total in totals.items():
        weight = scale * group_total
        if abs(weight) < 0.05:
            continue
        _, bot_sentence, human_sentence = _GROUPS[code]
        findings.append(Finding(code, bot_sentence if weight > 0 else human_sentence, weight))
    return findings
