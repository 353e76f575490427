"""The package's layout keeps its seams: core <- targets <- front ends, targets apart.

Read from the source (``ast``), so an import added anywhere in a module, even inside a
function, is seen.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import oauth_ingress_construct
from oauth_ingress_construct._targets import TARGETS

PACKAGE = Path(oauth_ingress_construct.__file__).parent
NAME = "oauth_ingress_construct"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute, with each ``from X import y`` as ``X.y`` too."""
    tree = ast.parse(path.read_text())
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _modules(subpackage: str) -> list[Path]:
    return sorted((PACKAGE / subpackage).rglob("*.py"))


@pytest.mark.parametrize("path", _modules("_core"), ids=lambda p: p.name)
def test_the_core_imports_no_target_no_front_end_and_no_iac_library(path):
    forbidden = (
        f"{NAME}._targets",
        f"{NAME}._frontends",
        "cdk8s",
        "constructs",
        "jsii",
        "pulumi",
        "pulumi_kubernetes",
    )
    bad = {m for m in _imports(path) if m.startswith(forbidden)}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize(
    "path", [p for p in _modules("_targets") if p.name != "__init__.py"], ids=lambda p: p.name
)
def test_no_target_module_imports_another_or_a_front_end(path):
    own = f"{NAME}._targets.{path.stem}"
    bad = {
        m
        for m in _imports(path)
        if m.startswith((f"{NAME}._targets", f"{NAME}._frontends")) and not m.startswith(own)
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", _modules("_frontends"), ids=lambda p: p.name)
def test_front_ends_take_from_a_target_module_only_its_public_description(path):
    """Dispatch is the registry's: a front end names a target's public classes, nothing else.

    The doctor is the one exception, for one target: what ingress-nginx does with an existing
    Ingress is its subject, so it reads Ingresses with that target's functions (and no other
    target's).
    """
    public = set(oauth_ingress_construct.__all__)
    doctor = path.parent.name == "doctor"
    bad = set()
    for module in _imports(path):
        prefix, _, name = module.rpartition(".")
        if doctor and prefix == f"{NAME}._targets.ingress_nginx":
            continue
        if prefix.startswith(f"{NAME}._targets.") and name not in public:
            bad.add(module)
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_the_doctor_reads_without_cdk8s_or_pulumi():
    """The doctor starts fast: it imports no IaC library (--emit writes code, runs none)."""
    for path in _modules("_frontends/doctor"):
        bad = {
            m
            for m in _imports(path)
            if m.startswith(("cdk8s", "constructs", "jsii", "pulumi", f"{NAME}._frontends.cdk8s"))
        }
        assert not bad, f"{path.name} imports {sorted(bad)}"


def test_every_target_is_registered_and_the_default_serves_none():
    modules = {p.stem for p in _modules("_targets") if p.name != "__init__.py"}
    registered = {type(t).__module__.rsplit(".", 1)[1] for t in TARGETS._all}
    assert registered == modules
    assert TARGETS.pick(None).name == "ingress-nginx"
    for target in TARGETS._all:
        assert TARGETS.pick(object.__new__(target.description)) is target


def test_the_public_import_paths_stay():
    from oauth_ingress_construct import pulumi, testing

    assert pulumi.ProtectedApp.__name__ == "ProtectedApp"
    assert pulumi.OAuth2Proxy.__name__ == "OAuth2Proxy"
    assert callable(testing.synth_yaml)
    assert oauth_ingress_construct.ProtectedApp.__module__.startswith(f"{NAME}._frontends.cdk8s")
