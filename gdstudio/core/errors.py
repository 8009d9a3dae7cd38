"""Exceptions the core raises; each carries a message meant for the user."""


class StudioError(Exception):
    """Base class: ``str(error)`` is a complete, user-facing sentence."""


class DataError(StudioError):
    """A data set could not be read, generated or edited."""


class ConfigError(StudioError):
    """Training settings are invalid."""


class ExportError(StudioError):
    """An output file could not be written; any previous file is untouched."""


class TrainingDiverged(StudioError):
    """Training produced a non-finite or overflowing loss or parameter.

    Attributes
    ----------
    epoch : int
        The epoch in which it happened (0-based, as in the history).
    stable_lr : float
        The largest stable learning rate of full-batch MSE descent on the data.
    w, b, loss : float
        The last parameters whose full-data loss is finite, and that loss. When even the
        starting parameters overflow, ``w`` and ``b`` are the start and ``loss`` is ``None``.
    """

    def __init__(self, epoch: int, learning_rate: float, stable_lr: float, w: float, b: float,
                 loss: float | None):
        self.epoch = epoch
        self.learning_rate = learning_rate
        self.stable_lr = stable_lr
        self.w = w
        self.b = b
        self.loss = loss
        super().__init__(
            f"Training diverged in epoch {epoch}: the loss or a parameter stopped being finite. "
            f"Learning rate {learning_rate:g}; full-batch descent on this data is stable below "
            f"{stable_lr:.6g}. Kept the last finite parameters w={w:.6g}, b={b:.6g}."
        )
