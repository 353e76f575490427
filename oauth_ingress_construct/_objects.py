"""Building Kubernetes objects cheaply, and the app-wide registry of names and hosts.

Every object is a plain ``cdk8s.ApiObject`` whose body is set with one JSON patch: three
calls into the jsii runtime per object, against dozens for the same object built from
cdk8s-plus classes. The synthesized YAML is what a reader of this module sees.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import cdk8s
import constructs

from ._validation import ConfigurationError, check_dns_label

__all__ = [
    "NamespaceFallbackWarning",
    "api_object",
    "chart_namespace",
    "kebab_case",
    "registry",
    "resolve_namespace",
]


class NamespaceFallbackWarning(UserWarning):
    """Neither ``namespace=`` nor the chart names a namespace: ``default`` is used.

    The in-cluster ``auth-url`` names the proxy's namespace, so the manifests only work in
    the namespace they were synthesized for: ``kubectl apply -n <other>`` refuses them (the
    objects carry ``namespace: default``), and a kustomize ``namespace:`` override moves the
    objects but not the URL inside the annotation.
    """


def resolve_namespace(scope: constructs.Construct, namespace: object, *, what: str) -> str:
    """``namespace``, else the chart's, else ``default`` with a NamespaceFallbackWarning."""
    if namespace is not None:
        return check_dns_label("namespace", namespace)
    found = chart_namespace(scope)
    if found is not None:
        return check_dns_label("namespace", found)
    warnings.warn(
        NamespaceFallbackWarning(
            f"{what}: no namespace= and the chart has no namespace, so its objects go to "
            "'default' and the in-cluster auth-url names 'default' "
            "(http://<proxy>.default.svc.cluster.local/...). Applying them elsewhere breaks "
            "that: kubectl apply -n <other> refuses objects that say namespace: default, and "
            "a kustomize namespace: override moves the objects but not the auth-url, which "
            "then names a Service that does not exist (every request to the app fails "
            "auth). Set namespace= or cdk8s.Chart(..., namespace=...)"
        ),
        stacklevel=4,
    )
    return "default"


def api_object(
    scope: constructs.Construct,
    id: str,
    *,
    api_version: str,
    kind: str,
    name: str,
    namespace: str | None,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    body: Mapping[str, Any],
) -> cdk8s.ApiObject:
    """An ``ApiObject`` with explicit metadata and ``body`` (``spec``, ...) as top-level keys."""
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    if labels:
        metadata["labels"] = dict(labels)
    if annotations:
        metadata["annotations"] = dict(annotations)
    registry(scope).claim_name(kind, namespace, name)
    obj = cdk8s.ApiObject(scope, id, api_version=api_version, kind=kind, metadata=metadata)
    obj.add_json_patch(*(cdk8s.JsonPatch.add(f"/{key}", value) for key, value in body.items()))
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


# Facts that never change once a construct exists (its chart, a chart's namespace, the app's
# registry) are remembered on the Python objects, so each costs one jsii call per construct at
# most instead of one or two per use.
_CHART_ATTR = "_oauth_ingress_construct_chart"
_NAMESPACE_ATTR = "_oauth_ingress_construct_namespace"
_UNSET = object()


def _chart_of(scope: constructs.Construct) -> cdk8s.Chart:
    chart: cdk8s.Chart | None = getattr(scope, _CHART_ATTR, None)
    if chart is None:
        chart = cdk8s.Chart.of(scope)
        setattr(scope, _CHART_ATTR, chart)
    return chart


def chart_namespace(scope: constructs.Construct) -> str | None:
    """The namespace of the chart that holds ``scope``, if it sets one."""
    chart = _chart_of(scope)
    namespace = getattr(chart, _NAMESPACE_ATTR, _UNSET)
    if namespace is _UNSET:
        namespace = chart.namespace  # read-only in cdk8s: safe to remember
        setattr(chart, _NAMESPACE_ATTR, namespace)
    return namespace  # type: ignore[return-value]


class Registry:
    """Facts shared by every construct of one cdk8s App, checked in O(1) per claim."""

    def __init__(self) -> None:
        self._names: dict[tuple[str, str | None, str], str] = {}
        self._server_snippets: dict[str, str] = {}
        self._routes: dict[tuple[object, str, str, str], tuple[str, str | None]] = {}
        self._journal: list[tuple[dict[Any, Any], Any]] = []

    @contextmanager
    def transaction(self, scope: constructs.Construct, id: str) -> Iterator[None]:
        """Build the child ``id`` of ``scope``; if that raises, remove it and its claims.

        So a construct that fails half-way leaves nothing in the tree to synthesize.
        """
        mark = len(self._journal)
        try:
            yield
        except BaseException:
            scope.node.try_remove_child(id)
            while len(self._journal) > mark:
                table, key = self._journal.pop()
                table.pop(key, None)
            raise

    def claim_name(self, kind: str, namespace: str | None, name: str) -> None:
        key = (kind, namespace, name)
        if key in self._names:
            raise ConfigurationError(
                f"name: a {kind} named {name!r} in namespace {namespace or '(chart default)'!r} "
                f"already exists in this app; give this construct another name= or id"
            )
        self._names[key] = name
        self._journal.append((self._names, key))

    def claim_server_snippet(self, host: str, owner: str) -> None:
        other = self._server_snippets.get(host)
        if other is not None:
            raise ConfigurationError(
                f"pass_through_401: host {host!r} already has a server-snippet from {other}; "
                "ingress-nginx allows one server-snippet per host and would drop one of them. "
                "Use pass_through_401_strategy=PassThroughStrategy.CONFIGURATION_SNIPPET on "
                "one of the apps, or describe the controller with controller="
            )
        self._server_snippets[host] = owner
        self._journal.append((self._server_snippets, host))

    def claim_route(
        self,
        scope: constructs.Construct,
        ingress_class: str,
        host: str,
        path: str,
        owner: str,
        *,
        proxy: str | None = None,
    ) -> None:
        """Refuse a second Ingress path for the same class, host and path in one chart.

        ingress-nginx merges every Ingress of a host into one server and keeps a single
        location per path: the other Ingress's rule (and its auth annotations) is dropped.
        The check is per chart, the unit that is deployed together. ``proxy`` names the
        OAuth2Proxy the claimant signs in through, so that the message does not suggest a
        shared proxy to two apps that already share one.
        """
        key = (_chart_of(scope), ingress_class, host, path)
        found = self._routes.get(key)
        if found is not None:
            other, other_proxy = found
            if proxy is not None and proxy == other_proxy:
                fix = (
                    f"Both already sign in through {proxy}; give the apps different hosts or paths"
                )
            else:
                fix = (
                    "Use other paths, or one shared OAuth2Proxy per host (proxy=) so /oauth2 "
                    "is served once"
                )
            raise ConfigurationError(
                f"host: {host!r} path {path!r} (ingress class {ingress_class!r}) is already "
                f"routed by {other}; ingress-nginx keeps one location per host and path and "
                f"would silently drop one of them. {fix}"
            )
        self._routes[key] = (owner, proxy)
        self._journal.append((self._routes, key))


_REGISTRY_ATTR = "_oauth_ingress_construct_registry"


def registry(scope: constructs.Construct) -> Registry:
    """The registry of the app (root construct) that holds ``scope``.

    One jsii call for a construct not seen before (its chart), none after; the registry
    itself lives on the root, so every chart of an app shares it.
    """
    found: Registry | None = getattr(scope, _REGISTRY_ATTR, None)
    if found is not None:
        return found
    try:
        holder: constructs.Construct = _chart_of(scope)
    except RuntimeError:  # not inside a chart (the App itself, or a bare construct tree)
        holder = scope
    found = getattr(holder, _REGISTRY_ATTR, None)
    if found is None:
        root = holder.node.root
        found = getattr(root, _REGISTRY_ATTR, None)
        if found is None:
            found = Registry()
            setattr(root, _REGISTRY_ATTR, found)
        setattr(holder, _REGISTRY_ATTR, found)
    setattr(scope, _REGISTRY_ATTR, found)
    return found
