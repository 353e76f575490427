"""The Envoy Gateway target: its description, the objects it emits, and every refusal.

What these objects do on a real Envoy is in tests/test_envoy_behaviour.py; here: what they
say (intent), that the Gateway objects are schema-valid, and that each trap is refused before
deploy with the fix in the message.
"""

from __future__ import annotations

import re
import warnings

import cdk8s
import pytest

from oauth_ingress_construct import (
    ClientTrafficPolicyWarning,
    ConfigurationError,
    EnvoyGateway,
    GatewayRef,
    IngressNginx,
    OAuth2Proxy,
    PassThroughStrategy,
    ProtectedApp,
    Provider,
    ServiceRef,
)
from oauth_ingress_construct._core.inventory import Inventory
from oauth_ingress_construct._targets.envoy_gateway import (
    ENVOY_DROPS_DENIED_HEADERS,
    ENVOY_OF_EG,
    FIELDS_USED,
    FIRST_EG_WITH,
    IDENTITY_HEADERS,
    MINIMUM_EG,
    NEWEST_EG,
)
from tests import envoy_gateway_versions as facts
from tests.gateway_validation import validate_gateway_objects

from .conftest import find, synth

OIDC = Provider.oidc(issuer_url="https://login.example.com/realms/example")
GW = GatewayRef("eg", "infra", section_name="https")
EG = EnvoyGateway(gateway=GW)
GATEWAY_KINDS = {"HTTPRoute", "SecurityPolicy", "ReferenceGrant", "ClientTrafficPolicy"}


def _proxy(chart: cdk8s.Chart, **kwargs: object) -> OAuth2Proxy:
    options: dict[str, object] = {
        "host": "access.example.com",
        "namespace": "auth",
        "provider": OIDC,
        "controller": EG,
    }
    options.update(kwargs)
    return OAuth2Proxy(chart, "Auth", **options)  # type: ignore[arg-type]


def _app(chart: cdk8s.Chart, id: str = "Dash", **kwargs: object) -> ProtectedApp:
    options: dict[str, object] = {
        "host": "dash.example.com",
        "backend": ServiceRef("dash", 3000),
        "controller": EG,
    }
    options.update(kwargs)
    return ProtectedApp(chart, id, **options)  # type: ignore[arg-type]


def _args(objects: list[dict], name: str) -> list[str]:
    return find(objects, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]["args"]


def _gateway_objects(objects: list[dict]) -> list[dict]:
    return [o for o in objects if o["kind"] in GATEWAY_KINDS]


# --------------------------------------------------------------------------- the description


def test_the_version_table_is_the_checked_facts():
    assert dict(ENVOY_OF_EG) == facts.ENVOY_OF_EG
    assert dict(FIRST_EG_WITH) == facts.FIRST_EG_WITH
    assert NEWEST_EG == facts.NEWEST_EG
    assert ENVOY_DROPS_DENIED_HEADERS == facts.ENVOY_DROPS_DENIED_LOCATION


def test_every_field_the_target_uses_exists_from_the_minimum_version():
    minimum = ".".join(map(str, MINIMUM_EG))
    oldest = EnvoyGateway(gateway=GW, version=minimum)
    assert all(oldest.has(f) for f in FIELDS_USED)
    assert not oldest.has("SecurityPolicy.extAuth.http.pathOverride")  # v1.8: never emitted


def test_defaults_describe_the_newest_release():
    assert EG.version == "1.9.0"
    assert EG.envoy == "1.39.0"
    assert EG.envoy_namespace == "envoy-gateway-system"
    assert EG.client_traffic_policy is True
    assert EG.response_override_401 is False
    assert EnvoyGateway(gateway=GW, version="v1.8").version == "1.8.0"


def test_a_release_newer_than_the_table_is_accepted_with_its_envoy_unknown():
    newer = EnvoyGateway(gateway=GW, version="1.10.0")
    assert not newer.known
    assert newer.envoy is None
    assert "Envoy unknown" in newer.describe()
    assert EnvoyGateway(gateway=GW, version="1.10.0", envoy_version="1.40.0").envoy == "1.40.0"


def test_v1_7_0_is_accepted_when_an_envoy_proxy_pins_a_fixed_envoy():
    pinned = EnvoyGateway(gateway=GW, version="1.7.0", envoy_version="1.37.1")
    assert pinned.envoy == "1.37.1"
    assert EnvoyGateway(gateway=GW, version="1.7.1").envoy == "1.37.1"


def test_fails_below_the_minimum_version():
    with pytest.raises(
        ConfigurationError, match=r"version must be Envoy Gateway v1\.4\.0 or newer"
    ):
        EnvoyGateway(gateway=GW, version="1.3.2")


def test_fails_on_v1_7_0_with_its_default_envoy():
    with pytest.raises(
        ConfigurationError,
        match=r"version: Envoy Gateway v1\.7\.0 runs Envoy 1\.37\.0.*Upgrade Envoy Gateway to "
        r"v1\.7\.1 or newer.*envoy_version=",
    ):
        EnvoyGateway(gateway=GW, version="v1.7.0")


def test_fails_on_an_envoy_image_of_1_37_0():
    with pytest.raises(
        ConfigurationError, match=r"envoy_version: Envoy 1\.37\.0 drops.*Run Envoy 1\.37\.1"
    ):
        EnvoyGateway(gateway=GW, version="1.8.0", envoy_version="1.37.0")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"gateway": "eg"}, r"gateway must be a GatewayRef"),
        ({"gateway": GW, "version": "latest"}, r"version must be an Envoy Gateway version"),
        ({"gateway": GW, "envoy_version": "1.38"}, r"envoy_version must be an Envoy version"),
        ({"gateway": GW, "envoy_namespace": "Envoy"}, r"envoy_namespace must be"),
        ({"gateway": GW, "response_override_401": "no"}, r"response_override_401 must be True"),
        ({"gateway": GW, "client_traffic_policy": 1}, r"client_traffic_policy must be True"),
    ],
)
def test_fails_on_a_bad_description(kwargs, message):
    with pytest.raises(ConfigurationError, match=message):
        EnvoyGateway(**kwargs)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("EG", "infra"), r"GatewayRef\.name must be"),
        (("eg", "infra/x"), r"GatewayRef\.namespace must be"),
        (("eg", "infra", "HTTPS"), r"GatewayRef\.section_name must be"),
    ],
)
def test_fails_on_a_bad_gateway_ref(args, message):
    with pytest.raises(ConfigurationError, match=message):
        GatewayRef(*args)


# --------------------------------------------------------------------------- the proxy


def test_the_proxy_runs_in_the_mode_envoy_needs(chart):
    _proxy(chart)
    objects = synth(chart)
    args = _args(objects, "auth")
    assert "--upstream=static://200" in args  # Envoy allows only 200
    assert "--upstream=static://202" not in args
    assert "--skip-provider-button=true" in args  # a browser goes straight to the provider
    assert "--reverse-proxy=true" in args
    assert "--set-xauthrequest=true" in args
    # a path only: the callback comes back on the host the request came on
    assert "--redirect-url=/oauth2/callback" in args
    assert not [o for o in objects if o["kind"] == "Ingress"]


def test_the_proxy_serves_oauth2_on_its_host_through_the_gateway(chart):
    _proxy(chart)
    route = find(synth(chart), "HTTPRoute", "auth")
    assert route["metadata"]["namespace"] == "auth"
    assert route["spec"]["parentRefs"] == [
        {
            "group": "gateway.networking.k8s.io",
            "kind": "Gateway",
            "name": "eg",
            "namespace": "infra",
            "sectionName": "https",
        }
    ]
    assert route["spec"]["hostnames"] == ["access.example.com"]
    (rule,) = route["spec"]["rules"]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/oauth2"}}]
    assert rule["backendRefs"] == [{"name": "auth", "port": 80}]


def test_only_the_envoy_proxies_reach_the_proxy(chart):
    _proxy(chart, controller=EnvoyGateway(gateway=GW, envoy_namespace="gateways"))
    policy = find(synth(chart), "NetworkPolicy", "auth")
    http, metrics = policy["spec"]["ingress"]
    assert http["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "gateways"}}}
    ]
    assert http["ports"] == [{"port": "http", "protocol": "TCP"}]
    # The metrics port stays as on ingress-nginx: the monitoring namespace only.
    assert metrics == {
        "from": [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
        ],
        "ports": [{"port": "metrics", "protocol": "TCP"}],
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ingress_class_name": "public"}, r"ingress_class_name must be unset on Envoy Gateway"),
        ({"tls_secret_name": "tls"}, r"tls_secret_name must be unset.*Gateway's listener"),
        (
            {"ingress_controller_namespace": "nginx"},
            r"ingress_controller_namespace must be unset.*envoy_namespace=",
        ),
        (
            {"extra_args": ["--cookie-refresh=1h"]},
            r"extra_args must be without --cookie-refresh=1h: on Envoy Gateway the refreshed "
            r"cookie.*never reaches the client",
        ),
        (
            {"extra_args": ["--skip-provider-button=false"]},
            r"extra_args must be a flag this construct does not set itself",
        ),
        ({"controller": "envoy"}, r"controller must be IngressNginx\(\.\.\.\), EnvoyGateway"),
    ],
)
def test_fails_on_proxy_settings_envoy_gateway_cannot_honour(chart, kwargs, message):
    with pytest.raises(ConfigurationError, match=message):
        _proxy(chart, **kwargs)
    assert synth(chart) == []


# --------------------------------------------------------------------------- the app


def test_an_app_gets_a_route_and_a_security_policy_asking_the_proxy(chart):
    proxy = _proxy(chart)
    app = _app(chart, proxy=proxy, paths=["/", "/api"], pass_through_401=True)
    objects = synth(chart)
    route = find(objects, "HTTPRoute", "dash")
    assert route["metadata"]["namespace"] == "apps"
    assert route["spec"]["hostnames"] == ["dash.example.com"]
    assert route["spec"]["parentRefs"][0]["sectionName"] == "https"
    (rule,) = route["spec"]["rules"]
    assert rule["matches"] == [
        {"path": {"type": "PathPrefix", "value": "/"}},
        {"path": {"type": "PathPrefix", "value": "/api"}},
    ]
    assert rule["backendRefs"] == [{"name": "dash", "port": 3000}]
    assert "filters" not in rule  # never a route-level header removal: it strips real ones

    policy = find(objects, "SecurityPolicy", "dash")
    assert policy["metadata"]["namespace"] == "apps"
    assert policy["spec"]["targetRefs"] == [
        {"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "dash"}
    ]
    ext = policy["spec"]["extAuth"]
    assert ext["http"]["backendRefs"] == [{"name": "auth", "namespace": "auth", "port": 80}]
    # every check under a prefix outside /oauth2: no request path of the app can reach an
    # oauth2-proxy endpoint that answers without a session (/ping, /ready, /robots.txt)
    assert ext["http"]["path"] == "/_oauth2_check"
    assert "pathOverride" not in ext["http"]
    assert ext["http"]["headersToBackend"] == [
        "X-Auth-Request-User",
        "X-Auth-Request-Email",
        "X-Auth-Request-Groups",
    ]
    # the cookie (else everyone is denied), Accept (API clients get 401), the scheme, the
    # original URI (set by the Gateway, see the ClientTrafficPolicy); never the forwarded
    # host nor X-Auth-Request-Redirect, which would let a client steer the return URL
    assert ext["headersToExtAuth"] == ["cookie", "accept", "x-forwarded-proto", "x-forwarded-uri"]
    assert app.ingress is None
    assert app.http_route is not None
    assert app.security_policy is not None
    assert app.pass_through_strategy is PassThroughStrategy.NONE_NEEDED


def test_callbacks_land_on_the_app_host_when_the_proxy_signs_in_elsewhere(chart):
    _app(chart, proxy=_proxy(chart))
    # In the proxy's namespace, next to its Service: no cross-namespace backendRef.
    route = find(synth(chart), "HTTPRoute", "auth.dash.example.com")
    assert route["metadata"]["namespace"] == "auth"
    assert route["spec"]["hostnames"] == ["dash.example.com"]
    (rule,) = route["spec"]["rules"]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/oauth2"}}]
    assert rule["backendRefs"] == [{"name": "auth", "port": 80}]


def test_apps_of_one_host_share_its_oauth2_route_across_namespaces(chart):
    proxy = _proxy(chart)
    _app(chart, proxy=proxy, paths=["/a"])
    _app(chart, "Other", proxy=proxy, paths=["/b"], namespace="tools")
    objects = synth(chart)
    routes = [o for o in objects if o["kind"] == "HTTPRoute"]
    assert sorted(r["metadata"]["name"] for r in routes) == [
        "auth",
        "auth.dash.example.com",
        "dash",
        "other",
    ]


def test_fails_when_two_proxies_serve_oauth2_on_one_app_host(chart):
    _app(chart, proxy=_proxy(chart), paths=["/a"])
    second = OAuth2Proxy(
        chart, "Auth2", host="login.example.com", namespace="auth", provider=OIDC, controller=EG
    )
    with pytest.raises(ConfigurationError, match=r"host: 'dash.example.com' path 'Prefix:/oauth2'"):
        _app(chart, "Other", proxy=second, paths=["/b"])


def test_a_reference_grant_lets_the_app_namespace_reach_the_proxy_service(chart):
    _app(chart, proxy=_proxy(chart))
    grant = find(synth(chart), "ReferenceGrant", "apps.dash")
    assert grant["apiVersion"] == "gateway.networking.k8s.io/v1beta1"
    assert grant["metadata"]["namespace"] == "auth"
    assert grant["spec"]["from"] == [
        {"group": "gateway.envoyproxy.io", "kind": "SecurityPolicy", "namespace": "apps"},
    ]
    assert grant["spec"]["to"] == [{"group": "", "kind": "Service", "name": "auth"}]


def test_an_app_with_its_own_proxy_needs_no_grant_and_no_second_oauth2_route(chart):
    _app(chart, provider=OIDC)
    objects = synth(chart)
    kinds = sorted((o["kind"], o["metadata"]["name"]) for o in _gateway_objects(objects))
    assert kinds == [
        ("ClientTrafficPolicy", "eg-https-identity-headers"),
        ("HTTPRoute", "dash"),
        ("HTTPRoute", "dash-oauth2-proxy"),
        ("SecurityPolicy", "dash"),
    ]
    policy = find(objects, "SecurityPolicy", "dash")
    assert policy["spec"]["extAuth"]["http"]["backendRefs"] == [
        {"name": "dash-oauth2-proxy", "port": 80}
    ]
    assert "--upstream=static://200" in _args(objects, "dash-oauth2-proxy")


def test_a_proxy_in_the_app_namespace_on_another_host_needs_no_grant(chart):
    proxy = _proxy(chart, namespace="apps")
    _app(chart, proxy=proxy)
    objects = synth(chart)
    assert not [o for o in objects if o["kind"] == "ReferenceGrant"]
    route = find(objects, "HTTPRoute", "auth.dash.example.com")
    assert route["spec"]["rules"][0]["backendRefs"] == [{"name": "auth", "port": 80}]


def test_pass_authorization_header_passes_authorization_to_the_backend(chart):
    proxy = _proxy(chart, set_authorization_header=True)
    _app(chart, proxy=proxy, pass_authorization_header=True)
    policy = find(synth(chart), "SecurityPolicy", "dash")
    assert policy["spec"]["extAuth"]["http"]["headersToBackend"][-1] == "Authorization"


def test_forged_identity_headers_are_removed_once_per_gateway_listener(chart):
    proxy = _proxy(chart)
    _app(chart, "One", host="one.example.com", proxy=proxy)
    _app(chart, "Two", host="two.example.com", proxy=proxy)
    other = EnvoyGateway(gateway=GatewayRef("eg", "infra", section_name="internal"))
    _app(chart, "Three", host="three.example.com", provider=OIDC, controller=other)
    policies = [o for o in synth(chart) if o["kind"] == "ClientTrafficPolicy"]
    assert sorted(p["metadata"]["name"] for p in policies) == [
        "eg-https-identity-headers",
        "eg-internal-identity-headers",
    ]
    policy = next(p for p in policies if p["metadata"]["name"] == "eg-https-identity-headers")
    assert policy["metadata"]["namespace"] == "infra"  # the Gateway's namespace
    assert policy["spec"]["targetRefs"] == [
        {
            "group": "gateway.networking.k8s.io",
            "kind": "Gateway",
            "name": "eg",
            "sectionName": "https",
        }
    ]
    assert policy["spec"]["headers"]["earlyRequestHeaders"]["remove"] == list(IDENTITY_HEADERS)
    assert "X-Auth-Request-Access-Token" in IDENTITY_HEADERS
    # the original URI, from Envoy's own :path (a client's copy is overwritten): oauth2-proxy
    # takes the return URL from it, since the check itself is asked under a prefix
    assert policy["spec"]["headers"]["earlyRequestHeaders"]["set"] == [
        {"name": "X-Forwarded-Uri", "value": "%REQ(:PATH)%"}
    ]


def test_the_client_traffic_policy_is_shared_across_charts_of_one_app():
    app = cdk8s.App()
    first = cdk8s.Chart(app, "first", namespace="a", disable_resource_name_hashes=True)
    second = cdk8s.Chart(app, "second", namespace="b", disable_resource_name_hashes=True)
    _app(first, provider=OIDC, host="a.example.com")
    _app(second, provider=OIDC, host="b.example.com")
    policies = [
        o
        for chart in (first, second)
        for o in cdk8s.Testing.synth(chart)
        if o["kind"] == "ClientTrafficPolicy"
    ]
    assert len(policies) == 1


def test_a_shared_claim_is_taken_back_with_a_failed_transaction():
    inventory = Inventory()

    def fail_half_way() -> None:
        with inventory.transaction():
            assert inventory.claim_shared("ClientTrafficPolicy", "infra", "x", lambda: "a")
            raise RuntimeError("failed half-way")

    with pytest.raises(RuntimeError, match="failed half-way"):
        fail_half_way()
    assert inventory.claim_shared("ClientTrafficPolicy", "infra", "x", lambda: "b")
    assert not inventory.claim_shared("ClientTrafficPolicy", "infra", "x", lambda: "c")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        # nothing turns oauth2-proxy's 401 into a sign-in on Envoy: browsers never sign in
        ("--force-json-errors=true", r"without --force-json-errors=true: on Envoy Gateway "),
        ("--force-json-errors", r"without --force-json-errors=true: .*nothing turns it into"),
        # a refreshed cookie never reaches the client
        ("--cookie-refresh=1h", r"without --cookie-refresh=1h: .*never reaches the client"),
        ("--cookie-refresh=1s", r"without --cookie-refresh=1s"),
        # a pattern matching the check prefix matches every check
        ("--api-route=/_oauth2", r"without --api-route=/_oauth2: .*sent under /_oauth2_check"),
        ("--api-route=/api/,/_oauth2_c", r"without --api-route=/api/,/_oauth2_c"),
        ("--api-route=/_o", r"without --api-route=/_o: .*every browser would get 401"),
    ],
)
def test_fails_on_allowed_flags_whose_value_breaks_sign_in_on_envoy(chart, extra, message):
    with pytest.raises(ConfigurationError, match=r"^extra_args must be " + message):
        _proxy(chart, extra_args=[extra])
    assert synth(chart) == []


@pytest.mark.parametrize(
    "extra",
    [
        "--cookie-refresh=0s",  # no refresh: nothing to lose
        "--cookie-refresh=0h0m",
        "--force-json-errors=false",
        "--api-route=/api/",
        "--api-route=/oauth2-check/",  # matches no check path: they start with /_oauth2_check
    ],
)
def test_allowed_flags_that_keep_sign_in_working_pass_on_envoy(chart, extra):
    _proxy(chart, extra_args=[extra])
    deployment = find(synth(chart), "Deployment", "auth")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["args"][-1] == extra


@pytest.mark.parametrize(
    "extra", ["--force-json-errors=true", "--cookie-refresh=1h", "--api-route=/_oauth2"]
)
def test_the_envoy_refusals_are_the_envoy_modes_only(chart, extra):
    # behind ingress-nginx the auth-signin redirect follows every 401 and the cookie of the
    # auth sub-request reaches the client: the same values work there
    OAuth2Proxy(chart, "Nginx", host="access.example.com", provider=OIDC, extra_args=[extra])
    deployment = find(synth(chart), "Deployment", "nginx")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["args"][-1] == extra


def test_a_foreign_gateway_gets_no_policy_and_a_warning_naming_the_one_to_apply(chart):
    foreign = EnvoyGateway(gateway=GW, client_traffic_policy=False)
    with pytest.warns(
        ClientTrafficPolicyWarning,
        match=r"Gateway infra/eg listener 'https' is not this program's.*in namespace 'infra', "
        r"a ClientTrafficPolicy.*'sectionName': 'https'.*'set': \[\{'name': 'X-Forwarded-Uri', "
        r"'value': '%REQ\(:PATH\)%'\}\].*X-Auth-Request-Groups.*returns after sign-in to "
        r"/_oauth2_check<the page>",
    ):
        _app(chart, provider=OIDC, controller=foreign)
    assert not [o for o in synth(chart) if o["kind"] == "ClientTrafficPolicy"]


def test_an_owned_gateway_does_not_warn(chart):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _app(chart, provider=OIDC)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"pass_through_401_strategy": PassThroughStrategy.SERVER_SNIPPET},
            r"pass_through_401_strategy must be unset: an ingress-nginx setting",
        ),
        ({"custom_http_errors": [503]}, r"custom_http_errors must be empty.*responseOverride"),
        ({"proxy_buffer_size": "16k"}, r"proxy_buffer_size must be unset"),
        (
            {"auth_cache": True},
            r"^auth_cache must be False: an ingress-nginx annotation \(auth-cache-key\); a "
            r"SecurityPolicy's extAuth caches no answers, every request is checked \(on "
            r"Envoy Gateway\), got True$",
        ),
        (
            {"auth_cache_duration": "30s"},
            r"^auth_cache_duration must be unset: an ingress-nginx annotation",
        ),
        ({"public_auth_url": True}, r"public_auth_url must be False"),
        ({"ingress_class_name": "public"}, r"ingress_class_name must be unset"),
        ({"tls_secret_name": "tls"}, r"tls_secret_name must be unset.*Gateway's listener"),
        (
            {"allowed_groups": ["ops"]},
            r"allowed_groups must be empty: oauth2-proxy checked as its upstream.*shared "
            r"OAuth2Proxy of their own with allowed_groups=",
        ),
        (
            {"allowed_email_domains": ["example.com"]},
            r"allowed_email_domains must be empty: oauth2-proxy checked as its upstream",
        ),
        ({"controller": "eg"}, r"controller must be IngressNginx\(\.\.\.\), EnvoyGateway"),
    ],
)
def test_fails_on_app_settings_envoy_gateway_cannot_honour(chart, kwargs, message):
    proxy = _proxy(chart)
    before = len(synth(chart))
    with pytest.raises(ConfigurationError, match=message):
        _app(chart, proxy=proxy, **kwargs)
    assert len(synth(chart)) == before


def test_fails_on_pass_through_401_with_a_401_response_override(chart):
    overridden = EnvoyGateway(gateway=GW, response_override_401=True)
    with pytest.raises(
        ConfigurationError,
        match=r"pass_through_401: .*responseOverride for 401.*Drop 401 from that "
        r"responseOverride",
    ):
        _app(chart, provider=OIDC, controller=overridden, pass_through_401=True)
    app = _app(chart, provider=OIDC, controller=overridden)  # without pass-through: fine
    assert app.pass_through_strategy is None


def test_fails_on_an_envoy_app_with_an_ingress_nginx_proxy(chart):
    proxy = OAuth2Proxy(chart, "Nginx", host="access.example.com", provider=OIDC)
    with pytest.raises(
        ConfigurationError,
        match=r"controller: the app targets Envoy Gateway, but its proxy 'nginx' serves "
        r"ingress-nginx.*controller=EnvoyGateway",
    ):
        _app(chart, proxy=proxy)


@pytest.mark.parametrize("controller", [None, IngressNginx()])
def test_fails_on_an_ingress_nginx_app_with_an_envoy_proxy(chart, controller):
    proxy = _proxy(chart)
    with pytest.raises(
        ConfigurationError,
        match=r"controller: the app targets ingress-nginx.*proxy 'auth' serves Envoy Gateway",
    ):
        _app(chart, proxy=proxy, controller=controller)


def test_fails_on_two_routes_for_one_host_and_path_on_one_gateway(chart):
    proxy = _proxy(chart)
    _app(chart, "One", proxy=proxy)
    with pytest.raises(
        ConfigurationError,
        match=r"host: 'dash\.example\.com' path 'Prefix:/' on Gateway infra/eg listener "
        r"'https' is already routed by ProtectedApp 'test/One'",
    ):
        _app(chart, "Two", proxy=proxy, name="two")


# --------------------------------------------------------------------------- schemas


def test_every_gateway_object_is_schema_valid(chart):
    proxy = _proxy(chart, set_authorization_header=True)
    _app(chart, "One", proxy=proxy, paths=["/a", "/b"], pass_authorization_header=True)
    _app(chart, "Own", host="own.example.com", namespace="own", provider=OIDC)
    objects = _gateway_objects(synth(chart))
    assert {o["kind"] for o in objects} == GATEWAY_KINDS
    validate_gateway_objects(objects)


def test_exact_paths_become_exact_matches(chart):
    from oauth_ingress_construct import PathType

    _app(chart, provider=OIDC, paths=["/x"], path_type=PathType.EXACT)
    route = find(synth(chart), "HTTPRoute", "dash")
    assert route["spec"]["rules"][0]["matches"] == [{"path": {"type": "Exact", "value": "/x"}}]
    validate_gateway_objects([route])


@pytest.mark.parametrize("controller", [None, IngressNginx()])
def test_fails_when_the_core_is_called_for_envoy_gateway_without_its_description(controller):
    from oauth_ingress_construct._targets import envoy_gateway as _envoy_gateway

    with pytest.raises(ConfigurationError, match=r"controller must be an EnvoyGateway"):
        _envoy_gateway.proxy_mode(controller)  # type: ignore[arg-type]


# ------------------------------------------------------- regressions found by the properties


def test_fails_on_a_response_header_oauth2_proxy_never_sets(chart):
    # tests/test_envoy_properties.py: the ClientTrafficPolicy removes IDENTITY_HEADERS only,
    # so a client could forge any other X-Auth-Request-* header that headersToBackend names.
    with pytest.raises(
        ConfigurationError,
        match=r"^response_headers must be an identity header oauth2-proxy v7.15.3 sets.*"
        r"got 'X-Auth-Request-Team'",
    ):
        _app(chart, provider=OIDC, response_headers=["X-Auth-Request-User", "X-Auth-Request-Team"])
    assert synth(chart) == []
    # the access token only with --pass-access-token, which the package never sets
    with pytest.raises(
        ConfigurationError, match=r"^response_headers must be without X-Auth-Request-Access-Token"
    ):
        _app(chart, provider=OIDC, response_headers=["x-auth-request-access-token"])
    assert synth(chart) == []


def test_fails_on_prefix_paths_that_differ_by_a_trailing_slash_across_apps(chart):
    # tests/test_envoy_properties.py: Envoy Gateway trims a PathPrefix's trailing '/'
    # (internal/xds/translator/route.go line 273 at v1.9.0): '/api' and '/api/' are one match.
    proxy = _proxy(chart)
    _app(chart, "One", proxy=proxy, paths=["/api"])
    with pytest.raises(ConfigurationError, match=r"^host: 'dash.example.com' path 'Prefix:/api'"):
        _app(chart, "Two", name="two", proxy=proxy, paths=["/api/"])


def test_fails_on_the_same_route_on_a_whole_gateway_and_on_one_of_its_listeners(chart):
    # tests/test_envoy_properties.py: a route on the whole Gateway attaches to every
    # listener, so it shadows (or is shadowed by) the same match on one listener.
    whole = EnvoyGateway(gateway=GatewayRef("eg", "infra"))
    proxy = _proxy(chart, controller=whole)
    _app(chart, "One", proxy=proxy, paths=["/api"], controller=whole)
    with pytest.raises(
        ConfigurationError,
        match=r"^host: 'dash.example.com' path 'Prefix:/api' on Gateway infra/eg listener "
        r"'https' is already routed by",
    ):
        _app(chart, "Two", name="two", proxy=proxy, paths=["/api"])
    _app(chart, "Three", name="three", proxy=proxy, paths=["/other"])


def test_fails_on_one_host_of_a_shared_proxy_on_two_gateways(chart):
    # tests/test_envoy_properties.py: the proxy's /oauth2 route of a host is emitted once, on
    # the first app's listener; an app of that host on another Gateway had no sign-in route.
    proxy = _proxy(chart)
    _app(chart, "One", proxy=proxy, paths=["/a"])
    internal = EnvoyGateway(gateway=GatewayRef("internal", "infra"))
    with pytest.raises(
        ConfigurationError,
        match=r"^host: 'dash.example.com': its /oauth2 route .*HTTPRoute 'auth.dash.example.com'"
        r"\) is on another Gateway listener than Gateway infra/internal",
    ):
        _app(chart, "Two", name="two", proxy=proxy, paths=["/b"], controller=internal)
    names = [o["metadata"]["name"] for o in synth(chart) if o["kind"] == "HTTPRoute"]
    assert "two" not in names


# --------------------------------------------------------------------------- a user's own
# ClientTrafficPolicy in the same program: Envoy Gateway applies one per Gateway and one per
# listener (internal/gatewayapi/clienttrafficpolicy.go at v1.9.0), so theirs and ours clash.


def _their_policy(
    chart: cdk8s.Chart,
    *,
    section: str | None,
    gateway: str = "eg",
    namespace: str = "infra",
    singular: bool = False,
    remove: list[str] | None = None,
) -> None:
    ref: dict[str, str] = {"group": "gateway.networking.k8s.io", "kind": "Gateway"}
    ref["name"] = gateway
    if section is not None:
        ref["sectionName"] = section
    spec: dict[str, object] = {"targetRef": ref} if singular else {"targetRefs": [ref]}
    if remove is not None:
        spec["headers"] = {"earlyRequestHeaders": {"remove": remove}}
    cdk8s.ApiObject(
        chart,
        "TheirPolicy",
        api_version="gateway.envoyproxy.io/v1alpha1",
        kind="ClientTrafficPolicy",
        metadata={"name": "timeouts", "namespace": namespace},
    ).add_json_patch(cdk8s.JsonPatch.add("/spec", {**spec, "timeout": {"http": {}}}))


@pytest.mark.parametrize(
    ("ours", "theirs", "singular", "why"),
    [
        ("https", "https", False, r"both target Gateway infra/eg listener 'https'; only one"),
        ("https", "https", True, r"both target Gateway infra/eg listener 'https'"),
        (None, None, False, r"both target Gateway infra/eg; only one policy of a kind"),
        ("https", None, False, r"theirs targets all of Gateway infra/eg and ours its listener"),
        (None, "https", False, r"ours targets all of Gateway infra/eg and theirs its listener"),
    ],
)
def test_fails_at_synth_on_a_users_client_traffic_policy_for_the_same_gateway(
    chart, ours, theirs, singular, why
):
    controller = EnvoyGateway(gateway=GatewayRef("eg", "infra", section_name=ours))
    _app(chart, provider=OIDC, controller=controller)
    _their_policy(chart, section=theirs, singular=singular)
    with pytest.raises(RuntimeError) as raised:
        cdk8s.Testing.synth(chart)
    message = str(raised.value)
    assert "the ClientTrafficPolicy infra/timeouts conflicts with ClientTrafficPolicy" in message
    assert re.search(why, message), message
    assert "client_traffic_policy=False" in message
    assert "X-Auth-Request-Groups" in message  # the removal to put into theirs


@pytest.mark.parametrize(
    ("theirs", "gateway", "namespace"),
    [
        ("http", "eg", "infra"),  # another listener of the same Gateway
        (None, "other", "infra"),  # another Gateway
        ("https", "eg", "apps"),  # a Gateway 'eg' of another namespace
    ],
)
def test_a_users_client_traffic_policy_for_another_target_is_fine(
    chart, theirs, gateway, namespace
):
    _app(chart, provider=OIDC)  # ours: Gateway infra/eg listener 'https'
    _their_policy(chart, section=theirs, gateway=gateway, namespace=namespace)
    kinds = [o["kind"] for o in synth(chart)]
    assert kinds.count("ClientTrafficPolicy") == 2


@pytest.mark.parametrize("theirs", ["https", None])
def test_with_client_traffic_policy_false_the_users_own_policy_does_the_removal(chart, theirs):
    controller = EnvoyGateway(gateway=GW, client_traffic_policy=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ClientTrafficPolicyWarning)
        _app(chart, provider=OIDC, controller=controller)
    # header names in any case, as Envoy matches them
    _their_policy(chart, section=theirs, remove=[h.lower() for h in IDENTITY_HEADERS])
    kinds = [o["kind"] for o in synth(chart)]
    assert kinds.count("ClientTrafficPolicy") == 1


@pytest.mark.parametrize(
    ("theirs", "remove"),
    [
        ("https", None),  # no removal at all
        ("https", ["X-Auth-Request-User", "X-Auth-Request-Email", "X-Auth-Request-Groups"]),
        (None, ["X-Auth-Request-Groups"]),  # the whole Gateway, so the app's listener too
    ],
)
def test_fails_at_synth_on_the_users_policy_without_the_removal(chart, theirs, remove):
    controller = EnvoyGateway(gateway=GW, client_traffic_policy=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ClientTrafficPolicyWarning)
        _app(chart, provider=OIDC, controller=controller)
    _their_policy(chart, section=theirs, remove=remove)
    with pytest.raises(RuntimeError) as raised:
        cdk8s.Testing.synth(chart)
    message = str(raised.value)
    assert "the ClientTrafficPolicy infra/timeouts applies on Gateway infra/eg" in message
    assert "leaves to a policy of the user's: its headers.earlyRequestHeaders.remove " in message
    assert "'GAP-Auth'" in message


def test_with_client_traffic_policy_false_a_policy_for_another_listener_is_not_judged(chart):
    controller = EnvoyGateway(gateway=GW, client_traffic_policy=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ClientTrafficPolicyWarning)
        _app(chart, provider=OIDC, controller=controller)
    _their_policy(chart, section="http")
    assert [o["kind"] for o in synth(chart)].count("ClientTrafficPolicy") == 1


def test_a_failed_app_takes_its_policy_claim_back(chart):
    # the app claims the listener's ClientTrafficPolicy, then fails on its HTTPRoute's name
    # (the proxy's route is named so): its claim goes with it
    proxy = _proxy(chart, name="dash", namespace="apps")
    with pytest.raises(ConfigurationError, match=r"^name: a HTTPRoute named 'dash'"):
        _app(chart, name="dash", namespace="apps", proxy=proxy)
    assert "ClientTrafficPolicy" not in [o["kind"] for o in synth(chart)]
    _their_policy(chart, section="https")
    assert [o["kind"] for o in synth(chart)].count("ClientTrafficPolicy") == 1
