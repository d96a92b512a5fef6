"""MkDocs hook: put everything a teacher hands out on the site, under ``downloads/``.

* ``cnn101-<version>-py3-none-any.whl``: a wheel of the current ``cnn101``, built by
  the project's build backend (``[build-system]`` in ``pyproject.toml``, setuptools)
  from a copy of the sources, offline, and ``index.html``, a page linking it: pip's
  ``--find-links <site>/downloads/`` finds the wheel whatever its version, so the
  notebooks' install cell, the teachers' page and the README give one version-free
  address (:func:`wheel_index_url`) and never a package index (none holds cnn101);
* ``student/NN_slug.ipynb``: each tutorial without its solutions
  (:func:`cnn101.teaching.handout.student_version`), and next to it
  ``NN_slug.manifest.json``, what the grader grades against (its exercises, checks and
  parameters; :func:`cnn101.teaching.handout.manifest`);
* ``cnn101-student-notebooks-<version>.zip``: the student versions, their manifests, the
  wheel and a README that lists exactly that.

Solutions (``CNN101_SOLUTIONS``, else ``extra.solutions`` in mkdocs.yml; default
``public``):

* ``public``: the tutorial pages show their solution blocks, and the site also has
  ``answer-keys/NN_slug.ipynb`` (each tutorial with its solutions filled in, executed by
  ``docs_hooks/notebooks.py``) and ``cnn101-notebooks-<version>.zip`` (tutorials,
  student versions, manifests, answer keys, wheel);
* ``teachers``: the site carries no solution: the pages are rendered without their
  solution blocks, each page's download is its student version, and there are no answer
  keys and no full zip on the site. The full zip is written instead as the teachers'
  bundle, ``teachers/cnn101-teachers-<version>.zip`` next to mkdocs.yml, to share
  privately. (The repository, and so Colab, still holds the tutorials with solutions.)

The notebooks' first cell (tagged ``remove-cell``) installs ``cnn101`` when it is
missing. Its code is written from here (:func:`install_cell_source`), from ``site_url``
in mkdocs.yml: run ``python docs_hooks/downloads.py`` after changing it.
The footer shows the version and the licences (``copyright`` in mkdocs.yml, if unset).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import sitebuild
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[1]
DOWNLOADS = "downloads"
INSTALL_TAG = "remove-cell"
TEXT_LICENSE = "CC BY 4.0"
TEXT_LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
# Zip entries get this timestamp, so the same inputs give the same bytes.
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)

log = logging.getLogger("mkdocs.hooks.downloads")
HOOK = "docs_hooks/downloads.py"


# --------------------------------------------------------------------------- names


def package_version(root: Path = ROOT) -> str:
    """Return ``cnn101.__version__`` as written in ``cnn101/__init__.py`` (not imported)."""
    text = (root / "cnn101" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if match is None:
        raise PluginError('cnn101/__init__.py has no `__version__ = "..."` line.')
    return match.group(1)


def wheel_name(version: str) -> str:
    return f"cnn101-{version}-py3-none-any.whl"


def wheel_index_url(site_url: str) -> str:
    """The version-free address pip finds the site's wheel at (``--find-links``)."""
    if not site_url or not site_url.startswith("https://"):
        raise PluginError(f"`site_url` must be the https address of the site. Got {site_url!r}")
    return urljoin(site_url.rstrip("/") + "/", f"{DOWNLOADS}/")


SOLUTIONS_ENV = "CNN101_SOLUTIONS"
SOLUTION_MODES = ("public", "teachers")
TEACHERS_DIR = "teachers"


def solutions_mode(extra: dict | None = None, environ: dict | None = None) -> str:
    """``public`` or ``teachers``: from ``$CNN101_SOLUTIONS``, else ``extra.solutions``."""
    environ = os.environ if environ is None else environ
    mode = environ.get(SOLUTIONS_ENV) or (extra or {}).get("solutions") or "public"
    if mode not in SOLUTION_MODES:
        raise PluginError(
            f"`{SOLUTIONS_ENV}` (or extra.solutions in mkdocs.yml) must be one of "
            f"{SOLUTION_MODES}. Got {mode!r}"
        )
    return mode


def manifest_name(notebook: str) -> str:
    return f"{Path(notebook).stem}.manifest.json"


def download_paths(notebooks: list[str], version: str, mode: str = "public") -> dict[str, str]:
    """Return {what: site path} of every download, for the notebooks' file names."""
    paths = {
        "wheel": f"{DOWNLOADS}/{wheel_name(version)}",
        "index": f"{DOWNLOADS}/index.html",
        "cpu requirements": f"{DOWNLOADS}/{CPU_REQUIREMENTS}",
        "student zip": f"{DOWNLOADS}/cnn101-student-notebooks-{version}.zip",
    }
    if mode == "public":
        paths["zip"] = f"{DOWNLOADS}/cnn101-notebooks-{version}.zip"
    for name in notebooks:
        paths[f"student:{name}"] = f"{DOWNLOADS}/student/{name}"
        paths[f"manifest:{name}"] = f"{DOWNLOADS}/student/{manifest_name(name)}"
        if mode == "public":
            paths[f"answers:{name}"] = f"{DOWNLOADS}/answer-keys/{name}"
    return paths


CPU_REQUIREMENTS = "requirements-cpu.txt"
# Where tensorflow-cpu has wheels, and where the CPU-only route was tried.
CPU_ONLY_PLATFORM = "Linux and Windows on x86-64 (tried on Linux)"


def cpu_requirements(root: Path = ROOT) -> str:
    """What cnn101 needs, from pyproject.toml, with TensorFlow's CPU-only build (tensorflow-cpu)."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    needs = []
    for requirement in project["dependencies"]:
        name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0)
        needs.append(
            "tensorflow-cpu" + requirement[len(name) :] if name == "tensorflow" else requirement
        )
    if not any(n.startswith("tensorflow-cpu") for n in needs):
        raise PluginError(
            "pyproject.toml's dependencies name no tensorflow to swap for tensorflow-cpu."
        )
    return (
        "# cnn101's requirements (pyproject.toml) with TensorFlow's CPU-only build,\n"
        f"# for computers without an NVIDIA GPU ({CPU_ONLY_PLATFORM}). Then install the\n"
        "# cnn101 wheel with `pip install --no-deps`: the teachers' page says how.\n"
        + "\n".join(needs)
        + "\n"
    )


def _tabs(posix: list[str], powershell: list[str]) -> str:
    """Two tabs of commands: Linux and macOS (bash, zsh), Windows PowerShell."""

    def block(language: str, lines: list[str]) -> str:
        body = "\n".join(f"    {line}" for line in lines)
        return f"    ```{language}\n{body}\n    ```"

    return (
        f'=== "Linux and macOS"\n\n{block("bash", posix)}\n\n'
        f'=== "Windows (PowerShell)"\n\n{block("powershell", powershell)}\n'
    )


# The virtual environment of every route, in the user's home folder (not on a USB stick).
_VENV_POSIX = ["python3 -m venv ~/cnn101-env", "source ~/cnn101-env/bin/activate"]
_VENV_POWERSHELL = ["py -m venv $HOME\\cnn101-env", "& $HOME\\cnn101-env\\Scripts\\Activate.ps1"]
CHECK_COMMAND = "python -m cnn101.demo"


def install_routes(site_url: str, version: str) -> str:
    """The teachers' page's install routes, in Markdown: one command a line, two shells.

    Each route makes a virtual environment, installs, and runs the check
    (:data:`CHECK_COMMAND`, the demo: it loads TensorFlow and saves its figures). The
    wheel is named with the site's version (the build knows it), so no shell has to
    expand a ``*`` (Windows' shells do not), and pip never looks the name ``cnn101`` up
    on a package index.
    """
    url = wheel_index_url(site_url).rstrip("/")
    wheel = wheel_name(version)
    online = _tabs(
        [*_VENV_POSIX, f"site={url}", f"pip install $site/{wheel} jupyterlab", CHECK_COMMAND],
        [
            *_VENV_POWERSHELL,
            f'$site = "{url}"',
            f'pip install "$site/{wheel}" jupyterlab',
            CHECK_COMMAND,
        ],
    )
    folder = _tabs(
        [*_VENV_POSIX, f"pip install {DOWNLOADS}/{wheel} jupyterlab", CHECK_COMMAND],
        [*_VENV_POWERSHELL, f"pip install {DOWNLOADS}\\{wheel} jupyterlab", CHECK_COMMAND],
    )
    collect = _tabs(
        [
            "pip download --dest wheelhouse jupyterlab",
            f"pip download --dest wheelhouse {DOWNLOADS}/{wheel}",
        ],
        [
            "pip download --dest wheelhouse jupyterlab",
            f"pip download --dest wheelhouse {DOWNLOADS}\\{wheel}",
        ],
    )
    lab = _tabs(
        [
            *_VENV_POSIX,
            "pip install --no-index --find-links wheelhouse cnn101 jupyterlab",
            CHECK_COMMAND,
        ],
        [
            *_VENV_POWERSHELL,
            "pip install --no-index --find-links wheelhouse cnn101 jupyterlab",
            CHECK_COMMAND,
        ],
    )
    cpu = _tabs(
        [
            *_VENV_POSIX,
            f"site={url}",
            f"pip install -r $site/{CPU_REQUIREMENTS} jupyterlab",
            f"pip install --no-deps $site/{wheel}",
            CHECK_COMMAND,
        ],
        [
            *_VENV_POWERSHELL,
            f'$site = "{url}"',
            f'pip install -r "$site/{CPU_REQUIREMENTS}" jupyterlab',
            f'pip install --no-deps "$site/{wheel}"',
            CHECK_COMMAND,
        ],
    )
    return f"""\
### From this site, online {{#install-online}}

For a student's or a teacher's computer with internet. cnn101 comes from this site,
TensorFlow and the rest from the Python Package Index (PyPI):

{online}
### From a copy of this site's folder {{#install-from-a-copy}}

For a class given this site on a USB stick or an intranet share. Open a terminal in the
site's folder (the one that holds `index.html` and `downloads`): the wheel is taken from
there, by a path relative to that folder. TensorFlow and the rest still come from PyPI;
without internet, use the wheelhouse below.

{folder}
### A lab without internet: the wheelhouse {{#install-lab}}

For a computer lab. First, on one computer with internet, the same operating system and
the same Python version as the lab's, in a terminal in the site's folder, collect the
wheel and everything it needs into one folder, `wheelhouse`:

{collect}
For Linux, Python 3.11 and TensorFlow 2.21 it holds 135 files, about 780 MB. Copy
`wheelhouse` to the lab (a USB stick, a shared drive). Then, on each lab computer,
in a terminal in the folder that holds `wheelhouse`, install from it alone:

{lab}
### Laptops without an NVIDIA GPU: a smaller install {{#install-cpu-only}}

TensorFlow's CPU-only build, `tensorflow-cpu`, is about half the download of the default
TensorFlow, which also runs on a GPU: for TensorFlow 2.21 and Python 3.11 on Linux x86-64,
a 274 MB wheel against 572 MB, and 2.0 GB of disk for the whole environment against
2.6 GB. It exists for {CPU_ONLY_PLATFORM}; elsewhere use a route above. Install what cnn101 needs with it ([`{CPU_REQUIREMENTS}`]({DOWNLOADS}/{CPU_REQUIREMENTS}), made
from cnn101's requirements), then cnn101 without its requirements:

{cpu}
`pip check` then says that cnn101 requires `tensorflow`, which is not installed: that is
expected (`tensorflow-cpu` provides it). Keep this environment CPU-only: for a GPU, use a
route above, then add `pip install "tensorflow[and-cuda]"`.
"""


def configured_site_url(config) -> str:
    """``site_url`` as written in mkdocs.yml (``mkdocs serve`` replaces it with its own)."""
    import yaml

    with open(config.config_file_path, encoding="utf-8") as handle:
        return yaml.safe_load(handle).get("site_url") or ""


# --------------------------------------------------------------------------- the install cell


def install_cell_source(index_url: str) -> str:
    """Return the code of every notebook's first cell, which installs cnn101 when missing.

    It looks for a wheel next to the notebook or one folder up (the notebooks zip), else
    on the site (``index_url``, pip's ``--find-links``: never a package index), installs
    it without dependencies, then what the wheel says it needs, and says what it does;
    when pip fails it shows pip's last lines, and ``import cnn101`` repeats them.
    """
    return f'''\
# Installs cnn101 where it is missing (Colab, your own Jupyter); does nothing where it
# is installed. Written by docs_hooks/downloads.py from mkdocs.yml's site_url.
import importlib.util
import sys

if importlib.util.find_spec("cnn101") is None:
    import importlib.metadata
    import subprocess
    from pathlib import Path

    _site = "{index_url}"
    # a wheel next to this notebook or one folder up (the notebooks zip), else the site's
    _local = [str(p) for p in (Path(), Path("..")) if list(p.glob("cnn101-*.whl"))]
    _where = _local or [_site]
    print(f"Installing cnn101 from {{_where[0]}} ...", flush=True)
    _pip = [sys.executable, "-m", "pip", "install", "--no-index", "--no-deps", "cnn101"]
    _pip += ["--find-links", _where[0]]
    _run = subprocess.run(_pip, capture_output=True, text=True)
    importlib.invalidate_caches()
    if _run.returncode == 0:  # then what cnn101 needs (TensorFlow, NumPy, ...): PyPI
        try:
            _needs = importlib.metadata.requires("cnn101") or []
        except importlib.metadata.PackageNotFoundError:  # not seen by this kernel
            _needs = []
        _needs = [r for r in _needs if "extra ==" not in r]
        print("Installing what it needs (a minute or more):", *_needs, flush=True)
        _pip = [sys.executable, "-m", "pip", "install", *_needs]
        _run = subprocess.run(_pip, capture_output=True, text=True)
        importlib.invalidate_caches()
    if _run.returncode != 0 or importlib.util.find_spec("cnn101") is None:
        _lines = (_run.stderr or _run.stdout or "").strip().splitlines()
        _said = "\\n".join(_lines[-5:])
        _help = (
            f"cnn101 is not installed: pip could not install it from {{_where[0]}}. "
            f"Download the wheel from {{_site}}, run `pip install` on that file in this "
            f"notebook's environment, and restart the kernel. pip said:\\n{{_said}}"
        )
        print(_help)

        class _Cnn101Missing:  # `import cnn101` below then says the same, not a bare error
            def find_spec(self, name, path=None, target=None):
                if name == "cnn101":
                    raise ModuleNotFoundError(_help, name=name)

        sys.meta_path.append(_Cnn101Missing())
    else:
        print("cnn101 is installed.")'''


def install_cell(nb: dict) -> dict:
    """Return the notebook's install cell: its first code cell, tagged ``remove-cell``."""
    code = [c for c in nb["cells"] if c.get("cell_type") == "code"]
    if not code or INSTALL_TAG not in code[0].get("metadata", {}).get("tags", []):
        raise PluginError(
            "The first code cell of a tutorial must be its install cell (remove-cell)."
        )
    return code[0]


def write_install_cells(notebooks: list[Path], url: str) -> list[Path]:
    """Rewrite the install cell of each notebook (nothing else); return those that changed."""
    import nbformat

    changed = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        cell = install_cell(nb)
        source = install_cell_source(url)
        if cell.source != source:
            cell.source = source
            path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
            changed.append(path)
    return changed


# --------------------------------------------------------------------------- the wheel

# What the build backend reads: the package and the files pyproject.toml names.
_WHEEL_SOURCES = ("pyproject.toml", "cnn101")
_SOURCE_DATE_EPOCH = "1577836800"  # 2020-01-01: the wheel's entries get this date


def _backend(root: Path) -> tuple[str, list[str]]:
    """Return pyproject.toml's build backend and what it requires."""
    system = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]
    return system["build-backend"], list(system.get("requires", []))


def _check_requirements(requires: list[str]) -> None:
    """Raise PluginError when this environment lacks what the build backend requires."""
    import importlib.metadata

    from packaging.requirements import Requirement

    for text in requires:
        requirement = Requirement(text)
        try:
            have = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            have = None
        if have is None or not requirement.specifier.contains(have, prereleases=True):
            raise PluginError(
                f"The wheel is built offline by pyproject.toml's build backend, which requires "
                f"{text}; this environment has {requirement.name} {have or 'not installed'}. "
                "Run `pip install -r requirements.txt`."
            )


def build_wheel(root: Path, out_dir: Path) -> Path:
    """Build the wheel of ``cnn101`` from ``root`` into ``out_dir`` with its build backend.

    The backend of ``pyproject.toml`` (setuptools) builds it (PEP 517 ``build_wheel``) in
    a subprocess, in a temporary copy of the package and of the files the project table
    names (README, licence), without build isolation: nothing is downloaded, and the
    source tree gets no ``build/`` or ``*.egg-info``. ``SOURCE_DATE_EPOCH`` dates the
    entries 2020-01-01.
    """
    root = Path(root)
    backend, requires = _backend(root)
    _check_requirements(requires)
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = [*_WHEEL_SOURCES, project.get("readme", "README.md"), *project.get("license-files", [])]
    version = package_version(root)
    with tempfile.TemporaryDirectory(prefix="cnn101-wheel-") as tmp:
        source, dist = Path(tmp) / "source", Path(tmp) / "dist"
        for name in names:
            if (root / name).is_dir():
                ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
                shutil.copytree(root / name, source / name, ignore=ignore)
            else:
                (source / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(root / name, source / name)
        code = (
            "import importlib, sys\n"
            f"print(importlib.import_module({backend!r}).build_wheel(sys.argv[1]))"
        )
        env = {**os.environ, "SOURCE_DATE_EPOCH": _SOURCE_DATE_EPOCH, "PIP_NO_INDEX": "1"}
        done = subprocess.run(
            [sys.executable, "-c", code, str(dist)],
            cwd=source,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
            raise PluginError(f"The build backend ({backend}) could not build the wheel:\n{tail}")
        built = dist / done.stdout.strip().splitlines()[-1]
        if built.name != wheel_name(version):
            raise PluginError(f"The build backend made {built.name}, not {wheel_name(version)}.")
        out_dir.mkdir(parents=True, exist_ok=True)
        wheel = out_dir / built.name
        tmp_wheel = wheel.with_name(f".{wheel.name}.tmp")
        shutil.copyfile(built, tmp_wheel)
        os.replace(tmp_wheel, wheel)
    return wheel


def _write_zip(path: Path, files: dict[str, bytes]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- the notebooks


def _dumps(nb: dict) -> bytes:
    return (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode()


def zip_readme(version: str, site_url: str, notebooks: list[str], *, answers: bool) -> str:
    """The README of a zip: what it holds (exactly), how to run the notebooks, how to grade."""
    index = wheel_index_url(site_url)
    folders = (
        "- `tutorials/`: the tutorials as on the site, exercises with their solutions.\n"
        if answers
        else ""
    )
    folders += (
        "- `student/`: the tutorials without the solutions, to set as graded work, and next\n"
        "  to each its `.manifest.json`: the exercises the grader grades against.\n"
    )
    if answers:
        folders += "- `answer-keys/`: the tutorials with the solutions filled in and run.\n"
    grade = (
        f"""
## Grade

Collect the students' notebooks in a folder, `submissions`, then, where cnn101 is
installed (with Jupyter, or `pip install nbclient ipykernel`):

```bash
python -m cnn101.teaching grade submissions --handout student/{notebooks[0]} --csv grades.csv
```

It writes `grades.csv` (each student's total and what happened), `grades-detail.csv`
(each exercise) and the class report, `grades-class.csv` and `grades-class.html` (open
it in a browser).

The grader runs the students' code: run submissions you do not trust in a container
(see the teachers' page, {site_url.rstrip("/")}/teachers/).
"""
        if answers
        else ""
    )
    return f"""\
# cnn101 {version}: the {"course" if answers else "student"} notebooks

{folders}- `{wheel_name(version)}`: the cnn101 package the notebooks import.

## Run them

With Python 3.11 or newer, in a terminal in this folder:

```bash
python -m venv .venv && source .venv/bin/activate   # Windows: .venv\\Scripts\\activate
pip install ./{wheel_name(version)} jupyterlab       # cnn101 with TensorFlow, NumPy, ...
jupyter lab
```

Each notebook's first cell also installs the wheel when cnn101 is missing: the `.whl`
file next to the notebook or one folder up, else the one on the site ({index}).
Without internet, `pip` can only install the wheel where TensorFlow and the other
requirements are installed already. On Colab, upload a notebook and run it: the first
cell installs cnn101 from the site.
{grade}
Notebooks: {", ".join(notebooks)}.
The text and figures are under {TEXT_LICENSE} ({TEXT_LICENSE_URL}), the code under the
MIT licence.
"""


def downloads_index(version: str) -> str:
    """The page pip's ``--find-links <site>/downloads/`` reads: a link to the wheel."""
    name = wheel_name(version)
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>cnn101 downloads</title>'
        f'</head>\n<body><a href="{name}">{name}</a></body></html>\n'
    )


def strip_solutions(nb: dict) -> dict:
    """Return a copy of an executed notebook with its markdown solution blocks cut out."""
    from cnn101.teaching import notebooks

    out = json.loads(json.dumps(nb))
    for cell in out.get("cells", []):
        if cell.get("cell_type") == "markdown":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = notebooks.SOLUTION_BLOCK.sub("", source)
    return out


def make_handout(
    notebooks: list[Path],
    answer_keys: dict[str, Path],
    wheel: Path,
    out: Path,
    site_url: str,
    mode: str = "public",
    teachers_dir: Path | None = None,
) -> dict[str, Path]:
    """Write the student versions, manifests, answer keys and zips under ``out``.

    ``answer_keys`` maps each notebook's file name to its executed answer key. In
    ``teachers`` mode the answer keys and the full zip go only into the teachers'
    bundle, ``teachers_dir/cnn101-teachers-<version>.zip``. Returns {site path: file}
    for every download (the wheel included).
    """
    from cnn101.teaching import handout

    version = package_version()
    names = [p.name for p in notebooks]
    paths = download_paths(names, version, mode)
    written: dict[str, bytes] = {
        paths["index"]: downloads_index(version).encode(),
        paths["cpu requirements"]: cpu_requirements().encode(),
    }
    course: dict[str, bytes] = {}
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        student_nb = handout.student_version(nb, tutorial=path.stem)
        student = _dumps(student_nb)
        manifest = _dumps(handout.manifest(student_nb, tutorial=path.stem))
        key_file = answer_keys.get(path.name)
        if key_file is None or not key_file.is_file():
            raise PluginError(f"No executed answer key for {path.name} (docs_hooks/notebooks.py).")
        key = key_file.read_bytes()
        written[paths[f"student:{path.name}"]] = student
        written[paths[f"manifest:{path.name}"]] = manifest
        if mode == "public":
            written[paths[f"answers:{path.name}"]] = key
        course[f"tutorials/{path.name}"] = path.read_bytes()
        course[f"student/{path.name}"] = student
        course[f"student/{manifest_name(path.name)}"] = manifest
        course[f"answer-keys/{path.name}"] = key
    wheel_bytes = wheel.read_bytes()
    top = f"cnn101-notebooks-{version}"
    everything = {
        f"{top}/README.md": zip_readme(version, site_url, names, answers=True).encode(),
        f"{top}/{wheel.name}": wheel_bytes,
        **{f"{top}/{k}": v for k, v in course.items()},
    }
    top_student = f"cnn101-student-notebooks-{version}"
    students = {
        f"{top_student}/README.md": zip_readme(version, site_url, names, answers=False).encode(),
        f"{top_student}/{wheel.name}": wheel_bytes,
        **{f"{top_student}/{k}": v for k, v in course.items() if k.startswith("student/")},
    }
    result: dict[str, Path] = {}
    for site_path, data in written.items():
        target = out / site_path
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)
        result[site_path] = target
    zips = [("student zip", out / paths["student zip"], students)]
    if mode == "public":
        zips.append(("zip", out / paths["zip"], everything))
    elif teachers_dir is not None:
        zips.append(("teachers", teachers_dir / f"cnn101-teachers-{version}.zip", everything))
    for key, target, files in zips:
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_zip(target, files)
        result[paths.get(key, key)] = target
    result[paths["wheel"]] = wheel
    return result


# --------------------------------------------------------------------------- mkdocs events


def _tutorials(config) -> list[Path]:
    """The tutorial notebooks (``NN_slug.ipynb`` in docs_dir) this build does not exclude."""
    excluded = config.exclude_docs
    return [
        path
        for path in sorted(Path(config.docs_dir).glob("[0-9][0-9]_*.ipynb"))
        if excluded is None or not excluded.match_file(path.name)
    ]


DOWNLOADS_MARKER = "<!-- handout-downloads -->"
INSTALL_MARKER = "<!-- install-commands -->"


def downloads_markdown(notebooks: list[Path], version: str, mode: str, titles: dict) -> str:
    """The teachers' page table and list of downloads, for this build's solutions mode."""
    paths = download_paths([p.name for p in notebooks], version, mode)
    head = "| | Notebook | Student version (no solutions) | Grader's manifest |"
    rule = "| --- | --- | --- | --- |"
    if mode == "public":
        head += " Answer key (solutions, run) |"
        rule += " --- |"
    rows = [head, rule]
    for number, path in enumerate(notebooks, 1):
        title = titles.get(path.name, path.stem)
        row = (
            f"| {number} | [{title}]({path.name}) | [download]({paths['student:' + path.name]}) "
            f"| [download]({paths['manifest:' + path.name]}) |"
        )
        if mode == "public":
            row += f" [download]({paths['answers:' + path.name]}) |"
        rows.append(row)
    items = []
    if mode == "public":
        items.append(
            f"- [All notebooks (zip)]({paths['zip']}): the tutorials, the student versions "
            "and their manifests, the answer keys, the `cnn101` wheel and a README."
        )
    items.append(
        f"- [The student versions alone (zip)]({paths['student zip']}): the student "
        "versions, their manifests, the wheel and a README on how to run them."
    )
    items.append(
        f"- [The cnn101 package (wheel)]({paths['wheel']}), built from the same code as this "
        f"site: `pip install ./{wheel_name(version)}`."
    )
    if mode == "teachers":
        items.append(
            "- This site was built without solutions (`CNN101_SOLUTIONS=teachers`): the "
            "answer keys and the tutorials with their solutions are in the teachers' bundle "
            f"`teachers/cnn101-teachers-{version}.zip`, written next to `mkdocs.yml` by the "
            "build, to share privately."
        )
    return "\n".join(rows) + "\n\n" + "\n".join(items) + "\n"


def _titles(config) -> dict[str, str]:
    import yaml

    path = Path(config.docs_dir) / "tutorials.yml"
    if not path.is_file():
        return {}
    return {r["notebook"]: r["title"] for r in yaml.safe_load(path.read_text(encoding="utf-8"))}


@dataclass
class Handout:
    """This hook's settings for one build (kept in the build state, docs_hooks/sitebuild.py)."""

    version: str
    mode: str
    site_url: str = ""
    stage: Path | None = None
    notebooks: list[Path] | None = None
    teachers_dir: Path | None = None


def _own(config) -> Handout:
    return sitebuild.state(config).own[HOOK]


def on_config(config):
    version = package_version()
    sitebuild.state(config).own[HOOK] = Handout(version, solutions_mode(config.extra))
    if not config.copyright:
        config.copyright = (
            f"cnn101 {version} · text and figures "
            f'<a href="{TEXT_LICENSE_URL}">{TEXT_LICENSE}</a>, code MIT'
        )
    return config


def on_files(files, config):
    """Declare the downloads (their content is written in on_env, before files are copied)."""
    build, own = sitebuild.state(config), _own(config)
    notebooks = _tutorials(config)
    own.site_url = configured_site_url(config)
    url = wheel_index_url(own.site_url)
    for path in notebooks:
        cell = install_cell(json.loads(path.read_text(encoding="utf-8")))
        if "".join(cell["source"]) != install_cell_source(url):
            raise PluginError(
                f"{path.name}: its install cell is not the one for {url}; "
                "run `python docs_hooks/downloads.py` to rewrite it."
            )
    own.stage = build.cache_dir / "downloads" / own.mode
    own.notebooks = notebooks
    own.teachers_dir = build.config_dir / TEACHERS_DIR
    for site_path in download_paths([p.name for p in notebooks], own.version, own.mode).values():
        files.append(File.generated(config, site_path, abs_src_path=str(own.stage / site_path)))
    return files


@event_priority(40)  # after notebooks.py (50) has set the executed copy, before mkdocs-jupyter
def on_pre_page(page, config, files):
    """Without public solutions, a tutorial page is rendered from a copy without them."""
    own = _own(config)
    if own.mode != "teachers" or not page.file.src_uri.endswith(".ipynb"):
        return page
    executed = sitebuild.state(config).executed(page.file.src_uri, by=HOOK).executed
    target = own.stage / "pages" / executed.name
    target.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(strip_solutions(json.loads(executed.read_text("utf-8"))), indent=1)) + "\n"
    if not target.is_file() or target.read_text("utf-8") != data:
        target.write_text(data, encoding="utf-8")
    page.file.abs_src_path = str(target)
    return page


def on_page_markdown(markdown_text, page, config, files):
    own = _own(config)
    if DOWNLOADS_MARKER in markdown_text:
        table = downloads_markdown(own.notebooks, own.version, own.mode, _titles(config))
        markdown_text = markdown_text.replace(DOWNLOADS_MARKER, table)
    if INSTALL_MARKER in markdown_text:
        markdown_text = markdown_text.replace(
            INSTALL_MARKER, install_routes(own.site_url, own.version)
        )
    return markdown_text


def on_env(env, config, files):
    """All notebooks have run (pages are read before files are copied): write the downloads."""
    build, own = sitebuild.state(config), _own(config)
    answer_keys = {
        path.name: build.executed(path.relative_to(build.docs_dir).as_posix(), by=HOOK).answers
        for path in own.notebooks
    }
    wheel = build_wheel(ROOT, own.stage / DOWNLOADS)
    made = make_handout(
        own.notebooks, answer_keys, wheel, own.stage, own.site_url, own.mode, own.teachers_dir
    )
    log.info(
        f"Handout: {len(made)} downloads under {DOWNLOADS}/ (cnn101 {own.version}, "
        f"solutions {own.mode})"
    )
    if "teachers" in made:
        log.info(f"Teachers' bundle (answer keys, solutions): {made['teachers']}")
    return env


def on_post_build(config):
    """Without public solutions, each page's notebook download is its student version."""
    own = _own(config)
    if own.mode != "teachers":
        return
    paths = download_paths([p.name for p in own.notebooks], own.version, "teachers")
    for path in own.notebooks:
        student = Path(config.site_dir) / paths[f"student:{path.name}"]
        target = Path(config.site_dir) / path.name
        if student.is_file() and target.is_file():
            target.write_bytes(student.read_bytes())


if __name__ == "__main__":
    import yaml

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    url = wheel_index_url(config["site_url"])
    docs = ROOT / config.get("docs_dir", "docs")
    changed = write_install_cells(sorted(docs.glob("[0-9][0-9]_*.ipynb")), url)
    print("\n".join(f"rewrote the install cell of {p.name}" for p in changed) or "up to date")
