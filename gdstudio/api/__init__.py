"""The Python API for notebooks: ``gdstudio.train`` (:mod:`gdstudio.api.training`) and
``gdstudio.open`` (:mod:`gdstudio.api.launch`)."""
