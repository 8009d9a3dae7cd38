"""Gradient Descent Studio: watch gradient descent fit a line, live."""

__version__ = "0.1.0"
