"""MkDocs hook: put everything a teacher hands out on the site, under ``downloads/``.

* ``cnn101-<version>-py3-none-any.whl``: a wheel of the current ``cnn101``, built here
  from ``pyproject.toml`` and the package's files (pure Python, so no build backend
  and no network are needed);
* ``student/NN_slug.ipynb``: each tutorial without its solutions
  (:func:`cnn101.exercises.handout.student_version`);
* ``answer-keys/NN_slug.ipynb``: each tutorial with its solutions filled in, executed
  (``docs_hooks/notebooks.py`` runs them with the tutorial, in the same kernel);
* ``cnn101-notebooks-<version>.zip``: the tutorials, the student versions, the answer
  keys, the wheel and a README; ``cnn101-student-notebooks-<version>.zip``: the same
  without the answer keys and the tutorials (whose solutions are one click away).

The notebooks' first cell (tagged ``remove-cell``) installs ``cnn101`` from the wheel
on the published site when it is missing. Its code is written from here
(:func:`install_cell_source`), from ``site_url`` in mkdocs.yml and
``cnn101.__version__``: run ``python docs_hooks/handout.py`` after changing either.
The footer shows the version and the licences (``copyright`` in mkdocs.yml, if unset).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.util
import io
import json
import logging
import os
import re
import sys
import tomllib
import zipfile
from pathlib import Path
from urllib.parse import urljoin

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[1]
DOWNLOADS = "downloads"
INSTALL_TAG = "remove-cell"
TEXT_LICENSE = "CC BY 4.0"
TEXT_LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
# Zip entries get this timestamp, so the same inputs give the same bytes.
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)

log = logging.getLogger("mkdocs.hooks.handout")
_state: dict = {}


def _notebooks_hook():
    """docs_hooks/notebooks.py as a module (for its cache paths)."""
    name = "cnn101_docs_hooks_notebooks"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).with_name("notebooks.py")
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


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


def wheel_url(site_url: str, version: str) -> str:
    """The address of the wheel on the published site (the notebooks install from it)."""
    if not site_url or not site_url.startswith("https://"):
        raise PluginError(f"`site_url` must be the https address of the site. Got {site_url!r}")
    return urljoin(site_url.rstrip("/") + "/", f"{DOWNLOADS}/{wheel_name(version)}")


def download_paths(notebooks: list[str], version: str) -> dict[str, str]:
    """Return {what: site path} of every download, for the notebooks' file names."""
    paths = {
        "wheel": f"{DOWNLOADS}/{wheel_name(version)}",
        "zip": f"{DOWNLOADS}/cnn101-notebooks-{version}.zip",
        "student zip": f"{DOWNLOADS}/cnn101-student-notebooks-{version}.zip",
    }
    for name in notebooks:
        paths[f"student:{name}"] = f"{DOWNLOADS}/student/{name}"
        paths[f"answers:{name}"] = f"{DOWNLOADS}/answer-keys/{name}"
    return paths


def configured_site_url(config) -> str:
    """``site_url`` as written in mkdocs.yml (``mkdocs serve`` replaces it with its own)."""
    import yaml

    with open(config.config_file_path, encoding="utf-8") as handle:
        return yaml.safe_load(handle).get("site_url") or ""


# --------------------------------------------------------------------------- the install cell


def install_cell_source(url: str) -> str:
    """Return the code of every notebook's first cell, which installs cnn101 when missing."""
    return f'''\
# Installs cnn101 where it is missing (Colab, your own Jupyter); does nothing where it
# is installed. Written by docs_hooks/handout.py from mkdocs.yml's site_url and
# cnn101.__version__.
import importlib.util
import sys

if importlib.util.find_spec("cnn101") is None:
    import subprocess
    from pathlib import Path

    _wheel = "{url}"
    # the wheel in the notebooks zip, if it is here or one folder up
    _local = [*Path().glob("cnn101-*.whl"), *Path("..").glob("cnn101-*.whl")]
    _source = str(sorted(_local)[-1]) if _local else _wheel
    _pip = [sys.executable, "-m", "pip", "install", "-q", _source]
    subprocess.run(_pip, capture_output=True)
    importlib.invalidate_caches()
    if importlib.util.find_spec("cnn101") is None:
        _help = (
            f"cnn101 is not installed and pip could not install {{_source}}: download "
            f"{{_wheel}}, run `pip install` on that file in this notebook's environment, "
            "and restart the kernel."
        )
        print(_help)

        class _Cnn101Missing:  # `import cnn101` below then says the same, not a bare error
            def find_spec(self, name, path=None, target=None):
                if name == "cnn101":
                    raise ModuleNotFoundError(_help, name=name)

        sys.meta_path.append(_Cnn101Missing())'''


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


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _metadata(project: dict, version: str, readme: str) -> str:
    lines = [
        "Metadata-Version: 2.4",
        f"Name: {project['name']}",
        f"Version: {version}",
        f"Summary: {project['description']}",
        f"License-Expression: {project['license']}",
        *(f"License-File: {name}" for name in project.get("license-files", [])),
        f"Requires-Python: {project['requires-python']}",
        *(f"Requires-Dist: {dep}" for dep in project.get("dependencies", [])),
    ]
    for extra, deps in project.get("optional-dependencies", {}).items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {dep}; extra == "{extra}"' for dep in deps]
    lines.append("Description-Content-Type: text/markdown")
    return "\n".join(lines) + "\n\n" + readme


def build_wheel(root: Path, out_dir: Path) -> Path:
    """Build the pure-Python wheel of ``cnn101`` from ``root`` into ``out_dir``.

    Follows the wheel format (PEP 427, core metadata 2.4 with PEP 639 licence files):
    the package's ``.py`` files, ``METADATA`` from ``pyproject.toml``, the console
    scripts, the licence and a ``RECORD`` of sha256 hashes. Entries are sorted and
    dated 2020-01-01, so the same sources give the same bytes.
    """
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    project = pyproject["project"]
    version = package_version(root)
    dist_info = f"{project['name']}-{version}.dist-info"
    files: dict[str, bytes] = {}
    for path in sorted((root / "cnn101").rglob("*.py")):
        if "__pycache__" not in path.parts:
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    readme = (root / project.get("readme", "README.md")).read_text(encoding="utf-8")
    files[f"{dist_info}/METADATA"] = _metadata(project, version, readme).encode()
    files[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: cnn101 docs_hooks/handout.py\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n"
    )
    scripts = project.get("scripts", {})
    if scripts:
        entry = "[console_scripts]\n" + "".join(f"{k} = {v}\n" for k, v in scripts.items())
        files[f"{dist_info}/entry_points.txt"] = entry.encode()
    for name in project.get("license-files", []):
        files[f"{dist_info}/licenses/{name}"] = (root / name).read_bytes()
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for name, data in files.items():
        writer.writerow([name, _record_hash(data), len(data)])
    writer.writerow([f"{dist_info}/RECORD", "", ""])
    files[f"{dist_info}/RECORD"] = record.getvalue().encode()
    out_dir.mkdir(parents=True, exist_ok=True)
    wheel = out_dir / wheel_name(version)
    _write_zip(wheel, files)
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
    keys = "- `answer-keys/`: the same with the solutions filled in and run (for teachers).\n"
    return f"""\
# cnn101 {version}: the tutorial notebooks

- `tutorials/`: the tutorials as on the site ({site_url}), exercises with their solutions.
- `student/`: the same tutorials without the solutions, to set as graded work.
{keys if answers else ""}- `{wheel_name(version)}`: the cnn101 package the notebooks import.

## Run them

With Python 3.11 or newer, in a terminal in this folder:

```bash
python -m venv .venv && source .venv/bin/activate   # Windows: .venv\\Scripts\\activate
pip install {wheel_name(version)} jupyterlab          # cnn101 with TensorFlow, NumPy, ...
jupyter lab
```

Each notebook's first cell also installs the wheel when cnn101 is missing (it looks for
the `.whl` file next to the notebook and one folder up, then on the site). Without
internet, `pip` can only install the wheel where TensorFlow and the other requirements
are installed already. On Colab, upload a notebook, run it: the first cell installs
cnn101 from the site.

## Grade

Collect the students' notebooks in a folder, then, where cnn101 is installed:

```bash
pip install nbclient ipykernel
python -m cnn101.exercises grade submissions/*.ipynb --csv grades.csv
```

Notebooks: {", ".join(notebooks)}.
The text and figures are under {TEXT_LICENSE} ({TEXT_LICENSE_URL}), the code under the
MIT licence.
"""


def make_handout(
    notebooks: list[Path], answer_keys: dict[str, Path], wheel: Path, out: Path, site_url: str
) -> dict[str, Path]:
    """Write the student versions, the answer keys and the two zips under ``out``.

    ``answer_keys`` maps each notebook's file name to its executed answer key. Returns
    {site path: file} for every download (the wheel included).
    """
    from cnn101.exercises import handout

    version = package_version()
    names = [p.name for p in notebooks]
    paths = download_paths(names, version)
    written: dict[str, bytes] = {}
    course: dict[str, bytes] = {}
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        student = _dumps(handout.student_version(nb, tutorial=path.stem))
        key_file = answer_keys.get(path.name)
        if key_file is None or not key_file.is_file():
            raise PluginError(f"No executed answer key for {path.name} (docs_hooks/notebooks.py).")
        key = key_file.read_bytes()
        written[paths[f"student:{path.name}"]] = student
        written[paths[f"answers:{path.name}"]] = key
        course[f"tutorials/{path.name}"] = path.read_bytes()
        course[f"student/{path.name}"] = student
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
    for key, files in (("zip", everything), ("student zip", students)):
        target = out / paths[key]
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_zip(target, files)
        result[paths[key]] = target
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


def on_config(config):
    version = package_version()
    _state["version"] = version
    if not config.copyright:
        config.copyright = (
            f"cnn101 {version} · text and figures "
            f'<a href="{TEXT_LICENSE_URL}">{TEXT_LICENSE}</a>, code MIT'
        )
    return config


def on_files(files, config):
    """Declare the downloads (their content is written in on_env, before files are copied)."""
    notebooks = _tutorials(config)
    _state["site_url"] = configured_site_url(config)
    url = wheel_url(_state["site_url"], _state["version"])
    for path in notebooks:
        cell = install_cell(json.loads(path.read_text(encoding="utf-8")))
        if "".join(cell["source"]) != install_cell_source(url):
            raise PluginError(
                f"{path.name}: its install cell is not the one for {url}; "
                "run `python docs_hooks/handout.py` to rewrite it."
            )
    hooks = _notebooks_hook()
    stage = hooks.default_cache_dir(Path(config.config_file_path).resolve().parent) / "handout"
    _state.update(stage=stage, notebooks=notebooks)
    for site_path in download_paths([p.name for p in notebooks], _state["version"]).values():
        files.append(File.generated(config, site_path, abs_src_path=str(stage / site_path)))
    return files


def on_env(env, config, files):
    """All notebooks have run (pages are read before files are copied): write the downloads."""
    hooks = _notebooks_hook()
    cache_dir = hooks.default_cache_dir(Path(config.config_file_path).resolve().parent)
    package = hooks.package_dir()
    versions = hooks.package_versions()
    answer_keys = {}
    for path in _state["notebooks"]:
        key = hooks.cache_key(path, package, versions)
        executed, _ = hooks.cache_paths(cache_dir, path, key)
        answer_keys[path.name] = hooks.answers_path(executed)
    stage: Path = _state["stage"]
    wheel = build_wheel(ROOT, stage / DOWNLOADS)
    made = make_handout(_state["notebooks"], answer_keys, wheel, stage, _state["site_url"])
    log.info(f"Handout: {len(made)} downloads under {DOWNLOADS}/ (cnn101 {_state['version']})")
    return env


if __name__ == "__main__":
    import yaml

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    url = wheel_url(config["site_url"], package_version())
    docs = ROOT / config.get("docs_dir", "docs")
    changed = write_install_cells(sorted(docs.glob("[0-9][0-9]_*.ipynb")), url)
    print("\n".join(f"rewrote the install cell of {p.name}" for p in changed) or "up to date")
