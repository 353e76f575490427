"""Every synthesized object validates against its schemas, strictly.

Kubernetes kinds against the Kubernetes schemas; Gateway API and Envoy Gateway kinds (which
``kubernetes_validate`` does not bundle) through tests/gateway_validation.py; the
prometheus-operator kinds against the vendored CRDs (tests/monitoring_validation.py).
"""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tests.gateway_validation import validate_gateway_objects
from tests.monitoring_validation import validate_monitoring_object

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ["1.28.0", kubernetes_validate.latest_version()]
GATEWAY_GROUPS = ("gateway.networking.k8s.io/", "gateway.envoyproxy.io/")
MONITORING_GROUP = "monitoring.coreos.com/"
ALL = [
    (path.stem, obj)
    for path in sorted((ROOT / "dist").glob("*.k8s.yaml"))
    for obj in yaml.safe_load_all(path.read_text())
    if obj
]
OBJECTS = [
    pytest.param(obj, id=f"{stem}:{obj['kind']}/{obj['metadata']['name']}")
    for stem, obj in ALL
    if not obj["apiVersion"].startswith((*GATEWAY_GROUPS, MONITORING_GROUP))
]
GATEWAY_OBJECTS = [obj for _, obj in ALL if obj["apiVersion"].startswith(GATEWAY_GROUPS)]
MONITORING_OBJECTS = [
    pytest.param(obj, id=f"{stem}:{obj['kind']}/{obj['metadata']['name']}")
    for stem, obj in ALL
    if obj["apiVersion"].startswith(MONITORING_GROUP)
]


def test_newest_bundled_schema_is_recent():
    assert tuple(int(x) for x in VERSIONS[1].split(".")[:2]) >= (1, 30)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("obj", OBJECTS)
def test_example_object_validates_strictly(obj, version):
    kubernetes_validate.validate(obj, version, strict=True)


def test_example_gateway_objects_validate_strictly():
    assert GATEWAY_OBJECTS
    validate_gateway_objects(GATEWAY_OBJECTS)


def test_the_examples_hold_monitoring_objects():
    assert {p.values[0]["kind"] for p in MONITORING_OBJECTS} >= {"ServiceMonitor", "PrometheusRule"}


@pytest.mark.parametrize("obj", MONITORING_OBJECTS)
def test_example_monitoring_object_validates_strictly(obj):
    validate_monitoring_object(obj)
