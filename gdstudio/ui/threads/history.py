"""The current run's per-epoch results, in numpy arrays: :class:`History`."""

from __future__ import annotations

import numpy as np

from gdstudio.core.settings.config import EpochRecord


class History:
    """Per-epoch results of the current run, in numpy arrays (GUI thread only).

    Loss, w and b are kept as float64, whatever the data's dtype, so every number the engine
    reported is kept exactly (24 bytes an epoch); samples seen and updates are the same every
    epoch and are derived. ``capacity`` (the run's epochs) is reserved up front: memory
    the operating system only commits as epochs arrive, and the arrays never need copying.
    Filled slots are never written again, so views of :attr:`loss`, :attr:`w` and :attr:`b`
    stay valid (an export reads them while a new run fills a new History).
    """

    def __init__(self, capacity: int = 1024):
        self._capacity = max(int(capacity), 1)
        self.clear()

    def clear(self) -> None:
        try:
            self._data = np.empty((3, self._capacity), np.float64)  # rows: loss, w, b
        except MemoryError:  # grown as epochs arrive instead
            self._data = np.empty((3, 1024), np.float64)
        self.count = 0
        self._samples = self._updates = 0  # per epoch

    @classmethod
    def from_columns(cls, loss, w, b, samples_per_epoch: int, updates_per_epoch: int):
        """A history holding these columns (for tests and benchmarks)."""
        loss = np.asarray(loss, np.float64)
        history = cls(len(loss))
        history._data[:, : len(loss)] = [loss, w, b]
        history.count = len(loss)
        history._samples, history._updates = samples_per_epoch, updates_per_epoch
        return history

    def extend(self, records: list[EpochRecord]) -> None:
        n = len(records)
        if not n:
            return
        if not self.count:
            self._samples, self._updates = records[0].samples_seen, records[0].updates
        need = self.count + n
        if need > self._data.shape[1]:
            grown = np.empty((3, max(need, self._data.shape[1] * 3 // 2)), np.float64)
            grown[:, : self.count] = self._data[:, : self.count]
            self._data = grown
        self._data[:, self.count:need] = [[r.loss for r in records], [r.w for r in records],
                                          [r.b for r in records]]
        self.count = need

    @property
    def loss(self) -> np.ndarray:
        return self._data[0, : self.count]

    @property
    def w(self) -> np.ndarray:
        return self._data[1, : self.count]

    @property
    def b(self) -> np.ndarray:
        return self._data[2, : self.count]

    @property
    def samples_per_epoch(self) -> int:
        return self._samples

    @property
    def updates_per_epoch(self) -> int:
        return self._updates

    def record(self, i: int) -> EpochRecord:
        loss, w, b = self._data[:, i].tolist()
        return EpochRecord(i, loss, w, b, (i + 1) * self._samples, (i + 1) * self._updates)

    def records(self) -> list[EpochRecord]:
        return [self.record(i) for i in range(self.count)]

    def last(self) -> EpochRecord | None:
        return self.record(self.count - 1) if self.count else None
