"""The core and the headless CLI never need Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import gdstudio

PACKAGE = Path(gdstudio.__file__).resolve().parent
CORE = PACKAGE / "core"
FORBIDDEN = ("PySide6", "pyqtgraph", "gdstudio.ui", "gdstudio.app")


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
