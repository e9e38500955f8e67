"""Target for a self-hosted LibreSpeed server (librespeed/speedtest, backend/garbage.php,
backend/empty.php).

``GET garbage.php?ckSize=N`` sends N MiB of incompressible data, ``POST empty.php`` is the
upload sink (answers after reading the body), ``GET empty.php`` is the ping.
"""

from __future__ import annotations

import posixpath
from urllib.parse import urlsplit, urlunsplit

from deskready.checks.i18n import M_
from deskready.checks.network.http_transport import Target

#: MiB per download request; big enough that requests rarely end inside a test phase.
CHUNK_MIB = 100


def librespeed_target(url: str) -> Target:
    """The URLs of a LibreSpeed server whose backend lives at ``url``.

    ``url`` may be the backend folder (``https://speed.example.com/backend/``) or any of its
    ``.php`` files.
    """
    parts = urlsplit(url)
    path = parts.path
    if posixpath.splitext(path)[1]:
        path = posixpath.dirname(path)
    base = urlunsplit((parts.scheme, parts.netloc, path.rstrip("/") + "/", "", ""))
    return Target(
        name=M_("LibreSpeed at {host}", host=parts.hostname or url),
        download_url=f"{base}garbage.php?ckSize={CHUNK_MIB}",
        upload_url=f"{base}empty.php",
        latency_url=f"{base}empty.php",
        protocol="librespeed",
        info={"url": url},
    )
