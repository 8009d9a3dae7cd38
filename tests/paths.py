"""Where the checkout is, for tests that run the studio as a user would."""

from pathlib import Path

#: The root of the checkout (README.md, pyproject.toml, resources/).
ROOT = Path(__file__).resolve().parent.parent
