"""Rows of a slot store kept sorted by one number, for range look-ups that stay cheap to update.

The replay index (:mod:`botsift_server.engine.replay`) looks stored strokes up by duration and
stored rhythms by their first interval. Keeping a few thousand rows sorted by re-inserting on
every addition copies the whole index each time (a third of a millisecond at 1,000 sessions,
more than the look-up itself). Here an addition waits in a small unsorted batch that look-ups
scan directly, and the batch is merged into the sorted rows once every :data:`MERGE_EVERY`
additions; rows of a slot that is reused are marked stale and skipped until the next merge
drops them. A look-up returns the same rows either way, in a different order.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

MERGE_EVERY = 16
"""Additions that wait unsorted before they are merged into the sorted rows."""


Test = Callable[[npt.NDArray[np.intp], npt.NDArray[np.complex64]], npt.NDArray[np.bool_]]
"""A look-up's first test of its candidates: given each candidate's query number and pair,
which to keep."""


def as_pairs(values: npt.NDArray[np.float64]) -> npt.NDArray[np.complex64]:
    """Rows of two values as float32 pairs, one complex64 each (what :class:`SortedRows` keeps
    and its look-ups test)."""
    out = np.empty(values.shape[0], np.complex64)
    out.real = values[:, 0]
    out.imag = values[:, 1]
    return out


class SortedRows:
    """Row numbers of a slot store (``per_slot`` rows a slot), each with a sort key and a pair
    of float32 values (one complex64) that look-ups test first, without touching the store's
    scattered rows."""

    __slots__ = (
        "_any_stale",
        "_batched",
        "_keys",
        "_new_keys",
        "_new_pairs",
        "_new_rows",
        "_pairs",
        "_pending",
        "_per_slot",
        "_rows",
        "_stale",
    )

    def __init__(self, slots: int, per_slot: int) -> None:
        self._per_slot = per_slot
        self._keys = np.zeros(0)
        self._rows = np.zeros(0, np.int64)
        self._pairs = np.zeros(0, np.complex64)
        self._new_keys = self._keys
        self._new_rows = self._rows
        self._new_pairs = self._pairs
        self._batched = 0
        # Slots reused since the last merge: their rows among the sorted ones describe the
        # slot's former occupant.
        self._stale = np.zeros(slots, np.bool_)
        self._any_stale = False
        # Slots with rows in the unsorted batch.
        self._pending = np.zeros(slots, np.bool_)

    def __len__(self) -> int:
        """Rows a look-up can return (stale ones included until they are dropped)."""
        return int(self._keys.shape[0] + self._new_keys.shape[0])

    def forget(self, slot: int) -> None:
        """Drop the rows of ``slot`` (before it is reused)."""
        self._stale[slot] = True
        self._any_stale = True
        if self._pending[slot]:
            self._pending[slot] = False
            keep = self._new_rows // self._per_slot != slot
            self._new_keys = self._new_keys[keep]
            self._new_rows = self._new_rows[keep]
            self._new_pairs = self._new_pairs[keep]

    def add(
        self,
        slot: int,
        keys: npt.NDArray[np.float64],
        rows: npt.NDArray[np.int64],
        pairs: npt.NDArray[np.complex64],
    ) -> None:
        """Add rows of ``slot`` (after :meth:`forget` of the slot, when it is reused)."""
        self._pending[slot] = True
        self._new_keys = np.concatenate((self._new_keys, keys))
        self._new_rows = np.concatenate((self._new_rows, rows))
        self._new_pairs = np.concatenate((self._new_pairs, pairs))
        self._batched += 1
        if self._batched >= MERGE_EVERY:
            self._merge()

    def within(
        self, low: npt.NDArray[np.float64], high: npt.NDArray[np.float64], test: Test
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64]]:
        """Every pair of a query ``i`` and a row whose key is in ``[low[i], high[i]]`` and that
        passes ``test``: the query numbers and the rows."""
        query, at = _ranges(self._keys, low, high)
        passed = test(query, self._pairs[at])
        query, rows = query[passed], self._rows[at[passed]]
        if self._any_stale and rows.shape[0]:
            fresh = ~self._stale[rows // self._per_slot]
            query, rows = query[fresh], rows[fresh]
        if self._new_keys.shape[0]:
            new = self._new_keys[None, :]
            query_new, at_new = np.nonzero((new >= low[:, None]) & (new <= high[:, None]))
            if at_new.shape[0]:
                passed = test(query_new, self._new_pairs[at_new])
                query = np.concatenate((query, query_new[passed]))
                rows = np.concatenate((rows, self._new_rows[at_new[passed]]))
        return query, rows

    def _merge(self) -> None:
        keys, rows, pairs = self._keys, self._rows, self._pairs
        if self._any_stale:
            keep = ~self._stale[rows // self._per_slot]
            keys, rows, pairs = keys[keep], rows[keep], pairs[keep]
            self._stale[:] = False
            self._any_stale = False
        order = self._new_keys.argsort(kind="stable")
        new_keys = self._new_keys[order]
        # Where each new row goes in the merged arrays (keys are finite, so searchsorted and a
        # running count place them exactly).
        at = keys.searchsorted(new_keys) + np.arange(new_keys.shape[0])
        old = np.ones(keys.shape[0] + new_keys.shape[0], np.bool_)
        old[at] = False
        merged = []
        for column, new in ((keys, new_keys), (rows, self._new_rows[order]), (pairs, self._new_pairs[order])):
            out = np.empty(old.shape[0], column.dtype)
            out[at] = new
            out[old] = column
            merged.append(out)
        self._keys, self._rows, self._pairs = merged
        self._new_keys, self._new_rows, self._new_pairs = keys[:0], rows[:0], pairs[:0]
        self._pending[:] = False
        self._batched = 0


def _ranges(
    keys: npt.NDArray[np.float64], low: npt.NDArray[np.float64], high: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Positions in ascending ``keys`` of the values in ``[low[i], high[i]]``, each query's run
    one after another, and the query of each position."""
    lo = keys.searchsorted(low, "left")
    hi = keys.searchsorted(high, "right")
    if lo.shape[0] == 1:
        at = np.arange(lo[0], hi[0])
        return np.zeros(at.shape[0], np.intp), at
    lengths = hi - lo
    at = np.arange(int(lengths.sum())) + (lo - (lengths.cumsum() - lengths)).repeat(lengths)
    return np.arange(lo.shape[0]).repeat(lengths), at
