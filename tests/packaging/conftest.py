"""Loads the packaging helpers by path: a ``packaging`` folder cannot be imported as a
package here, because pip, setuptools and pytest import the PyPI ``packaging`` library."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"


def load(name: str) -> ModuleType:
    """``packaging/<name>.py`` as a module (cached in sys.modules under a private name)."""
    key = f"_deskready_packaging_{name}"
    if key in sys.modules:
        return sys.modules[key]
    spec = importlib.util.spec_from_file_location(key, PACKAGING / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module
    spec.loader.exec_module(module)
    return module
