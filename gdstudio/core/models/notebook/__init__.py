"""A run as a Jupyter notebook: the script's steps as code cells, each explained in a
markdown cell, and the tutorials' plots (File ▸ Export notebook…, ``gdstudio train
--notebook``)."""
