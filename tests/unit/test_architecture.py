"""The layer rules, checked in fresh interpreters and in the source itself.

1. Only ``kiosk/wiring.py`` imports ``hardware``; ``hardware`` imports nothing of ours.
2. ``ui`` never imports ``hardware``.
3. ``kiosk --help`` and ``kiosk config check`` load neither cv2, av nor mediapipe.
4. No Qt in ``kiosk`` or ``hardware``.
Plus: every module imports on its own, and the benchmark harness stays out of other commands.
"""

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("cv2", "av", "mediapipe")


def _run(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def _modules(package: str) -> list[str]:
    return [m.name for m in pkgutil.walk_packages([str(ROOT / package)], f"{package}.") if not m.name.endswith("__main__")]


def _imports(path: Path) -> set[str]:
    """Top-level package names a source file imports, anywhere in it (lazy imports too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _code(path: Path) -> str:
    """The source without docstrings and comments (names mentioned in prose do not count)."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                node.body = node.body[1:] or [ast.Pass()]
    return ast.unparse(tree)


def _importers(package: str, imported: str) -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / package).rglob("*.py") if imported in _imports(p))


def test_only_wiring_imports_hardware():
    assert _importers("kiosk", "hardware") == ["kiosk/wiring.py"]


def test_ui_never_imports_hardware():
    assert _importers("ui", "hardware") == []


def test_hardware_imports_nothing_of_ours_in_the_source():
    assert _importers("hardware", "kiosk") == [] and _importers("hardware", "ui") == []


def test_importing_the_core_and_the_ui_loads_no_hardware():
    code = (
        "import importlib, sys\n"
        "for n in sys.argv[1:]:\n"
        "    importlib.import_module(n)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'hardware'}))\n"
    )
    names = [n for n in _modules("kiosk") + _modules("ui") if n != "kiosk.wiring"]
    proc = _run(code, *names)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize("argv", [["--help"], ["config", "check"], ["bench", "--help"], ["looks", "--help"], ["doctor", "--help"]])
def test_light_commands_load_no_heavy_library(argv, tmp_path):
    code = (
        "import sys, kiosk.cli\n"
        "try:\n"
        "    kiosk.cli.main(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {HEAVY!r} + ('PySide6', 'bench') if m in sys.modules), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, *argv], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert proc.stderr.strip().splitlines()[-1] == "[]", proc.stderr[-2000:]


def test_core_and_hardware_import_without_qt():
    code = (
        "import importlib, sys\n"
        "for n in sys.argv[1:]:\n"
        "    importlib.import_module(n)\n"
        "import kiosk.cli; kiosk.cli.build_parser()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'ui'))))\n"
    )
    proc = _run(code, *_modules("kiosk"), *_modules("hardware"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[]", f"Qt or ui loaded by the core: {proc.stdout}"
    assert _importers("kiosk", "PySide6") == [] and _importers("hardware", "PySide6") == []


def test_hardware_imports_nothing_of_ours():
    code = (
        "import importlib, sys\n"
        "for n in sys.argv[1:]:\n"
        "    importlib.import_module(n)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('kiosk', 'ui', 'bench')))\n"
    )
    proc = _run(code, *_modules("hardware"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize("library", HEAVY)
def test_each_heavy_library_is_imported_by_one_module_of_the_core(library):
    # kiosk/native.py loads it on first use; everyone else asks native for it.
    assert _importers("kiosk", library) == []
    assert f'"{library}"' in (ROOT / "kiosk" / "native.py").read_text()


@pytest.mark.parametrize("package", ["kiosk", "hardware", "ui", "bench"])
def test_every_module_imports_in_a_fresh_interpreter(package):
    code = "import importlib, sys\nfor n in sys.argv[1:]:\n    importlib.import_module(n)\n"
    proc = _run(code, *_modules(package))
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_no_part_holds_the_core():
    # Parts are built before the core and never given it: nothing outside the core, the
    # composition root, the commands that start a kiosk, the UI and the benchmarks names it.
    allowed = {"kiosk/core.py", "kiosk/wiring.py", "kiosk/commands/run.py", "kiosk/commands/serve.py"}
    users = [p for p in _importers("kiosk", "kiosk") if "KioskCore" in _code(ROOT / p)]
    assert set(users) <= allowed, set(users) - allowed
