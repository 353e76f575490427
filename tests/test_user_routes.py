"""The user's own Ingresses and HTTPRoutes in a cdk8s app are judged by the app's route claims.

A route the user adds to the same cdk8s App that collides with a ProtectedApp's path, API
path, public path or a proxy's ``/oauth2`` is refused at synth, naming both objects and what
the controller would do. The last test shows on real nginx the drop the refusal prevents.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import cdk8s
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from oauth_ingress_construct import (
    EnvoyGateway,
    GatewayRef,
    PathType,
    ProtectedApp,
    Provider,
    PublicPathRegexWarning,
    ServiceRef,
)
from tests.conftest import synth
from tests.nginx_host_model import HostIngress, build_location, host_locations
from tests.strategies import PATH
from tests.test_path_behaviour import emitted, ingresses, observe_nginx

HOST = "app.example.com"
PROVIDER = Provider.oidc(issuer_url="https://login.example.com")
GATEWAY = EnvoyGateway(gateway=GatewayRef("eg", "infra", section_name="https"))
THEIRS = "the Ingress apps/theirs ('t/Theirs')"
OURS = "ProtectedApp 't/App'"


def _chart() -> cdk8s.Chart:
    return cdk8s.Chart(cdk8s.App(), "t", namespace="apps", disable_resource_name_hashes=True)


def _app(chart: cdk8s.Chart, **kwargs: Any) -> ProtectedApp:
    """An app on HOST: pages on ``/``, API ``/api``, public Exact ``/healthz``, own proxy."""
    kwargs.setdefault("paths", ["/"])
    kwargs.setdefault("api_paths", ["/api"])
    kwargs.setdefault("public_paths", ["/healthz"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PublicPathRegexWarning)
        return ProtectedApp(
            chart,
            "App",
            host=HOST,
            backend=ServiceRef("app", 8080),
            provider=PROVIDER,
            **kwargs,
        )


def _ingress_manifest(
    paths: list[tuple[str, str]],
    *,
    host: str | None = HOST,
    ingress_class: str | None = "nginx",
    annotations: dict[str, str] | None = None,
    name: str = "theirs",
    service: str = "theirs",
) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "http": {
            "paths": [
                {
                    "path": p,
                    "pathType": t,
                    "backend": {"service": {"name": service, "port": {"number": 80}}},
                }
                for p, t in paths
            ]
        }
    }
    if host is not None:
        rule["host"] = host
    spec: dict[str, Any] = {"rules": [rule]}
    if ingress_class is not None:
        spec["ingressClassName"] = ingress_class
    metadata: dict[str, Any] = {"name": name, "namespace": "apps"}
    if annotations:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata,
        "spec": spec,
    }


def _add(chart: cdk8s.Chart, obj: dict[str, Any], id_: str = "Theirs") -> None:
    body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
    api = cdk8s.ApiObject(
        chart, id_, api_version=obj["apiVersion"], kind=obj["kind"], metadata=obj["metadata"]
    )
    for key, value in body.items():
        api.add_json_patch(cdk8s.JsonPatch.add(f"/{key}", value))


def _ingress(chart: cdk8s.Chart, paths: list[tuple[str, str]], **kwargs: Any) -> None:
    _add(chart, _ingress_manifest(paths, **kwargs))


def _refusal(chart: cdk8s.Chart) -> str:
    with pytest.raises(RuntimeError) as raised:
        cdk8s.Testing.synth(chart)
    return str(raised.value)


# --------------------------------------------------------------------------- ingress-nginx


@pytest.mark.parametrize(
    ("theirs", "what", "why"),
    [
        (("/", "Prefix"), "the path of", "silently drops the other's"),
        (("/api", "Prefix"), "the API path of", "silently drops the other's"),
        (("/healthz", "Exact"), "the public path of", "silently drops the other's"),
        (("/oauth2", "Prefix"), "the sign-in route (/oauth2) of OAuth2Proxy", "silently drops"),
        # merged into one location: Prefix /api/ and /api both become location "/api/"
        (("/api/", "Prefix"), "the API path '/api' of", 'both become nginx `location "/api/"`'),
        # an ImplementationSpecific path is left as written: "/api/" is the location of ours
        (("/api/", "ImplementationSpecific"), "the API path '/api' of", "nginx -t fails"),
        (("/oauth2/", "ImplementationSpecific"), "sign-in route (/oauth2)", "nginx -t fails"),
    ],
)
def test_a_users_ingress_on_a_path_of_ours_is_refused_at_synth(theirs, what, why):
    chart = _chart()
    _app(chart)
    _ingress(chart, [theirs])
    message = _refusal(chart)
    assert THEIRS in message
    assert what in message
    assert OURS in message or "OAuth2Proxy 't/App/OAuth2Proxy'" in message
    assert why in message
    assert "host 'app.example.com' (ingress class 'nginx')" in message


def test_the_message_says_which_ingress_ingress_nginx_keeps():
    chart = _chart()
    _app(chart)
    _ingress(chart, [("/", "Prefix")])
    message = _refusal(chart)
    assert (
        "the Ingress apps/theirs ('t/Theirs') routes Prefix path '/' on host "
        "'app.example.com' (ingress class 'nginx'), the path of ProtectedApp 't/App': "
        "ingress-nginx keeps the location of the Ingress it processes first (the older; of "
        "two created in the same second, the one whose namespace/name sorts last) and "
        "silently drops the other's" in message
    )
    assert "admission webhook" in message


@pytest.mark.parametrize(
    ("theirs", "kwargs"),
    [
        # Exact and Prefix of the same text are two locations (= "/api" and "/api/")
        (("/api", "Exact"), {}),
        (("/healthz", "Prefix"), {}),
        (("/", "Exact"), {}),
        # an ImplementationSpecific path is left as written: "/api" next to "/api/"
        (("/api", "ImplementationSpecific"), {}),
        (("/other", "Prefix"), {}),
        (("/", "Prefix"), {"ingress_class": "internal"}),
        (("/", "Prefix"), {"host": "other.example.com"}),
        (("/", "Prefix"), {"host": "*.example.com"}),
        (("/", "Prefix"), {"host": None}),  # the default server
    ],
)
def test_a_users_ingress_that_collides_with_nothing_of_ours_is_fine(theirs, kwargs):
    chart = _chart()
    _app(chart)
    _ingress(chart, [theirs], **kwargs)
    kinds = [(o["kind"], o["metadata"]["name"]) for o in synth(chart)]
    assert ("Ingress", "theirs") in kinds


def test_an_ingress_without_a_class_is_judged_against_every_class():
    chart = _chart()
    _app(chart, ingress_class_name="internal")
    _ingress(chart, [("/api", "Prefix")], ingress_class=None)
    assert "ingress class 'internal'" in _refusal(chart)


def test_the_class_annotation_counts_as_the_class():
    chart = _chart()
    _app(chart)
    _ingress(
        chart,
        [("/api", "Prefix")],
        ingress_class=None,
        annotations={"kubernetes.io/ingress.class": "internal"},
    )
    synth(chart)  # another class
    chart = _chart()
    _app(chart)
    _ingress(
        chart,
        [("/api", "Prefix")],
        ingress_class=None,
        annotations={"kubernetes.io/ingress.class": "nginx"},
    )
    assert "the API path of" in _refusal(chart)


def test_a_path_without_a_service_backend_makes_no_location():
    chart = _chart()
    _app(chart)
    _add(
        chart,
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": "theirs", "namespace": "apps"},
            "spec": {
                "ingressClassName": "nginx",
                "rules": [
                    {
                        "host": HOST,
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {
                                        "resource": {"apiGroup": "x.io", "kind": "B", "name": "b"}
                                    },
                                }
                            ]
                        },
                    }
                ],
            },
        },
    )
    synth(chart)


@pytest.mark.parametrize(
    "annotations",
    [
        {"nginx.ingress.kubernetes.io/use-regex": "true"},
        {"nginx.ingress.kubernetes.io/use-regex": "True"},
        {"nginx.ingress.kubernetes.io/rewrite-target": "/"},
    ],
)
def test_a_users_regex_ingress_on_a_host_with_public_paths_is_refused(annotations):
    chart = _chart()
    _app(chart)
    _ingress(chart, [("/legacy", "Prefix")], annotations=annotations)
    message = _refusal(chart)
    assert (
        "the Ingress apps/theirs ('t/Theirs') has the use-regex or rewrite-target annotation "
        "on host 'app.example.com' (ingress class 'nginx'), where ProtectedApp 't/App' "
        "serves the public path '/healthz'" in message
    )
    assert "'/healthz-admin' and '/HEALTHZ' without any check" in message


@pytest.mark.parametrize(
    ("annotations", "public_paths"),
    [
        # no public path of ours on the host: checked locations stay checked
        ({"nginx.ingress.kubernetes.io/use-regex": "true"}, []),
        ({"nginx.ingress.kubernetes.io/use-regex": "false"}, ["/healthz"]),
        # a rewrite-target equal to the path is no rewrite (template.go needsRewrite)
        ({"nginx.ingress.kubernetes.io/rewrite-target": "/legacy"}, ["/healthz"]),
    ],
)
def test_a_regex_ingress_that_opens_nothing_of_ours_is_fine(annotations, public_paths):
    chart = _chart()
    _app(chart, public_paths=public_paths)
    _ingress(chart, [("/legacy", "Prefix")], annotations=annotations)
    synth(chart)


def test_a_regex_ingress_on_our_path_is_still_a_duplicate_of_it():
    chart = _chart()
    _app(chart, public_paths=[])
    _ingress(
        chart, [("/api", "Prefix")], annotations={"nginx.ingress.kubernetes.io/use-regex": "1"}
    )
    assert "the API path of" in _refusal(chart)


def test_a_cdk8s_plus_ingress_is_judged_too():
    import cdk8s_plus_28 as kplus

    chart = _chart()
    _app(chart, public_paths=["/healthz"])
    service = kplus.Service(chart, "Svc", ports=[kplus.ServicePort(port=80)])
    ingress = kplus.Ingress(chart, "Theirs", class_name="nginx")
    ingress.add_host_rule(
        HOST,
        "/healthz",
        kplus.IngressBackend.from_service(service),
        kplus.HttpIngressPathType.EXACT,
    )
    message = _refusal(chart)
    assert "('t/Theirs/Resource') routes Exact path '/healthz'" in message
    assert "the public path of ProtectedApp 't/App'" in message


def test_the_refusal_spans_charts_of_one_app():
    app = cdk8s.App()
    ours = cdk8s.Chart(app, "ours", namespace="apps", disable_resource_name_hashes=True)
    theirs = cdk8s.Chart(app, "t", namespace="apps", disable_resource_name_hashes=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PublicPathRegexWarning)
        ProtectedApp(
            ours,
            "App",
            host=HOST,
            backend=ServiceRef("app", 8080),
            provider=PROVIDER,
            public_paths=["/healthz"],
        )
    _ingress(theirs, [("/healthz", "Exact")])
    with pytest.raises(RuntimeError, match="the public path of ProtectedApp 'ours/App'"):
        app.synth_yaml()


# --------------------------------------------------------------------------- Envoy Gateway


def _route(
    chart: cdk8s.Chart,
    matches: list[dict[str, Any]] | None,
    *,
    section: str | None = "https",
    gateway: str = "eg",
    gateway_namespace: str | None = "infra",
    hostnames: list[str] | None = None,
    namespace: str = "apps",
) -> None:
    ref: dict[str, Any] = {"name": gateway}
    if gateway_namespace is not None:
        ref["namespace"] = gateway_namespace
    if section is not None:
        ref["sectionName"] = section
    rule: dict[str, Any] = {"backendRefs": [{"name": "theirs", "port": 80}]}
    if matches is not None:
        rule["matches"] = matches
    spec: dict[str, Any] = {"parentRefs": [ref], "rules": [rule]}
    spec["hostnames"] = [HOST] if hostnames is None else hostnames
    _add(
        chart,
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "HTTPRoute",
            "metadata": {"name": "theirs", "namespace": namespace},
            "spec": spec,
        },
    )


def _prefix(value: str) -> dict[str, Any]:
    return {"path": {"type": "PathPrefix", "value": value}}


def _exact(value: str) -> dict[str, Any]:
    return {"path": {"type": "Exact", "value": value}}


@pytest.mark.parametrize(
    ("matches", "what"),
    [
        (
            [_prefix("/")],
            "matches PathPrefix '/' on host 'app.example.com' on Gateway infra/eg "
            "listener 'https', the path of",
        ),
        ([_prefix("/api")], "the API path of"),
        ([_prefix("/api/")], "the API path of"),  # Envoy Gateway ignores the trailing slash
        ([_exact("/healthz")], "the public path of"),
        ([_prefix("/oauth2")], "the sign-in route (/oauth2) of OAuth2Proxy 't/App/OAuth2Proxy'"),
        (None, "matches PathPrefix '/'"),  # a rule without matches matches PathPrefix /
        ([{}], "matches PathPrefix '/'"),  # a match without a path too
    ],
)
def test_a_users_http_route_on_a_match_of_ours_is_refused_at_synth(matches, what):
    chart = _chart()
    _app(chart, controller=GATEWAY)
    _route(chart, matches)
    message = _refusal(chart)
    assert "the HTTPRoute apps/theirs ('t/Theirs')" in message
    assert what in message
    assert "Gateway API gives equal matches to the oldest route" in message


def test_a_match_with_conditions_takes_the_requests_that_meet_them():
    chart = _chart()
    _app(chart, controller=GATEWAY)
    _route(chart, [{**_prefix("/"), "headers": [{"name": "x-debug", "value": "1"}]}])
    message = _refusal(chart)
    assert "the path of ProtectedApp 't/App'" in message
    assert "every request that meets them goes to its backend instead of ours" in message


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("https", None),  # theirs on the whole Gateway: attached to our listener too
        (None, "https"),  # ours on the whole Gateway
    ],
)
def test_a_route_on_the_whole_gateway_overlaps_every_listener(ours, theirs):
    chart = _chart()
    _app(chart, controller=EnvoyGateway(gateway=GatewayRef("eg", "infra", section_name=ours)))
    _route(chart, [_prefix("/api")], section=theirs)
    assert "the API path of" in _refusal(chart)


def test_a_parent_ref_without_a_namespace_is_in_the_routes_namespace():
    chart = _chart()
    _app(chart, controller=GATEWAY)
    _route(chart, [_prefix("/api")], gateway_namespace=None, namespace="infra")
    assert "the HTTPRoute infra/theirs" in _refusal(chart)


@pytest.mark.parametrize(
    ("matches", "kwargs"),
    [
        ([_exact("/")], {}),  # Exact / and PathPrefix / are distinct matches
        ([_prefix("/other")], {}),
        ([_prefix("/")], {"section": "http"}),  # another listener
        ([_prefix("/")], {"gateway": "other"}),  # another Gateway
        ([_prefix("/")], {"gateway_namespace": "apps"}),  # a Gateway eg of another namespace
        ([_prefix("/")], {"hostnames": ["other.example.com"]}),
        ([_prefix("/")], {"hostnames": ["*.example.com"]}),
        ([_prefix("/")], {"hostnames": []}),  # our exact hostname has precedence
        ([{"path": {"type": "RegularExpression", "value": "/.*"}}], {}),
    ],
)
def test_a_users_http_route_that_collides_with_nothing_of_ours_is_fine(matches, kwargs):
    chart = _chart()
    _app(chart, controller=GATEWAY)
    _route(chart, matches, **kwargs)
    kinds = [(o["kind"], o["metadata"]["name"]) for o in synth(chart)]
    assert ("HTTPRoute", "theirs") in kinds


def test_an_ingress_is_no_collision_on_envoy_gateway_nor_a_route_on_ingress_nginx():
    chart = _chart()
    _app(chart, controller=GATEWAY)
    _ingress(chart, [("/", "Prefix")])
    synth(chart)
    chart = _chart()
    _app(chart)
    _route(chart, [_prefix("/")])
    synth(chart)


# --------------------------------------------------------------------------- real nginx


def test_on_real_nginx_the_refused_ingress_drops_the_apps_checked_path():
    """What the refusal prevents: the user's Ingress apps/users, on the app's checked
    ``/admin``, deployed in the same second as the app's, takes the location (its
    namespace/name sorts last, so ingress-nginx processes it first) and ``/admin`` is open.
    """
    theirs = _ingress_manifest([("/admin", "Prefix")], name="users", service="app")
    chart = _chart()
    _app(chart, paths=["/", "/admin"], api_paths=[], public_paths=[])
    _add(chart, theirs)
    assert "routes Prefix path '/admin'" in _refusal(chart)

    ours = emitted(paths=["/", "/admin"], path_type=PathType.PREFIX)
    observed = observe_nginx(
        ingresses(ours, HostIngress.of(theirs)), ["/admin", "/admin/users", "/other"]
    )
    assert observed == {"/admin": "open", "/admin/users": "open", "/other": "sign-in"}


# --------------------------------------------------------------------------- property

#: Paths next to ours (``/``, ``/admin``, API ``/api``, public Exact ``/healthz``, ``/oauth2``)
NEAR_OURS = st.sampled_from(
    ["/", "/admin", "/admin/", "/api", "/api/", "/healthz", "/healthz/", "/oauth2", "/oauth2/"]
)
PATH_TYPE = st.sampled_from(["Prefix", "Exact", "ImplementationSpecific"])


@functools.cache
def _ours_on_the_host() -> tuple[HostIngress, ...]:
    objects = emitted(paths=["/", "/admin"], api_paths=["/api"], public_paths=["/healthz"])
    return tuple(ingresses(objects))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.one_of(NEAR_OURS, PATH), path_type=PATH_TYPE)
def test_a_users_ingress_is_refused_exactly_when_nginx_would_drop_or_duplicate(path, path_type):
    """Judged against the host model of ingress-nginx (``tests/nginx_host_model.py``): a
    user's path is refused exactly when one of ours has the same path and type (one of the
    two is dropped) or the server would hold one location twice (``nginx -t`` fails).
    """
    ours = _ours_on_the_host()
    theirs = HostIngress("apps", "theirs", ((path, path_type),), service="theirs")
    dropped = any((path, path_type) in ingress.paths for ingress in ours)
    locations, regex = host_locations([*ours, theirs])
    rendered = [build_location(loc, regex) for loc in locations]
    duplicated = len(rendered) != len(set(rendered))
    event(f"dropped={dropped} duplicated={duplicated}")

    chart = _chart()
    _app(chart, paths=["/", "/admin"])
    _ingress(chart, [(path, path_type)])
    try:
        synth(chart)
        message = ""
    except RuntimeError as error:
        message = str(error)
    assert (THEIRS in message) == (dropped or duplicated), message
