"""The API server's rules for object names, namespaces and labels (k8s.io/apimachinery).

``pkg/util/validation/validation.go``: ``IsDNS1123Subdomain`` (<= 253, no per-label bound),
``IsDNS1123Label`` and ``IsDNS1035Label`` (<= 63), ``IsValidLabelValue`` (<= 63, letters,
digits, ``-``, ``_``, ``.``, alphanumeric at both ends), ``IsQualifiedName`` for label keys.
A Service's name must be a DNS-1035 label (``ValidateServiceName``); the other kinds the
package emits (Deployment, Ingress, NetworkPolicy, PodDisruptionBudget and the custom
resources) take a DNS-1123 subdomain; a namespace is a DNS-1123 label.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
DNS1123_LABEL = re.compile(_LABEL)
DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_QUALIFIED = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")


def is_subdomain(name: str) -> bool:
    return len(name) <= 253 and SUBDOMAIN.fullmatch(name) is not None


def name_problems(kind: str, name: str) -> list[str]:
    """Why the API server would refuse ``name`` for an object of ``kind`` (none: it accepts)."""
    if kind == "Service":
        ok = len(name) <= 63 and DNS1035_LABEL.fullmatch(name) is not None
        return [] if ok else [f"Service name {name!r} is not a DNS-1035 label"]
    return [] if is_subdomain(name) else [f"{kind} name {name!r} is not a DNS-1123 subdomain"]


def _label_maps(value: Any) -> Iterator[dict[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("labels", "matchLabels") and isinstance(item, dict):
                yield item
            yield from _label_maps(item)
    elif isinstance(value, list):
        for item in value:
            yield from _label_maps(item)


def label_problems(labels: dict[str, str]) -> list[str]:
    problems = []
    for key, value in labels.items():
        prefix, _, name = key.rpartition("/")
        if (prefix and not is_subdomain(prefix)) or not (
            len(name) <= 63 and _QUALIFIED.fullmatch(name)
        ):
            problems.append(f"label key {key!r}")
        if len(value) > 63 or not LABEL_VALUE.fullmatch(value):
            problems.append(f"label value {value!r} of {key!r}")
    return problems


def object_problems(obj: dict[str, Any]) -> list[str]:
    """Every name, namespace and label of ``obj`` the API server would refuse."""
    meta = obj["metadata"]
    problems = name_problems(obj["kind"], meta["name"])
    namespace = meta["namespace"]
    if len(namespace) > 63 or not DNS1123_LABEL.fullmatch(namespace):
        problems.append(f"namespace {namespace!r}")
    for labels in _label_maps(obj):
        problems += label_problems(labels)
    return problems


def check_names(objects: list[dict[str, Any]]) -> None:
    """Assert that the API server accepts every name, namespace and label of ``objects``."""
    problems = [
        f"{o['kind']} {o['metadata']['name']}: {p}" for o in objects for p in object_problems(o)
    ]
    assert not problems, problems
