"""The target's own limits, read from the CRDs the API server enforces (tests/data/crds).

The package's bounds are compared with ``maxItems`` and the CEL rules of the vendored
CustomResourceDefinitions (Envoy Gateway v1.9.0's install: Gateway API v1.6.1 standard
channel and Envoy Gateway's own kinds), and every Gateway object the package emits, at the
largest inputs it accepts, is validated against those CRDs' schemas (types, enums, patterns,
``maxItems``, ``maxLength``) with the one cross-item CEL rule that bounds a route's matches.

The kinds that are not CRDs (Ingress, Deployment, Service, NetworkPolicy,
PodDisruptionBudget) have no list bounds in their OpenAPI schemas; their names and sizes are
checked by tests/test_names.py and the strict Kubernetes schemas of tests/test_schemas.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml

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
from oauth_ingress_construct._core.appspec import MAX_PATHS
from oauth_ingress_construct._core.identity import XAUTH_HEADERS
from oauth_ingress_construct._targets.envoy_gateway import (
    IDENTITY_HEADERS,
    MAX_MATCHES_PER_ROUTE,
    MAX_MATCHES_PER_RULE,
)

from .conftest import synth
from .crds import CRD_FILES, HTTPROUTE, check_against_crd, node, schema, total_matches_bound

ROOT = Path(__file__).resolve().parent.parent
OIDC = Provider.oidc(issuer_url="https://login.example.com/realms/example")


# --- the package's numbers against the CRDs' -----------------------------------------------


def test_a_rule_holds_at_most_the_crds_matches():
    assert node(HTTPROUTE(), "spec.rules.[].matches")["maxItems"] == MAX_MATCHES_PER_RULE


def test_a_route_holds_at_most_the_crds_total_of_matches():
    assert total_matches_bound() == MAX_MATCHES_PER_ROUTE
    rules = node(HTTPROUTE(), "spec.rules")["maxItems"]
    assert rules >= -(-MAX_MATCHES_PER_ROUTE // MAX_MATCHES_PER_RULE)


def test_the_core_path_limit_is_not_below_the_envoy_gateway_limit():
    # the core's bound (ingress-nginx: no list bound) is the larger; Envoy Gateway refuses more
    assert MAX_PATHS >= MAX_MATCHES_PER_ROUTE


def test_the_identity_headers_removed_fit_the_client_traffic_policy():
    remove = node(
        schema("ClientTrafficPolicy", "gateway.envoyproxy.io/v1alpha1"),
        "spec.headers.earlyRequestHeaders.remove",
    )
    assert remove["minItems"] <= len(IDENTITY_HEADERS) <= remove["maxItems"]


# --- the objects at the largest inputs ------------------------------------------------------


def longest_name(letter: str) -> str:
    """A DNS-1123 subdomain of 253 characters: three labels of 63 and one of 61."""
    return ".".join([letter * 63] * 3 + [letter * 61])


EG = EnvoyGateway(gateway=GatewayRef(longest_name("g"), "n" * 63, section_name=longest_name("s")))


def _paths(count: int) -> list[str]:
    # long, distinct, and no two equal once a PathPrefix's trailing '/' is ignored
    return [f"/{i:04d}" + "/x" * 500 for i in range(count)]


def _largest_program(path_type: PathType, paths: int) -> list[dict[str, Any]]:
    chart = cdk8s.Chart(cdk8s.App(), "limits", disable_resource_name_hashes=True)
    proxy = OAuth2Proxy(
        chart,
        "Auth",
        name="p" * 63,
        namespace="a" * 63,
        host="access." + "h" * 47 + ".example.com",
        provider=OIDC,
        controller=EG,
    )
    host = "*." + ".".join(["l" * 63] * 3) + "." + "h" * 47 + ".example.com"
    assert len(host) == 253
    ProtectedApp(
        chart,
        "App",
        name="q" * 63,
        namespace="b" * 63,
        host=host,
        backend=ServiceRef("s" * 63, 65535),
        proxy=proxy,
        paths=_paths(paths),
        path_type=path_type,
        controller=EG,
        # every header an app may ask for (those every proxy of the package sets)
        response_headers=[h for h, always in XAUTH_HEADERS.items() if always],
    )
    return synth(chart)


@pytest.mark.parametrize("path_type", list(PathType))
def test_the_largest_app_on_envoy_gateway_fits_every_crd(path_type: PathType):
    objects = _largest_program(path_type, MAX_MATCHES_PER_ROUTE)
    gateway = [o for o in objects if o["kind"] in CRD_FILES]
    assert {o["kind"] for o in gateway} == set(CRD_FILES)
    for obj in gateway:
        check_against_crd(obj)
    (route,) = [
        o for o in gateway if o["kind"] == "HTTPRoute" and o["metadata"]["name"] == "q" * 63
    ]
    rules = route["spec"]["rules"]
    assert [len(r["matches"]) for r in rules] == [MAX_MATCHES_PER_RULE, MAX_MATCHES_PER_RULE]
    assert [m["path"]["value"] for r in rules for m in r["matches"]] == _paths(
        MAX_MATCHES_PER_ROUTE
    )
    assert all(r["backendRefs"] == rules[0]["backendRefs"] for r in rules)


def test_a_route_of_65_paths_is_split_into_two_rules_that_fit():
    objects = _largest_program(PathType.PREFIX, MAX_MATCHES_PER_RULE + 1)
    (route,) = [
        o for o in objects if o["kind"] == "HTTPRoute" and o["metadata"]["name"] == "q" * 63
    ]
    assert [len(r["matches"]) for r in route["spec"]["rules"]] == [MAX_MATCHES_PER_RULE, 1]
    check_against_crd(route)


def test_fails_on_more_paths_than_one_route_holds():
    chart = cdk8s.Chart(cdk8s.App(), "limits", disable_resource_name_hashes=True)
    with pytest.raises(
        ConfigurationError,
        match=rf"^paths must be at most {MAX_MATCHES_PER_ROUTE} paths on Envoy Gateway \(the "
        r"HTTPRoute CRD's limit on the matches of one route\).*got '<129 paths>'",
    ):
        ProtectedApp(
            chart,
            "App",
            host="app.example.com",
            namespace="apps",
            backend=ServiceRef("app", 80),
            provider=OIDC,
            paths=_paths(MAX_MATCHES_PER_ROUTE + 1),
            controller=EnvoyGateway(gateway=GatewayRef("eg", "infra")),
        )


def test_ingress_nginx_still_takes_the_core_limit_of_paths():
    chart = cdk8s.Chart(cdk8s.App(), "limits", disable_resource_name_hashes=True)
    ProtectedApp(
        chart,
        "App",
        host="app.example.com",
        namespace="apps",
        backend=ServiceRef("app", 80),
        provider=OIDC,
        paths=[f"/{i:04d}" for i in range(MAX_PATHS)],
    )
    (ingress,) = [
        o for o in synth(chart) if o["kind"] == "Ingress" and o["metadata"]["name"] == "app"
    ]
    assert len(ingress["spec"]["rules"][0]["http"]["paths"]) == MAX_PATHS


def test_every_golden_gateway_object_fits_its_crd():
    checked = 0
    for path in sorted((ROOT / "dist").glob("*.k8s.yaml")):
        for obj in yaml.safe_load_all(path.read_text()):
            if obj and obj["kind"] in CRD_FILES:
                check_against_crd(obj)
                checked += 1
    assert checked >= 10


def test_the_crd_check_catches_a_route_over_the_limits():
    route = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "x", "namespace": "y"},
        "spec": {
            "rules": [
                {"matches": [{"path": {"type": "PathPrefix", "value": f"/{i}"}} for i in range(64)]}
                for _ in range(3)
            ]
        },
    }
    with pytest.raises(AssertionError):
        check_against_crd(route)  # 192 matches: over the CEL bound
    route["spec"]["rules"] = [
        {"matches": [{"path": {"type": "PathPrefix", "value": f"/{i}"}} for i in range(65)]}
    ]
    with pytest.raises(AssertionError, match="is too long"):
        check_against_crd(route)  # 65 matches in one rule: over maxItems
