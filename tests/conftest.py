"""Shared helpers: synthesize a chart and pick objects by kind and name, never by position."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from typing import Any
from unittest import mock

import cdk8s
import pytest

# jsii silences its end-of-life banner for the node majors listed here.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")


@pytest.fixture(scope="module")
def cached_schemas() -> Iterator[None]:
    """Read each schema file once: ``kubernetes_validate`` re-reads it on every call."""
    import kubernetes_validate.utils

    cached = functools.lru_cache(maxsize=None)(kubernetes_validate.utils.schema_contents)
    with mock.patch.object(kubernetes_validate.utils, "schema_contents", cached):
        yield


@pytest.fixture
def chart() -> cdk8s.Chart:
    """An empty chart in namespace ``apps`` inside a fresh app."""
    app = cdk8s.App()
    return cdk8s.Chart(app, "test", namespace="apps", disable_resource_name_hashes=True)


def synth(chart: cdk8s.Chart) -> list[dict[str, Any]]:
    """The chart's manifests as plain dicts, after validation (``cdk8s.Testing.synth``)."""
    return list(cdk8s.Testing.synth(chart))


def find(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    """The one object of ``kind`` named ``name``."""
    hits = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(hits) == 1, f"expected one {kind} {name!r}, found {len(hits)}"
    return hits[0]


def annotations(ingress: dict[str, Any]) -> dict[str, str]:
    """An Ingress's ingress-nginx annotations with the prefix removed."""
    prefix = "nginx.ingress.kubernetes.io/"
    return {
        k.removeprefix(prefix): v
        for k, v in ingress["metadata"].get("annotations", {}).items()
        if k.startswith(prefix)
    }
