"""What a reader sees in the rendered PDF, read back with poppler like a viewer would."""

from __future__ import annotations

from pathlib import Path

from deskready.report.integrity import compute_digest
from tests.pdf.helpers import (
    JAPANESE_ADVICE,
    JAPANESE_MESSAGE,
    JAPANESE_NAME,
    load_sample,
    page_count,
    pdf_text,
    run_tool,
)


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_header_names_employer_spec_agent_time_and_machine(rendered: dict[str, Path]) -> None:
    text = pdf_text(rendered["sample"])
    for expected in (
        "Readiness report",
        "Typical contact-center employer",
        "bundled:typical, version 2026.1",
        "Aiko Tanaka (ID AG-20931)",
        "Nov 23, 2026, 6:30",
        "(UTC+01:00)",
        "Windows 11 Pro 24H2 (build 26100)",
        "7.9 GB",
    ):
        assert expected in text


def test_verdict_is_prominent_with_symbol_and_word(rendered: dict[str, Path]) -> None:
    text = pdf_text(rendered["sample"])
    assert "✘ NOT READY" in text
    assert "✔ READY" not in text
    assert "Passed: 4 · Warnings: 1 · Failed: 2 · Not measured: 1" in text


def test_every_check_and_rule_is_listed_with_outcome(rendered: dict[str, Path]) -> None:
    report = load_sample()
    text = pdf_text(rendered["sample"])
    for result in report["results"]:
        assert result["title"] in text
    for rule in report["rules"]:
        assert rule["label"] in text
        assert _squash(rule["expected_text"]) in text
        assert rule["actual_text"] in text
    for word in ("✔ Pass", "✘ Fail", "! Warning", "? Not measured", "? Could not run"):
        assert word in text


def test_what_to_fix_lists_every_problem_in_order(rendered: dict[str, Path]) -> None:
    text = pdf_text(rendered["sample"])
    assert "What to fix" in text
    for rule in load_sample()["rules"]:
        if rule["outcome"] in ("fail", "warn"):
            assert _squash(rule["advice"]) in text
    fixes = text.split("What to fix", 1)[1]
    groups = [fixes.index(h) for h in ("Not met", "Could not check", "Recommendations not met")]
    assert groups == sorted(groups)
    assert "it-support@example.com" in text


def test_a_check_error_is_told_once_and_declarations_are_shown(
    rendered: dict[str, Path],
) -> None:
    text = pdf_text(rendered["sample"])
    assert text.count("No microphone was found.") == 1
    assert "No microphone was found. Plug in your headset and try again." in text
    assert "declared by the agent, Nov 23, 2026, 6:29" in text


def test_charts_are_titled(rendered: dict[str, Path]) -> None:
    text = pdf_text(rendered["sample"])
    assert "Latency during the call test (ms)" in text
    assert "Download speed during the test (Mbps)" in text
    assert "Upload speed during the test (Mbps)" in text
    assert "limit 150 ms" in text


def test_footer_has_version_pages_and_digest_on_every_page(rendered: dict[str, Path]) -> None:
    path = rendered["sample"]
    pages = page_count(path)
    assert pages == 2
    digest = compute_digest(load_sample())
    for number in range(1, pages + 1):
        result = run_tool("pdftotext", "-f", str(number), "-l", str(number), str(path), "-")
        page = " ".join(result.stdout.split())
        assert f"Page {number} of {pages}" in page
        assert f"sha256:{digest}" in page
        assert "deskready 0.1.0" in page


def test_all_pass_is_a_clean_one_page_summary(rendered: dict[str, Path]) -> None:
    path = rendered["passing"]
    assert page_count(path) == 1
    text = pdf_text(path)
    assert "✔ READY" in text
    assert "NOT READY" not in text
    assert "What to fix" not in text
    assert "Page 1 of 1" in text
    for result in load_sample()["results"]:
        assert result["title"] in text


def test_japanese_text_renders_with_an_embedded_cjk_font(rendered: dict[str, Path]) -> None:
    path = rendered["japanese"]
    fonts = run_tool("pdffonts", str(path)).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk, fonts
    assert all(line.split()[-5] == "yes" for line in cjk), fonts  # emb column
    text = pdf_text(path)
    assert JAPANESE_NAME in text  # 田 extracted as 田, not as the Kangxi radical ⽥
    assert JAPANESE_ADVICE in text.replace(" ", "")
    assert JAPANESE_MESSAGE in text.replace(" ", "")


def test_text_layer_has_no_ligatures_or_tabs(rendered: dict[str, Path]) -> None:
    result = run_tool("pdftotext", "-enc", "UTF-8", str(rendered["sample"]), "-")
    assert "ﬁ" not in result.stdout
    assert "ﬀ" not in result.stdout
    assert "Home-office equipment check" in result.stdout
    assert "\t" not in result.stdout
