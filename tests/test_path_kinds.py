"""ProtectedApp(api_paths=..., public_paths=...): the kinds of path, on both targets and front ends.

What the objects are, what is refused (each error names the argument), and that both front
ends agree. What real nginx and real Envoy do with these objects is in
``tests/test_path_behaviour.py``.
"""

from __future__ import annotations

import warnings
from typing import Any

import cdk8s
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from oauth_ingress_construct import (
    ConfigurationError,
    EnvoyGateway,
    GatewayRef,
    OAuth2Proxy,
    PathType,
    ProtectedApp,
    Provider,
    PublicPathRegexWarning,
    PublicRootWarning,
    ServiceRef,
    SnippetAnnotationWarning,
)
from oauth_ingress_construct._core.paths import server_locations
from oauth_ingress_construct.pulumi import ProtectedApp as PulumiApp
from tests.conftest import annotations, find, synth
from tests.strategies import PATH
from tests.test_pulumi import Program, by_kind_and_name

HOST = "app.example.com"
PROVIDER = Provider.oidc(issuer_url="https://login.example.com")
GATEWAY = EnvoyGateway(gateway=GatewayRef("eg", "infra"))
CONTROLLERS = {"ingress-nginx": None, "envoy-gateway": GATEWAY}


def _chart() -> cdk8s.Chart:
    return cdk8s.Chart(cdk8s.App(), "t", namespace="apps", disable_resource_name_hashes=True)


def _app(chart: cdk8s.Chart, id_: str = "App", **kwargs: Any) -> ProtectedApp:
    kwargs.setdefault("host", HOST)
    kwargs.setdefault("backend", ServiceRef("app", 8080))
    if "proxy" not in kwargs:
        kwargs.setdefault("provider", PROVIDER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PublicPathRegexWarning)
        return ProtectedApp(chart, id_, **kwargs)


def _objects(**kwargs: Any) -> list[dict[str, Any]]:
    chart = _chart()
    _app(chart, **kwargs)
    return synth(chart)


def _paths(obj: dict[str, Any]) -> list[tuple[str, str]]:
    if obj["kind"] == "Ingress":
        return [(p["path"], p["pathType"]) for p in obj["spec"]["rules"][0]["http"]["paths"]]
    return [
        (m["path"]["value"], m["path"]["type"])
        for rule in obj["spec"]["rules"]
        for m in rule["matches"]
    ]


# --------------------------------------------------------------------------- the objects


def test_ingress_nginx_public_paths_get_an_ingress_without_auth_annotations():
    objects = _objects(public_paths=["/healthz", "/webhooks/github"])
    public = find(objects, "Ingress", "app-public")
    assert public["metadata"].get("annotations", {}) == {}
    assert _paths(public) == [("/healthz", "Exact"), ("/webhooks/github", "Exact")]
    assert public["spec"]["rules"][0]["host"] == HOST
    backend = public["spec"]["rules"][0]["http"]["paths"][0]["backend"]
    assert backend == {"service": {"name": "app", "port": {"number": 8080}}}
    # the app's own Ingress is unchanged: still checked, still signing in
    app = find(objects, "Ingress", "app")
    assert _paths(app) == [("/", "Prefix")]
    assert {"auth-url", "auth-signin"} <= set(annotations(app))


def test_envoy_gateway_public_paths_get_a_route_no_security_policy_targets():
    objects = _objects(
        public_paths=["/static"], public_path_type=PathType.PREFIX, controller=GATEWAY
    )
    public = find(objects, "HTTPRoute", "app-public")
    assert _paths(public) == [("/static", "PathPrefix")]
    assert public["spec"]["hostnames"] == [HOST]
    targeted = {
        t["name"] for o in objects if o["kind"] == "SecurityPolicy" for t in o["spec"]["targetRefs"]
    }
    assert targeted == {"app"}


@pytest.mark.parametrize("controller", CONTROLLERS.values(), ids=CONTROLLERS)
def test_without_public_paths_nothing_more_is_emitted(controller):
    names = {o["metadata"]["name"] for o in _objects(controller=controller)}
    assert not any(n.endswith("-public") for n in names)


@pytest.mark.parametrize("controller", CONTROLLERS.values(), ids=CONTROLLERS)
def test_a_prefix_public_paths_trailing_slash_is_dropped(controller):
    # Prefix '/static/' would make nginx answer the bare '/static' with its own 301
    objects = _objects(
        public_paths=["/static/", "/assets"],
        public_path_type=PathType.PREFIX,
        controller=controller,
    )
    public = next(o for o in objects if o["metadata"]["name"] == "app-public")
    assert [p for p, _ in _paths(public)] == ["/static", "/assets"]


def test_an_exact_public_paths_trailing_slash_is_kept():
    public = find(_objects(public_paths=["/healthz/"]), "Ingress", "app-public")
    assert _paths(public) == [("/healthz/", "Exact")]


# --------------------------------------------------------------------------- API paths


def test_ingress_nginx_api_paths_get_an_ingress_that_checks_without_signing_in():
    with pytest.warns(SnippetAnnotationWarning):  # the seed's server-snippet, undescribed
        objects = _objects(api_paths=["/api/", "/graphql"], pass_through_401=True)
    api = find(objects, "Ingress", "app-api")
    app = find(objects, "Ingress", "app")
    assert _paths(api) == [("/api", "Prefix"), ("/graphql", "Prefix")]
    assert "auth-signin" not in annotations(api)
    assert "server-snippet" not in annotations(api)  # host-wide: the app's Ingress has it
    assert annotations(api) == {
        k: v for k, v in annotations(app).items() if k not in ("auth-signin", "server-snippet")
    }
    assert annotations(api)["auth-url"] == annotations(app)["auth-url"]


def test_api_paths_carry_the_apps_authorization_query():
    objects = _objects(api_paths=["/api"], allowed_groups=["dev"])
    assert annotations(find(objects, "Ingress", "app-api"))["auth-url"].endswith(
        "?allowed_groups=dev"
    )


def _args(objects: list[dict[str, Any]]) -> list[str]:
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    return list(deployment["spec"]["template"]["spec"]["containers"][0]["args"])


def test_envoy_gateway_api_paths_get_a_checked_route_and_api_routes_on_the_own_proxy():
    objects = _objects(api_paths=["/api", "/v1/x/"], controller=GATEWAY)
    route = find(objects, "HTTPRoute", "app-api")
    assert _paths(route) == [("/api", "PathPrefix"), ("/v1/x", "PathPrefix")]
    policy = find(objects, "SecurityPolicy", "app-api")
    assert policy["spec"]["targetRefs"][0]["name"] == "app-api"
    assert policy["spec"]["extAuth"] == find(objects, "SecurityPolicy", "app")["spec"]["extAuth"]
    assert [a for a in _args(objects) if a.startswith("--api-route")] == [
        "--api-route=^/api(/|\\?|$)",
        "--api-route=^/v1/x(/|\\?|$)",
    ]


def test_exact_api_paths_select_the_path_only():
    objects = _objects(api_paths=["/api"], api_path_type=PathType.EXACT, controller=GATEWAY)
    assert "--api-route=^/api(\\?|$)" in _args(objects)


def test_ingress_nginx_needs_no_api_route_on_the_proxy():
    assert not [a for a in _args(_objects(api_paths=["/api"])) if "api-route" in a]


@pytest.mark.parametrize(
    ("pattern", "path", "selected"),
    [
        ("^/api(/|\\?|$)", "/api", True),
        ("^/api(/|\\?|$)", "/api/items", True),
        ("^/api(/|\\?|$)", "/api?x=1", True),
        ("^/api(/|\\?|$)", "/apix", False),
        ("^/api(/|\\?|$)", "/v1/api/", False),
        ("^/api(\\?|$)", "/api/items", False),
    ],
)
def test_derived_api_routes_select_what_the_route_matches(pattern, path, selected):
    import re

    assert bool(re.search(pattern, path)) is selected


def test_a_shared_envoy_proxy_must_already_select_the_api_paths():
    chart = _chart()
    proxy = OAuth2Proxy(chart, "Proxy", host=HOST, provider=PROVIDER, controller=GATEWAY)
    with pytest.raises(ConfigurationError, match=r"api_paths must be paths the shared proxy"):
        _app(chart, proxy=proxy, paths=["/app"], api_paths=["/api"], controller=GATEWAY)
    chart = _chart()
    proxy = OAuth2Proxy(
        chart,
        "Proxy",
        host=HOST,
        provider=PROVIDER,
        controller=GATEWAY,
        extra_args=["--api-route=/api"],
    )
    _app(chart, proxy=proxy, paths=["/app"], api_paths=["/api"], controller=GATEWAY)
    assert find(synth(chart), "HTTPRoute", "app-api")


# --------------------------------------------------------------------------- refusals

REFUSED = {
    "public root": (
        {"paths": ["/admin"], "public_paths": ["/"], "public_path_type": PathType.PREFIX},
        "public_paths must be paths other than a Prefix '/'",
    ),
    "same path as a checked one": (
        {"paths": ["/app"], "public_paths": ["/app"]},
        "public_paths must be a path that is not also in paths",
    ),
    "same path, other type": (
        {"paths": ["/healthz"], "public_paths": ["/healthz"], "public_path_type": PathType.PREFIX},
        "public_paths must be a path that is not also in paths",
    ),
    "merged by nginx with a checked path": (
        {
            "paths": ["/static/"],
            "public_paths": ["/static"],
            "public_path_type": PathType.PREFIX,
        },
        'both become nginx `location "/static/"`',
    ),
    "under /oauth2": (
        {"public_paths": ["/oauth2/callback"]},
        "public_paths must be a path outside /oauth2",
    ),
    "/oauth2 itself": (
        {"public_paths": ["/oauth2"], "public_path_type": PathType.PREFIX},
        "public_paths must be a path outside /oauth2",
    ),
    "repeated after the slash is dropped": (
        {"public_paths": ["/a/", "/a"], "public_path_type": PathType.PREFIX},
        "public_paths must be a list without repeated paths",
    ),
    "not a path": ({"public_paths": ["/a/../b"]}, "public_paths must be an absolute path"),
    "API path also checked": (
        {"paths": ["/", "/api"], "api_paths": ["/api"]},
        "api_paths must be a path that is not also in paths",
    ),
    "API path also public": (
        {"api_paths": ["/hooks"], "public_paths": ["/hooks"]},
        "public_paths must be a path that is not also in api_paths",
    ),
    "API path merged by nginx with a checked one": (
        {"paths": ["/", "/api/"], "api_paths": ["/api"]},
        'both become nginx `location "/api/"`',
    ),
    "API path under /oauth2": (
        {"api_paths": ["/oauth2/userinfo"]},
        "api_paths must be a path outside /oauth2",
    ),
    "API path type": ({"api_paths": ["/a"], "api_path_type": "Prefix"}, "api_path_type must be"),
    "a bare string": ({"public_paths": "/healthz"}, "public_paths"),
    "type": ({"public_paths": ["/a"], "public_path_type": "Exact"}, "public_path_type must be"),
    "opt-in without a root": (
        {"public_paths": ["/a"], "allow_public_root": True},
        "allow_public_root must be False unless public_paths has a Prefix '/'",
    ),
    "opt-in not a bool": (
        {"public_paths": ["/a"], "allow_public_root": "yes"},
        "allow_public_root must be True or False",
    ),
}


@pytest.mark.parametrize("controller", CONTROLLERS.values(), ids=CONTROLLERS)
@pytest.mark.parametrize(("kwargs", "message"), REFUSED.values(), ids=REFUSED)
def test_refused_by_both_front_ends_with_the_same_message(controller, kwargs, message):
    with pytest.raises(ConfigurationError) as cdk8s_error:
        _objects(controller=controller, **kwargs)
    assert message in str(cdk8s_error.value)

    def build() -> None:
        PulumiApp(
            "app",
            namespace="apps",
            host=HOST,
            backend=ServiceRef("app", 8080),
            provider=PROVIDER,
            controller=controller,
            **kwargs,
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PublicPathRegexWarning)
        with pytest.raises(ConfigurationError) as pulumi_error:
            Program().run(build)
    assert str(pulumi_error.value) == str(cdk8s_error.value)


@pytest.mark.parametrize("controller", CONTROLLERS.values(), ids=CONTROLLERS)
def test_a_public_root_needs_the_opt_in_and_warns(controller):
    with pytest.warns(PublicRootWarning, match="every path of the host"):
        objects = _objects(
            paths=["/admin"],
            public_paths=["/"],
            public_path_type=PathType.PREFIX,
            allow_public_root=True,
            controller=controller,
        )
    public = next(o for o in objects if o["metadata"]["name"] == "app-public")
    assert [p for p, _ in _paths(public)] == ["/"]


def test_an_exact_public_root_is_the_landing_page_only_and_needs_no_opt_in():
    with warnings.catch_warnings():
        warnings.simplefilter("error", PublicRootWarning)
        objects = _objects(paths=["/app"], public_paths=["/"])
    assert _paths(find(objects, "Ingress", "app-public")) == [("/", "Exact")]


def test_ingress_nginx_warns_what_to_check_for_the_regex_trap():
    chart = _chart()
    with pytest.warns(PublicPathRegexWarning, match="use-regex or rewrite-target") as caught:
        ProtectedApp(
            chart,
            "App",
            host=HOST,
            backend=ServiceRef("app", 8080),
            provider=PROVIDER,
            public_paths=["/healthz"],
        )
    text = str(caught[0].message)
    for named in ("'/healthz-admin'", "'/HEALTHZ'", HOST):
        assert named in text


def test_envoy_gateway_has_no_regex_trap_to_warn_about():
    with warnings.catch_warnings():
        warnings.simplefilter("error", PublicPathRegexWarning)
        _objects(public_paths=["/healthz"], controller=GATEWAY)


# --------------------------------------------------------------------------- the inventory


@pytest.mark.parametrize("controller", CONTROLLERS.values(), ids=CONTROLLERS)
def test_another_app_of_the_host_cannot_route_a_public_path(controller):
    chart = _chart()
    proxy = OAuth2Proxy(chart, "Proxy", host=HOST, provider=PROVIDER, controller=controller)
    _app(chart, "A", proxy=proxy, paths=["/a"], public_paths=["/healthz"], controller=controller)
    with pytest.raises(
        ConfigurationError, match=r"/healthz'.* already routed by ProtectedApp 't/A'"
    ):
        _app(
            chart,
            "B",
            proxy=proxy,
            paths=["/healthz"],
            path_type=PathType.EXACT,
            controller=controller,
        )


@pytest.mark.parametrize("controller", CONTROLLERS.values(), ids=CONTROLLERS)
def test_pulumi_emits_the_same_objects(controller):
    kwargs = {
        "paths": ["/app"],
        "public_paths": ["/healthz", "/static/"],
        "public_path_type": PathType.PREFIX,
        "controller": controller,
    }
    expected = by_kind_and_name(_objects(**kwargs))
    program = Program()

    def build() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PublicPathRegexWarning)
            PulumiApp(
                "App",
                namespace="apps",
                host=HOST,
                backend=ServiceRef("app", 8080),
                provider=PROVIDER,
                **kwargs,
            )

    program.run(build)
    actual = by_kind_and_name(program.kubernetes_inputs())
    assert sorted(actual) == sorted(expected)
    for key, manifest in expected.items():
        assert actual[key] == manifest, key


# --------------------------------------------------------------------------- property


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    checked=st.lists(PATH, min_size=1, max_size=3, unique=True),
    public=st.lists(PATH, min_size=1, max_size=3),
    public_type=st.sampled_from(list(PathType)),
)
def test_a_public_path_is_exactly_what_was_asked_and_never_a_checked_location(
    checked, public, public_type
):
    error = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PublicRootWarning)
            objects = _objects(
                paths=checked,
                public_paths=public,
                public_path_type=public_type,
                allow_public_root=public_type is PathType.PREFIX and "/" in public,
            )
    except ConfigurationError as refused:
        error = str(refused)
    if error is not None:
        assert error.startswith(("public_paths", "paths")), error
        return
    emitted = _paths(find(objects, "Ingress", "app-public"))
    wanted = [p.rstrip("/") or "/" if public_type is PathType.PREFIX else p for p in public]
    assert emitted == [(p, public_type.value) for p in wanted]
    # on the host's one nginx server, no public location is also a checked one
    host = [*((p, "Prefix") for p in checked), *emitted, ("/oauth2", "Prefix")]
    locations = server_locations(host)
    public_locations = set().union(*(locations[r] for r in emitted))
    checked_locations = set().union(*(locations[(p, "Prefix")] for p in checked))
    assert not public_locations & checked_locations


def test_only_the_package_writes_anchored_api_routes():
    # the derived shape passes the final flag check; the user's extra_args stay plain
    chart = _chart()
    with pytest.raises(ConfigurationError, match="extra_args must be"):
        OAuth2Proxy(
            chart,
            "Proxy",
            host=HOST,
            provider=PROVIDER,
            controller=GATEWAY,
            extra_args=["--api-route=^/api(/|\\?|$)"],
        )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    checked=st.lists(PATH, min_size=1, max_size=2, unique=True),
    api=st.lists(PATH, min_size=1, max_size=2),
    public=st.lists(PATH, max_size=2),
    api_type=st.sampled_from(list(PathType)),
)
def test_three_kinds_never_share_a_location_and_api_paths_never_sign_in(
    checked, api, public, api_type
):
    error = None
    try:
        objects = _objects(
            paths=checked, api_paths=api, api_path_type=api_type, public_paths=public
        )
    except ConfigurationError as refused:
        error = str(refused)
    event("refused" if error else "emitted")
    if error is not None:
        assert error.startswith(("api_paths", "public_paths", "paths")), error
        return
    api_ingress = find(objects, "Ingress", "app-api")
    assert "auth-signin" not in annotations(api_ingress)
    assert "auth-url" in annotations(api_ingress)
    wanted = [p.rstrip("/") or "/" if api_type is PathType.PREFIX else p for p in api]
    assert _paths(api_ingress) == [(p, api_type.value) for p in wanted]
    kinds = [[(p, "Prefix") for p in checked], _paths(api_ingress)]
    if public:
        kinds.append(_paths(find(objects, "Ingress", "app-public")))
    locations = server_locations([r for kind in kinds for r in kind] + [("/oauth2", "Prefix")])
    per_kind = [set().union(*(locations[r] for r in kind)) for kind in kinds]
    for i, mine in enumerate(per_kind):
        for theirs in per_kind[i + 1 :]:
            assert not mine & theirs
