"""The demo runs as a user runs it: in a subprocess, checking files, exit code and terminal output."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

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
    assert "conv responds in columns [2, 4], ReLU keeps columns [4]" in result.stdout
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
    assert len(lines) == 1, lines
    assert lines[0].startswith("python -m cnn101.demo: error: argument --image:")
    assert "missing.png" in lines[0]
    assert "Traceback" not in result.stderr


# A script that runs main() in-process and then reports whether TensorFlow was imported.
BAD_ARGUMENT_PROBE = """
import sys, time
start = time.perf_counter()
from cnn101.demo import main
try:
    status = main(sys.argv[1:])
except SystemExit as exit:
    status = exit.code
print(status, "tensorflow" in sys.modules, round(time.perf_counter() - start, 3))
"""


def probe_bad_arguments(*args):
    result = subprocess.run(
        [sys.executable, "-c", BAD_ARGUMENT_PROBE, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    status, tensorflow_loaded, seconds = result.stdout.split()
    return int(status), tensorflow_loaded == "True", float(seconds), result.stderr


@pytest.fixture(scope="module")
def not_an_image(tmp_path_factory):
    path = tmp_path_factory.mktemp("files") / "notes.png"
    path.write_text("these are notes, not pixels\n")
    return path


@pytest.fixture(scope="module")
def a_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("files") / "plain.txt"
    path.write_text("a file, where --out wants a folder\n")
    return path


BAD_COMMAND_LINES = [
    (("--image", "nope"), "--image", "bundled photo"),
    (("--image", "NOT_AN_IMAGE"), "--image", "is not an image file"),
    (("--out", "A_FILE/figures"), "--out", "cannot make the folder"),
    (("--out", "A_FILE"), "--out", "is not a folder"),
    (("--size", "2"), "--size", "from 8 to 2048"),
    (("--size", "100000"), "--size", "from 8 to 2048"),
    (("--size", "big"), "--size", "invalid int value"),
    (("--kernel", "nope"), "--kernel", "invalid choice"),
    (("--device", "tpu"), "--device", "invalid choice"),
]


@pytest.mark.parametrize(
    "args,option,says", BAD_COMMAND_LINES, ids=[" ".join(c[0]) for c in BAD_COMMAND_LINES]
)
def test_bad_option_is_one_line_naming_it_before_tensorflow_loads(
    args, option, says, not_an_image, a_file
):
    """Measured in the process itself: TensorFlow was never imported, so the answer is quick."""
    args = [
        a.replace("NOT_AN_IMAGE", str(not_an_image)).replace("A_FILE", str(a_file)) for a in args
    ]
    status, tensorflow_loaded, _, stderr = probe_bad_arguments(*args)
    assert status == 2
    assert not tensorflow_loaded
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"python -m cnn101.demo: error: argument {option}:"), lines[0]
    assert says in lines[0]
    for leak in ("Traceback", "imageio", "Errno", "`name`"):
        assert leak not in lines[0]


def test_missing_gpu_is_named_before_any_step_runs():
    from cnn101._tf import tensorflow

    if tensorflow().config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU")
    result = run_demo("--device", "gpu")
    assert result.returncode == 2
    assert result.stdout == ""  # not even step 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "error: argument --device:" in lines[0] and "GPU" in lines[0]


def test_installed_script_names_itself():
    script = shutil.which("cnn101-demo") or str(Path(sys.executable).parent / "cnn101-demo")
    if Path(script).is_file():
        result = subprocess.run(
            [script, "--size", "1"], capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 2
        assert result.stderr.startswith("cnn101-demo: error: argument --size:")
    # And whatever the launcher is called, usage and errors use its name.
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.argv[0] = '/opt/bin/cnn101-demo'; from cnn101.demo import main; main()",
            "--help",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: cnn101-demo ")
    assert "python -m" not in result.stdout


def test_demo_bad_kernel_and_help_never_load_tensorflow():
    """Cheap by construction (speed itself is measured in benchmarks/core.py)."""
    result = run_demo("--kernel", "nope")
    assert result.returncode == 2 and "invalid choice" in result.stderr
    result = subprocess.run(
        [sys.executable, "-c", "import sys, cnn101.demo; print('tensorflow' in sys.modules)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "False"  # --help never pays for TensorFlow
    result = run_demo("--help")
    assert result.returncode == 0 and "--kernel" in result.stdout


def test_demo_main_in_process(tmp_path, capsys):
    from cnn101 import demo

    assert demo.main(["--out", str(tmp_path), "--size", "64", "--device", "cpu"]) == 0
    assert "Saved 3 figures" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit:
        demo.main(["--size", "2", "--out", str(tmp_path)])
    assert exit.value.code == 2
    assert "argument --size: must be" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform != "linux", reason="uses Agg via MPLBACKEND")
def test_demo_show_uses_pyplot(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from cnn101 import demo

    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(len(plt.get_fignums())))
    monkeypatch.setattr(demo, "_display_problem", lambda: None)  # pretend a display exists
    assert demo.main(["--out", str(tmp_path), "--size", "32", "--show"]) == 0
    assert shown == [3]
    plt.close("all")


@pytest.mark.parametrize(
    "env,says",
    [
        ({"MPLBACKEND": "Agg", "DISPLAY": ":0"}, "MPLBACKEND=agg"),
        ({"MPLBACKEND": None, "DISPLAY": None, "WAYLAND_DISPLAY": None}, "DISPLAY"),
    ],
)
def test_show_without_a_display_says_so(tmp_path, monkeypatch, capsys, env, says):
    import matplotlib.pyplot as plt

    from cnn101 import demo

    if not sys.platform.startswith("linux") and "MPLBACKEND" not in env:
        pytest.skip("DISPLAY matters on Linux only")
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(True))
    assert demo.main(["--out", str(tmp_path), "--size", "16", "--show"]) == 0
    assert shown == []
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "note: --show:" in err[0] and says in err[0], err
    assert "figures are only saved" in err[0]


def test_non_square_photo_keeps_its_aspect_ratio(tmp_path, capsys):
    from cnn101 import demo

    assert demo.main(["--out", str(tmp_path), "--image", "coffee", "--size", "32"]) == 0
    out = capsys.readouterr().out
    # coffee is 400 x 600: the middle 400 x 400 is kept, then resized
    assert "(400x600, centre-cropped to 400x400 to keep its aspect ratio; resized to 32x32" in out
    assert "photo 32x32 -> conv 32x32" in out
    assert demo.main(["--out", str(tmp_path), "--image", "camera", "--size", "32"]) == 0
    out = capsys.readouterr().out
    assert "'camera' (512x512; resized to 32x32 (--size))" in out  # the size it then shows
    assert "photo 32x32 -> conv 32x32" in out


def test_demo_captions_explain_the_padding_they_show(tmp_path, monkeypatch):
    """The captions' claims about SAME padding, measured with cnn101.ops."""
    import numpy as np
    from matplotlib.figure import Figure

    from cnn101 import demo, images, ops

    figures = []
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: figures.append(self))
    assert demo.main(["--out", str(tmp_path), "--size", "64"]) == 0
    line, photo = figures[0].get_supxlabel(), figures[2].get_supxlabel()
    conv = ops.conv2d(images.vertical_line_image(thickness=2), "vertical_line").numpy()
    assert set(np.unique(conv[:-1])) == {-2, 0, 2} and set(np.unique(conv[-1])) == {-1, 0, 1}
    assert "The bottom row reads -1 and +1: SAME padding adds a row of zeros below" in line
    camera = demo._load_photo(demo.build_parser(), demo.build_parser().parse_args([]))[0]
    edges = np.abs(ops.conv2d(camera, "sobel_left").numpy())
    border = np.concatenate([edges[:, 0], edges[:, -1], edges[0], edges[-1]])
    assert border.mean() > 2 * edges[1:-1, 1:-1].mean()  # the strip the caption explains
    assert "A strip along the border comes from SAME zero padding" in photo


def test_demo_figures_have_colour_bars_and_captions(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    from cnn101 import demo

    figures = []
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: figures.append(self))
    assert demo.main(["--out", str(tmp_path), "--size", "16"]) == 0
    assert len(figures) == 3
    for fig in figures:
        caption = fig.get_supxlabel()
        assert caption and "\n" not in caption  # one line: what to notice
        bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
        assert bars, caption


def test_photo_figure_panels_follow_size_and_kernel_names_ignore_case(tmp_path, capsys):
    from PIL import Image

    from cnn101 import demo

    for size, out in ((64, tmp_path / "small"), (512, tmp_path / "large")):
        assert demo.main(["--out", str(out), "--size", str(size), "--kernel", "Sobel_Left"]) == 0
    with Image.open(tmp_path / "small" / "03_photo_sobel_left.png") as image:
        small = image.size
    with Image.open(tmp_path / "large" / "03_photo_sobel_left.png") as image:
        large = image.size
    assert small[0] >= 4 * 300 and small[1] >= 300, small  # panels of at least 300 px
    assert large[0] > small[0] and large[1] > small[1], (small, large)


def test_a_tiny_image_is_refused_and_an_enlarged_one_is_said(tmp_path, capsys):
    import numpy as np
    from PIL import Image

    from cnn101 import demo

    tiny = tmp_path / "tiny.png"
    Image.fromarray(np.zeros((3, 3), np.uint8)).save(tiny)
    with pytest.raises(SystemExit):
        demo.main(["--out", str(tmp_path / "a"), "--image", str(tiny)])
    assert "3x3 pixels" in capsys.readouterr().err
    small = tmp_path / "small.png"
    Image.fromarray(np.zeros((40, 40), np.uint8)).save(small)
    assert demo.main(["--out", str(tmp_path / "b"), "--image", str(small), "--size", "64"]) == 0
    assert "enlarged from 40x40 to 64x64" in capsys.readouterr().out
