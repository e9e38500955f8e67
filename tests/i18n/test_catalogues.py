"""The shipped catalogues are complete and correct, and the checker catches what it must.

The check extracts the strings from the source afresh (Babel), so a string added to the
code without a translation fails here, in every language.
"""

from __future__ import annotations

import importlib.util
import struct
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


def _hashpjw(text: bytes) -> int:
    """GNU gettext's string hash (``hash-string.c``), which its hash table is keyed on."""
    value = 0
    for byte in text:
        value = (value << 4) + byte
        high = value & 0xF0000000
        if high:
            value ^= high >> 24
            value ^= high
    return value & 0xFFFFFFFF


def _gnu_style_mo(messages: dict[bytes, bytes]) -> bytes:
    """``.mo`` bytes laid out as GNU ``msgfmt`` lays them out, not as Babel does.

    Babel writes no hash table; msgfmt writes one (size: the next prime from 4/3 of the
    message count, open addressing with a second hash), and the strings follow it. The
    format is GNU gettext's manual, "The Format of GNU MO Files"; for these messages the
    result is byte for byte what GNU msgfmt 0.21 writes.
    """
    keys = sorted(messages)
    count = len(keys)
    size = (count * 4 // 3) | 1  # GNU's next_prime: the first odd prime from there
    while any(size % d == 0 for d in range(3, int(size**0.5) + 1, 2)):
        size += 2
    size = max(size, 3)
    table = [0] * size
    for index, key in enumerate(keys):
        value = _hashpjw(key.split(b"\0")[0])  # a plural entry hashes its singular only
        slot = value % size
        step = 1 + value % (size - 2)
        for _ in range(size):  # bounded: the table has more slots than messages
            if not table[slot]:
                break
            slot = slot - (size - step) if slot >= size - step else slot + step
        table[slot] = index + 1
    header_size = 7 * 4
    originals_at = header_size
    translations_at = originals_at + 8 * count
    hash_at = translations_at + 8 * count
    strings_at = hash_at + 4 * size
    blob = b""
    original_entries, translation_entries = [], []
    for entries, texts in (
        (original_entries, keys),
        (translation_entries, [messages[k] for k in keys]),
    ):
        for text in texts:
            entries.append((len(text), strings_at + len(blob)))
            blob += text + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, count, originals_at, translations_at, size, hash_at)
    for length, offset in original_entries + translation_entries:
        out += struct.pack("<2I", length, offset)
    out += struct.pack(f"<{size}I", *table)
    return out + blob


#: GOOD as msgfmt would hold it, with a header of its own: other fields, in another order.
GNU_HEADER = (
    b"Plural-Forms: nplurals=2; plural=(n != 1);\n"
    b"Content-Transfer-Encoding: 8bit\n"
    b"Content-Type: text/plain; charset=UTF-8\n"
    b"MIME-Version: 1.0\n"
    b"Language: de\n"
    b"Project-Id-Version: deskready (compiled by GNU msgfmt 0.21)\n"
)


def _gnu_messages(changes: dict[str, bytes] | None = None) -> dict[bytes, bytes]:
    messages = {
        b"": GNU_HEADER,
        b"Download: {mbps} Mbps": b"Download: {mbps} Mbit/s",
        b"{n} screen found.\0{n} screens found.": b"Ein Bildschirm gefunden.\0{n} gefunden.",
        b"Run again": "Erneut ausführen".encode(),
    }
    messages.update({key.encode(): value for key, value in (changes or {}).items()})
    return messages


def test_a_catalogue_compiled_by_another_writer_with_the_same_messages_is_fresh(
    tool: ModuleType,
) -> None:
    _write(tool, GOOD)
    theirs = _gnu_style_mo(_gnu_messages())
    assert theirs != tool.mo_path("de").read_bytes()  # not the bytes Babel writes
    tool.mo_path("de").write_bytes(theirs)
    assert list(tool.problems_in("de", _template())) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"Run again": b"Nochmal"}, "1 message differs, e.g. 'Run again'"),
        (
            {"": GNU_HEADER.replace(b"nplurals=2; plural=(n != 1)", b"nplurals=1; plural=0")},
            "plural rule",
        ),
    ],
)
def test_a_catalogue_from_another_writer_with_other_content_is_stale(
    tool: ModuleType, changes: dict[str, bytes], expected: str
) -> None:
    _write(tool, GOOD)
    tool.mo_path("de").write_bytes(_gnu_style_mo(_gnu_messages(changes)))
    problems = [p for p in tool.problems_in("de", _template()) if ".mo is stale" in p]
    assert len(problems) == 1, problems
    assert expected in problems[0]


def test_a_catalogue_missing_a_message_or_not_a_catalogue_is_stale(tool: ModuleType) -> None:
    _write(tool, GOOD)
    messages = _gnu_messages()
    del messages[b"Run again"]
    tool.mo_path("de").write_bytes(_gnu_style_mo(messages))
    assert any("e.g. 'Run again'" in p for p in tool.problems_in("de", _template()))
    tool.mo_path("de").write_bytes(b"not a catalogue")
    assert any("not a compiled catalogue" in p for p in tool.problems_in("de", _template()))


def _marked_inside_f_strings(root: Path) -> list[str]:
    """``_("…")`` (and the other markers) with a literal inside an f-string, under
    ``root``: Babel's extractor reads an f-string as one token and never sees them."""
    import ast

    markers = {"_", "N_", "M_", "ngettext", "Mn_"}
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.JoinedStr):
                continue
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Name)
                    and call.func.id in markers
                    and call.args
                    and isinstance(call.args[0], ast.Constant)
                ):
                    found.append(f"{path.relative_to(root.parent)}:{call.lineno}")
    return found


def test_no_string_to_translate_hides_inside_an_f_string() -> None:
    hidden = [
        where for folder in ("app", "checks") for where in _marked_inside_f_strings(ROOT / folder)
    ]
    assert hidden == [], "the extractor cannot see these; name the string outside the f-string"


def test_the_f_string_scan_finds_a_hidden_string(tmp_path: Path) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "x.py").write_text(
        "seen = _('Seen')\ntitle = f\"<b>{escape(_('Hidden'))}</b>\"\nok = f\"{_(name)}\"\n",
        "utf-8",
    )
    assert _marked_inside_f_strings(folder) == ["app/x.py:2"]
