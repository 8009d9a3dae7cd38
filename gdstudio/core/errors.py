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
    """Training diverged by the rule of :mod:`gdstudio.core.models.line.divergence`.

    Attributes
    ----------
    epoch : int
        The number of epochs in the history: the run stopped before epoch ``epoch``
        (0-based), whose start it reached, or inside it when ``w`` or ``b`` overflowed. After
        the last epoch (``final``) it equals the number of epochs run.
    stable_lr : float
        The largest stable learning rate of full-batch MSE descent on the data.
    w, b, loss : float
        The last parameters whose full-data loss is finite, and that loss: when the loss grew
        past the limit, the parameters that reached it. When even the starting parameters
        overflow, ``w`` and ``b`` are the start and ``loss`` is ``None``.
    reason : str
        Which part of the rule fired, with its numbers, in words.
    guide : str
        The step-size guide of the run's own method (``step_guide(dataset, config).text()``),
        as the message quotes it.
    final : bool
        True when the loss after the last update was the one that diverged.
    where : str
        The epoch as the message names it: ``"epoch 12"``, or after the last update
        ``"its last epoch, epoch 46"`` (then ``epoch`` is 47).
    """

    def __init__(self, epoch: int, learning_rate: float, stable_lr: float, w: float, b: float,
                 loss: float | None, reason: str = "the loss or a parameter stopped being "
                 "finite", guide: str | None = None, final: bool = False):
        self.epoch = epoch
        self.learning_rate = learning_rate
        self.stable_lr = stable_lr
        self.w = w
        self.b = b
        self.loss = loss
        self.reason = reason
        if guide is None:
            guide = f"batch descent on this data is stable below {stable_lr:.6g}"
        self.guide = guide
        self.final = final
        self.where = f"its last epoch, epoch {epoch - 1}" if final else f"epoch {epoch}"
        super().__init__(self.describe())

    def describe(self) -> str:
        """The message, from the attributes (call again after changing them)."""
        return (f"Training diverged in {self.where}: {self.reason}. Learning rate "
                f"{self.learning_rate:g}; {self.guide}. Kept the last parameters with a finite "
                f"loss, w={self.w:.6g}, b={self.b:.6g}.")
