"""Kubernetes manifests as plain, ordered Python data: the one place an object's shape is set.

The core computes every manifest with :func:`manifest`; the cdk8s and Pulumi front ends only
wrap the result into their own objects. Nothing here imports cdk8s, constructs or jsii.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from .validation import check_annotations_size, check_object_size
from .warnings import warn_user

__all__ = [
    "FALLBACK_NAMESPACE",
    "Manifest",
    "NamespaceFallbackWarning",
    "hashed_name",
    "kebab_case",
    "manifest",
    "warn_namespace_fallback",
]

#: The namespace objects go to when neither ``namespace=`` nor the program names one.
FALLBACK_NAMESPACE = "default"


class NamespaceFallbackWarning(UserWarning):
    """Neither ``namespace=`` nor the chart names a namespace: ``default`` is used.

    The in-cluster ``auth-url`` names the proxy's namespace, so the manifests only work in
    the namespace they were synthesized for: ``kubectl apply -n <other>`` refuses them (the
    objects carry ``namespace: default``), and a kustomize ``namespace:`` override moves the
    objects but not the URL inside the annotation.
    """


def warn_namespace_fallback(what: str) -> str:
    """Warn that ``what`` falls back to ``default``; return that namespace."""
    warn_user(
        NamespaceFallbackWarning(
            f"{what}: no namespace= and the chart has no namespace, so its objects go to "
            "'default' and the in-cluster auth-url names 'default' "
            "(http://<proxy>.default.svc.cluster.local/...). Applying them elsewhere breaks "
            "that: kubectl apply -n <other> refuses objects that say namespace: default, and "
            "a kustomize namespace: override moves the objects but not the auth-url, which "
            "then names a Service that does not exist (every request to the app fails "
            "auth). Set namespace= or cdk8s.Chart(..., namespace=...)"
        )
    )
    return FALLBACK_NAMESPACE


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
    """An object with explicit metadata and ``body`` (``spec``, ...) as top-level keys.

    Refused above the API server's limits (256 KiB of annotations, 1.5 MiB of object).
    """
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        metadata["labels"] = dict(labels)
    if annotations:
        check_annotations_size(f"the annotations of {kind} {name!r}", annotations)
        metadata["annotations"] = dict(annotations)
    obj = {"apiVersion": api_version, "kind": kind, "metadata": metadata, **body}
    check_object_size(f"{kind} {name!r}", obj)
    return obj


_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def kebab_case(construct_id: str) -> str:
    """Kebab-case a construct id.

    ``"ExampleProtectedApp"`` -> ``"example-protected-app"``,
    ``"OAuth2Proxy"`` -> ``"oauth2-proxy"``.
    """
    text = _WORD_BOUNDARY.sub("-", construct_id).lower()
    return _NON_ALNUM.sub("-", text).strip("-")


#: The longest object name (a DNS-1123 subdomain: apimachinery ``IsDNS1123Subdomain``).
MAX_NAME = 253
#: Hex digits of the hash in a :func:`hashed_name` (40 bits).
HASH_DIGITS = 10


def hashed_name(readable: str, *inputs: str | None, limit: int = MAX_NAME) -> str:
    """``<readable, truncated>-<hash of inputs>``: a name that stays bounded and distinct.

    For a derived name whose plain form would be too long or would not tell its inputs
    apart: ``readable`` (lower-case letters, digits, ``-`` and ``.``) is cut to fit
    ``limit`` with the hash, and the hash is of the ``inputs`` themselves, each prefixed by
    its length (so ``("a-b", "c")`` and ``("a", "b-c")`` differ, and ``None`` differs from
    every string). The name ends in hex digits: a caller whose plain names never do keeps
    the two forms apart.
    """
    encoded = "".join("-" if part is None else f"{len(part)}:{part}" for part in inputs)
    digest = hashlib.sha256(encoded.encode()).hexdigest()[:HASH_DIGITS]
    head = readable[: limit - HASH_DIGITS - 1].rstrip(".-")
    return f"{head}-{digest}" if head else digest
