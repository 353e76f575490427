"""The ingress-nginx target: the app's Ingress with its auth annotations, the proxy's /oauth2.

What the controller accepts and how a backend's 401 is passed through is in ``_controller``;
this module turns a checked :class:`AppSpec` or :class:`ProxySpec` into Ingress manifests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._appspec import AppSpec
from ._controller import (
    ANNOTATION_PREFIX,
    IngressNginx,
    PassThroughStrategy,
    plan_pass_through,
)
from ._manifests import Manifest, manifest
from ._validation import (
    check_http_status_codes,
    check_nginx_parameter,
    check_proxy_buffer_size,
    fail,
)
from ._workload import ProxySpec, proxy_labels, public_auth_url_for

__all__ = ["IngressPlan", "app_manifests", "plan_app", "proxy_route"]


@dataclass(frozen=True)
class IngressPlan:
    """The app Ingress's annotations and the pass-through strategy in effect."""

    annotations: Mapping[str, str]
    strategy: PassThroughStrategy | None


def plan_app(
    app: AppSpec,
    *,
    pass_through_401: bool = False,
    pass_through_401_strategy: PassThroughStrategy | None = None,
    controller: IngressNginx | None = None,
    custom_http_errors: Sequence[int] = (),
    public_auth_url: bool = False,
    proxy_buffer_size: str | None = None,
) -> IngressPlan:
    """Check the ingress-nginx arguments of an app and compute its annotations."""
    for arg, flag in (
        ("pass_through_401", pass_through_401),
        ("public_auth_url", public_auth_url),
    ):
        if not isinstance(flag, bool):
            fail(arg, flag, "True or False")
    if controller is not None and not isinstance(controller, IngressNginx):
        fail("controller", controller, "an IngressNginx(...) description, or None")
    own_errors = check_http_status_codes("custom_http_errors", custom_http_errors)
    if proxy_buffer_size is not None:
        proxy_buffer_size = check_proxy_buffer_size("proxy_buffer_size", proxy_buffer_size)

    pass_through = None
    if pass_through_401:
        pass_through = plan_pass_through(
            controller=controller,
            strategy=pass_through_401_strategy,
            ingress_custom_http_errors=own_errors,
        )
    elif pass_through_401_strategy is not None:
        fail(
            "pass_through_401_strategy",
            pass_through_401_strategy,
            "unset unless pass_through_401=True",
        )

    proxy = app.proxy
    auth_url = public_auth_url_for(proxy.host) if public_auth_url else proxy.cluster_auth_url
    annotations = {
        ANNOTATION_PREFIX + "auth-url": check_nginx_parameter(
            "allowed_groups", auth_url + app.auth_query
        ),
        ANNOTATION_PREFIX + "auth-signin": proxy.signin_url,
    }
    if app.response_headers:
        annotations[ANNOTATION_PREFIX + "auth-response-headers"] = ",".join(app.response_headers)
    if own_errors:
        annotations[ANNOTATION_PREFIX + "custom-http-errors"] = ",".join(map(str, own_errors))
    if proxy_buffer_size is not None:
        annotations[ANNOTATION_PREFIX + "proxy-buffer-size"] = proxy_buffer_size
    strategy = None
    if pass_through is not None:
        annotations.update(pass_through.annotations)
        strategy = pass_through.strategy
    if controller is not None:
        controller.check_annotations(annotations, argument="controller")
    return IngressPlan(annotations=annotations, strategy=strategy)


def _ingress_spec(
    ingress_class_name: str,
    host: str,
    paths: list[dict[str, Any]],
    tls_secret_name: str | None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "ingressClassName": ingress_class_name,
        "rules": [{"host": host, "http": {"paths": paths}}],
    }
    if tls_secret_name is not None:
        spec["tls"] = [{"hosts": [host], "secretName": tls_secret_name}]
    return spec


def app_manifests(app: AppSpec, plan: IngressPlan) -> dict[str, Manifest]:
    """The app's own objects by construct id: its ``Ingress``."""
    service = app.backend
    paths = [
        {
            "path": p,
            "pathType": app.path_type.value,
            "backend": {"service": {"name": service.name, "port": {"number": service.port}}},
        }
        for p in app.paths
    ]
    return {
        "Ingress": manifest(
            api_version="networking.k8s.io/v1",
            kind="Ingress",
            name=app.name,
            namespace=app.namespace,
            labels={"app.kubernetes.io/instance": app.name},
            annotations=plan.annotations,
            body={
                "spec": _ingress_spec(app.ingress_class_name, app.host, paths, app.tls_secret_name)
            },
        )
    }


def proxy_route(proxy: ProxySpec) -> Manifest:
    """The ``Ingress`` serving ``https://<host>/oauth2`` to browsers."""
    paths = [
        {
            "path": "/oauth2",
            "pathType": "Prefix",
            "backend": {"service": {"name": proxy.name, "port": {"name": "http"}}},
        }
    ]
    return manifest(
        api_version="networking.k8s.io/v1",
        kind="Ingress",
        name=proxy.name,
        namespace=proxy.namespace,
        labels=proxy_labels(proxy),
        body={
            "spec": _ingress_spec(
                proxy.ingress_class_name, proxy.host, paths, proxy.tls_secret_name
            )
        },
    )
