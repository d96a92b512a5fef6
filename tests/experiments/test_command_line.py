"""``python -m cnn101.experiments``: every bad argument and unwritable cache folder gets one
line and exit status 2 before anything trains (nothing here trains: training is replaced by
a function that fails the test)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cnn101.experiments import CACHE_ENV, command_line
from cnn101.experiments.command_line import main


@pytest.fixture
def no_training(monkeypatch, tmp_path):
    """Fail the test if a run starts; point the cache at a fresh writable folder."""

    def refuse(*args, **kwargs):
        raise AssertionError("a run started: the arguments were not checked first")

    for name in ("run_many", "transfer_table", "_shift_report", "_scale_report"):
        monkeypatch.setattr(command_line, name, refuse)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path


def _refusal(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert len(err.strip().splitlines()) == 1, err  # one line, no usage block, no traceback
    return err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["shift", "--seeds", "4294967296"], "--seeds"),
        (["shift", "--seeds", "0", "4294967296"], "2**32"),
        (["scale", "--seeds", "-1", "2"], "--seeds"),
        (["scale", "--seeds", "3", "3"], "distinct"),
        (["scale", "--seeds", "3"], "at least 2 seeds"),
        (["shift", "--seeds", "x"], "--seeds"),
        (["shift", "--n-train", "5"], "--n-train"),
        (["shift", "--n-train", "100000"], "--n-train"),
        (["scale", "--n-test", "1"], "--n-test"),
        (["scale", "--part", "trunk"], "--part"),
        (["transfer", "--sizes", "100000"], "between 2 and 1333"),
        (["transfer", "--sizes", "30", "1334"], "Received: 1334"),
        (["transfer", "--sizes", "1"], "--sizes"),
        (["transfer", "--n-test", "5"], "digits 5-9"),
        (["nothing"], "experiment"),
    ],
)
def test_bad_arguments_get_one_line_before_any_training(argv, expected, capsys, no_training):
    err = _refusal(argv, capsys)
    assert err.startswith("python -m cnn101.experiments: error: ")
    assert expected in err


def test_the_largest_transfer_size_is_accepted(capsys, no_training, monkeypatch):
    """1333 + 666 validation digits fit the pool of 2000 digits 5-9; 1334 + 667 do not."""
    seen = []
    monkeypatch.setattr(
        command_line, "transfer_table", lambda data, seeds, sizes: seen.append(sizes)
    )
    assert main(["transfer", "--sizes", "2", "1333"]) == 0
    assert seen == [[2, 1333]]


@pytest.mark.parametrize("kind", ["file", "under a file"])
def test_a_cache_path_that_is_a_file_is_refused_in_one_line(kind, capsys, no_training, monkeypatch):
    path = no_training / "a file"
    path.write_text("not a folder")
    monkeypatch.setenv(CACHE_ENV, str(path if kind == "file" else path / "cache"))
    err = _refusal(["shift"], capsys)
    assert CACHE_ENV in err and "cannot be written" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_cache_folder_is_refused_in_one_line(capsys, no_training, monkeypatch):
    folder = no_training / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    monkeypatch.setenv(CACHE_ENV, str(folder))
    try:
        assert "cannot be written" in _refusal(["scale"], capsys)
    finally:
        folder.chmod(0o700)


def test_python_m_prints_one_line_and_no_traceback(tmp_path):
    """The module as a user starts it: a cache path that is a file, then a seed too large."""
    path = tmp_path / "a file"
    path.write_text("")
    env = {**os.environ, CACHE_ENV: str(path)}
    for argv in (["shift"], ["shift", "--seeds", "4294967296", "1"]):
        done = subprocess.run(
            [sys.executable, "-m", "cnn101.experiments", *argv],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert done.returncode == 2
        assert "Traceback" not in done.stderr
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("python -m cnn101.experiments: error:")
