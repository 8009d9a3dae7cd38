"""The core and the headless CLI never need Qt."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import gdstudio

PACKAGE = Path(gdstudio.__file__).resolve().parent
CORE = PACKAGE / "core"
FORBIDDEN = ("PySide6", "pyqtgraph", "gdstudio.ui", "gdstudio.app")
#: Modules of gdstudio.ui that need no Qt: the rule for enabled actions (tested without Qt)
#: and the helpers the controller uses. They may import each other and the core.
QT_FREE_UI = ("state.py", "generator.py", "offload.py", "kept_runs.py", "palette.py")


def test_importing_core_and_cli_parser_loads_no_qt():
    code = textwrap.dedent("""
        import sys
        import gdstudio.core
        import gdstudio.core.commands, gdstudio.core.csvio, gdstudio.core.data
        import gdstudio.core.engine, gdstudio.core.errors, gdstudio.core.export
        import gdstudio.core.optimum
        import gdstudio.cli
        parser = gdstudio.cli.build_parser()
        parser.parse_args(["--generate", "--epochs", "1"])
        loaded = [m for m in sys.modules
                  if m.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6")
                  or m.startswith(("gdstudio.ui", "gdstudio.app"))]
        assert "PySide6" not in sys.modules and "pyqtgraph" not in sys.modules, loaded
        assert not loaded, loaded
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_a_headless_training_run_loads_no_qt(tmp_path):
    code = textwrap.dedent("""
        import sys
        from gdstudio.cli import main
        code = main(["train", "--epochs", "2", "--quiet", "--history", "h.csv"])
        assert code == 0, code
        assert not [m for m in sys.modules if m.split(".")[0] in ("PySide6", "pyqtgraph")]
        assert "gdstudio.ui" not in sys.modules and "gdstudio.app" not in sys.modules
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "h.csv").exists()


def imported_modules(path: Path, package: str, module_level_only: bool = False):
    """Absolute names of the modules a file imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    nodes = tree.body if module_level_only else ast.walk(tree)
    names = []
    for node in nodes:
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.append(module)
            names.extend(f"{module}.{alias.name}" for alias in node.names)
        elif (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))
              and getattr(node.func, "id", getattr(node.func, "attr", "")) in
              ("import_module", "__import__")):
            names.extend(arg.value for arg in node.args
                         if isinstance(arg, ast.Constant) and isinstance(arg.value, str))
    return names


def forbidden(names):
    return [n for n in names if any(n == f or n.startswith(f + ".") for f in FORBIDDEN)]


def test_core_sources_import_no_qt():
    files = sorted(CORE.glob("*.py"))
    assert len(files) >= 8
    for path in files:
        names = imported_modules(path, "gdstudio.core")
        assert names or path.name == "errors.py", path
        assert forbidden(names) == [], (path.name, forbidden(names))
        text = path.read_text(encoding="utf-8")
        assert "PySide6" not in text and "pyqtgraph" not in text, path.name


def test_qt_free_ui_modules_import_no_qt():
    allowed = {f"gdstudio.ui.{name[:-3]}" for name in QT_FREE_UI}
    for name in QT_FREE_UI:
        names = imported_modules(PACKAGE / "ui" / name, "gdstudio.ui")
        qt = [n for n in forbidden(names)
              if not any(n == a or n.startswith(a + ".") for a in allowed)]
        assert qt == [], (name, qt)
    code = textwrap.dedent("""
        import sys
        import gdstudio.core.plotmath, gdstudio.core.runstate
        import gdstudio.ui.state, gdstudio.ui.generator
        import gdstudio.ui.kept_runs, gdstudio.ui.palette
        assert not [m for m in sys.modules if m.split(".")[0] in ("PySide6", "pyqtgraph")]
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


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


def test_relative_import_resolution_catches_ui(tmp_path):
    # The scan itself: `from ..ui import x` inside gdstudio.core is gdstudio.ui.
    sample = tmp_path / "sample.py"
    sample.write_text("from ..ui import window\nfrom . import engine\n"
                      "import importlib\nimportlib.import_module('PySide6.QtCore')\n")
    names = imported_modules(sample, "gdstudio.core")
    assert forbidden(names) == ["gdstudio.ui", "gdstudio.ui.window", "PySide6.QtCore"]
    assert "gdstudio.core.engine" in names


def test_cli_module_imports_no_qt_at_module_level():
    names = imported_modules(PACKAGE / "cli.py", "gdstudio", module_level_only=True)
    assert forbidden(names) == []


def test_no_source_file_over_400_lines():
    """Each part of the studio in a file of its own: none grows past 400 lines."""
    long = {str(path.relative_to(PACKAGE)): n for path in sorted(PACKAGE.rglob("*.py"))
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}


def test_every_package_goes_into_the_wheel():
    tomllib = pytest.importorskip("tomllib")
    pyproject = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    found = {".".join(init.parent.relative_to(PACKAGE.parent).parts)
             for init in PACKAGE.rglob("__init__.py")}
    assert found - listed == set()
