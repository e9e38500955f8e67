"""deskready's own small files for the hub: the key pins and the outbox.

Where: ``platformdirs`` (``user_config_dir("deskready")/hubs.json``,
``user_data_dir("deskready")/outbox/``). How: written atomically (a temporary file in the
same folder, fsync, rename) with mode 0600 from the start, read bounded like every file
deskready reads (:mod:`deskready.bounded_read`).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import platformdirs

from deskready.bounded_read import ReadProblem, decode_text, load_json, read_file

APP = "deskready"
#: hubs.json and an outbox entry are small; a report is at most a few hundred kB.
MAX_FILE_BYTES = 8 * 1024 * 1024


class StoreError(Exception):
    """A file of deskready's own that cannot be read or written (message for the agent)."""


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP))


def write_private(path: Path, value: Any) -> None:
    """Write ``value`` as JSON to ``path``: atomically, readable by its owner only.

    Raises:
        OSError: the folder cannot be made or the disk is full (the old file stays).
    """
    data = (json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o600)  # mkstemp already makes it 0600; say so on every platform
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> Any:
    """The JSON in ``path``, read bounded.

    Raises:
        FileNotFoundError: there is no such file.
        ReadProblem: unreadable, too large, not JSON.
    """
    if not path.exists():
        raise FileNotFoundError(path)
    return load_json(decode_text(read_file(path, limit=MAX_FILE_BYTES)))


__all__ = ["ReadProblem", "StoreError", "config_dir", "data_dir", "read_json", "write_private"]
