"""The docs site documents the public API and the README stays the short front door."""

from __future__ import annotations

import re
from pathlib import Path

import oauth_ingress_construct
from oauth_ingress_construct import pulumi, testing

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "reference"


def _documented() -> set[str]:
    """The last component of every ``::: path`` directive of the API reference pages."""
    names = set()
    for page in REFERENCE.glob("*.md"):
        for target in re.findall(r"^::: (\S+)$", page.read_text(), re.M):
            names.add(target.rsplit(".", 1)[-1])
    return names


def test_every_public_name_is_in_the_api_reference():
    documented = _documented()
    missing = set(oauth_ingress_construct.__all__) - documented
    assert not missing, f"public names without an API reference entry: {sorted(missing)}"
    assert set(pulumi.__all__) <= documented
    assert "testing" in documented  # the module page documents its __all__
    assert testing.__all__


def test_the_readme_is_the_front_door():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.encode()) <= 10_500, "the README grew past about 10 KB: move it to docs/"
    commands = re.findall(r"^bash scripts/(\w+)\.sh", readme, re.M)
    assert commands == ["synth", "test"], commands
