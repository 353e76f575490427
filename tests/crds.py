"""The CRDs of the Gateway kinds the Envoy Gateway target emits, as the API server holds them.

Read from tests/data/crds (vendored from Envoy Gateway v1.9.0, see its README): schemas
by kind and version, nodes by path, the CEL bound on an HTTPRoute's matches, and a check
of one object against all of that (``jsonschema`` over the ``openAPIV3Schema``: types,
enums, patterns, ``maxItems``, ``maxLength``; CEL rules are not evaluated but for the
bound on matches, which is read and checked).
"""

from __future__ import annotations

import functools
import gzip
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml

CRDS = Path(__file__).resolve().parent / "data" / "crds"

#: kind -> the vendored CRD file that defines it
CRD_FILES = {
    "HTTPRoute": "httproutes.gateway.networking.k8s.io.yaml.gz",
    "ReferenceGrant": "referencegrants.gateway.networking.k8s.io.yaml.gz",
    "SecurityPolicy": "securitypolicies.gateway.envoyproxy.io.yaml.gz",
    "ClientTrafficPolicy": "clienttrafficpolicies.gateway.envoyproxy.io.yaml.gz",
}


@functools.cache
def crd(kind: str) -> dict[str, Any]:
    with gzip.open(CRDS / CRD_FILES[kind], "rt", encoding="utf-8") as f:
        loaded: dict[str, Any] = yaml.safe_load(f)
    assert loaded["spec"]["names"]["kind"] == kind
    return loaded


def schema(kind: str, api_version: str) -> dict[str, Any]:
    """The openAPIV3Schema of ``kind`` at ``api_version`` (``group/version``)."""
    group, version = api_version.split("/")
    definition = crd(kind)
    assert definition["spec"]["group"] == group
    (found,) = [v for v in definition["spec"]["versions"] if v["name"] == version]
    assert found["served"], f"{kind} {api_version} is not served"
    result: dict[str, Any] = found["schema"]["openAPIV3Schema"]
    return result


def node(root: dict[str, Any], path: str) -> dict[str, Any]:
    """The schema node at a dotted path; ``[]`` steps into an array's items."""
    current = root
    for step in path.split("."):
        current = current["items"] if step == "[]" else current["properties"][step]
    return current


HTTPROUTE = functools.partial(schema, "HTTPRoute", "gateway.networking.k8s.io/v1")


def matches_rule(rules_node: dict[str, Any]) -> str:
    (rule,) = [
        v["rule"]
        for v in rules_node.get("x-kubernetes-validations", [])
        if "matches.size()" in v["rule"]
    ]
    return " ".join(rule.split())


def total_matches_bound() -> int:
    """The bound of the CEL rule on ``spec.rules``, after checking that it sums every rule."""
    rules = node(HTTPROUTE(), "spec.rules")
    rule = matches_rule(rules)
    terms = " + ".join(
        f"(self.size() > {i} ? self[{i}].matches.size() : 0)" for i in range(rules["maxItems"])
    )
    match = re.fullmatch(re.escape(terms) + r" <= (\d+)", rule)
    assert match, f"the CEL rule changed shape: {rule}"
    return int(match.group(1))


@functools.cache
def _validator(kind: str, api_version: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(schema(kind, api_version))


def check_against_crd(obj: dict[str, Any]) -> None:
    """Validate one emitted Gateway object against its CRD, and the CEL bound on matches."""
    validator = _validator(obj["kind"], obj["apiVersion"])
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(obj)]
    assert not errors, f"{obj['kind']} {obj['metadata']['name']}: {errors}"
    if obj["kind"] == "HTTPRoute":
        total = sum(len(r["matches"]) for r in obj["spec"]["rules"])
        assert total <= total_matches_bound()
