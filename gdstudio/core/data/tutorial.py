"""The tutorial's noisy line as stored numbers, so that the window opens without torch.

``noisy_line()`` (its defaults: y = -5x + 0.4 noise, x from -5 to 5 by 0.1, seed 0, float32)
needs torch's random generator; the window shows these same 100 points before PyTorch has
finished loading. A test checks that they are bit for bit what ``noisy_line()`` gives, so
they carry its recipe (the run's script generates them as the tutorial does).
"""

from __future__ import annotations

import base64

import numpy as np

from gdstudio.core.data.dataset import LINE_DEFAULTS, Dataset, LineRecipe

# x then y, 100 float32 each, little-endian, in base64.
_POINTS = (
    "AACgwM3MnMCamZnAZmaWwDMzk8AAAJDAzcyMwJqZicBmZobAMzODwP//f8CZmXnAMjNzwMzMbMBmZmbA//9fwJqZ"
    "WcA0M1PAzcxMwGdmRsAAAEDAmpk5wDQzM8DNzCzAZmYmwAAAIMCZmRnAMzMTwMzMDMBmZgbA////vzIz879mZua/"
    "mZnZv8zMzL8AAMC/MzOzv2Zmpr+ZmZm/zMyMvwAAgL9mZma/zcxMvzMzM7+amRm/AAAAv83MzL6amZm+zcxMvs3M"
    "zL3NzEyxzMzMPc3MTD6amZk+zczMPgAAAD+amRk/NDMzP83MTD9nZmY/AACAP83MjD+amZk/Z2amPzMzsz8AAMA/"
    "zczMP5mZ2T9mZuY/MzPzPwAAAEBmZgZAzcwMQDMzE0CamRlAAAAgQGdmJkDNzCxAMzMzQJqZOUAAAEBAZmZGQM3M"
    "TEAzM1NAmplZQAAAYEBmZmZAzcxsQDMzc0CZmXlAAACAQDMzg0BmZoZAmpmJQM3MjEAAAJBAMzOTQGZmlkCamZlA"
    "zcycQLZlxEH9T8BBujK/QZGcukFDt7pB5Ta2QR/9rkE2O6VBAgipQRT1n0G0HqFBbPycQSximEHk9ZdB3ZKTQW01"
    "i0Hoq4NBYyV9QTPQgUEXFH1BI9VzQSIMXkG40F1B99tjQRzNVEG5QERB5+M+QZwsOUFV5DhBDScyQWkOJkG3mRJB"
    "tRIMQcMzCEGYsflAAS7zQMyg5UBZcNFAvzPIQJSltUDAsJ5AriSaQKKVeEAdWGFAnmJNQLzvWkDqyrQ/6IVdP1oT"
    "Oz/AYFk/ICPYPt2T274Oy4u/zg7Uv+0u5L+0HSrAVGxLwP3zTMAcEFnA7rBIwGKZs8AEzL/AILWowEEP18BQSefA"
    "cDnkwBTI8cBXff/A13UZwdiRB8EpByPBPNolwX1tOsGzhDvBKRJDwa4yS8El1FbBSN1QwXrmYMHa12LB8ZhwwVaa"
    "c8G/roLBRf+DwdVckMHAbZHB+rqQwakak8H/w5fB+G+YwcQYn8FInKLBrYmmwerErsH0f63BOve2wedWt8EpEb3B"
    "TF/BwTFBw8E="
)


def tutorial_line() -> Dataset:
    """The data set ``noisy_line()`` makes with its defaults (100 float32 points), with its
    recipe."""
    values = np.frombuffer(base64.b64decode("".join(_POINTS)), dtype="<f4")
    x, y = values.reshape(2, -1)
    d = LINE_DEFAULTS
    recipe = LineRecipe(d["slope"], d["intercept"], d["noise"], d["x_min"], d["x_max"],
                        d["seed"], "float32", x_step=d["x_step"])
    return Dataset(x.astype(np.float32), y.astype(np.float32), recipe)
