"""The demo runs as a user runs it: in a subprocess, checking files, exit code and terminal output."""

import os
import subprocess
import sys
import time

import pytest

LOG_MARKERS = (
    "I0000",
    "W0000",
    "E0000",
    "absl::",
    "oneDNN",
    "cuda",
    "cpu_feature_guard",
    "Traceback",
)


def run_demo(*args, cwd=None):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["MPLBACKEND"] = "Agg"
    return subprocess.run(
        [sys.executable, "-m", "cnn101.demo", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def test_demo_writes_figures_with_clean_output(tmp_path):
    result = run_demo("--out", str(tmp_path / "figs"), "--image", "coins", "--kernel", "sobel_top")
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert names == ["01_vertical_line.png", "02_circle_pooling.png", "03_photo_sobel_top.png"]
    assert all((tmp_path / "figs" / n).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for n in names)
    assert "64x64 -> 32x32 -> 16x16 -> 8x8 -> 4x4" in result.stdout
    assert "ReLU keeps columns [3]" in result.stdout
    for marker in LOG_MARKERS:
        assert marker not in result.stdout + result.stderr, marker
    assert result.stderr == ""


def test_demo_default_folder(tmp_path):
    result = run_demo(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "cnn101-demo").glob("*.png"))) == 3


def test_demo_missing_file_is_one_clean_line(tmp_path):
    result = run_demo("--image", str(tmp_path / "missing.png"), "--out", str(tmp_path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert (
        len(lines) == 1 and lines[0].startswith("cnn101.demo: error:") and "missing.png" in lines[0]
    )
    assert "Traceback" not in result.stderr


def test_demo_bad_kernel_and_help_is_fast():
    result = run_demo("--kernel", "nope")
    assert result.returncode == 2 and "invalid choice" in result.stderr
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", "import sys, cnn101.demo; print('tensorflow' in sys.modules)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "False"  # --help never pays for TensorFlow
    result = run_demo("--help")
    assert result.returncode == 0 and "--kernel" in result.stdout
    assert time.perf_counter() - start < 30


def test_demo_main_in_process(tmp_path, capsys):
    from cnn101 import demo

    assert demo.main(["--out", str(tmp_path), "--size", "64", "--device", "cpu"]) == 0
    assert "Saved 3 figures" in capsys.readouterr().out
    assert demo.main(["--size", "2", "--out", str(tmp_path)]) == 2
    assert "`--size` must be" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform != "linux", reason="uses Agg via MPLBACKEND")
def test_demo_show_uses_pyplot(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from cnn101 import demo

    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(len(plt.get_fignums())))
    assert demo.main(["--out", str(tmp_path), "--size", "32", "--show"]) == 0
    assert shown == [3]
    plt.close("all")
