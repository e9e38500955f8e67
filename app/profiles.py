"""Bundled employer profiles and how ``--profile`` finds a spec (a name or a path)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from deskready.checks.i18n import _
from deskready.registry import CheckRegistry
from deskready.resources import resource
from deskready.spec import Spec, SpecError, SpecProblem, load_spec
from deskready.spec.loader import load_spec_bytes
from deskready.spec.texts import split_translations

DEFAULT_PROFILE = "typical"


@dataclass(frozen=True)
class BundledProfile:
    """A profile shipped in ``resources/profiles``."""

    name: str
    employer: str
    notes: str


def bundled_names() -> list[str]:
    """Names of the bundled profiles, default first."""
    names = sorted(
        entry.name.removesuffix(".toml")
        for entry in resource("profiles").iterdir()
        if entry.name.endswith(".toml")
    )
    return sorted(names, key=lambda n: n != DEFAULT_PROFILE)


def bundled_profiles() -> list[BundledProfile]:
    """Each bundled profile with its employer name and notes, for ``deskready profiles``."""
    out = []
    for name in bundled_names():
        data = tomllib.loads(resource("profiles", f"{name}.toml").read_text(encoding="utf-8"))
        employer = split_translations(data.get("employer", {}), ("name", "notes"))
        title = employer.localized("name", employer.table.get("name", ""))
        notes = employer.localized("notes", employer.table.get("notes", ""))
        out.append(BundledProfile(name, _(title) if title else "", _(notes) if notes else ""))
    return out


def load_profile(name_or_path: str | None, registry: CheckRegistry) -> Spec:
    """Load a bundled profile by name, or a spec file by path.

    A value that names an existing file is a path; otherwise it must be a bundled name.

    Raises:
        SpecError: unknown name, missing file, or an invalid spec.
    """
    value = name_or_path or DEFAULT_PROFILE
    path = Path(value).expanduser()
    if path.exists() or value.endswith(".toml") or "/" in value or "\\" in value:
        return load_spec(path, registry, source=str(path.name))
    if value not in bundled_names():
        raise SpecError(
            value,
            [
                SpecProblem(
                    "",
                    _(
                        "no such file, and no bundled profile of that name (bundled: {names})"
                    ).format(names=", ".join(bundled_names())),
                )
            ],
        )
    data = resource("profiles", f"{value}.toml").read_bytes()
    return load_spec_bytes(data, registry, file_name=f"{value}.toml", source=f"bundled:{value}")
