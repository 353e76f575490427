"""Gateway API / Envoy Gateway objects written by hand, as the Envoy Gateway target intends them.

The schema checks' own tests (tests/test_gateway_schemas.py) use them, and the behaviour suite
takes its trap BackendTrafficPolicy and the names of its scenario from here; the standard
scenarios run the package's real output (tests/test_envoy_behaviour.py).

The chosen mode (docs/envoy-gateway-facts.md §4): oauth2-proxy runs with
``--upstream=static://200 --set-xauthrequest --skip-provider-button --reverse-proxy`` and an
``--api-route``; the SecurityPolicy checks every request at the proxy's root (no ``path``), so
a signed-in user gets 200 plus the ``X-Auth-Request-*`` headers, a browser without a session a
302 to the identity provider, an API client a 401.
"""

from __future__ import annotations

from typing import Any

HOST = "app.example.com"
APP_NAMESPACE = "apps"
PROXY_NAMESPACE = "auth"
GATEWAY = {"name": "eg", "namespace": "envoy-gateway-system", "sectionName": "http"}
APP_SERVICE = ("app", 8080)
PROXY_SERVICE = ("oauth2-proxy", 4180)

# What oauth2-proxy sets with --set-xauthrequest (pkg/apis/options/legacy_options.go, v7.15.3);
# the backend may trust these names only, so they are also what is removed from client requests.
IDENTITY_HEADERS = (
    "X-Auth-Request-User",
    "X-Auth-Request-Email",
    "X-Auth-Request-Preferred-Username",
    "X-Auth-Request-Groups",
)
# What oauth2-proxy needs to see of the client request: its session cookie, Accept (JSON ->
# 401 instead of a redirect) and the scheme. Not X-Forwarded-Host/-Uri nor
# X-Auth-Request-Redirect: with them a client could steer where the sign-in returns to.
HEADERS_TO_EXT_AUTH = ("cookie", "accept", "x-forwarded-proto")

Obj = dict[str, Any]


def parent_ref(gateway: dict[str, str] = GATEWAY) -> dict[str, str]:
    return {"group": "gateway.networking.k8s.io", "kind": "Gateway", **gateway}


def app_route(
    name: str = "app",
    namespace: str = APP_NAMESPACE,
    host: str = HOST,
    paths: tuple[tuple[str, str], ...] = (("PathPrefix", "/"),),
    service: tuple[str, int] = APP_SERVICE,
    remove_headers: tuple[str, ...] = (),
) -> Obj:
    """The app's HTTPRoute; ``remove_headers`` adds a RequestHeaderModifier (a trap, see suite)."""
    rule: Obj = {
        "matches": [{"path": {"type": t, "value": v}} for t, v in paths],
        "backendRefs": [{"name": service[0], "port": service[1]}],
    }
    if remove_headers:
        rule["filters"] = [
            {
                "type": "RequestHeaderModifier",
                "requestHeaderModifier": {"remove": [*remove_headers]},
            }
        ]
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"parentRefs": [parent_ref()], "hostnames": [host], "rules": [rule]},
    }


def proxy_route(
    name: str = "oauth2-proxy", namespace: str = PROXY_NAMESPACE, hosts: tuple[str, ...] = (HOST,)
) -> Obj:
    """The proxy's own HTTPRoute: ``/oauth2`` on the app's host(s) to the proxy, no policy."""
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "parentRefs": [parent_ref()],
            "hostnames": [*hosts],
            "rules": [
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/oauth2"}}],
                    "backendRefs": [{"name": PROXY_SERVICE[0], "port": PROXY_SERVICE[1]}],
                }
            ],
        },
    }


def security_policy(
    name: str = "app-oauth2",
    namespace: str = APP_NAMESPACE,
    route: str = "app",
    headers_to_ext_auth: tuple[str, ...] | None = HEADERS_TO_EXT_AUTH,
    headers_to_backend: tuple[str, ...] = IDENTITY_HEADERS,
    path: str | None = None,
    path_override: str | None = None,
) -> Obj:
    """extAuth.http to the proxy's Service (in its namespace: a ReferenceGrant is needed)."""
    http: Obj = {
        "backendRefs": [
            {"name": PROXY_SERVICE[0], "namespace": PROXY_NAMESPACE, "port": PROXY_SERVICE[1]}
        ],
        "headersToBackend": [*headers_to_backend],
    }
    if path is not None:
        http["path"] = path
    if path_override is not None:  # Envoy Gateway v1.8+
        http["pathOverride"] = path_override
    ext_auth: Obj = {"http": http}
    if headers_to_ext_auth is not None:
        ext_auth["headersToExtAuth"] = [*headers_to_ext_auth]
    return {
        "apiVersion": "gateway.envoyproxy.io/v1alpha1",
        "kind": "SecurityPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "targetRefs": [
                {"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": route}
            ],
            "extAuth": ext_auth,
        },
    }


def reference_grant(
    from_namespace: str = APP_NAMESPACE, api_version: str = "gateway.networking.k8s.io/v1beta1"
) -> Obj:
    """Lets SecurityPolicies of ``from_namespace`` reference the proxy's Service."""
    return {
        "apiVersion": api_version,
        "kind": "ReferenceGrant",
        "metadata": {"name": f"oauth2-proxy-from-{from_namespace}", "namespace": PROXY_NAMESPACE},
        "spec": {
            "from": [
                {
                    "group": "gateway.envoyproxy.io",
                    "kind": "SecurityPolicy",
                    "namespace": from_namespace,
                }
            ],
            "to": [{"group": "", "kind": "Service", "name": PROXY_SERVICE[0]}],
        },
    }


def client_traffic_policy(remove: tuple[str, ...] = IDENTITY_HEADERS) -> Obj:
    """Removes client-sent identity headers before any filter runs (attaches to the Gateway)."""
    return {
        "apiVersion": "gateway.envoyproxy.io/v1alpha1",
        "kind": "ClientTrafficPolicy",
        "metadata": {"name": "strip-identity-headers", "namespace": GATEWAY["namespace"]},
        "spec": {
            "targetRefs": [
                {
                    "group": "gateway.networking.k8s.io",
                    "kind": "Gateway",
                    "name": GATEWAY["name"],
                    "sectionName": GATEWAY["sectionName"],
                }
            ],
            "headers": {"earlyRequestHeaders": {"remove": [*remove]}},
        },
    }


def backend_traffic_policy_401(route: str = "app", namespace: str = APP_NAMESPACE) -> Obj:
    """A responseOverride for 401 on the app's route: what breaks pass-through of 401s."""
    return {
        "apiVersion": "gateway.envoyproxy.io/v1alpha1",
        "kind": "BackendTrafficPolicy",
        "metadata": {"name": "errors", "namespace": namespace},
        "spec": {
            "targetRefs": [
                {"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": route}
            ],
            "responseOverride": [
                {
                    "match": {"statusCodes": [{"type": "Value", "value": 401}]},
                    "response": {
                        "contentType": "text/plain",
                        "body": {"type": "Inline", "inline": "overridden 401"},
                    },
                }
            ],
        },
    }


def standard_objects() -> list[Obj]:
    """One app with a shared proxy in another namespace, as the target is meant to emit it."""
    return [
        app_route(),
        proxy_route(),
        security_policy(),
        reference_grant(),
        client_traffic_policy(),
    ]
