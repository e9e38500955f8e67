"""Data shipped with deskready: employer profiles, OS support dates, icons, translations.

A package (rather than a loose folder) so that ``importlib.resources`` finds the files the
same way in a source checkout, an installed wheel and a PyInstaller bundle.
"""

from importlib.resources import files
from importlib.resources.abc import Traversable


def resource(*parts: str) -> Traversable:
    """Return a file or folder below ``resources/``."""
    node: Traversable = files(__name__)
    for part in parts:
        node = node / part
    return node
