"""What the wiring must make possible: the proxy reachable by the app's Envoy proxies, and the
app's paths and sign-in actually served.

- An app on Envoy Gateway whose Envoy proxies run in another namespace than the one its
  shared proxy's NetworkPolicy admits would have every check dropped: refused.
- ``/oauth2`` and everything under it belong to the proxy wherever a target routes it there
  (the proxy's host on both targets, every app host on Envoy Gateway): refused as app paths.
- An app on its shared proxy's host must be on the proxy's Gateway listener (Envoy Gateway)
  or ingress class (ingress-nginx), else sign-in and its callback land nowhere.

Both front ends refuse with the same message (the checks live in the core and the targets).
"""

from __future__ import annotations

from typing import Any

import cdk8s
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oauth_ingress_construct import (
    ConfigurationError,
    EnvoyGateway,
    GatewayRef,
    OAuth2Proxy,
    PathType,
    ProtectedApp,
    Provider,
    ServiceRef,
)
from oauth_ingress_construct import pulumi as pulumi_front_end

from .conftest import find, synth
from .test_pulumi import Program

OIDC = Provider.oidc(issuer_url="https://login.example.com/realms/example")
GW = GatewayRef("eg", "infra", section_name="https")
EG = EnvoyGateway(gateway=GW)
COMMON: dict[str, Any] = {"derandomize": True, "database": None, "deadline": None}


def _fresh_chart() -> cdk8s.Chart:
    return cdk8s.Chart(cdk8s.App(), "test", namespace="apps", disable_resource_name_hashes=True)


def _both_refuse(proxy_args: dict[str, Any] | None, app_args: dict[str, Any], match: str) -> str:
    """Build with cdk8s and with Pulumi: both refuse the app with one message; returns it."""
    chart = _fresh_chart()
    proxy = None if proxy_args is None else OAuth2Proxy(chart, "Auth", **proxy_args)
    with pytest.raises(ConfigurationError, match=match) as raised:
        ProtectedApp(chart, "App", proxy=proxy, **app_args)
    expected = str(raised.value)

    def build() -> None:
        shared = None if proxy_args is None else pulumi_front_end.OAuth2Proxy("Auth", **proxy_args)
        with pytest.raises(ConfigurationError) as pulumi_raised:
            pulumi_front_end.ProtectedApp("App", proxy=shared, **app_args)
        assert str(pulumi_raised.value) == expected

    program = Program()
    program.run(build)
    assert not [name for name in program.mocks.inputs if name.startswith("App")]
    return expected


def _builds(proxy_args: dict[str, Any] | None, app_args: dict[str, Any]) -> list[dict]:
    chart = _fresh_chart()
    proxy = None if proxy_args is None else OAuth2Proxy(chart, "Auth", **proxy_args)
    ProtectedApp(chart, "App", proxy=proxy, **app_args)
    return synth(chart)


ENVOY_PROXY = {
    "host": "access.example.com",
    "namespace": "auth",
    "provider": OIDC,
    "controller": EG,
}
NGINX_PROXY = {"host": "access.example.com", "namespace": "auth", "provider": OIDC}
APP = {"host": "dash.example.com", "backend": ServiceRef("dash", 3000), "namespace": "apps"}


# --- reachability --------------------------------------------------------------------------


def test_fails_on_an_app_whose_envoy_proxies_the_shared_proxy_does_not_admit():
    other = EnvoyGateway(gateway=GW, envoy_namespace="eg-tenant")
    message = _both_refuse(
        ENVOY_PROXY,
        {**APP, "controller": other},
        r"^envoy_namespace: the app's Envoy proxies run in 'eg-tenant', but the "
        r"NetworkPolicy of its proxy 'auth' admits only namespace 'envoy-gateway-system'",
    )
    assert "controller=" in message


def test_the_admitted_namespace_is_the_one_the_app_checks_from():
    tenant = EnvoyGateway(gateway=GW, envoy_namespace="eg-tenant")
    objects = _builds({**ENVOY_PROXY, "controller": tenant}, {**APP, "controller": tenant})
    policy = find(objects, "NetworkPolicy", "auth")
    peer = policy["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"]
    assert peer == {"kubernetes.io/metadata.name": "eg-tenant"}


def test_without_a_network_policy_any_envoy_namespace_reaches_the_proxy():
    other = EnvoyGateway(gateway=GW, envoy_namespace="eg-tenant")
    objects = _builds({**ENVOY_PROXY, "network_policy": False}, {**APP, "controller": other})
    assert not [o for o in objects if o["kind"] == "NetworkPolicy"]


# --- paths under /oauth2 -------------------------------------------------------------------

UNDER_OAUTH2 = st.one_of(
    st.just("/oauth2"),
    st.just("/oauth2/"),
    st.lists(st.from_regex(r"[A-Za-z0-9_-]{1,8}", fullmatch=True), min_size=1, max_size=3).map(
        lambda parts: "/oauth2/" + "/".join(parts)
    ),
)


@settings(max_examples=30, **COMMON)
@given(
    path=UNDER_OAUTH2,
    path_type=st.sampled_from(PathType),
    setup=st.sampled_from(
        [
            "nginx-own-proxy",
            "nginx-shared-proxy-same-host",
            "envoy-own-proxy",
            "envoy-shared-proxy-same-host",
            "envoy-shared-proxy-other-host",
        ]
    ),
)
def test_fails_on_app_paths_the_proxy_serves(path: str, path_type: PathType, setup: str):
    target, kind, where = setup.split("-", 2)
    app: dict[str, Any] = {**APP, "paths": ["/", path], "path_type": path_type}
    proxy: dict[str, Any] | None = None
    if target == "envoy":
        app["controller"] = EG
    if kind == "own":
        app["provider"] = OIDC
    else:
        proxy = ENVOY_PROXY if target == "envoy" else NGINX_PROXY
        if where == "proxy-same-host":
            app["host"] = proxy["host"]
    if path_type is PathType.EXACT and path == "/":
        return
    chart = _fresh_chart()
    shared = None if proxy is None else OAuth2Proxy(chart, "Auth", **proxy)
    with pytest.raises(ConfigurationError, match=r"^paths must be a path outside '/oauth2'"):
        ProtectedApp(chart, "App", proxy=shared, **app)


def test_fails_on_an_app_path_under_oauth2_with_the_same_message_on_both_front_ends():
    _both_refuse(
        ENVOY_PROXY,
        {**APP, "controller": EG, "paths": ["/oauth2/start"], "path_type": PathType.EXACT},
        r"^paths must be a path outside '/oauth2': on Envoy Gateway the HTTPRoute "
        r"'auth\.dash\.example\.com' serves /oauth2 on the app's host",
    )
    _both_refuse(
        None,
        {**APP, "provider": OIDC, "paths": ["/oauth2/x"]},
        r"^paths must be a path outside '/oauth2': the proxy serves /oauth2 on the app's host",
    )


@pytest.mark.parametrize("path", ["/oauth2x", "/oauth", "/api/oauth2", "/OAuth2/start"])
@pytest.mark.parametrize("target", ["nginx", "envoy"])
def test_paths_beside_oauth2_are_the_apps(path: str, target: str):
    app: dict[str, Any] = {**APP, "provider": OIDC, "paths": [path]}
    if target == "envoy":
        app["controller"] = EG
    _builds(None, app)


def test_an_app_on_another_host_than_its_nginx_proxy_may_serve_oauth2_paths():
    # ingress-nginx routes /oauth2 to the proxy on the proxy's host only; auth-signin sends
    # browsers there, so the app's own host keeps every path.
    objects = _builds(NGINX_PROXY, {**APP, "paths": ["/oauth2/app-docs"]})
    paths = find(objects, "Ingress", "app")["spec"]["rules"][0]["http"]["paths"]
    assert [p["path"] for p in paths] == ["/oauth2/app-docs"]


# --- an app on its shared proxy's host, elsewhere than the proxy's route -------------------


@pytest.mark.parametrize(
    "gateway",
    [
        GatewayRef("eg", "infra", section_name="http"),  # another listener
        GatewayRef("eg", "infra"),  # the whole Gateway: also listeners without /oauth2
        GatewayRef("eg-internal", "infra", section_name="https"),  # another Gateway
        GatewayRef("eg", "infra-b", section_name="https"),  # a namesake in another namespace
    ],
    ids=["listener", "whole-gateway", "gateway", "namespace"],
)
def test_fails_on_an_app_on_the_proxy_host_off_the_proxy_route(gateway: GatewayRef):
    _both_refuse(
        ENVOY_PROXY,
        {**APP, "host": "access.example.com", "controller": EnvoyGateway(gateway=gateway)},
        r"^controller: the app is on host 'access\.example\.com' of its proxy 'auth', whose "
        r"/oauth2 route \(HTTPRoute 'auth'\) is not attached to Gateway",
    )


def test_an_app_on_one_listener_is_served_by_a_proxy_route_on_the_whole_gateway():
    whole = EnvoyGateway(gateway=GatewayRef("eg", "infra"))
    objects = _builds(
        {**ENVOY_PROXY, "controller": whole},
        {**APP, "host": "access.example.com", "controller": EG},
    )
    assert find(objects, "HTTPRoute", "app")["spec"]["parentRefs"][0]["sectionName"] == "https"


def test_fails_on_an_app_on_the_nginx_proxy_host_with_another_ingress_class():
    _both_refuse(
        NGINX_PROXY,
        {**APP, "host": "access.example.com", "ingress_class_name": "internal"},
        r"^ingress_class_name must be 'nginx', the class of the /oauth2 Ingress of proxy "
        r"'auth' on the same host 'access\.example\.com'",
    )


def test_another_ingress_class_on_another_host_is_fine():
    objects = _builds(NGINX_PROXY, {**APP, "ingress_class_name": "internal"})
    assert find(objects, "Ingress", "app")["spec"]["ingressClassName"] == "internal"
