"""A run as a Jupyter notebook: the script's steps as code cells, each explained in a
markdown cell, and the tutorials' plots (File ▸ Export notebook…, ``gdstudio train
--notebook``). See :mod:`gdstudio.core.models.notebook.ipynb`."""

from gdstudio.core.models.notebook.ipynb import (
    data_csv_name,
    needs_data_csv,
    notebook_cells,
    notebook_of,
    notebook_problem,
    notebook_text,
    write_notebook,
)

__all__ = ["data_csv_name", "needs_data_csv", "notebook_cells", "notebook_of",
           "notebook_problem", "notebook_text", "write_notebook"]
