"""The shipped catalogues are complete and correct, and the checker catches what it must.

The check extracts the strings from the source afresh (Babel), so a string added to the
code without a translation fails here, in every language.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.catalog import Catalog

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "translations.py"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("translations_tool", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_language_translates_every_string() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "check"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 problems" in done.stdout


def test_every_language_has_a_compiled_catalogue_the_app_loads() -> None:
    from deskready.checks.i18n import LANGUAGES, catalogue

    for language in LANGUAGES[1:]:
        translated = catalogue(language).gettext("Operating system")
        assert translated, language
        assert translated != "Operating system", language


@pytest.fixture
def tool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    module = _tool()
    monkeypatch.setattr(module, "TRANSLATIONS", tmp_path)
    monkeypatch.setattr(module, "ROOT", tmp_path)
    return module


def _template() -> Catalog:
    template = Catalog()
    template.add("Download: {mbps} Mbps", locations=[("checks/x.py", 1)])
    template.add(("{n} screen found.", "{n} screens found."), locations=[("checks/y.py", 2)])
    template.add("Run again", locations=[("app/z.py", 3)])
    return template


def _write(tool: ModuleType, translations: dict[object, object], *, compile: bool = True) -> None:
    catalog = Catalog(locale="de", domain="deskready")
    for msgid, text in translations.items():
        catalog.add(msgid, text)  # type: ignore[arg-type]
    path = tool.po_path("de")
    path.parent.mkdir(parents=True)
    path.write_bytes(tool._serialise_po(catalog))
    if compile:
        tool.cmd_compile(("de",))


GOOD = {
    "Download: {mbps} Mbps": "Download: {mbps} Mbit/s",
    ("{n} screen found.", "{n} screens found."): ("Ein Bildschirm gefunden.", "{n} gefunden."),
    "Run again": "Erneut ausführen",
}


def test_a_correct_catalogue_has_no_problems(tool: ModuleType) -> None:
    _write(tool, GOOD)
    assert list(tool.problems_in("de", _template())) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"Run again": ""}, "untranslated 'Run again'"),
        ({"Download: {mbps} Mbps": "Download: {mbit} Mbit/s"}, "unknown {mbit}; missing {mbps}"),
        ({"Download: {mbps} Mbps": "Download: Mbit/s"}, "missing {mbps}"),
        ({"Download: {mbps} Mbps": "Download: {mbps Mbit/s"}, "not a valid format string"),
    ],
)
def test_the_checker_catches_bad_translations(
    tool: ModuleType, change: dict[str, str], expected: str
) -> None:
    _write(tool, {**GOOD, **change})
    problems = "\n".join(tool.problems_in("de", _template()))
    assert expected in problems


def test_a_string_new_in_the_source_is_reported_missing(tool: ModuleType) -> None:
    _write(tool, GOOD)
    template = _template()
    template.add("A brand new sentence.", locations=[("app/new.py", 9)])
    assert "missing 'A brand new sentence.'" in "\n".join(tool.problems_in("de", template))


def test_a_stale_or_missing_compiled_catalogue_is_reported(tool: ModuleType) -> None:
    _write(tool, GOOD, compile=False)
    assert any(".mo is stale" in p for p in tool.problems_in("de", _template()))


def test_an_unreadable_catalogue_is_reported(tool: ModuleType) -> None:
    path = tool.po_path("de")
    path.parent.mkdir(parents=True)
    path.write_bytes(b'msgid "a"\nmsgstr "b\n\x00\x00garbage')
    problems = list(tool.problems_in("de", _template()))
    assert problems
    assert "cannot be read" in problems[0] or "missing" in problems[0]
