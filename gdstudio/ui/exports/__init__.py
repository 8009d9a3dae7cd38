"""Exports: figures and the PyTorch code window."""
