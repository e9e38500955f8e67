"""What the browser tests share: Debian's chromium driven by Playwright, and axe-core.

- ``browser``: one headless chromium for the module (``/usr/bin/chromium``, from the
  ``chromium`` package that scripts/test.sh installs; Playwright's own browser download is
  never used). Skipped with the reason when either is missing.
- ``axe_source``: axe-core's ``axe.min.js`` at :data:`AXE_VERSION`, taken from the npm
  registry's tarball once, checked against its published sha512 integrity, and kept under
  ``.cache/``. Skipped only when the registry cannot be reached and there is no copy.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tarfile
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path(os.environ.get("DESKREADY_CHROMIUM", "/usr/bin/chromium"))
AXE_VERSION = "4.14.1"
#: the registry's ``dist.integrity`` of axe-core 4.14.1 (Subresource Integrity form)
AXE_INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
AXE_URL = f"https://registry.npmjs.org/axe-core/-/axe-core-{AXE_VERSION}.tgz"
AXE_CACHE = ROOT / ".cache" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
MAX_TARBALL_BYTES = 8 * 1024 * 1024
FETCH_TIMEOUT_S = 30


def integrity_of(data: bytes) -> str:
    """``sha512-<base64>``: how npm states a tarball's digest."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def fetch_axe(url: str = AXE_URL, target: Path = AXE_CACHE) -> Path:
    """Download axe-core's tarball, check its integrity, keep ``axe.min.js`` (atomically).

    Raises:
        OSError: the registry could not be reached.
        ValueError: the tarball is too large, its digest is wrong, or it has no axe.min.js.
    """
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S) as answer:
        data = answer.read(MAX_TARBALL_BYTES + 1)
    if len(data) > MAX_TARBALL_BYTES:
        raise ValueError(f"{url} is larger than {MAX_TARBALL_BYTES} bytes")
    if integrity_of(data) != AXE_INTEGRITY:
        raise ValueError(f"{url} does not match its published sha512 integrity")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        member = archive.extractfile("package/axe.min.js")
        if member is None:
            raise ValueError("the axe-core tarball has no package/axe.min.js")
        script = member.read(MAX_TARBALL_BYTES)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
        handle.write(script)
    os.replace(handle.name, target)
    return target


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The text of axe.min.js (cached copy, else fetched and checked)."""
    if not AXE_CACHE.is_file():
        try:
            fetch_axe()
        except OSError as exc:
            pytest.skip(
                f"axe-core {AXE_VERSION}: the npm registry is unreachable ({exc}) and .cache has no copy"
            )
    return AXE_CACHE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless chromium for the module."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright (test extra) is missing"
    )
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip(
            "Debian's chromium is not installed: apt-get install chromium (scripts/test.sh does)"
        )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            yield launched
        finally:
            launched.close()
