"""The replay index's sorted rows: a look-up finds exactly the live rows in range that pass its
test, whether they are sorted yet or still waiting in the batch, and never a forgotten one."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from botsift_server.engine._sorted_rows import MERGE_EVERY, SortedRows

PER_SLOT = 3


@pytest.mark.parametrize("slots", [2, MERGE_EVERY - 1, 40])
def test_a_look_up_finds_exactly_the_live_rows_in_range_through_merges_and_reused_slots(slots: int) -> None:
    rng = np.random.default_rng(slots)
    index = SortedRows(slots, PER_SLOT)
    live: dict[int, tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.complex64]]] = {}
    for added in range(4 * MERGE_EVERY + 5):
        slot = added % slots
        if slot in live:
            index.forget(slot)
        n = int(rng.integers(0, PER_SLOT + 1))  # a session may bring no rows at all
        # Few distinct keys, so equal keys are common (the merge must keep each).
        keys = np.sort(rng.integers(0, 20, n).astype(np.float64))
        rows = slot * PER_SLOT + np.arange(n)
        pairs = (rng.normal(size=n) + 1j * rng.normal(size=n)).astype(np.complex64)
        index.add(slot, keys, rows, pairs)
        live[slot] = (keys, rows, pairs)

        low = rng.integers(0, 20, 4).astype(np.float64)
        high = low + rng.integers(0, 6, 4)

        def positive(query: npt.NDArray[np.intp], pairs: npt.NDArray[np.complex64]) -> npt.NDArray[np.bool_]:
            keep: npt.NDArray[np.bool_] = pairs.real > 0.0
            return keep

        query, found = index.within(low, high, positive)
        expected = sorted(
            (q, int(row))
            for keys, rows, pairs in live.values()
            for key, row, pair in zip(keys, rows, pairs, strict=True)
            for q in range(4)
            if low[q] <= key <= high[q] and pair.real > 0.0
        )
        assert sorted(zip(query.tolist(), found.tolist(), strict=True)) == expected
        assert len(index) >= sum(keys.shape[0] for keys, _, _ in live.values())
