"""The house: the core and the headless CLI never need Qt, and the import rules hold."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import gdstudio
from tests import forked
from tests.paths import ROOT

PACKAGE = Path(gdstudio.__file__).resolve().parent


def test_importing_core_and_cli_parser_loads_no_qt():
    code = textwrap.dedent("""
        import sys
        import gdstudio.core
        import gdstudio.core.data.commands, gdstudio.core.data.csv_io, gdstudio.core.data.dataset
        import gdstudio.core.training.engine, gdstudio.core.errors, gdstudio.core.training.results
        import gdstudio.core.models.line.optimum
        import gdstudio.cli.main
        parser = gdstudio.cli.main.build_parser()
        parser.parse_args(["--generate", "--epochs", "1"])
        loaded = [m for m in sys.modules
                  if m.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6")
                  or m.startswith(("gdstudio.ui", "gdstudio.app"))]
        assert "PySide6" not in sys.modules and "pyqtgraph" not in sys.modules, loaded
        assert not loaded, loaded
        print("ok")
    """)
    result = forked.run("-c", code, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_a_headless_training_run_loads_no_qt(tmp_path):
    code = textwrap.dedent("""
        import sys
        from gdstudio.cli.main import main
        code = main(["train", "--epochs", "2", "--quiet", "--history", "h.csv"])
        assert code == 0, code
        assert not [m for m in sys.modules if m.split(".")[0] in ("PySide6", "pyqtgraph")]
        assert "gdstudio.ui" not in sys.modules and "gdstudio.app" not in sys.modules
    """)
    result = forked.run("-c", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "h.csv").exists()


def imported_modules(path: Path) -> list[str]:
    """The absolute names of the modules a file imports, and of the names it imports."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: imports are absolute in the package"
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("floor", ["threads", "numbers", "studio"])
def test_the_studios_state_uses_qt_core_only(floor):
    """The studio's state (its threads, numbers and controller) has no widgets and no
    pyqtgraph: the one rule of the house that import-linter cannot say (it does not look
    inside PySide6)."""
    files = sorted((PACKAGE / "ui" / floor).glob("*.py"))
    assert len(files) >= 4
    for path in files:
        qt = [n for n in imported_modules(path)
              if n.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6")]
        assert all(n.startswith("PySide6.QtCore") for n in qt), (path.name, qt)


def test_the_rule_for_actions_and_the_helpers_of_the_controller_load_no_qt():
    code = textwrap.dedent("""
        import sys
        import gdstudio.core.drawing.plotmath, gdstudio.core.training.runstate
        import gdstudio.ui.studio.action_state, gdstudio.ui.studio.generator
        import gdstudio.ui.studio.kept_runs, gdstudio.ui.studio.palette
        assert not [m for m in sys.modules if m.split(".")[0] in ("PySide6", "pyqtgraph")]
        print("ok")
    """)
    result = forked.run("-c", code, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_no_module_name_is_in_both_core_and_ui():
    core = {p.name for p in (PACKAGE / "core").rglob("*.py")} - {"__init__.py"}
    ui = {p.name for p in (PACKAGE / "ui").rglob("*.py")} - {"__init__.py"}
    assert core & ui == set()
    assert len(core) > 30 and len(ui) > 40


def test_each_folder_holds_a_handful_of_modules():
    """A folder per feature: none grows into a flat list a newcomer cannot read."""
    crowded = {}
    for folder in [PACKAGE, *sorted(p for p in PACKAGE.rglob("*") if p.is_dir())]:
        modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
        if len(modules) > 15:
            crowded[str(folder.relative_to(PACKAGE))] = len(modules)
    assert crowded == {}


def test_the_import_contracts_hold():
    """The house's import rules (pyproject.toml, [tool.importlinter]): the test command runs
    lint-imports as well; this runs it where only pytest is run."""
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.skip("import-linter is not installed")
    result = subprocess.run([str(lint), "--no-cache"], capture_output=True, text=True,
                            timeout=120, cwd=PACKAGE.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.skipif(shutil.which("ruff") is None and not Path(sys.executable).with_name(
    "ruff").exists(), reason="ruff is not installed")
def test_ruff_reports_qt_imported_in_the_core():
    """gdstudio/core/ruff.toml bans Qt imports there (rule TID251), and only there."""
    ruff = Path(sys.executable).with_name("ruff")
    ruff = str(ruff) if ruff.exists() else shutil.which("ruff")
    source = "from PySide6.QtCore import QObject\nfrom ..ui import controller\n\n" \
             "print(QObject, controller)\n"

    def check(path):
        return subprocess.run([ruff, "check", "--no-cache", "--stdin-filename", path, "-"],
                              input=source, capture_output=True, text=True, timeout=60,
                              cwd=PACKAGE.parent)

    core = check("gdstudio/core/sample.py")
    assert core.returncode == 1
    assert core.stdout.count("TID251") == 2, core.stdout
    ui = check("gdstudio/ui/sample.py")
    assert "TID251" not in ui.stdout, ui.stdout


def test_every_package_goes_into_the_wheel():
    tomllib = pytest.importorskip("tomllib")
    pyproject = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    found = {".".join(init.parent.relative_to(PACKAGE.parent).parts)
             for init in PACKAGE.rglob("__init__.py")}
    assert found - listed == set()
