"""Every synthesized object validates against the Kubernetes schemas, strictly."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ["1.28.0", kubernetes_validate.latest_version()]
OBJECTS = [
    pytest.param(obj, id=f"{path.stem}:{obj['kind']}/{obj['metadata']['name']}")
    for path in sorted((ROOT / "dist").glob("*.k8s.yaml"))
    for obj in yaml.safe_load_all(path.read_text())
    if obj
]


def test_newest_bundled_schema_is_recent():
    assert tuple(int(x) for x in VERSIONS[1].split(".")[:2]) >= (1, 30)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("obj", OBJECTS)
def test_example_object_validates_strictly(obj, version):
    kubernetes_validate.validate(obj, version, strict=True)
