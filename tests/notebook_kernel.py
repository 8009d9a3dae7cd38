"""Running notebooks as Jupyter runs them, for the tests: a Jupyter kernel (ipykernel, this
venv's Python) started in the notebook's folder, every code cell executed in order by
nbclient, the outputs kept in the cells.

- :func:`run_notebook`: a fresh kernel for one notebook, as a user who opens it gets.
- :class:`KeptKernel`: one kernel for many notebooks of one folder, its namespace reset
  before each (a kernel start and ``import torch`` cost seconds; see the tests' module).

The kernel is ipykernel's ``python3`` when jupyter_client finds it running this venv's
Python (its kernel spec's ``python``, which jupyter_client replaces by ``sys.executable``,
or this very executable), else a spec of our own that runs ``sys.executable``: the kernel
always has this venv's torch and matplotlib. matplotlib's backend is the one a Jupyter
kernel chooses (ipykernel sets ``module://matplotlib_inline.backend_inline`` when
``MPLBACKEND`` is unset: the caller's setting is dropped), so a figure shown is a
``display_data`` output with an ``image/png``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from traitlets import default

#: Seconds a cell may take, and a kernel to start: generous, for a busy machine (the tests
#: assert no time; these only end a kernel that hangs).
CELL_TIMEOUT = 600
STARTUP_TIMEOUT = 300
#: What ipykernel's kernel spec runs.
LAUNCHER = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]
#: The commands jupyter_client replaces by ``sys.executable`` (``format_kernel_cmd``).
PYTHON_NAMES = {"python", f"python{sys.version_info[0]}",
                f"python{sys.version_info[0]}.{sys.version_info[1]}"}
#: Run before each notebook in a kept kernel: the user's namespace emptied (IPython's
#: ``%reset -f``), every figure closed, and torch's global generator moved off any seed, so
#: that a notebook relying on what an earlier one left (a variable, a seed) fails here.
RESET = """\
%reset -f
import sys as _sys
if "matplotlib.pyplot" in _sys.modules:
    _sys.modules["matplotlib.pyplot"].close("all")
if "torch" in _sys.modules:
    _sys.modules["torch"].manual_seed(987654321)
del _sys
"""


def found_spec_runs_this_python() -> bool:
    """Whether jupyter_client's ``python3`` kernel spec runs this venv's Python."""
    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        return False
    command = spec.argv[0] if spec.argv else ""
    if command in PYTHON_NAMES:
        return True
    return Path(command).resolve() == Path(sys.executable).resolve() and \
        spec.argv[1:] == LAUNCHER


class _ThisPythonSpecs(KernelSpecManager):
    """A kernel spec manager whose ``python3`` runs ``sys.executable -m ipykernel_launcher``."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return KernelSpec(argv=[sys.executable, *LAUNCHER], display_name="Python 3 (ipykernel)",
                          language="python", metadata={"debugger": True})


class _ThisPythonKernel(AsyncKernelManager):
    """jupyter_client's kernel manager with :class:`_ThisPythonSpecs`."""

    @default("kernel_spec_manager")
    def _this_python_specs(self) -> KernelSpecManager:
        return _ThisPythonSpecs(data_dir=self.data_dir)


def kernel_manager_class() -> type[AsyncKernelManager]:
    """The kernel manager that starts this venv's ipykernel (see the module's docstring)."""
    return AsyncKernelManager if found_spec_runs_this_python() else _ThisPythonKernel


def kernel_env() -> dict[str, str]:
    """The kernel's environment: this process's, with matplotlib's backend left to ipykernel
    (as a kernel Jupyter starts has it)."""
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    return env


def _client(nb: nbformat.NotebookNode, folder: Path) -> NotebookClient:
    return NotebookClient(nb, timeout=CELL_TIMEOUT, startup_timeout=STARTUP_TIMEOUT,
                          kernel_name="python3", kernel_manager_class=kernel_manager_class(),
                          resources={"metadata": {"path": str(folder)}},
                          shutdown_kernel="immediate")


def run_notebook(path: str | os.PathLike) -> nbformat.NotebookNode:
    """Execute the notebook at ``path`` in a fresh kernel whose working directory is the
    notebook's folder, as Jupyter does; return it with its outputs. A cell that raises
    stops it (:class:`nbclient.exceptions.CellExecutionError`)."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    _client(nb, path.parent).execute(env=kernel_env())
    return nb


class KeptKernel:
    """One kernel, started in ``folder``, that runs the notebooks of that folder one after
    another (:meth:`run`), each in an emptied namespace (:data:`RESET`). A context manager:
    the kernel is shut down at its end."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.client = _client(nbformat.v4.new_notebook(), self.folder)
        self._setup = None

    def __enter__(self) -> KeptKernel:
        self._setup = self.client.setup_kernel(env=kernel_env())
        self._setup.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._setup.__exit__(*exc)

    def execute(self, source: str) -> nbformat.NotebookNode:
        """Run ``source`` in the kernel as a cell of no notebook (outputs in the cell)."""
        cell = nbformat.v4.new_code_cell(source)
        kept, self.client.nb = self.client.nb, nbformat.v4.new_notebook(cells=[cell])
        try:
            self.client.execute_cell(cell, 0, store_history=False)
        finally:
            self.client.nb = kept
        return cell

    def run(self, path: str | os.PathLike, before: str = "",
            raise_error: bool = True) -> nbformat.NotebookNode:
        """Execute the notebook at ``path`` (in this kernel's folder) after :data:`RESET`
        and ``before``; return it with its outputs. A cell that raises stops it, as Jupyter's
        *Run All* stops: :class:`nbclient.exceptions.CellExecutionError`, or, with
        ``raise_error`` False, the notebook is returned as it stands (the error in the
        cell's outputs)."""
        path = Path(path)
        assert path.parent.resolve() == self.folder.resolve(), "the kernel runs in its folder"
        nb = nbformat.read(path, as_version=4)
        self.execute(RESET + before)
        self.client.nb = nb
        self.client.reset_execution_trackers()
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                try:
                    self.client.execute_cell(cell, index, execution_count=index + 1)
                except CellExecutionError:
                    if raise_error:
                        raise
                    break
        return nb


def stdout_of(nb: nbformat.NotebookNode) -> str:
    """Everything the notebook's cells printed to stdout, in order."""
    return "".join(out.text for cell in nb.cells if cell.cell_type == "code"
                   for out in cell.get("outputs", [])
                   if out.output_type == "stream" and out.name == "stdout")


#: What a cell may write to stderr that is no fault of the notebook's: matplotlib's note
#: when its first import in a new home folder takes more than 5 s (a busy machine).
HARMLESS_STDERR = ("Matplotlib is building the font cache; this may take a moment.",)


def errors_of(nb: nbformat.NotebookNode) -> list[str]:
    """The errors the notebook's cells raised (``ename: evalue``) and the lines they wrote
    to stderr (a warning, say; but :data:`HARMLESS_STDERR`), in order."""
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else ():
            if out.output_type == "error":
                found.append(f"{out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr":
                found += [line for line in out.text.splitlines()
                          if line.strip() and line.strip() not in HARMLESS_STDERR]
    return found


def images_of(cell: nbformat.NotebookNode) -> list[str]:
    """The PNG images a code cell displayed (base64)."""
    return [out.data["image/png"] for out in cell.get("outputs", [])
            if out.output_type in ("display_data", "execute_result")
            and "image/png" in out.get("data", {})]
