"""Kubernetes manifests as plain, ordered Python data: the one place an object's shape is set.

The core computes every manifest with :func:`manifest`; the cdk8s and Pulumi front ends only
wrap the result into their own objects. Nothing here imports cdk8s, constructs or jsii.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["Manifest", "kebab_case", "manifest"]

#: One Kubernetes object: ``apiVersion``, ``kind``, ``metadata``, then its body (``spec``...).
Manifest = dict[str, Any]


def manifest(
    *,
    api_version: str,
    kind: str,
    name: str,
    namespace: str,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    body: Mapping[str, Any],
) -> Manifest:
    """An object with explicit metadata and ``body`` (``spec``, ...) as top-level keys."""
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        metadata["labels"] = dict(labels)
    if annotations:
        metadata["annotations"] = dict(annotations)
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, **body}


_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def kebab_case(construct_id: str) -> str:
    """Kebab-case a construct id.

    ``"ExampleProtectedApp"`` -> ``"example-protected-app"``,
    ``"OAuth2Proxy"`` -> ``"oauth2-proxy"``.
    """
    text = _WORD_BOUNDARY.sub("-", construct_id).lower()
    return _NON_ALNUM.sub("-", text).strip("-")
