#!/usr/bin/env python3
"""Keep the translation catalogues in step with the source.

    python scripts/translations.py extract   # source → resources/translations/deskready.pot
    python scripts/translations.py update    # .pot → every language's .po (new strings empty)
    python scripts/translations.py compile   # .po → .mo (what the app loads)
    python scripts/translations.py check     # exit 1 on any problem (the tests run this)

``compile`` and ``check`` take language codes to work on some languages only
(``check de``); ``extract`` and ``update`` always cover everything.

Strings are found by Babel's extractor in ``app/`` and ``checks/``, by the marker
functions of :mod:`deskready.checks.i18n` (``_``, ``N_``, ``M_``, ``ngettext``, ``Mn_``), never
listed by hand. ``check`` extracts afresh and fails on: a string missing from a
catalogue or untranslated, a fuzzy (unreviewed) translation, a placeholder in a
translation that the source does not have or vice versa, a translation that is not a
valid format string, a catalogue Babel cannot read, and a ``.mo`` whose messages are not
those its ``.po`` compiles to.

A ``.mo`` is judged on its content, read back the way the app reads it (Python's
:class:`gettext.GNUTranslations`): every message (context, singular and plural ids) with
its translations, and the ``Plural-Forms`` rule. Its bytes are not compared: Babel releases
write the same catalogue differently (header fields, their order, the hash table), and a
catalogue compiled by GNU ``msgfmt`` or an older Babel is as good as a fresh one.
"""

from __future__ import annotations

import gettext
import io
import string
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from deskready.checks.i18n import LANGUAGES as APP_LANGUAGES
from deskready.checks.i18n import SOURCE_LANGUAGE

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("app", "checks")
TRANSLATIONS = ROOT / "resources" / "translations"
DOMAIN = "deskready"
#: every language but the source (English), as the app declares them
LANGUAGES = tuple(code for code in APP_LANGUAGES if code != SOURCE_LANGUAGE)
KEYWORDS = {"_": None, "N_": None, "M_": None, "ngettext": (1, 2), "Mn_": (1, 2)}
COMMENT_TAGS = ("TRANSLATORS:",)
WIDTH = 100


def po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


def extract() -> Catalog:
    """Every marked string in the source, with where it is used and translator comments."""
    catalog = Catalog(project="deskready", msgid_bugs_address="", charset="utf-8")
    for folder in SOURCES:
        found = extract_from_dir(
            ROOT / folder,
            # the hub's Jinja templates call _() like the Python code (Jinja2's extractor)
            method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
            keywords=KEYWORDS,
            comment_tags=COMMENT_TAGS,
            strip_comment_tags=True,
        )
        for filename, lineno, message, comments, context in found:
            catalog.add(
                message,
                None,
                [(f"{folder}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def _serialise_po(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=WIDTH, sort_output=True, omit_header=False)
    return out.getvalue()


def _compile_mo(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def read_catalog(language: str) -> Catalog:
    with po_path(language).open("rb") as fp:
        return read_po(fp, locale=language, domain=DOMAIN)


def cmd_extract() -> None:
    catalog = extract()
    TRANSLATIONS.mkdir(parents=True, exist_ok=True)
    (TRANSLATIONS / f"{DOMAIN}.pot").write_bytes(_serialise_po(catalog))
    print(f"{len(catalog)} strings → {TRANSLATIONS / (DOMAIN + '.pot')}")


def cmd_update() -> None:
    template = extract()
    for language in LANGUAGES:
        path = po_path(language)
        if path.is_file():
            catalog = read_catalog(language)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=language, domain=DOMAIN, project="deskready")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False  # the header; a fuzzy header would hide the plural rule
        catalog.last_translator = "deskready translators"
        catalog.language_team = f"{language} (deskready)"
        catalog.msgid_bugs_address = ""
        path.write_bytes(_serialise_po(catalog))
        missing = sum(1 for m in catalog if m.id and not _translated(m))
        print(f"{language}: {len(catalog) - 1} strings, {missing} to translate")


def cmd_compile(languages: tuple[str, ...] = LANGUAGES) -> None:
    for language in languages:
        mo_path(language).write_bytes(_compile_mo(read_catalog(language)))
        print(f"{language}: compiled")


def _translated(message: Message) -> bool:
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


def placeholders(text: str) -> set[str]:
    """The named fields of a ``str.format`` template; raises ValueError if malformed."""
    names = set()
    for _literal, field, _spec, _conversion in string.Formatter().parse(text):
        if field is not None:
            names.add(field.split(".")[0].split("[")[0])
    return names


def problems_in(language: str, template: Catalog) -> Iterable[str]:
    """Everything wrong with one language's catalogue, as readable lines."""
    path = po_path(language)
    if not path.is_file():
        yield f"{language}: no catalogue at {path.relative_to(ROOT)}"
        return
    try:
        catalog = read_catalog(language)
    except Exception as exc:  # Babel raises assorted errors on broken files
        yield f"{language}: {path.name} cannot be read: {exc}"
        return
    for source in template:
        if not source.id:
            continue
        where = ", ".join(f"{f}:{n}" for f, n in source.locations[:1])
        message = catalog.get(source.id, context=source.context)
        label = source.id[0] if isinstance(source.id, tuple) else source.id
        if message is None:
            yield f"{language}: missing {label!r} ({where})"
            continue
        if not _translated(message):
            yield f"{language}: untranslated {label!r} ({where})"
            continue
        if message.fuzzy:
            yield f"{language}: fuzzy (unreviewed) {label!r}"
            continue
        yield from _placeholder_problems(language, label, source, message)
    yield from _compiled_problems(language, catalog)


#: What a compiled catalogue says: its messages (gettext's keys: ``msgid``,
#: ``msgctxt\x04msgid``, or ``(msgid, plural index)``) with their translations, and the
#: ``Plural-Forms`` rule with its spaces removed.
MoContent = tuple[dict[object, str], str]


def mo_content(data: bytes) -> MoContent:
    """The messages and plural rule of ``.mo`` bytes; raises OSError if they are not a ``.mo``.

    The header (the empty msgid) is left out of the messages: Babel writes its own name and
    version, dates and the fields in its own order there, none of which changes what the
    app shows. The plural rule is kept, because it picks which plural form is shown.
    """
    try:
        translations = gettext.GNUTranslations(io.BytesIO(data))
    except (OSError, ValueError, UnicodeDecodeError, IndexError) as exc:
        raise OSError(f"not a compiled catalogue: {exc}") from exc
    catalog: dict[object, str] = dict(translations._catalog)  # type: ignore[attr-defined]
    catalog.pop("", None)
    info: dict[str, str] = translations._info  # type: ignore[attr-defined]
    plural = "".join(info.get("plural-forms", "").split()).rstrip(";")
    return catalog, plural


def _label(key: object) -> str:
    text = key[0] if isinstance(key, tuple) else key
    return repr(str(text).split("\x04")[-1])


def _compiled_problems(language: str, catalog: Catalog) -> Iterable[str]:
    """A ``.mo`` that is missing, unreadable or holds other messages than its ``.po``."""
    fix = "run: python scripts/translations.py compile"
    path = mo_path(language)
    if not path.is_file():
        yield f"{language}: {DOMAIN}.mo is stale (there is none); {fix}"
        return
    try:
        found, found_plural = mo_content(path.read_bytes())
    except OSError as exc:
        yield f"{language}: {DOMAIN}.mo is stale ({exc}); {fix}"
        return
    wanted, wanted_plural = mo_content(_compile_mo(catalog))
    differ = sorted(
        (key for key in wanted.keys() | found.keys() if wanted.get(key) != found.get(key)),
        key=repr,
    )
    if differ:
        examples = ", ".join(_label(key) for key in differ[:3])
        count = "1 message differs" if len(differ) == 1 else f"{len(differ)} messages differ"
        yield f"{language}: {DOMAIN}.mo is stale ({count}, e.g. {examples}); {fix}"
    if found_plural != wanted_plural:
        yield f"{language}: {DOMAIN}.mo is stale (plural rule {found_plural!r}, not {wanted_plural!r}); {fix}"


def _placeholder_problems(
    language: str, label: str, source: Message, message: Message
) -> Iterable[str]:
    ids = source.id if isinstance(source.id, tuple) else (source.id,)
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    try:
        wanted = set().union(*(placeholders(i) for i in ids))
    except ValueError:
        wanted = set()
    plural_count = {"n"} if len(ids) > 1 else set()
    for text in strings:
        try:
            found = placeholders(text)
        except ValueError as exc:
            yield f"{language}: not a valid format string ({exc}) in {label!r}: {text!r}"
            continue
        extra = found - wanted
        lost = wanted - found - plural_count  # a plural form may say "one" instead of {n}
        if extra or lost:
            detail = []
            if extra:
                detail.append("unknown " + ", ".join(sorted("{" + n + "}" for n in extra)))
            if lost:
                detail.append("missing " + ", ".join(sorted("{" + n + "}" for n in lost)))
            yield f"{language}: placeholder mismatch ({'; '.join(detail)}) in {label!r}: {text!r}"


def cmd_check(languages: tuple[str, ...] = LANGUAGES) -> int:
    template = extract()
    problems = [p for language in languages for p in problems_in(language, template)]
    for problem in problems:
        print(problem)
    print(f"{len(template)} source strings, {len(languages)} languages, {len(problems)} problems")
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    command, languages = (argv[0], tuple(argv[1:]) or LANGUAGES) if argv else ("", ())
    if set(languages) - set(LANGUAGES):
        print(f"unknown language; choose from {', '.join(LANGUAGES)}")
        return 2
    if command == "check":
        return cmd_check(languages)
    if command == "compile":
        cmd_compile(languages)
    elif command in {"extract", "update"} and len(argv) == 1:
        {"extract": cmd_extract, "update": cmd_update}[command]()
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
