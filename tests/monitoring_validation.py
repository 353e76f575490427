"""Schema checks for the prometheus-operator objects (ServiceMonitor, PodMonitor, PrometheusRule).

Against the real CRDs, vendored under tests/crds/prometheus-operator (see its README for the
release and commit): each object must validate against its version's ``openAPIV3Schema``
with ``jsonschema``. Strict like ``kubernetes_validate(strict=True)``: an object schema that
names its properties and does not preserve unknown fields gets ``additionalProperties:
false``, so a misspelled field (which the API server would silently prune) is an error.

``validate_monitoring_object(obj)`` raises ``jsonschema.ValidationError``.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

CRDS = Path(__file__).resolve().parent / "crds" / "prometheus-operator"
GROUP = "monitoring.coreos.com"
KINDS = {
    "ServiceMonitor": "servicemonitors",
    "PodMonitor": "podmonitors",
    "PrometheusRule": "prometheusrules",
}


def _strict(schema: Any) -> Any:
    if isinstance(schema, dict):
        schema = {k: _strict(v) for k, v in schema.items()}
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and "(?i)" in pattern:
            # Go's RE2 takes an inline flag anywhere ('^(?i)(abort|warn)?$'); Python's re
            # only at the start, where it means the same for the whole pattern.
            schema["pattern"] = "(?i)" + pattern.replace("(?i)", "")
        if (
            schema.get("type") == "object"
            and "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


@cache
def schema_of(kind: str, version: str) -> dict[str, Any]:
    """The strict schema of ``kind`` at ``version`` (``v1``), from its vendored CRD."""
    crd = yaml.safe_load((CRDS / f"{GROUP}_{KINDS[kind]}.yaml").read_text())
    assert crd["spec"]["names"]["kind"] == kind
    (found,) = (v for v in crd["spec"]["versions"] if v["name"] == version)
    schema = copy.deepcopy(found["schema"]["openAPIV3Schema"])
    # ``metadata`` is only ``type: object`` in a CRD; its fields are the API server's.
    return _strict(schema)  # type: ignore[no-any-return]


def validate_monitoring_object(obj: dict[str, Any]) -> None:
    """Validate one ``monitoring.coreos.com`` object against its CRD schema, strictly."""
    group, _, version = obj["apiVersion"].partition("/")
    assert group == GROUP, obj["apiVersion"]
    jsonschema.validate(obj, schema_of(obj["kind"], version))
