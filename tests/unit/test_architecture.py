"""The layering: the core runs without Qt, hardware/ is a leaf, every module imports on its own."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_core_and_hardware_import_without_qt():
    code = (
        "import pkgutil, importlib, sys, kiosk, hardware\n"
        "for pkg in (kiosk, hardware):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        if not m.name.endswith('__main__'):\n"
        "            importlib.import_module(m.name)\n"
        "import kiosk.cli; kiosk.cli.build_parser()\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'ui'))]\n"
        "print(bad)\n"
    )
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", f"Qt or ui loaded by the core: {proc.stdout}"


def test_hardware_imports_nothing_of_ours():
    code = (
        "import pkgutil, importlib, sys, hardware\n"
        "for m in pkgutil.walk_packages(hardware.__path__, 'hardware.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('kiosk', 'ui')))\n"
    )
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_heavy_libraries_are_imported_lazily_by_the_core():
    proc = _run("import sys, kiosk.cli; kiosk.cli.build_parser(); print(sorted(m for m in ('mediapipe', 'av') if m in sys.modules))")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", "building the CLI must not load mediapipe or PyAV"


@pytest.mark.parametrize("package", ["kiosk", "hardware", "ui"])
def test_every_module_imports_in_a_fresh_interpreter(package):
    names = [
        m.name for m in pkgutil.walk_packages([str(ROOT / package)], f"{package}.") if not m.name.endswith("__main__")
    ]
    code = "import importlib, sys\nfor n in sys.argv[1:]:\n    importlib.import_module(n)\n"
    proc = subprocess.run([sys.executable, "-c", code, *names], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
