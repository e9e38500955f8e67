"""Loads an employer spec from TOML and validates it against the installed checks.

Every problem is collected and raised together as one :class:`SpecError` (Picard's
plugin validator does the same), each with its key path, line and, for a misspelt name,
a "did you mean" suggestion. The CLI and the GUI show the same text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from deskready.bounded_read import FileTooLarge, ReadProblem, decode_text, load_toml, read_file
from deskready.checks.api import MAX_TIME_BUDGET_S, Check, Metric, MetricType, Setting
from deskready.checks.i18n import LANGUAGES, N_, _
from deskready.registry import CheckRegistry
from deskready.spec.errors import SpecError, SpecProblem, did_you_mean
from deskready.spec.kinds import KINDS, KindError, RuleKind, conflicts
from deskready.spec.locate import find_line, key_lines
from deskready.spec.model import Declaration, Employer, Reverify, Rule, Severity, Spec
from deskready.spec.texts import SplitTexts, split_translations
from deskready.spec.validation_messages import describe_error

#: A spec is a short hand-written file; anything bigger is a mistake (or an attack).
MAX_SPEC_BYTES = 1024 * 1024
TOP_LEVEL_KEYS = (
    "employer",
    "rules",
    "checks",
    "declarations",
    "report_language",
    "hub",
    "reverify",
)
#: ``[reverify] every_days``: at least daily, at most yearly (docs/spec.md).
REVERIFY_DAYS = (1, 365)
#: Keys a rule table may hold besides its conditions (the kinds in deskready.spec.kinds).
RULE_OPTIONS = ("severity", "advice")
#: Employer texts that may carry translations (``text_ja = "…"``), see deskready.spec.texts.
EMPLOYER_TEXTS = ("name", "contact", "notes")
RULE_TEXTS = ("advice",)
DECLARATION_TEXTS = ("text", "help")
#: Settings every check accepts in ``[checks.<id>]``, besides its own.
COMMON_SETTINGS = ("enabled", "time_budget_s")
#: ``time_budget_s``, declared like a check's own setting so it gets the same checks: a
#: finite number (``inf`` would remove the time bound), at least 1 s (no check measures
#: anything in less) and at most MAX_TIME_BUDGET_S (see there for why five minutes). The
#: default is each check's own ``time_budget_s``.
TIME_BUDGET = Setting(
    "time_budget_s",
    float,
    None,
    N_("Stop waiting for the check after this long"),
    min=1.0,
    max=MAX_TIME_BUDGET_S,
    unit=N_("seconds"),
)

ModelT = TypeVar("ModelT", bound=BaseModel)
#: What :meth:`_SpecBuilder._setting_value` returns for a refused value (None is a value).
_REFUSED = object()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _EmployerModel(_Strict):
    name: str = Field(min_length=1)
    contact: str = ""
    spec_version: str = ""
    notes: str = ""


class _DeclarationModel(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
    text: str = Field(min_length=1)
    help: str = ""
    severity: Severity = Field(default=Severity.REQUIRED, strict=False)


def load_spec(path: Path, registry: CheckRegistry, *, source: str | None = None) -> Spec:
    """Read and validate the spec at ``path``.

    Raises:
        SpecError: with every problem found (unreadable, malformed, invalid).
    """
    name = path.name
    try:
        # Regular files only, at most MAX_SPEC_BYTES read (deskready.bounded_read).
        data = read_file(path, limit=MAX_SPEC_BYTES)
    except FileTooLarge as exc:
        raise SpecError(name, [_too_large(exc.size)]) from None
    except ReadProblem as exc:
        raise SpecError(name, [SpecProblem("", exc.reason, exc.line)]) from None
    return load_spec_bytes(data, registry, file_name=name, source=source or name)


def load_spec_text(text: str, registry: CheckRegistry, *, file_name: str = "spec") -> Spec:
    """Validate spec source given as text (tests, the GUI's editor)."""
    return load_spec_bytes(text.encode("utf-8"), registry, file_name=file_name)


def load_spec_bytes(
    data: bytes, registry: CheckRegistry, *, file_name: str, source: str | None = None
) -> Spec:
    """Validate spec bytes; see :func:`load_spec`."""
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError(file_name, [_too_large(len(data))])
    try:
        # A byte-order mark is accepted; NUL bytes, bad UTF-8, nesting deeper than
        # MAX_DEPTH and over-long integers are refused with their line.
        text = decode_text(data)
        if not text.strip():
            raise SpecError(
                file_name,
                [SpecProblem("", _("the file is empty; a spec needs [employer] and [rules]"))],
            )
        raw = load_toml(text)
    except ReadProblem as exc:
        raise SpecError(file_name, [SpecProblem("", exc.reason, exc.line)]) from None

    builder = _SpecBuilder(raw, registry, key_lines(text))
    spec = builder.build(source=source or file_name, sha256=hashlib.sha256(data).hexdigest())
    if builder.problems:
        builder.problems.sort(key=lambda p: (p.line is None, p.line or 0))
        raise SpecError(file_name, builder.problems)
    return spec


def _too_large(size: int) -> SpecProblem:
    return SpecProblem(
        "",
        _("the file is {size} kB; a spec is at most {limit} kB").format(
            size=size // 1024, limit=MAX_SPEC_BYTES // 1024
        ),
    )


#: Country codes people write for a language ("jp" for Japanese, "my" for Malay).
_COUNTRY_TO_LANGUAGE = {"jp": "ja", "my": "ms", "us": "en", "gb": "en", "uk": "en"}


def _language_hint(code: str) -> str:
    """`` (did you mean 'ja'?)`` for "jp", "JA", "ja-JP" or a near miss, else ""."""
    base = code.strip().lower().replace("_", "-").split("-", 1)[0].split(".", 1)[0]
    guess = base if base in LANGUAGES else _COUNTRY_TO_LANGUAGE.get(base)
    if guess is None:
        return did_you_mean(base, LANGUAGES)
    return " " + _("(did you mean '{suggestion}'?)").format(suggestion=guess)


class _SpecBuilder:
    """Walks the parsed TOML once, building the spec and collecting problems."""

    def __init__(
        self,
        raw: dict[str, Any],
        registry: CheckRegistry,
        lines: dict[tuple[str, ...], int],
    ) -> None:
        self.raw = raw
        self.registry = registry
        self.lines = lines
        self.problems: list[SpecProblem] = []
        self.metrics: dict[str, Metric] = {m.id: m for _c, m in registry.metrics().values()}

    def problem(self, path: tuple[str, ...], message: str) -> None:
        self.problems.append(SpecProblem(".".join(path), message, find_line(self.lines, path)))

    def build(self, *, source: str, sha256: str) -> Spec:
        for key in self.raw:
            if key not in TOP_LEVEL_KEYS:
                self.problem(
                    (key,),
                    _("unknown section '{key}'").format(key=key)
                    + did_you_mean(key, TOP_LEVEL_KEYS),
                )
        employer = self._employer()
        declarations = self._declarations()
        for declaration in declarations:
            self.metrics[declaration.metric] = Metric(
                declaration.metric, MetricType.BOOLEAN, declaration.text
            )
        rules = self._rules()
        # A declaration is a rule of its own: the agent must confirm it (answer yes).
        rules.extend(Rule(d.metric, equals=True, severity=d.severity) for d in declarations)
        settings, disabled, budgets = self._check_settings()
        language = self.raw.get("report_language")
        if language is not None and not isinstance(language, str):
            self.problem(("report_language",), _("must be a language code such as 'en'"))
            language = None
        elif language is not None and language not in LANGUAGES:
            # Only a bundled catalogue can write the report; anything else ("jp",
            # "../../etc/xx") would silently fall back to English.
            self.problem(
                ("report_language",),
                _("unknown language '{code}'; use one of: {codes}").format(
                    code=language, codes=", ".join(LANGUAGES)
                )
                + _language_hint(language),
            )
            language = None
        hub_key = self._hub_key()
        return Spec(
            source=source,
            sha256=sha256,
            employer=employer,
            rules=tuple(rules),
            check_settings=settings,
            disabled_checks=frozenset(disabled),
            declarations=tuple(declarations),
            report_language=language,
            time_budgets=budgets,
            hub_key=hub_key,
            reverify=self._reverify(),
        )

    # -- [hub] -----------------------------------------------------------------------------
    def _hub_key(self) -> str | None:
        """``[hub] public_key``: the employer hub's key, in base64 (docs/hub-protocol.md §1)."""
        table = self.raw.get("hub")
        if table is None:
            return None
        if not isinstance(table, dict):
            self.problem(("hub",), _('must be a table: [hub] with public_key = "…"'))
            return None
        for key in table:
            if key != "public_key":
                self.problem(
                    ("hub", key),
                    _("unknown setting '{key}'").format(key=key)
                    + did_you_mean(key, ("public_key",)),
                )
        text = table.get("public_key")
        if text is None:
            return None
        from deskready.trust.keys import KeyProblem, public_from_text

        try:
            public_from_text(text if isinstance(text, str) else "")
        except KeyProblem:
            self.problem(
                ("hub", "public_key"),
                _("must be the hub's Ed25519 public key in base64 (44 characters)"),
            )
            return None
        return str(text).strip()

    # -- [reverify] -----------------------------------------------------------------------
    def _reverify(self) -> Reverify:
        """``[reverify] every_days = 30``, ``before_shift = true`` (docs/spec.md)."""
        table = self.raw.get("reverify")
        if table is None:
            return Reverify()
        if not isinstance(table, dict):
            self.problem(("reverify",), _("must be a table: [reverify] with every_days = 30"))
            return Reverify()
        known = ("every_days", "before_shift")
        for key in table:
            if key not in known:
                self.problem(
                    ("reverify", key),
                    _("unknown setting '{key}'").format(key=key) + did_you_mean(key, known),
                )
        every = table.get("every_days")
        low, high = REVERIFY_DAYS
        # bool is an int to Python; ``every_days = true`` is a mistake, not 1 day.
        if every is not None and (
            isinstance(every, bool) or not isinstance(every, int) or not low <= every <= high
        ):
            self.problem(
                ("reverify", "every_days"),
                _("must be a whole number of days from {low} to {high}").format(low=low, high=high),
            )
            every = None
        before = table.get("before_shift", False)
        if not isinstance(before, bool):
            self.problem(("reverify", "before_shift"), _("must be true or false"))
            before = False
        return Reverify(every_days=every, before_shift=before)

    # -- [employer] ----------------------------------------------------------------------
    def _employer(self) -> Employer:
        table = self.raw.get("employer")
        if table is None:
            self.problem(("employer",), _('missing; add [employer] with at least name = "…"'))
            return Employer(name="?")
        texts = self._split_texts(table, ("employer",), EMPLOYER_TEXTS)
        model = self._validate(_EmployerModel, texts.table, ("employer",))
        if model is None:
            return Employer(name="?")
        return Employer(
            texts.localized("name", model.name) or model.name,
            texts.localized("contact", model.contact) or "",
            model.spec_version,
            texts.localized("notes", model.notes) or "",
        )

    # -- [[declarations]] ----------------------------------------------------------------
    def _declarations(self) -> list[Declaration]:
        items = self.raw.get("declarations", [])
        if not isinstance(items, list):
            self.problem(("declarations",), _("must be written as [[declarations]] tables"))
            return []
        found: list[Declaration] = []
        for index, item in enumerate(items):
            path = ("declarations", str(index))
            texts = self._split_texts(item, path, DECLARATION_TEXTS)
            model = self._validate(_DeclarationModel, texts.table, path)
            if model is None:
                continue
            if any(d.id == model.id for d in found):
                self.problem(
                    ("declarations",), _("declaration '{id}' is listed twice").format(id=model.id)
                )
                continue
            found.append(
                Declaration(
                    model.id,
                    texts.localized("text", model.text) or model.text,
                    texts.localized("help", model.help) or "",
                    model.severity,
                )
            )
        return found

    # -- [rules] ---------------------------------------------------------------------------
    def _rules(self) -> list[Rule]:
        table = self.raw.get("rules")
        if table is None:
            self.problem(("rules",), _("missing; add [rules] with at least one requirement"))
            return []
        if not isinstance(table, dict):
            self.problem(("rules",), _("must be a table of rules keyed by metric id"))
            return []
        rules: list[Rule] = []
        for metric_id, path, body in self._flatten_rules(table, ("rules",)):
            rules.extend(self._rule(metric_id, path, body))
        if not rules and not self.problems:
            self.problem(("rules",), _("has no rules; add at least one requirement"))
        return rules

    def _flatten_rules(
        self, node: dict[str, Any], path: tuple[str, ...]
    ) -> list[tuple[str, tuple[str, ...], Any]]:
        """Accept both ``[rules."a.b"]`` and nested ``[rules.a.b]`` forms."""
        out: list[tuple[str, tuple[str, ...], Any]] = []
        for key, value in node.items():
            sub = (*path, key)
            metric_id = ".".join(sub[1:])
            is_namespace = (
                isinstance(value, dict)
                and metric_id not in self.metrics
                and value
                and all(isinstance(v, dict | list) for v in value.values())
                and not any(k in KINDS or k in RULE_OPTIONS for k in value)
            )
            if is_namespace:
                out.extend(self._flatten_rules(value, sub))
            else:
                out.append((metric_id, sub, value))
        return out

    def _rule(self, metric_id: str, path: tuple[str, ...], body: Any) -> list[Rule]:
        metric = self.metrics.get(metric_id)
        if metric is None:
            self.problem(
                path,
                _("unknown metric '{metric}'").format(metric=metric_id)
                + did_you_mean(metric_id, set(self.metrics)),
            )
            return []
        bodies = body if isinstance(body, list) else [body]
        rules: list[Rule] = []
        for index, item in enumerate(bodies):
            item_path = path if len(bodies) == 1 else (*path, str(index))
            if not isinstance(item, dict):
                self.problem(
                    item_path,
                    _("a rule is a table such as {{ min = 10 }}, not {value!r}").format(value=item),
                )
                continue
            texts = self._split_texts(item, item_path, RULE_TEXTS)
            rule = self._rule_from_table(metric, texts, item_path)
            if rule is not None:
                rules.append(rule)
        return rules

    def _rule_from_table(
        self, metric: Metric, texts: SplitTexts, path: tuple[str, ...]
    ) -> Rule | None:
        """One rule table: each condition parsed by its kind, every problem reported."""
        conditions: list[RuleKind] = []
        severity = Severity.REQUIRED
        advice: str | None = None
        ok = True
        allowed = (*KINDS, *RULE_OPTIONS)
        for key, raw in texts.table.items():
            key_path = (*path, key)
            kind = KINDS.get(key)
            if kind is not None:
                try:
                    conditions.append(kind.parse(raw, metric))
                except KindError as exc:
                    self.problem(path if exc.whole_rule else key_path, str(exc))
                    ok = False
            elif key == "severity":
                if raw not in tuple(Severity):
                    self.problem(
                        key_path,
                        _("must be one of: {choices}").format(choices=", ".join(Severity)),
                    )
                    ok = False
                else:
                    severity = Severity(raw)
            elif key == "advice":
                if not isinstance(raw, str):
                    self.problem(key_path, _("must be text in quotes"))
                    ok = False
                else:
                    advice = raw
            else:
                self.problem(
                    key_path, _("unknown key '{key}'").format(key=key) + did_you_mean(key, allowed)
                )
                ok = False
        if not ok:
            return None
        if not conditions:
            self.problem(path, _("the rule has no condition (min, max, equals or one_of)"))
            return None
        for message in conflicts(conditions):
            self.problem(path, message)
            return None
        return Rule(
            metric.id,
            tuple(conditions),
            severity=severity,
            advice=texts.localized("advice", advice),
            line=find_line(self.lines, path),
        )

    # -- [checks.<id>] -----------------------------------------------------------------
    def _check_settings(
        self,
    ) -> tuple[dict[str, dict[str, Any]], set[str], dict[str, float]]:
        table = self.raw.get("checks", {})
        settings: dict[str, dict[str, Any]] = {}
        disabled: set[str] = set()
        budgets: dict[str, float] = {}
        if not isinstance(table, dict):
            self.problem(("checks",), _("must be a table of [checks.<check id>] tables"))
            return settings, disabled, budgets
        for check_id, values in table.items():
            path = ("checks", check_id)
            check = self.registry.get(check_id)
            if check is None:
                self.problem(
                    path,
                    _("unknown check '{check}'").format(check=check_id)
                    + did_you_mean(check_id, set(self.registry.checks)),
                )
                continue
            if not isinstance(values, dict):
                self.problem(path, _("must be a table of settings"))
                continue
            settings[check_id] = self._settings_of(check, values, path, disabled, budgets)
        return settings, disabled, budgets

    def _settings_of(
        self,
        check: type[Check],
        values: Mapping[str, Any],
        path: tuple[str, ...],
        disabled: set[str],
        budgets: dict[str, float],
    ) -> dict[str, Any]:
        declared = {s.name: s for s in check.settings}
        out: dict[str, Any] = {}
        for key, value in values.items():
            key_path = (*path, key)
            if key == "enabled":
                if not isinstance(value, bool):
                    self.problem(key_path, _("must be true or false"))
                elif not value:
                    disabled.add(check.id)
                continue
            if key == "time_budget_s":
                budget = self._setting_value(TIME_BUDGET, value, key_path)
                if budget is not _REFUSED:
                    budgets[check.id] = budget
                continue
            setting = declared.get(key)
            if setting is None:
                known = sorted(set(declared) | set(COMMON_SETTINGS))
                self.problem(
                    key_path,
                    _("unknown setting '{key}' for check '{check}'; known: {known}").format(
                        key=key, check=check.id, known=", ".join(known)
                    )
                    + did_you_mean(key, known),
                )
                continue
            parsed = self._setting_value(setting, value, key_path)
            if parsed is not _REFUSED:
                out[key] = parsed
        return out

    def _setting_value(self, setting: Setting, value: Any, path: tuple[str, ...]) -> Any:
        """The spec's ``value`` for ``setting``, typed; or :data:`_REFUSED`, with the problem.

        A number setting is judged by its declaration alone (:meth:`Setting.problem`): a
        bool is not a number, NaN and infinity are refused, and the range is checked on
        the exact TOML value (a 4,000-digit integer is out of range, not an overflow).
        Other types go through pydantic in strict mode (``"yes"`` is not ``true``), then
        the declared choices.
        """
        if not setting.is_number:
            try:
                value = TypeAdapter(setting.type).validate_python(value, strict=True)
            except ValidationError as exc:
                self.problem(path, describe_error(exc.errors()[0]))
                return _REFUSED
        problem = setting.problem(value)
        if problem is not None:
            self.problem(path, problem)
            return _REFUSED
        return setting.typed(value)

    # -- shared ----------------------------------------------------------------------------
    def _split_texts(
        self, value: Any, path: tuple[str, ...], fields: tuple[str, ...]
    ) -> SplitTexts:
        """Translatable fields reduced to their defaults; bad translations reported."""
        if not isinstance(value, dict):
            return SplitTexts(value)
        texts = split_translations(value, fields)
        for sub, message in texts.problems:
            self.problem((*path, *sub), message)
        return texts

    def _validate(
        self,
        model: type[ModelT],
        value: Any,
        path: tuple[str, ...],
        allowed: tuple[str, ...] | None = None,
    ) -> ModelT | None:
        if not isinstance(value, dict):
            self.problem(path, _("must be a table"))
            return None
        try:
            return model.model_validate(value)
        except ValidationError as exc:
            for error in exc.errors():
                loc = tuple(str(part) for part in error["loc"])
                field_path = (*path, *loc)
                if error["type"] == "extra_forbidden":
                    names = allowed or tuple(model.model_fields)
                    self.problem(
                        field_path,
                        _("unknown key '{key}'").format(key=loc[-1]) + did_you_mean(loc[-1], names),
                    )
                else:
                    self.problem(field_path, describe_error(error))
            return None
