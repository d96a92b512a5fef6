"""The package's import graph, read from the source (ast, nothing imported).

Two rules of CONTRIBUTING.md's Architecture section are checked here:

* no import loop: module A importing B (at the top or inside a function) while B,
  directly or through others, imports A;
* no import of another module's private name (``from cnn101.x import _name``, or
  ``from cnn101 import _module`` where the module itself is private to another package).

The shared private modules of the package (``_validation``, ``_tf``, ``_digest``,
``_deprecation``) are meant to be imported by every module: importing them is not
reaching in. There is no allowance: a new loop or private import fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "cnn101"

# Shared private modules: the package's common ground, imported everywhere by design.
SHARED = {"cnn101._validation", "cnn101._tf", "cnn101._digest", "cnn101._deprecation"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(importer: str, is_package: bool, level: int, module: str | None) -> str:
    if level == 0:
        return module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports() -> dict[str, set[tuple[str, str | None]]]:
    """{module: {(imported module, imported name or None)}} for imports inside cnn101."""
    known = modules()
    found: dict[str, set[tuple[str, str | None]]] = {}
    for name, path in known.items():
        edges: set[tuple[str, str | None]] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                edges |= {(a.name, None) for a in node.names if a.name.startswith("cnn101")}
            elif isinstance(node, ast.ImportFrom):
                source = _resolve(name, path.name == "__init__.py", node.level, node.module)
                if not source.startswith("cnn101"):
                    continue
                for alias in node.names:
                    submodule = f"{source}.{alias.name}"
                    if submodule in known:
                        edges.add((submodule, None))
                    else:
                        edges.add((source, alias.name))
        found[name] = edges
    return found


def attribute_reaches() -> set[str]:
    """ "importer -> module._name" for ``alias._name`` where ``alias`` is an imported module."""
    known = modules()
    found = set()
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name in known and a.asname:
                        aliases[a.asname] = a.name
            elif isinstance(node, ast.ImportFrom):
                source = _resolve(name, path.name == "__init__.py", node.level, node.module)
                for a in node.names:
                    if f"{source}.{a.name}" in known:
                        aliases[a.asname or a.name] = f"{source}.{a.name}"
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and aliases[node.value.id] != name
            ):
                found.add(f"{name} -> {aliases[node.value.id]}.{node.attr}")
    return found


def _graph() -> dict[str, set[str]]:
    known = modules()
    graph: dict[str, set[str]] = {}
    for importer, edges in imports().items():
        targets = set()
        for module, _ in edges:
            # importing a.b.c runs a and a.b first; those package inits do not close a loop
            if module in known and module != importer:
                targets.add(module)
        graph[importer] = targets
    return graph


def loops() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _is_package_of(package: str, module: str) -> bool:
    return module == package or module.startswith(package + ".")


def private_imports() -> set[str]:
    """ "importer -> module.name" for every import of another module's private name."""
    found = set()
    known = modules()
    for importer, edges in imports().items():
        for module, name in edges:
            if name is not None and name.startswith("_") and not name.startswith("__"):
                if module != importer and f"{module}.{name}" not in known:
                    found.add(f"{importer} -> {module}.{name}")
            target = module
            last = target.rsplit(".", 1)[-1]
            if (
                name is None
                and last.startswith("_")
                and not last.startswith("__")
                and target not in SHARED
                and not _is_package_of(target.rsplit(".", 1)[0], importer)
            ):
                found.add(f"{importer} -> {target}")
    return found | attribute_reaches()


def test_the_package_has_no_import_loop():
    found = loops()
    assert not found, "import loops: " + "; ".join(" <-> ".join(loop) for loop in found)


def test_no_module_imports_another_modules_private_name():
    found = sorted(private_imports())
    assert not found, "imports of private names:\n" + "\n".join(found)


def test_the_walk_sees_a_loop_and_a_private_import(tmp_path, monkeypatch):
    """The checks themselves, on a made-up package with one loop and one private import."""
    package = tmp_path / "cnn101"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cnn101 import b\n")
    (package / "b.py").write_text("def f():\n    from cnn101.a import _hidden\n")
    (package / "c.py").write_text("from cnn101 import _validation, a\n\na._secret\n")
    (package / "_validation.py").write_text("")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", package)
    assert loops() == [["cnn101.a", "cnn101.b"]]
    assert private_imports() == {"cnn101.b -> cnn101.a._hidden", "cnn101.c -> cnn101.a._secret"}


def test_every_import_sits_at_the_top_of_its_module():
    """TensorFlow and Keras come from cnn101._tf like any import: no E402 exemption is needed."""
    exempt = [
        f"{path.relative_to(PACKAGE.parent)}:{number}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "noqa: E402" in line
    ]
    assert not exempt, "imports exempted from E402: " + ", ".join(exempt)
