"""Gradient Descent Studio: watch gradient descent fit a line, live.

From Python (a notebook, say)::

    import gdstudio
    run = gdstudio.train(x, y, lr=0.05, epochs=30)   # the run's history and summary
    gdstudio.open(x, y, lr=0.05)                     # the studio, in its own process

Importing ``gdstudio`` loads neither Qt nor PyTorch: :func:`train` loads PyTorch when it is
called, and :func:`open` starts the studio as a separate program.
"""

__version__ = "0.1.0"
__all__ = ["__version__", "open", "train"]


def train(x=None, y=None, **settings):
    """Train on the points ``x``, ``y`` with the settings of ``gdstudio train`` (keywords
    named as its options: ``lr=0.05``, ``batch_size=10``, ``no_bias=True``...) and return
    the run: its history as numpy arrays (``epoch``, ``loss``, ``w``, ``b``) and its
    summary (a :class:`gdstudio.api.training.Run`); the numbers are those of ``gdstudio
    train``, bit for bit. Without ``x`` and ``y``: ``gdstudio train``'s own data (the
    tutorial's noisy line, its keywords ``slope``, ``noise``...; ``data="FILE.csv"``;
    ``session="FILE.gdstudio"``). A bad setting raises ``ValueError`` with the command line's
    message (without its ``gdstudio train:`` prefix and ``--help`` tail); nothing is printed;
    a run that diverges is returned and warns. See :func:`gdstudio.api.training.train`.
    """
    from importlib import import_module

    # (by name: every layer imports this package's root, and the import rules would see a
    # plain import here as theirs of the API, the top layer)
    return import_module("gdstudio.api.training").train(x, y, **settings)


def open(x=None, y=None, **settings):
    """Open the studio with the points ``x``, ``y`` and these settings (the keywords of
    :func:`train`: ``lr=0.05``, ``epochs=30``, ``model="logistic"``...) in a process of its
    own, as a new session not saved yet, and return at once (the notebook's kernel is never
    blocked) with a handle on it: ``.pid``, ``.running``, ``.wait(timeout)``, ``.close()``
    and ``.log`` (the studio's messages). Each call opens another window; with no data and
    no settings, the studio opens as ``gdstudio`` opens it. A bad setting or point raises
    ``ValueError`` with the command line's message, and no display to show a window on
    ``RuntimeError``; nothing is started then. See :func:`gdstudio.api.launch.open_studio`.
    """
    from importlib import import_module

    # (by name: every layer imports this package's root, and the import rules see a plain
    # import here as theirs of the API, the top layer)
    return import_module("gdstudio.api.launch").open_studio(x, y, **settings)
