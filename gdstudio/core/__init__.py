"""The studio's engine: data, settings, the models' mathematics, training and files.

Pure Python, numpy and torch; never Qt. A folder per feature, each importing only the folders
below it: ``data`` < ``settings`` < ``models`` < ``training`` < ``files`` and ``drawing``. Only
the training engine, the implementations and the data generators import torch, so the window
imports the rest and opens while PyTorch is still loading.
"""
