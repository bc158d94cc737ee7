"""The metrics equal what a hand count gives on small cases."""

from __future__ import annotations

import numpy as np
import pytest

from botsift_server.evaluation import histogram, reliability, roc_auc, roc_curve, tpr_at_fpr


def test_auc_is_the_share_of_bot_human_pairs_ordered_right() -> None:
    # Pairs (bot, human): (0.35, 0.1) right, (0.35, 0.4) wrong, (0.8, 0.1) right, (0.8, 0.4) right -> 3/4.
    assert roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)


def test_auc_counts_a_tie_as_half() -> None:
    # (0.5 vs 0.5) tie = 1/2, (0.9 vs 0.5) right = 1 -> 1.5 / 2 pairs.
    assert roc_auc([0, 1, 1], [0.5, 0.5, 0.9]) == pytest.approx(0.75)


def test_perfect_and_reversed_rankings_give_one_and_zero() -> None:
    assert roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert roc_auc([0, 0, 1, 1], [0.4, 0.3, 0.2, 0.1]) == 0.0


def test_auc_matches_the_pair_count_on_random_scores() -> None:
    rng = np.random.default_rng(4)
    y = rng.random(300) < 0.4
    s = np.round(rng.random(300), 2)  # rounding makes ties
    bots, humans = s[y], s[~y]
    pairs = (bots[:, None] > humans[None, :]).mean() + 0.5 * (bots[:, None] == humans[None, :]).mean()
    assert roc_auc(y, s) == pytest.approx(pairs)


def test_tpr_at_fpr_uses_only_thresholds_within_the_false_positive_budget() -> None:
    # 100 humans at 0.0..0.99; the top human at 0.99. Bots: 5 above every human, 5 at 0.5.
    humans = np.arange(100) / 100
    bots = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5])
    y = np.r_[np.zeros(100, bool), np.ones(10, bool)]
    s = np.r_[humans, bots]
    assert tpr_at_fpr(y, s, 0.0) == pytest.approx(0.5)
    assert tpr_at_fpr(y, s, 0.01) == pytest.approx(0.5)  # flags human 0.99: still no more bots
    assert tpr_at_fpr(y, s, 0.5) == pytest.approx(1.0)  # threshold 0.5 flags 50 humans


def test_roc_curve_runs_from_nothing_flagged_to_everything_flagged() -> None:
    curve = roc_curve([0, 1, 0, 1], [0.2, 0.8, 0.2, 0.6])
    assert curve.fpr[0] == 0.0
    assert curve.tpr[0] == 0.0
    assert curve.fpr[-1] == 1.0
    assert curve.tpr[-1] == 1.0
    assert list(curve.thresholds[1:]) == [0.8, 0.6, 0.2]


def test_a_roc_curve_needs_both_labels() -> None:
    with pytest.raises(ValueError, match="both"):
        roc_auc([1, 1], [0.2, 0.3])


def test_reliability_bins_scores_and_observed_bot_rates() -> None:
    rel = reliability([0, 1, 1, 1], [0.05, 0.05, 0.95, 0.95], bins=2)
    assert list(rel.count) == [2, 2]
    assert rel.bot_rate[0] == pytest.approx(0.5)
    assert rel.bot_rate[1] == pytest.approx(1.0)
    assert rel.expected_calibration_error == pytest.approx((0.45 * 2 + 0.05 * 2) / 4)


def test_histogram_puts_a_score_of_one_in_the_last_bin() -> None:
    assert histogram([0.0, 0.05, 0.5, 1.0], bins=10).tolist() == [2, 0, 0, 0, 0, 1, 0, 0, 0, 1]
