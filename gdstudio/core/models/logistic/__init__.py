"""Logistic regression on one feature, p(x) = σ(w·x + b): the line's sibling model.

Its own mathematics lives here (the implementations of a step, the exact cross-entropy and
squared-error-on-sigmoid landscapes, the maximum-likelihood optimum, the curvature bounds, the
script's lines); the training engine, the files and the studio choose it by
``TrainConfig.model == "logistic"``.
"""
