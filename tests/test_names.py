"""Names derived from other names are valid, bounded and never the same for two inputs.

The derived names (``_targets/envoy_gateway.py``): the ClientTrafficPolicy of a Gateway or
listener, the proxy's ``/oauth2`` HTTPRoute on an app's host, the ReferenceGrant
``<app-namespace>.<app>``; the own proxy's ``<app>-oauth2-proxy`` (``_core/appspec.py``).
Every other name is one the user gave, checked as such. The properties of
tests/test_properties.py and tests/test_envoy_properties.py check every name, namespace and
label of every object of random valid programs against the API server's rules
(tests/kube_names.py); here: the name functions over arbitrary valid inputs, and the
programs of issue 18 that got one object for two.
"""

from __future__ import annotations

import types
from typing import Any

import cdk8s
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from oauth_ingress_construct import (
    ConfigurationError,
    EnvoyGateway,
    GatewayRef,
    OAuth2Proxy,
    ProtectedApp,
    Provider,
    ServiceRef,
)
from oauth_ingress_construct import pulumi as pulumi_front_end
from oauth_ingress_construct._core.inventory import Inventory
from oauth_ingress_construct._core.validation import check_dns_subdomain
from oauth_ingress_construct._targets.envoy_gateway import (
    client_traffic_policy_name,
    oauth2_route_name,
)

from .conftest import find, synth
from .kube_names import DNS1123_LABEL, check_names, is_subdomain
from .test_pulumi import Program

OIDC = Provider.oidc(issuer_url="https://login.example.com/realms/example")
COMMON: dict[str, Any] = {"derandomize": True, "database": None, "deadline": None}

#: Pieces that make names collide when joined naively: separators inside names, the
#: policy suffix, 'wildcard', long labels.
PIECES = st.sampled_from(
    ["eg", "https", "eg-https", "identity", "headers", "identity-headers", "a", "b", "a-b",
     "wildcard", "x1", "0", "9f", "l" * 63, "m" * 40]
)  # fmt: skip


@st.composite
def dns_names(draw: st.DrawFn, max_len: int = 253) -> str:
    """A DNS-1123 subdomain as the package accepts it (labels of at most 63), often awkward."""
    labels = draw(
        st.lists(
            st.lists(PIECES, min_size=1, max_size=4).map("-".join).map(lambda s: s[:63]),
            min_size=1,
            max_size=6,
        )
    )
    name = ".".join(label.strip("-") for label in labels)[:max_len].rstrip(".-")
    try:
        return check_dns_subdomain("name", name)
    except ConfigurationError:
        assume(False)
        raise


LONG_GATEWAY = ".".join(["g" * 63] * 3 + ["g" * 50])

GATEWAY_REFS = st.builds(
    lambda name, section: GatewayRef(name, "infra", section_name=section),
    dns_names(),
    st.none() | dns_names(),
)


# --- the ClientTrafficPolicy of a Gateway or listener --------------------------------------


def _ref(name: str, section: str | None) -> GatewayRef | None:
    try:
        return GatewayRef(name, "infra", section_name=section)
    except ConfigurationError:
        return None


@st.composite
def gateway_refs(draw: st.DrawFn) -> list[GatewayRef]:
    """Random Gateways and listeners, and the ones whose names join into the same text.

    From one list of pieces: the whole Gateway ``a-b-c`` and each split of it into a Gateway
    and a listener (``a`` + ``b-c``, ``a-b`` + ``c``), each also with a long Gateway name.
    """
    refs = draw(st.lists(GATEWAY_REFS, max_size=4))
    pieces = draw(st.lists(PIECES, min_size=2, max_size=4))
    prefix = draw(st.sampled_from(["", LONG_GATEWAY[:200] + "."]))
    candidates: list[tuple[str, str | None]] = [(prefix + "-".join(pieces), None)]
    candidates += [
        (prefix + "-".join(pieces[:k]), "-".join(pieces[k:])) for k in range(1, len(pieces))
    ]
    refs += [r for r in (_ref(n, sec) for n, sec in candidates) if r is not None]
    unique = {(r.name, r.section_name): r for r in refs}
    assume(len(unique) >= 2)
    return list(unique.values())


@settings(max_examples=300, **COMMON)
@given(refs=gateway_refs())
def test_client_traffic_policy_names_are_valid_and_injective(refs: list[GatewayRef]):
    names = [client_traffic_policy_name(g) for g in refs]
    assert all(is_subdomain(n) for n in names), names
    assert len(set(names)) == len(names), list(zip(refs, names, strict=True))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (GatewayRef("eg-https", "infra"), GatewayRef("eg", "infra", section_name="https")),
        (GatewayRef("eg", "infra", "a-b"), GatewayRef("eg-a", "infra", section_name="b")),
        (GatewayRef("g" * 63, "infra"), GatewayRef("g" * 63 + "." + "g" * 63, "infra")),
        (  # a long Gateway name: cut to 253 characters, two listeners became one name
            GatewayRef(LONG_GATEWAY, "infra", section_name="abcdefghijkl-one"),
            GatewayRef(LONG_GATEWAY, "infra", section_name="abcdefghijkl-two"),
        ),
    ],
)
def test_client_traffic_policy_names_of_issue_18_differ(first: GatewayRef, second: GatewayRef):
    assert client_traffic_policy_name(first) != client_traffic_policy_name(second)
    assert all(is_subdomain(client_traffic_policy_name(g)) for g in (first, second))


def test_plain_policy_names_are_kept_where_they_cannot_collide():
    assert client_traffic_policy_name(GatewayRef("eg", "infra")) == "eg-identity-headers"
    assert (
        client_traffic_policy_name(GatewayRef("eg", "infra", section_name="https"))
        == "eg-https-identity-headers"
    )
    hashed = client_traffic_policy_name(GatewayRef("eg-https", "infra"))
    assert hashed.startswith("eg-https-identity-headers-")
    assert len(hashed) == len("eg-https-identity-headers-") + 10


def test_two_gateways_that_shared_a_policy_name_each_get_their_policy():
    chart = cdk8s.Chart(cdk8s.App(), "t", namespace="apps", disable_resource_name_hashes=True)
    whole = EnvoyGateway(gateway=GatewayRef("eg-https", "infra"))
    listener = EnvoyGateway(gateway=GatewayRef("eg", "infra", section_name="https"))
    for id, controller, host in (
        ("One", whole, "one.example.com"),
        ("Two", listener, "two.example.com"),
    ):
        ProtectedApp(
            chart, id, host=host, backend=ServiceRef("b", 80), provider=OIDC, controller=controller
        )
    objects = synth(chart)
    policies = {
        o["metadata"]["name"]: o["spec"]["targetRefs"]
        for o in objects
        if o["kind"] == "ClientTrafficPolicy"
    }
    assert sorted(policies.values(), key=str) == sorted(
        [[whole.gateway.target_ref()], [listener.gateway.target_ref()]], key=str
    )
    check_names(objects)


# --- the proxy's /oauth2 route on an app's host ---------------------------------------------

PROXY_NAMES = st.one_of(
    st.sampled_from(["auth", "auth-wildcard", "a", "p" * 63]),
    st.from_regex(r"[a-z]([a-z0-9-]{0,61}[a-z0-9])?", fullmatch=True),
)


@st.composite
def hosts(draw: st.DrawFn) -> str:
    host = draw(dns_names(max_len=251))
    assume("." in host)
    return ("*." + host) if draw(st.booleans()) else host


def _proxy(name: str) -> Any:
    return types.SimpleNamespace(name=name)


@settings(max_examples=300, **COMMON)
@given(pairs=st.lists(st.tuples(PROXY_NAMES, hosts()), min_size=2, max_size=8, unique=True))
def test_oauth2_route_names_are_valid_and_injective(pairs: list[tuple[str, str]]):
    names = [oauth2_route_name(_proxy(p), h) for p, h in pairs]
    for name in names:
        assert is_subdomain(name), name
        # never a DNS label: app routes (and the proxy's own) of that namespace are one
        assert not DNS1123_LABEL.fullmatch(name), name
    assert len(set(names)) == len(names), list(zip(pairs, names, strict=True))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("auth", "*.example.com"), ("auth", "wildcard.example.com")),
        (("auth", "*.example.com"), ("auth-wildcard", "example.com")),
        (("auth", "a.b.example.com"), ("auth", "a-b.example.com")),
    ],
)
def test_oauth2_route_names_of_issue_18_differ(first, second):
    assert oauth2_route_name(_proxy(first[0]), first[1]) != oauth2_route_name(
        _proxy(second[0]), second[1]
    )


def test_plain_route_names_are_kept_for_literal_hosts():
    assert oauth2_route_name(_proxy("auth"), "dash.example.com") == "auth.dash.example.com"
    wildcard = oauth2_route_name(_proxy("auth"), "*.example.com")
    assert wildcard.startswith("auth.wildcard-example-com-")


def _two_hosts_program(front_end: str, hosts: tuple[str, str]) -> list[dict[str, Any]] | None:
    eg = EnvoyGateway(gateway=GatewayRef("eg", "infra", section_name="https"))
    proxy_args = {"host": "access.example.com", "namespace": "auth", "provider": OIDC}
    if front_end == "cdk8s":
        chart = cdk8s.Chart(cdk8s.App(), "t", namespace="apps", disable_resource_name_hashes=True)
        proxy = OAuth2Proxy(chart, "Auth", controller=eg, **proxy_args)
        for i, host in enumerate(hosts):
            ProtectedApp(
                chart, f"App{i}", host=host, backend=ServiceRef("b", 80), proxy=proxy, controller=eg
            )
        return synth(chart)

    def build() -> None:
        proxy = pulumi_front_end.OAuth2Proxy("auth", controller=eg, **proxy_args)
        for i, host in enumerate(hosts):
            pulumi_front_end.ProtectedApp(
                f"app{i}",
                host=host,
                namespace="apps",
                backend=ServiceRef("b", 80),
                proxy=proxy,
                controller=eg,
            )

    program = Program()
    program.run(build)
    return [dict(inputs) for inputs in program.kubernetes_inputs()]


LONG_HOST = ".".join(["h" * 63] * 3) + "." + "h" * 49 + ".example.com"


@pytest.mark.parametrize("front_end", ["cdk8s", "pulumi"])
@pytest.mark.parametrize(
    "hosts",
    [("*.example.com", "wildcard.example.com"), ("dash.example.com", LONG_HOST)],
    ids=["wildcard-and-literal", "long-host"],
)
def test_each_app_host_gets_its_own_valid_oauth2_route(front_end: str, hosts: tuple[str, str]):
    assert len(LONG_HOST) == 253
    objects = _two_hosts_program(front_end, hosts)
    routes = [
        o for o in objects if o["kind"] == "HTTPRoute" and o["metadata"]["namespace"] == "auth"
    ]
    by_host = {r["spec"]["hostnames"][0]: r["metadata"]["name"] for r in routes}
    assert set(by_host) == {"access.example.com", *hosts}
    assert len(set(by_host.values())) == 3
    check_names(objects)


# --- other derived names ------------------------------------------------------------------


@settings(max_examples=200, **COMMON)
@given(
    pairs=st.lists(
        st.tuples(
            st.from_regex(DNS1123_LABEL, fullmatch=True).map(lambda s: s[:63]),
            st.from_regex(r"[a-z]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True),
        ),
        min_size=2,
        max_size=6,
        unique=True,
    )
)
def test_reference_grant_names_are_valid_and_injective(pairs: list[tuple[str, str]]):
    # '<app-namespace>.<app>': two DNS labels (no '.'), so the name splits back into both
    assume(all(DNS1123_LABEL.fullmatch(ns) for ns, _ in pairs))
    names = [f"{ns}.{name}" for ns, name in pairs]
    assert all(is_subdomain(n) and len(n) <= 127 for n in names)
    assert len(set(names)) == len(names)


def test_the_reference_grant_is_named_from_the_app_namespace_and_name():
    chart = cdk8s.Chart(cdk8s.App(), "t", namespace="apps", disable_resource_name_hashes=True)
    eg = EnvoyGateway(gateway=GatewayRef("eg", "infra"))
    proxy = OAuth2Proxy(
        chart, "Auth", host="access.example.com", namespace="auth", provider=OIDC, controller=eg
    )
    ProtectedApp(
        chart,
        "App",
        name="a" * 63,
        namespace="n" * 63,
        host="d.example.com",
        backend=ServiceRef("b", 80),
        proxy=proxy,
        controller=eg,
    )
    objects = synth(chart)
    grant = find(objects, "ReferenceGrant", "n" * 63 + "." + "a" * 63)
    assert grant["metadata"]["namespace"] == "auth"
    check_names(objects)


def test_fails_on_an_own_proxy_named_like_another_proxy():
    # '<app>-oauth2-proxy' is the user's own name plus a suffix: two objects of one kind,
    # namespace and name are refused, never merged
    chart = cdk8s.Chart(cdk8s.App(), "t", namespace="apps", disable_resource_name_hashes=True)
    OAuth2Proxy(chart, "Auth", name="dash-oauth2-proxy", host="access.example.com", provider=OIDC)
    with pytest.raises(ConfigurationError, match=r"^name: a Deployment named 'dash-oauth2-proxy'"):
        ProtectedApp(
            chart, "Dash", host="dash.example.com", backend=ServiceRef("b", 80), provider=OIDC
        )


def test_fails_on_two_different_shared_objects_under_one_name():
    # the last line of defence behind the name functions: a shared object is emitted once
    # per kind, namespace and name, and another object under that name is refused
    inventory = Inventory()
    assert inventory.claim_shared("ClientTrafficPolicy", "infra", "p", lambda: "first", {"a": 1})
    assert not inventory.claim_shared("ClientTrafficPolicy", "infra", "p", lambda: "x", {"a": 1})
    with pytest.raises(ConfigurationError, match=r"other than the one first emitted"):
        inventory.claim_shared("ClientTrafficPolicy", "infra", "p", lambda: "x", {"a": 2})
