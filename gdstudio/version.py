"""The studio's version (``gdstudio --version``, the files it writes, Help ▸ About): a module of
its own, so that the parts that name it need not import the package's root and its API."""

__version__ = "0.1.0"
