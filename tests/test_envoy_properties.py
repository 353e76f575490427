"""Property-based tests of the Envoy Gateway target: valid programs work, hostile input is refused.

(a) Random valid programs (one to four apps, own or shared proxies, several namespaces,
    hosts and Gateway listeners, Prefix/Exact paths, ``section_name`` or not,
    ``client_traffic_policy`` on and off, ``pass_through_401``, ``pass_authorization_header``,
    every Envoy Gateway release of the table that is not refused) synthesize with cdk8s;
    their Gateway objects pass ``validate_gateway_objects`` and their Kubernetes objects the
    strict schemas; and the program-wide invariants hold (each listed at
    :func:`check_invariants`).
(b) The Pulumi front end, under Pulumi's mocks, registers exactly the manifests cdk8s
    synthesizes for a drawn program.
(c) A hostile fragment spliced into any string field of ``EnvoyGateway`` or ``GatewayRef``,
    or a value of the wrong type, is refused with :class:`ConfigurationError` naming the
    field.

Derandomized, fixed example counts (see the constants); with
``--hypothesis-show-statistics`` the events show what the examples covered.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

import cdk8s
import kubernetes_validate
import kubernetes_validate.utils
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from oauth_ingress_construct import (
    ClientTrafficPolicyWarning,
    ConfigurationError,
    EnvoyGateway,
    GatewayRef,
    OAuth2Proxy,
    PathType,
    ProtectedApp,
    ServiceRef,
)
from oauth_ingress_construct import pulumi as pulumi_front_end
from oauth_ingress_construct._targets.envoy_gateway import (
    ENVOY_DROPS_DENIED_HEADERS,
    ENVOY_OF_EG,
    IDENTITY_HEADERS,
)
from tests.gateway_validation import validate_gateway_objects

from . import strategies as s
from .conftest import synth
from .crds import CRD_FILES, check_against_crd
from .kube_names import check_names

#: Example counts per property; with ``derandomize`` the same examples run every time.
VALID_EXAMPLES = 60
PULUMI_EXAMPLES = 15
HOSTILE_EXAMPLES_PER_FIELD = 25

SCHEMA_VERSIONS = ("1.28.0", kubernetes_validate.latest_version())
GATEWAY_GROUPS = ("gateway.networking.k8s.io/", "gateway.envoyproxy.io/")
COMMON: dict[str, Any] = {
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

#: Every release of the table whose Envoy is not refused, written both ways.
ACCEPTED_VERSIONS = sorted(
    (v for v, envoy in ENVOY_OF_EG.items() if envoy not in ENVOY_DROPS_DENIED_HEADERS),
    key=lambda v: tuple(map(int, v.split("."))),
)
EG_VERSION = st.sampled_from(ACCEPTED_VERSIONS).flatmap(lambda v: st.sampled_from([v, "v" + v]))
NAMESPACES = ("apps", "web", "auth", "team-b")


pytestmark = pytest.mark.usefixtures("cached_schemas")


# --- (a) valid programs --------------------------------------------------------------------


@dataclass(frozen=True)
class ProxyConfig:
    resource: str
    kwargs: dict[str, Any]


@dataclass(frozen=True)
class AppConfig:
    resource: str
    proxy: int | None  # index of the shared proxy, or None for an own proxy
    kwargs: dict[str, Any]


@dataclass(frozen=True)
class Program:
    proxies: tuple[ProxyConfig, ...]
    apps: tuple[AppConfig, ...]


@st.composite
def controllers(draw: st.DrawFn) -> list[EnvoyGateway]:
    """Envoy Gateway descriptions of one to four distinct listeners.

    A Gateway may be named whole (no ``section_name``) and by listeners in one program; each
    host is served on one of them (see :func:`programs`). One Envoy Gateway install: its
    Envoy proxies run in one namespace, which a shared proxy's NetworkPolicy admits (an app
    checking from another is refused: tests/test_wiring.py).
    """
    envoy_namespace = draw(st.sampled_from(["envoy-gateway-system", "infra"]))
    gateways = draw(
        st.lists(
            st.tuples(st.sampled_from(["eg", "edge.a"]), st.sampled_from(["infra", "gw"])),
            min_size=1,
            max_size=2,
            unique=True,
        )
    )
    found = []
    for name, namespace in gateways:
        sections = draw(
            st.lists(
                st.sampled_from([None, "https", "internal", "l.2"]),
                min_size=1,
                max_size=2,
                unique=True,
            )
        )
        for section in sections:
            found.append(
                EnvoyGateway(
                    gateway=GatewayRef(name, namespace, section_name=section),
                    version=draw(EG_VERSION),
                    client_traffic_policy=draw(st.booleans()),
                    response_override_401=draw(st.booleans()),
                    envoy_namespace=envoy_namespace,
                )
            )
    return found


@st.composite
def programs(draw: st.DrawFn) -> Program:
    domain = draw(s.DOMAIN)
    listeners = draw(controllers())
    proxies = []
    # One listener per host: the proxy's /oauth2 route of a host lives on one listener.
    host_listener: dict[str, EnvoyGateway] = {}
    for i in range(draw(st.integers(min_value=0, max_value=2))):
        provider = draw(s.PROVIDER)
        kwargs: dict[str, Any] = {
            "name": f"sp{i}-{draw(s.LABEL)}"[:40].rstrip("-"),
            "host": f"auth{i}.{domain}",
            "namespace": draw(st.sampled_from(NAMESPACES)),
            "provider": provider,
            "controller": draw(st.sampled_from(listeners)),
            "replicas": draw(st.integers(min_value=1, max_value=3)),
            "allowed_groups": draw(s.lists(s.GROUP)),
            "set_authorization_header": provider.issues_id_token and draw(st.booleans()),
            "network_policy": draw(st.booleans()),
        }
        if s.needs_opt_in(provider) and not kwargs["allowed_groups"]:
            kwargs["allow_any_account"] = True
        proxies.append(ProxyConfig(resource=f"Proxy{i}", kwargs=kwargs))
        host_listener[kwargs["host"]] = kwargs["controller"]
    hosts = draw(s.lists(s.LABEL, 3))
    apps = []
    for i in range(draw(st.integers(min_value=1, max_value=4))):
        # Paths distinct even with a trailing '/' (a PathPrefix ignores it), none under
        # '/oauth2'; the first app's may be anything else ('/' too), the others' are under
        # '/x<i>-', so no two apps collide.
        mine = draw(
            st.lists(
                s.PATH.filter(lambda p: not p.startswith(("/oauth2", "/x"))),
                min_size=1,
                max_size=3,
                unique_by=lambda p: p.rstrip("/") or "/",
            )
        )
        if i:
            mine = [f"/x{i}-{p[1:]}" if p != "/" else f"/x{i}" for p in mine]
            mine = list({p.rstrip("/"): p for p in mine}.values())
        shared = (
            draw(st.none() | st.integers(min_value=0, max_value=len(proxies) - 1))
            if proxies
            else None
        )
        kwargs = {
            "name": f"a{i}-{draw(s.LABEL)}"[:40].rstrip("-"),
            "namespace": draw(st.sampled_from(NAMESPACES)),
            "backend": ServiceRef(draw(s.SERVICE_NAME), draw(s.PORT)),
            "paths": mine,
            "path_type": draw(st.sampled_from(PathType)),
            "response_headers": draw(s.lists(s.RESPONSE_HEADER, 4)),
        }
        if shared is None:
            provider = draw(s.PROVIDER)
            kwargs["provider"] = provider
            if s.needs_opt_in(provider):
                kwargs["allow_any_account"] = True
            kwargs["host"] = f"own{i}.{domain}"
            authorization = provider.issues_id_token
        else:
            # hosts of one shared proxy are its own: two proxies on one host would both
            # route its /oauth2 (refused)
            proxy = proxies[shared].kwargs
            kwargs["host"] = draw(
                st.sampled_from(
                    [
                        *(f"{h}.p{shared}.{domain}" for h in hosts),
                        proxy["host"],
                        f"*.p{shared}.{domain}",
                    ]
                )
            )
            authorization = bool(proxy["set_authorization_header"])
        controller = host_listener.setdefault(kwargs["host"], draw(st.sampled_from(listeners)))
        kwargs["controller"] = controller
        kwargs["pass_through_401"] = not controller.response_override_401 and draw(st.booleans())
        kwargs["pass_authorization_header"] = authorization and draw(st.booleans())
        apps.append(AppConfig(resource=f"App{i}", proxy=shared, kwargs=kwargs))
    return Program(proxies=tuple(proxies), apps=tuple(apps))


def build_cdk8s(program: Program) -> tuple[cdk8s.Chart, list[ProtectedApp]]:
    app = cdk8s.App()
    chart = cdk8s.Chart(app, "props", disable_resource_name_hashes=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ClientTrafficPolicyWarning)
        proxies = [OAuth2Proxy(chart, p.resource, **p.kwargs) for p in program.proxies]
        apps = [
            ProtectedApp(
                chart, a.resource, proxy=None if a.proxy is None else proxies[a.proxy], **a.kwargs
            )
            for a in program.apps
        ]
    return chart, apps


def construct_objects(construct: Any) -> list[dict[str, Any]]:
    """The ApiObjects a construct made (its own and the shared ones it emitted)."""
    return [c.to_json() for c in construct.node.children if isinstance(c, cdk8s.ApiObject)]


def _key(obj: dict[str, Any]) -> tuple[str, str, str]:
    return (obj["kind"], obj["metadata"]["namespace"], obj["metadata"]["name"])


def check_invariants(program: Program, apps: list[ProtectedApp], objects: list[dict]) -> None:
    """What must hold of every valid program's objects."""
    by_key = {_key(o): o for o in objects}
    assert len(by_key) == len(objects), "two objects of one kind, namespace and name"
    check_names(objects)  # every name, namespace and label: as the API server accepts them
    for obj in objects:  # every Gateway object: as its CRD (Envoy Gateway v1.9.0) accepts it
        if obj["kind"] in CRD_FILES:
            check_against_crd(obj)
    routes = [o for o in objects if o["kind"] == "HTTPRoute"]

    # 1. every SecurityPolicy targets an HTTPRoute of its name and namespace, of its app
    for protected in apps:
        own = construct_objects(protected)
        for policy in (o for o in own if o["kind"] == "SecurityPolicy"):
            meta = policy["metadata"]
            assert policy["spec"]["targetRefs"] == [
                {"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": meta["name"]}
            ]
            assert ("HTTPRoute", meta["namespace"], meta["name"]) in {_key(o) for o in own}

    # 2. every reference to another namespace is admitted by a ReferenceGrant there
    grants = [o for o in objects if o["kind"] == "ReferenceGrant"]
    references = [
        (("gateway.envoyproxy.io", "SecurityPolicy"), o, ref)
        for o in objects
        if o["kind"] == "SecurityPolicy"
        for ref in o["spec"]["extAuth"]["http"]["backendRefs"]
    ] + [
        (("gateway.networking.k8s.io", "HTTPRoute"), o, ref)
        for o in routes
        for rule in o["spec"]["rules"]
        for ref in rule["backendRefs"]
    ]
    for (group, kind), source, ref in references:
        namespace = source["metadata"]["namespace"]
        if ref.get("namespace", namespace) == namespace:
            continue
        event("cross-namespace reference")
        admitting = [
            g
            for g in grants
            if g["metadata"]["namespace"] == ref["namespace"]
            and {"group": group, "kind": kind, "namespace": namespace} in g["spec"]["from"]
            and {"group": "", "kind": "Service", "name": ref["name"]} in g["spec"]["to"]
        ]
        assert admitting, (kind, source["metadata"], ref)

    # 3. every app host other than its proxy's has exactly one /oauth2 route, to that proxy
    for protected, config in zip(apps, program.apps, strict=True):
        proxy = protected.proxy
        if config.kwargs["host"] == proxy.host:
            continue
        event("app on another host than its proxy")
        oauth2 = [
            r
            for r in routes
            if r["spec"]["hostnames"] == [config.kwargs["host"]]
            and {"path": {"type": "PathPrefix", "value": "/oauth2"}}
            in r["spec"]["rules"][0]["matches"]
        ]
        assert len(oauth2) == 1, (config.kwargs["host"], oauth2)
        assert oauth2[0]["spec"]["rules"][0]["backendRefs"][0]["name"] == proxy.name
        assert oauth2[0]["spec"]["parentRefs"] == [config.kwargs["controller"].gateway.parent_ref()]

    # 4. forged identity headers are removed on the app's listener before ext_authz
    policies = [o for o in objects if o["kind"] == "ClientTrafficPolicy"]
    for protected, config in zip(apps, program.apps, strict=True):
        controller: EnvoyGateway = config.kwargs["controller"]
        if not controller.client_traffic_policy:
            continue
        gateway = controller.gateway
        mine = [
            p
            for p in policies
            if p["metadata"]["namespace"] == gateway.namespace
            and p["spec"]["targetRefs"] == [gateway.target_ref()]
        ]
        assert len(mine) == 1, gateway
        removed = {h.lower() for h in mine[0]["spec"]["headers"]["earlyRequestHeaders"]["remove"]}
        own = construct_objects(protected)
        (policy,) = (o for o in own if o["kind"] == "SecurityPolicy")
        to_backend = policy["spec"]["extAuth"]["http"]["headersToBackend"]
        identity = {h.lower() for h in to_backend if h.lower().startswith("x-auth-request-")}
        assert identity <= removed, (identity - removed, gateway)
        # and every identity header oauth2-proxy can set, whatever the app asked for
        assert removed == {h.lower() for h in IDENTITY_HEADERS}, gateway

    # 5. no two route matches of the program on one listener, host, path type and path; a
    # route on a whole Gateway (no sectionName) is on each of its listeners
    seen: dict[tuple[Any, ...], list[tuple[str | None, str]]] = {}
    for route in routes:
        for parent in route["spec"]["parentRefs"]:
            for host in route["spec"]["hostnames"]:
                for match in route["spec"]["rules"][0]["matches"]:
                    kind, value = match["path"]["type"], match["path"]["value"]
                    if kind == "PathPrefix":  # a trailing '/' is ignored (see _envoy_gateway)
                        value = value.rstrip("/") or "/"
                    key = (parent["namespace"], parent["name"], host, kind, value)
                    section = parent.get("sectionName")
                    for other, name in seen.get(key, []):
                        assert None not in (section, other), (key, name)
                        assert section != other, (key, name)
                    seen.setdefault(key, []).append((section, route["metadata"]["name"]))


@settings(max_examples=VALID_EXAMPLES, deadline=None, **COMMON)
@given(program=programs())
def test_valid_envoy_programs_synthesize_validate_and_keep_the_invariants(program: Program) -> None:
    chart, apps = build_cdk8s(program)
    event(f"apps: {len(program.apps)}, shared proxies: {len(program.proxies)}")
    for a in program.apps:
        event("proxy: own" if a.proxy is None else "proxy: shared")
        event(f"section_name: {a.kwargs['controller'].gateway.section_name is not None}")
        event(f"client_traffic_policy: {a.kwargs['controller'].client_traffic_policy}")
    objects = synth(chart)
    gateway_objects = [o for o in objects if o["apiVersion"].startswith(GATEWAY_GROUPS)]
    validate_gateway_objects(gateway_objects)
    for obj in objects:
        if obj in gateway_objects:
            continue
        for version in SCHEMA_VERSIONS:
            kubernetes_validate.validate(obj, version, strict=True)
    assert not [o for o in objects if o["kind"] == "Ingress"]
    check_invariants(program, apps, objects)


# --- (b) the Pulumi front end gives the same manifests ---------------------------------------


def build_pulumi(program: Program) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ClientTrafficPolicyWarning)
        proxies = [pulumi_front_end.OAuth2Proxy(p.resource, **p.kwargs) for p in program.proxies]
        for a in program.apps:
            pulumi_front_end.ProtectedApp(
                a.resource, proxy=None if a.proxy is None else proxies[a.proxy], **a.kwargs
            )


@settings(max_examples=PULUMI_EXAMPLES, deadline=None, **COMMON)
@given(program=programs())
def test_the_pulumi_front_end_registers_the_cdk8s_manifests(program: Program) -> None:
    from tests.test_pulumi import Program as PulumiProgram
    from tests.test_pulumi import by_kind_and_name

    _, apps = build_cdk8s(program)
    chart = apps[0].node.scope
    assert chart is not None
    expected = by_kind_and_name(
        [
            obj
            for construct in chart.node.find_all()
            if isinstance(construct, (OAuth2Proxy, ProtectedApp))
            for obj in construct_objects(construct)
        ]
    )
    run = PulumiProgram()
    run.run(lambda: build_pulumi(program))
    actual = by_kind_and_name(run.kubernetes_inputs())
    assert sorted(actual) == sorted(expected)
    for key, manifest in expected.items():
        assert actual[key] == manifest, key


# --- (c) hostile and ill-typed fields of EnvoyGateway and GatewayRef ------------------------

NAME = s.SUBDOMAIN_NAME

#: field label -> (valid values, how to build with one value)
FIELDS: dict[str, tuple[st.SearchStrategy[str], Any]] = {
    "GatewayRef.name": (NAME, lambda v: GatewayRef(v, "infra")),
    "GatewayRef.namespace": (s.LABEL, lambda v: GatewayRef("eg", v)),
    "GatewayRef.section_name": (NAME, lambda v: GatewayRef("eg", "infra", section_name=v)),
    "version": (EG_VERSION, lambda v: EnvoyGateway(gateway=GatewayRef("eg", "infra"), version=v)),
    "envoy_version": (
        st.sampled_from(["1.37.1", "v1.36.2", "1.39.0"]),
        lambda v: EnvoyGateway(gateway=GatewayRef("eg", "infra"), envoy_version=v),
    ),
    "envoy_namespace": (
        s.LABEL,
        lambda v: EnvoyGateway(gateway=GatewayRef("eg", "infra"), envoy_namespace=v),
    ),
}


@pytest.mark.parametrize("label", sorted(FIELDS))
@settings(max_examples=HOSTILE_EXAMPLES_PER_FIELD, deadline=None, **COMMON)
@given(data=st.data())
def test_hostile_gateway_fields_are_refused_naming_the_field(
    label: str, data: st.DataObject
) -> None:
    valid, make = FIELDS[label]
    make(data.draw(valid, label="valid"))  # the unspliced value is accepted
    bad = data.draw(s.spliced(valid), label="bad")
    with pytest.raises(ConfigurationError) as raised:
        make(bad)
    message = str(raised.value)
    assert message.startswith((label + " ", label + ":")), message
    assert repr(bad) in message, message


ILL_TYPED = (1, 1.5, True, b"eg", ["eg"], {"eg": 1}, ("eg",))
BOOLEAN_FIELDS = ("client_traffic_policy", "response_override_401")


@pytest.mark.parametrize("label", sorted(FIELDS))
@settings(max_examples=len(ILL_TYPED) * 2, deadline=None, **COMMON)
@given(value=st.sampled_from(ILL_TYPED))
def test_ill_typed_gateway_fields_are_refused_naming_the_field(label: str, value: Any) -> None:
    _, make = FIELDS[label]
    with pytest.raises(ConfigurationError, match=rf"^{re.escape(label)}[ :]"):
        make(value)


@pytest.mark.parametrize("label", sorted(FIELDS))
@settings(max_examples=5, deadline=None, **COMMON)
@given(data=st.data())
def test_a_lying_str_subclass_is_kept_as_the_plain_str_it_holds(
    label: str, data: st.DataObject
) -> None:
    valid, make = FIELDS[label]
    value = data.draw(valid)
    made = make(s.LyingStr(value))
    target = (
        made.gateway if label.startswith("GatewayRef.") and isinstance(made, EnvoyGateway) else made
    )
    kept = getattr(target, label.rsplit(".", 1)[-1])
    assert type(kept) is str
    assert kept in (value, value.removeprefix("v"), f"{value.removeprefix('v')}.0")


@pytest.mark.parametrize("label", BOOLEAN_FIELDS)
@given(value=st.sampled_from([None, 0, 1, "True", "false", [True]]))
@settings(max_examples=6, deadline=None, **COMMON)
def test_non_boolean_switches_are_refused_naming_the_field(label: str, value: Any) -> None:
    with pytest.raises(ConfigurationError, match=f"^{label} "):
        EnvoyGateway(gateway=GatewayRef("eg", "infra"), **{label: value})


@given(gateway=st.sampled_from([None, "eg", ("eg", "infra"), {"name": "eg"}]))
@settings(max_examples=4, deadline=None, **COMMON)
def test_a_gateway_that_is_not_a_gateway_ref_is_refused(gateway: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"^gateway "):
        EnvoyGateway(gateway=gateway)
