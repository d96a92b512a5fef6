"""What a teacher hands out: the wheel, the zips, student versions, answer keys, the grader.

Tested without the site build or a kernel: student versions and answer keys made from the
stored tutorials, the install cell, the wheel, the downloads of a build without public
solutions, and the grader's command line. The downloads of the session's site build, and
the grader on planted submissions in Jupyter kernels, are in tests/site/test_handout_site.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
from conftest import ROOT, install_wheel, load_config, load_hook, tutorial_notebooks

from cnn101 import __version__
from cnn101.teaching import grading, handout
from cnn101.teaching.__main__ import main

hook = load_hook("downloads")
NOTEBOOKS = tutorial_notebooks()
CONFIG = load_config(ROOT / "mkdocs.yml")
PATHS = hook.download_paths([p.name for p in NOTEBOOKS], __version__)


def solution_lines(path: Path) -> list[str]:
    """Lines of the solution blocks (code and text) that appear nowhere else in the tutorial."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    blocks, rest = [], []
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        found = handout.solution_blocks(source) if cell["cell_type"] == "markdown" else []
        blocks += found
        for block in found:
            source = source.replace(block, "")
        rest.append(source)
    elsewhere = "\n".join(rest)
    lines = {line.strip() for block in blocks for line in block.splitlines()}
    return sorted(line for line in lines if len(line) >= 12 and line not in elsewhere)


# --------------------------------------------------------------------------- the notebooks


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_student_version_contains_no_solution(notebook):
    student = handout.student_version(json.loads(notebook.read_text(encoding="utf-8")))
    text = "\n".join("".join(c["source"]) for c in student["cells"])
    lines = solution_lines(notebook)
    assert len(lines) >= 3, "the tutorial's solutions should have been found"
    left = [line for line in lines if line in text]
    assert not left, f"solution text in the student version: {left[:5]}"
    assert not re.search(r"<summary>\s*Solution", text, re.IGNORECASE)
    marked = [c for c in student["cells"] if "cnn101" in c["metadata"]]
    assert [c["metadata"]["cnn101"]["exercise"] for c in marked] == list(range(1, len(marked) + 1))
    assert student["metadata"]["cnn101"]["exercises"] == len(marked) >= 3


def test_nbgrader_markers_become_nbgrader_stub():
    nb = {
        "metadata": {},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "## Exercises"},
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n\nex.check_f(f)",
            },
        ],
    }
    student = handout.student_version(nb)
    assert student["cells"][1]["source"] == (
        "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\nex.check_f(f)"
    )
    assert handout.answer_key(nb)["cells"][1]["source"] == nb["cells"][1]["source"]


def test_install_cell_is_generated_from_the_configured_address():
    url = hook.wheel_index_url(CONFIG["site_url"])
    assert url == f"{CONFIG['site_url'].rstrip('/')}/downloads/"
    for notebook in NOTEBOOKS:
        cell = hook.install_cell(nbformat.read(notebook, as_version=4))
        assert cell.source == hook.install_cell_source(url), (
            f"{notebook.name}: run `python docs_hooks/downloads.py`"
        )
        assert __version__ not in cell.source, "the address must not change with the version"


def test_no_page_installs_cnn101_from_a_package_index():
    """No package index holds cnn101: every install names the site's wheel or a file."""
    files = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *NOTEBOOKS]
    files += sorted((ROOT / "tutorials").glob("*.md"))
    files += [ROOT / "cnn101" / "teaching" / "grading.py", ROOT / "docs_hooks" / "downloads.py"]
    index_install = re.compile(r"(?<![./\w-])[\"']?cnn101(\[\w+\])?[\"']?(?=\s|$)")
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            command = (
                re.split(r"[#`]", line.split("pip install", 1)[1])[0]
                if "pip install" in line
                else ""
            )
            if "--no-index" in command:  # from a folder of wheels, never an index
                continue
            found = index_install.search(command)
            assert found is None, f"{path.name}: {line.strip()!r}"
    assert hook.INSTALL_MARKER in (ROOT / "tutorials" / "teachers.md").read_text(encoding="utf-8")


def test_one_install_section_gives_the_routes_and_the_others_point_to_it():
    """The wheel's recipes are on the teachers' page alone; README and home page link them."""
    site = CONFIG["site_url"].rstrip("/")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    home = (ROOT / "tutorials" / "index.md").read_text(encoding="utf-8")
    assert f"{site}/teachers/#install" in readme and "(teachers.md#install)" in home
    for text in (readme, home):
        assert "--find-links" not in text and ".whl" not in text, "a second recipe"
        assert "pip install -r requirements.txt" in text  # the contributors' route
    teachers = (ROOT / "tutorials" / "teachers.md").read_text(encoding="utf-8")
    assert teachers.count("--find-links") == 0, "teachers.md's recipes come from the hook"


def _route_blocks(text: str) -> dict[str, dict[str, list[str]]]:
    """{route anchor: {language: command lines}} of install_routes' Markdown."""
    routes = {}
    for section in re.split(r"^### ", text, flags=re.MULTILINE)[1:]:
        anchor = re.search(r"\{#([\w-]+)\}", section).group(1)
        blocks: dict[str, list[str]] = {}
        for language, body in re.findall(r"```(\w+)\n(.*?)    ```", section, re.DOTALL):
            blocks.setdefault(language, []).extend(
                line.strip() for line in body.splitlines() if line.strip()
            )
        routes[anchor] = blocks
    return routes


def test_install_routes_fit_the_page_and_every_shell():
    text = hook.install_routes(CONFIG["site_url"], __version__)
    routes = _route_blocks(text)
    assert list(routes) == [
        "install-online",
        "install-from-a-copy",
        "install-lab",
        "install-cpu-only",
    ]
    wheel = hook.wheel_name(__version__)
    for anchor, blocks in routes.items():
        assert set(blocks) == {"bash", "powershell"}, anchor
        for language, lines in blocks.items():
            for line in lines:  # one command a line, short enough for the code block at 1280 px
                assert len(line) <= 72, (anchor, line)
                assert "*" not in line and "&&" not in line and not line.endswith("\\"), line
            assert any(wheel in line for line in lines), (anchor, language)
        if "venv" in " ".join(blocks["bash"]):
            assert blocks["bash"][-1] == blocks["powershell"][-1] == hook.CHECK_COMMAND, anchor
    copy = routes["install-from-a-copy"]  # a path relative to the site's folder
    assert f"pip install {PATHS['wheel']} jupyterlab" in copy["bash"]
    assert f"pip install {PATHS['wheel'].replace('/', chr(92))} jupyterlab" in copy["powershell"]
    lab = routes["install-lab"]["bash"]
    assert "pip install --no-index --find-links wheelhouse cnn101 jupyterlab" in lab
    assert f"pip download --dest wheelhouse {PATHS['wheel']}" in lab
    online = " ".join(routes["install-online"]["bash"])
    assert hook.wheel_index_url(CONFIG["site_url"]).rstrip("/") in online


def test_the_cpu_only_requirements_are_cnn101s_with_tensorflow_cpu():
    import tomllib

    needs = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = [
        line for line in hook.cpu_requirements().splitlines() if line and not line.startswith("#")
    ]
    swapped = [
        n.replace("tensorflow", "tensorflow-cpu", 1) if n.startswith("tensorflow") else n
        for n in needs["dependencies"]
    ]
    assert listed == swapped and any(n.startswith("tensorflow-cpu>=") for n in listed)
    assert PATHS["cpu requirements"] == "downloads/requirements-cpu.txt"


def test_pip_finds_the_wheel_through_the_downloads_page(tmp_path):
    """The version-free address works: pip reads downloads/index.html and fetches the wheel."""
    downloads = tmp_path / "downloads"
    wheel = hook.build_wheel(ROOT, downloads)
    (downloads / "index.html").write_text(hook.downloads_index(__version__))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "pip", "download", "--no-index", "--no-deps"]
    command += ["--find-links", (downloads / "index.html").as_uri(), "-d", str(out), "cnn101"]
    subprocess.run(command, check=True, capture_output=True)
    assert [p.name for p in out.iterdir()] == [wheel.name]


def test_wheel_comes_from_the_build_backend_and_installs_offline(tmp_path):
    """The backend's wheel: metadata from pyproject.toml, every module, and it installs
    into a fresh venv with --no-index --no-deps and imports from there; the source tree
    gets no build folder."""
    before = sorted(p.name for p in ROOT.iterdir())
    wheel = hook.build_wheel(ROOT, tmp_path / "wheel")
    assert sorted(p.name for p in ROOT.iterdir()) == before, "built in a copy, not in the tree"
    assert wheel.name == hook.wheel_name(__version__)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"cnn101-{__version__}.dist-info/METADATA").decode()
        generator = archive.read(f"cnn101-{__version__}.dist-info/WHEEL").decode()
    sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "cnn101").rglob("*.py")}
    assert sources <= names, sorted(sources - names)
    assert "Generator: setuptools" in generator
    assert "License-Expression: MIT" in metadata and "Requires-Dist: tensorflow>=2.16" in metadata
    install_wheel(wheel, tmp_path)


def test_wheel_build_says_what_the_backend_lacks():
    with pytest.raises(hook.PluginError, match=r"requires setuptools>=10000; this environment"):
        hook._check_requirements(["setuptools>=10000"])


def _run_install_cell(tmp_path, pip_result: str) -> list[str]:
    """Run the install cell without cnn101 on the path, pip replaced by ``pip_result``."""
    source = hook.install_cell_source("https://invalid.invalid/downloads/")
    script = tmp_path / "cell.py"
    script.write_text(
        "import subprocess, sys\n"
        f"subprocess.run = lambda *a, **k: {pip_result}\n"
        + source
        + "\ntry:\n    import cnn101\nexcept ModuleNotFoundError as e:\n    print('import:', e)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONNOUSERSITE": "1"}
    proc = subprocess.run(
        [sys.executable, "-I", "-S", str(script)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()


def test_install_cell_says_what_it_does_and_shows_pips_error(tmp_path):
    """Where pip cannot install, the cell shows pip's own error and what to do, and the
    next cell's `import cnn101` raises that message instead of a bare ModuleNotFoundError."""
    failed = (
        "subprocess.CompletedProcess(a, 1, '', "
        "'ERROR: Could not find a version that satisfies the requirement cnn101')"
    )
    lines = _run_install_cell(tmp_path, failed)
    assert lines[0] == "Installing cnn101 from https://invalid.invalid/downloads/ ...", lines
    assert lines[1].startswith("cnn101 is not installed: pip could not install it")
    assert "pip install" in lines[1]
    assert lines[2] == "ERROR: Could not find a version that satisfies the requirement cnn101"
    assert lines[3].startswith("import: cnn101 is not installed") and lines[4] == lines[2]


def test_every_project_address_comes_from_mkdocs_yml():
    """The repository and site addresses written anywhere are the ones in mkdocs.yml."""
    repo, site = CONFIG["repo_url"], CONFIG["site_url"].rstrip("/")
    owner = urlsplit(repo).path.strip("/").split("/")[0]
    files = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "CITATION.cff", *NOTEBOOKS]
    files += sorted((ROOT / "tutorials").glob("*.md"))
    pattern = re.compile(rf"https?://(?:github\.com/{owner}\b|{owner}\.github\.io)[^\s\"'`)<>]*")
    seen = 0
    for path in files:
        for url in pattern.findall(path.read_text(encoding="utf-8")):
            seen += 1
            url = url.rstrip(".,")
            assert url.startswith((repo, site)), f"{path.name}: {url} is not under {repo} or {site}"
    assert seen >= 3


@pytest.fixture(scope="module")
def teachers_build(tmp_path_factory):
    """The downloads of a build without public solutions (answer keys: the tutorials)."""
    out = tmp_path_factory.mktemp("teachers")
    wheel = hook.build_wheel(ROOT, out / "wheel")
    keys = {p.name: p for p in NOTEBOOKS}  # stand-ins: the build's keys are executed copies
    made = hook.make_handout(
        NOTEBOOKS, keys, wheel, out / "site", CONFIG["site_url"], "teachers", out / "teachers"
    )
    return out, made


def test_without_public_solutions_the_site_has_no_answer_key(teachers_build):
    out, made = teachers_build
    site_files = {p.relative_to(out / "site").as_posix() for p in (out / "site").rglob("*")}
    assert not [f for f in site_files if "answer-keys" in f or "cnn101-notebooks-" in f]
    paths = hook.download_paths([p.name for p in NOTEBOOKS], __version__, "teachers")
    assert all(f"answers:{p.name}" not in paths for p in NOTEBOOKS) and "zip" not in paths
    with zipfile.ZipFile(made["teachers"]) as archive:
        names = set(archive.namelist())
    top = f"cnn101-notebooks-{__version__}"
    for notebook in NOTEBOOKS:
        assert f"{top}/answer-keys/{notebook.name}" in names
        assert f"{top}/student/{hook.manifest_name(notebook.name)}" in names
    table = hook.downloads_markdown(NOTEBOOKS, __version__, "teachers", {})
    assert "answer-keys" not in table and "cnn101-notebooks-" not in table


def test_student_zip_readme_lists_exactly_what_the_zip_holds(teachers_build):
    _, made = teachers_build
    with zipfile.ZipFile(made[PATHS["student zip"]]) as archive:
        names = archive.namelist()
        readme = archive.read(f"cnn101-student-notebooks-{__version__}/README.md").decode()
    tops = {n.split("/")[1] for n in names}
    listed = set(re.findall(r"^- `([^`]+?)/?`:", readme, re.MULTILINE))
    assert listed | {"README.md"} == tops, (listed, tops)
    assert "answer" not in readme.lower() and "## Grade" not in readme
    assert hook.wheel_name(__version__) in readme


def test_pages_without_solutions_keep_their_outputs():
    nb = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))
    nb["cells"][-1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "kept"}]
    stripped = hook.strip_solutions(nb)
    text = json.dumps(stripped)
    assert not re.search(r"<summary>\s*Solution", text) and "kept" in text
    assert len(stripped["cells"]) == len(nb["cells"])


def test_solutions_mode_comes_from_the_environment_then_mkdocs_yml():
    assert hook.solutions_mode({}, {}) == "public"
    assert hook.solutions_mode({"solutions": "teachers"}, {}) == "teachers"
    assert (
        hook.solutions_mode({"solutions": "teachers"}, {hook.SOLUTIONS_ENV: "public"}) == "public"
    )
    with pytest.raises(Exception, match="CNN101_SOLUTIONS"):
        hook.solutions_mode({}, {hook.SOLUTIONS_ENV: "secret"})


# --------------------------------------------------------------------------- the grader, no kernel

TUTORIAL = ROOT / "tutorials" / "04_image_pyramids.ipynb"
BASICS = ROOT / "tutorials" / "01_how_a_cnn_sees.ipynb"


def _short(path: Path) -> dict:
    """The tutorial's title, install and setup cells, then its exercises: quick to run."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    start = next(i for i, c in enumerate(nb["cells"]) if "## Exercises" in "".join(c["source"]))
    nb["cells"] = nb["cells"][:3] + nb["cells"][start:]
    return nb


def test_grader_says_how_to_install_nbclient(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "nbclient", None)
    path = tmp_path / "a.ipynb"
    path.write_text("{}")
    handed_out = tmp_path / "h.ipynb"
    handed_out.write_text(json.dumps(handout.student_version(_short(TUTORIAL))))
    assert main(["grade", str(path), "--handout", str(handed_out)]) == 2
    assert "pip install nbclient ipykernel" in capsys.readouterr().err
    assert main(["grade", str(tmp_path / "missing.ipynb"), "--handout", str(handed_out)]) == 2


def test_grade_rejects_a_bad_timeout(tmp_path):
    with pytest.raises(ValueError, match="timeout"):
        grading.grade_notebook(tmp_path / "a.ipynb", {}, timeout=0)


def test_command_line_writes_student_version_and_answer_key(tmp_path):
    for command in ("student", "answer-key"):
        out = tmp_path / f"{command}.ipynb"
        assert main([command, str(TUTORIAL), "-o", str(out)]) == 0
        nbformat.validate(nbformat.read(out, as_version=4))
    assert "BEGIN SOLUTION" in (tmp_path / "answer-key.ipynb").read_text()
    assert "<summary>Solution" not in (tmp_path / "student.ipynb").read_text()


def test_citation_and_changelog_match_the_package():
    import yaml

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    assert str(citation["version"]) == __version__
    assert citation["repository-code"] == CONFIG["repo_url"]
    assert citation["url"] == CONFIG["site_url"]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {__version__}" in changelog
    assert "CC BY 4.0" in (ROOT / "README.md").read_text(encoding="utf-8")
