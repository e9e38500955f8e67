"""Issue 16, the terminal: results first, each cause once, units on every value, 80
columns in every language, ``--quiet``, and the shared options after any command's name.

In process through click's CliRunner (fast, the real command tree), and through the
installed ``deskready`` in a subprocess for the offline run and ``--debug``.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import subprocess
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner, Result
from rich.cells import cell_len

from deskready.checks.i18n import set_language
from deskready.cli.main import cli
from deskready.cli.render import ProgressView, metric_labels, plain_console, print_report
from deskready.cli.shared_options import SHARED_OPTIONS
from deskready.report.fixes import FixKind, what_to_fix
from deskready.runner import CheckProgress
from deskready.session import Session
from deskready.spec import load_spec_text
from tests.core.fakes import FailingCheck, PhoneLikeCheck, RamCheck, SpeedCheck, registry_of
from tests.plugin_package import install_plugin

LANGUAGES = ("en", "de", "ja")
SYSTEM = "os,cpu,memory,disk,power"
#: A fake registry and spec whose run has every group of "What to fix" (tests.core.fakes).
REG = registry_of(SpeedCheck, RamCheck, PhoneLikeCheck, FailingCheck)
EVERY_GROUP_SPEC = """
[employer]
name = "ACME Calls"
[rules]
"ram.gb" = { min = 4 }
"net.down_mbps" = [{ min = 100 }, { min = 200, severity = "recommended" }]
"failing.value" = { min = 1 }
"phoneish.kind" = { equals = "corded" }
"""


@pytest.fixture(autouse=True)
def _english_and_quiet_logging() -> Iterator[None]:
    """The commands set the process's language and log levels; put them back."""
    yield
    set_language("en")
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("deskready.runner").setLevel(logging.CRITICAL)


def invoke(*args: str, columns: int = 80) -> Result:
    return CliRunner().invoke(
        cli, list(args), env={"COLUMNS": str(columns), "LANGUAGE": "", "LANG": "C.UTF-8"}
    )


def every_group_report(language: str = "en") -> dict:
    set_language(language)
    spec = load_spec_text(EVERY_GROUP_SPEC, REG, file_name="groups.toml")
    session = Session.planned(spec, REG, skip=["phoneish"])
    return session.report(session.run(), language=language)


def rendered(report: dict, width: int = 80) -> str:
    console = plain_console(record=True, width=width)
    print_report(console, report, labels=metric_labels(REG))
    return console.export_text()


def flat(text: str) -> str:
    """Whitespace made single: wrapped lines read as one sentence."""
    return " ".join(text.split())


# -- results first ---------------------------------------------------------------------


def test_verdict_then_fixes_in_their_order_then_the_table():
    report = every_group_report()
    text = rendered(report)
    fixes = what_to_fix(report)
    assert {fix.kind for fix in fixes} == set(FixKind)
    places = [
        text.index("NOT READY"),
        text.index("What to fix"),
        *(text.index(f"\n{kind.heading()}\n") for kind in FixKind),
        text.index("Readiness check for ACME Calls"),
    ]
    assert places == sorted(places), text
    for fix in fixes:  # one line of plain advice per item, the fix model's own words
        assert flat(fix.advice) in flat(text)


def test_advice_every_item_of_a_group_shares_is_said_once():
    spec = load_spec_text(
        '[employer]\nname = "A"\n[rules]\n"ram.gb" = { min = 4 }\n'
        '"net.down_mbps" = { min = 1 }\n"phoneish.kind" = { equals = "corded" }\n',
        REG,
        file_name="a.toml",
    )
    session = Session.planned(spec, REG, only=["ram"])
    report = session.report(session.run())
    not_checked = [f for f in what_to_fix(report) if f.kind is FixKind.NOT_CHECKED]
    assert len(not_checked) == 2
    assert flat(rendered(report)).count(flat(not_checked[0].advice)) == 1


# -- each cause once, through the installed command ------------------------------------


def _closed_port(kind: int) -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_offline_run_tells_each_cause_once(deskready_bin, tmp_path, env):
    spec = tmp_path / "offline.toml"
    spec.write_text(
        '[employer]\nname = "Offline"\n[rules]\n'
        '"network.download_mbps" = { min = 10 }\n"network.upload_mbps" = { min = 3 }\n'
        '"network.rtt_ms" = { max = 150 }\n"network.jitter_ms" = { max = 30 }\n'
        '"network.loss_pct" = { max = 1 }\n"memory.total_gb" = { min = 0.1 }\n'
        f'[checks.bandwidth]\nbackend = "librespeed"\n'
        f'server = "http://127.0.0.1:{_closed_port(socket.SOCK_STREAM)}/"\n'
        f'[checks.call_quality]\nstun_servers = ["127.0.0.1:{_closed_port(socket.SOCK_DGRAM)}"]\n'
        "duration_s = 2\n",
        encoding="utf-8",
    )
    out = tmp_path / "r.json"
    done = subprocess.run(
        [deskready_bin, "check", "-p", str(spec), "--no-input", "--json", str(out)],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "80"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 3, done.stdout + done.stderr
    errors = {r["check"]: r["error"] for r in json.loads(out.read_text())["results"]}
    assert errors["bandwidth"]
    assert errors["call_quality"]
    shown = flat(done.stdout + done.stderr)
    for check in ("bandwidth", "call_quality"):
        assert shown.count(flat(errors[check])) == 1, (check, done.stdout)
    assert "Traceback" not in done.stderr


# -- units on every value ---------------------------------------------------------------


def test_an_unjudged_value_is_named_and_carries_its_unit(tmp_path):
    spec = tmp_path / "os.toml"
    spec.write_text('[employer]\nname = "T"\n[rules]\n"os.supported" = { equals = true }\n')
    report_path = tmp_path / "r.json"
    result = invoke(
        "check", "-p", str(spec), "--only", "os,cpu,memory", "--no-input",
        "--json", str(report_path), columns=200,
    )  # fmt: skip
    assert result.exit_code in (0, 1, 3), result.output
    report = json.loads(report_path.read_text())
    memory = next(r for r in report["results"] if r["check"] == "memory")
    assert memory["display"]["memory.total_gb"].endswith(" GB")
    assert f"Memory (RAM): {memory['display']['memory.total_gb']}" in result.output
    cpu = next(r for r in report["results"] if r["check"] == "cpu")
    if cpu["measurements"].get("cpu.physical_cores") is not None:
        assert f"Processor cores: {cpu['display']['cpu.physical_cores']}" in result.output


def test_progress_shows_the_checks_message_not_bare_live_numbers():
    console = plain_console(record=True, width=80)
    view = ProgressView(console, [SpeedCheck])
    view.handle(CheckProgress("speed", 0.5, "Download: 48.2 Mbps", {"mbps": 48.2}))
    assert view.state["speed"] == "50%  Download: 48.2 Mbps"


# -- 80 columns, in every language ------------------------------------------------------


def _widest(text: str) -> int:
    return max(cell_len(line) for line in text.splitlines())


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_group_fits_80_columns(language):
    text = rendered(every_group_report(language))
    assert _widest(text) <= 80, text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_real_run_and_the_help_fit_80_columns(language):
    result = invoke("--lang", language, "check", "--only", SYSTEM, "--no-input")
    assert result.exit_code in (0, 1, 3), result.output
    assert _widest(result.output) <= 80, result.output
    if language == "ja":  # wide characters were really measured, not only ASCII
        assert any(cell_len(line) > len(line) for line in result.output.splitlines())
    for command in (["check"], ["report", "verify"], ["checks"]):
        helped = invoke("--lang", language, *command, "--help")
        assert helped.exit_code == 0, helped.output
        assert _widest(helped.output) <= 80, helped.output


# -- --quiet ------------------------------------------------------------------------------


def test_quiet_prints_the_verdict_line_and_the_report_paths(tmp_path):
    spec = tmp_path / "q.toml"
    spec.write_text('[employer]\nname = "Q"\n[rules]\n"memory.total_gb" = { min = 100000 }\n')
    report_path = tmp_path / "r.json"
    result = invoke("check", "-p", str(spec), "--no-input", "--quiet", "--json", str(report_path))
    assert result.exit_code == 1, result.output  # not ready: the exit code is unchanged
    assert result.output.splitlines() == [
        "✘ NOT READY: some requirements are not met. See what to do below.",
        "Run the check without --quiet to see what to fix.",  # nothing else is below
        f"JSON report written to {report_path}",
    ]
    assert json.loads(report_path.read_text())["verdict"] == "not_ready"


def test_quiet_says_nothing_more_for_a_ready_run(tmp_path):
    spec = tmp_path / "ok.toml"
    spec.write_text('[employer]\nname = "Q"\n[rules]\n"memory.total_gb" = { min = 0.01 }\n')
    result = invoke("check", "-p", str(spec), "--no-input", "--quiet")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["✔ READY: this setup meets your employer's requirements."]


def test_quiet_with_json_on_stdout_keeps_stdout_pure():
    result = invoke("check", "--only", "memory", "--no-input", "-q", "--json", "-")
    assert result.exit_code == 3, result.output  # the rest of the spec was not checked
    assert json.loads(result.stdout)["verdict"] == "incomplete"
    assert result.stderr.splitlines() == [
        "? INCOMPLETE: only part of the requirements was checked.",
        "Run the check without --quiet to see what to fix.",
    ]


# -- the shared options, before or after the command ------------------------------------


def _all_commands(group: click.Group, ctx: click.Context) -> Iterator[click.Command]:
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        yield command
        if isinstance(command, click.Group):
            yield from _all_commands(command, click.Context(command, parent=ctx))


def test_every_command_takes_the_shared_options():
    root = click.Context(cli)
    commands = list(_all_commands(cli, root))
    assert len(commands) > 15  # the hub's subcommands too
    for command in [cli, *commands]:
        opts = {opt for p in command.get_params(root) for opt in p.opts}
        for option in SHARED_OPTIONS:
            assert set(option.opts) <= opts, command.name


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (["--lang", "ja", "check", "--only", "memory", "--no-input"],
         ["check", "--only", "memory", "--no-input", "--lang", "ja"]),
        (["--lang", "de", "profiles"], ["profiles", "--lang", "de"]),
        (["--lang", "nl", "check", "--help"], ["check", "--lang", "nl", "--help"]),
        (["--version"], ["report", "--version"]),
    ],
)  # fmt: skip
def test_a_shared_option_after_the_command_works_as_before_it(before, after):
    first, second = invoke(*before), invoke(*after)
    set_language("en")
    assert first.exit_code == second.exit_code
    assert first.output == second.output
    assert first.exit_code in (0, 1, 3), first.output


def test_lang_typed_after_help_still_translates_the_help():
    english = invoke("check", "--help")
    japanese = invoke("check", "--help", "--lang", "ja")
    assert japanese.exit_code == english.exit_code == 0
    assert japanese.output == invoke("--lang", "ja", "check", "--help").output
    assert japanese.output != english.output


def test_lang_after_the_command_translates_it():
    assert "Prüfung" in invoke("check", "--only", "memory", "--no-input", "--lang", "de").output
    english = invoke("profiles")
    assert "Typical contact-center employer" in english.output  # nothing left over


@pytest.mark.parametrize(
    "args",
    [
        ["--lang", "jp", "check", "--only", "memory", "--no-input"],
        ["check", "--only", "memory", "--no-input", "--lang", "jp"],
    ],
)
def test_an_unknown_language_is_one_clear_error_not_english(args):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == [
        "Error: --lang: unknown language 'jp'; use one of: en, ja, de, nl, ms (did you mean 'ja'?)"
    ]


def test_a_locale_name_is_a_language():
    assert "Prüfung" in invoke("--lang", "de_DE.UTF-8", "check", "--only", "memory").output


BROKEN = "raise RuntimeError('broken on purpose')\n"


@pytest.fixture(scope="module")
def broken_plugin(tmp_path_factory) -> str:
    """A real installed plugin whose module cannot be imported."""
    return install_plugin(
        tmp_path_factory.mktemp("brokenplugin"),
        "deskready_broken_import",
        BROKEN,
        {"broken_import": "deskready_broken_import:Nothing"},
    )


@pytest.mark.parametrize(
    ("args", "traceback"),
    [
        (["checks"], False),
        (["--debug", "checks"], True),
        (["checks", "--debug"], True),
    ],
)
def test_debug_after_the_command_shows_tracebacks(
    deskready_bin, broken_plugin, env, args, traceback
):
    done = subprocess.run(
        [deskready_bin, *args],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": broken_plugin},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert ("Traceback" in done.stderr) is traceback, done.stderr
    assert bool(re.search(r"broken on purpose", done.stdout + done.stderr))
