"""Where a report may be written (issue 14, item 7): checked before anything is written,
no folder created silently, a symbolic link written through to its target."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deskready.report.files import ReportFileError, output_target, same_file, write_atomically


def test_a_plain_path_in_an_existing_folder(tmp_path):
    assert output_target(tmp_path / "r.json") == tmp_path / "r.json"


def test_a_missing_folder_is_an_error_and_is_not_created(tmp_path):
    target = tmp_path / "nope" / "r.json"
    with pytest.raises(ReportFileError, match=r"the folder .*nope does not exist"):
        write_atomically(target, b"{}")
    assert not target.parent.exists()


def test_a_folder_is_not_a_file_name(tmp_path):
    with pytest.raises(ReportFileError, match="it is a folder; give a file name"):
        output_target(tmp_path)


def test_a_file_where_the_folder_should_be(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ReportFileError, match="is not a folder"):
        output_target(tmp_path / "file" / "r.json")


def test_a_special_file_is_refused(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ReportFileError, match="not a regular file"):
        write_atomically(fifo, b"{}")
    assert fifo.is_fifo()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_a_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    with pytest.raises(ReportFileError, match="is not writable"):
        output_target(folder / "r.json")


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "report.json"
    real.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    write_atomically(link, b"new")
    assert link.is_symlink()
    assert real.read_bytes() == b"new"
    assert not list((tmp_path / "real").glob(".*.tmp"))


def test_a_dangling_symlink_creates_its_target_in_an_existing_folder(tmp_path):
    link = tmp_path / "latest.json"
    link.symlink_to(tmp_path / "made.json")
    write_atomically(link, b"new")
    assert (tmp_path / "made.json").read_bytes() == b"new"
    dangling = tmp_path / "gone.json"
    dangling.symlink_to(tmp_path / "missing" / "x.json")
    with pytest.raises(ReportFileError, match="does not exist"):
        write_atomically(dangling, b"x")


def test_a_symlink_loop_is_an_error(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(ReportFileError, match="symbolic link"):
        output_target(tmp_path / "a")


def test_same_file_resolves_both(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert same_file(Path("x.pdf"), tmp_path / "x.pdf")
    assert same_file(Path("./x.pdf"), Path("x.pdf"))
    (tmp_path / "link.pdf").symlink_to(tmp_path / "x.pdf")
    assert same_file(Path("link.pdf"), Path("x.pdf"))
    assert not same_file(Path("x.json"), Path("x.pdf"))
