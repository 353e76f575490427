"""The Gateway API / Envoy Gateway schema checks accept the intended objects and refuse faults."""

from __future__ import annotations

import copy
import re

import pytest

from tests import envoy_fixtures as fx
from tests.gateway_validation import GatewaySchemaError, validate_gateway_objects

ALL_FIXTURES = [
    *fx.standard_objects(),
    fx.reference_grant(api_version="gateway.networking.k8s.io/v1"),
    fx.security_policy(path_override="/"),
    fx.app_route(paths=(("Exact", "/a"), ("PathPrefix", "/b"))),
    fx.backend_traffic_policy_401(),
]


@pytest.mark.parametrize("obj", ALL_FIXTURES, ids=lambda o: f"{o['kind']}-{o['metadata']['name']}")
def test_the_fixtures_are_valid(obj):
    validate_gateway_objects([obj])


def test_fails_on_a_broken_httproute():
    route = fx.app_route()
    route["spec"]["rules"][0]["matches"][0]["path"]["type"] = "Prefix"  # Gateway API: PathPrefix
    with pytest.raises(
        GatewaySchemaError, match=r"HTTPRoute 'app': /spec/rules/0/matches/0/path/type"
    ):
        validate_gateway_objects([route])


def test_fails_on_an_httproute_port_out_of_range():
    route = fx.app_route(service=("app", 70000))
    with pytest.raises(GatewaySchemaError, match=r"backendRefs/0/port: must be <= 65535"):
        validate_gateway_objects([route])


def test_fails_on_a_reference_grant_without_to():
    grant = fx.reference_grant()
    del grant["spec"]["to"]
    with pytest.raises(
        GatewaySchemaError, match=r"ReferenceGrant .*must have required property '?to'?"
    ):
        validate_gateway_objects([grant])


def test_fails_on_a_security_policy_with_an_unknown_field():
    policy = fx.security_policy()
    policy["spec"]["extAuth"]["http"]["headersToClient"] = ["location"]  # not in Envoy Gateway
    with pytest.raises(GatewaySchemaError, match=re.escape("'headersToClient' was unexpected")):
        validate_gateway_objects([policy])


def test_fails_on_a_security_policy_with_path_and_path_override():
    policy = fx.security_policy(path="/", path_override="/")
    with pytest.raises(
        GatewaySchemaError, match=r"SecurityPolicy 'app-oauth2': /spec/extAuth/http"
    ):
        validate_gateway_objects([policy])


def test_fails_on_a_client_traffic_policy_targeting_a_route():
    policy = copy.deepcopy(fx.client_traffic_policy())
    policy["spec"]["targetRefs"][0]["kind"] = "HTTPRoute"
    with pytest.raises(GatewaySchemaError, match=r"targetRefs/0/kind: 'HTTPRoute' is not one of"):
        validate_gateway_objects([policy])


def test_fails_on_a_kind_without_schema():
    with pytest.raises(GatewaySchemaError, match=r"v1/Service 'x': no schema for this kind"):
        validate_gateway_objects(
            [{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}}]
        )
