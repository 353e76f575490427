"""The Envoy Gateway target: its description, its checks and its objects.

The app gets an ``HTTPRoute`` and a ``SecurityPolicy`` whose ``extAuth.http`` asks
oauth2-proxy about every request, under :data:`CHECK_PATH_PREFIX` (so that no request of an
app reaches an endpoint that answers without a session); the proxy runs with
``--upstream=static://200`` because Envoy's ext_authz allows only a 200 (oauth2-proxy's
``/oauth2/auth`` answers 202, a denial for Envoy). Facts, sources and the behaviour observed
on real Envoy: ``docs/envoy-gateway-facts.md``; the suite ``tests/test_envoy_behaviour.py``
runs these objects on real Envoy.

What browsers and API clients see (oauth2-proxy v7.15.3, ``oauthproxy.go`` ``Proxy``, line
1041 and on): signed in, the request reaches the backend with the ``X-Auth-Request-*``
headers; not signed in, a browser gets a 302 to the identity provider
(``--skip-provider-button``; the return URL travels in ``state``), and an API client
(``Accept: application/json``, or a path matching an ``--api-route`` given in
``extra_args``) gets 401 ``{}``. A backend's own 401 reaches the client untouched: ext_authz
never sees a backend response.

Its ``TARGET`` implements ``_core.target.Target`` with :func:`plan_app`,
:func:`app_manifests`, :func:`proxy_route`, plus :func:`proxy_mode` (what the proxy needs)
and :func:`shared_manifests` (objects emitted once per program).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from oauth_ingress_construct._core import identity
from oauth_ingress_construct._core.appspec import OAUTH2_PREFIX, AppSpec, check_outside_oauth2
from oauth_ingress_construct._core.flags import (
    ModeRule,
    is_true,
    matching_api_routes,
    refreshes,
)
from oauth_ingress_construct._core.inventory import Inventory, Owner
from oauth_ingress_construct._core.manifests import MAX_NAME, Manifest, hashed_name, manifest
from oauth_ingress_construct._core.sealed import recheck, sealed_value
from oauth_ingress_construct._core.target import (
    AppTarget,
    PassThroughStrategy,
    RouteClaim,
    TargetArguments,
)
from oauth_ingress_construct._core.validation import (
    ConfigurationError,
    check_dns_label,
    check_dns_subdomain,
    check_http_status_codes,
    check_version,
    fail,
    version_text,
)
from oauth_ingress_construct._core.warnings import warn_user
from oauth_ingress_construct._core.workload import SERVICE_PORT, ProxyMode, ProxySpec, proxy_labels

__all__ = [
    "CHECK_PATH_PREFIX",
    "ENVOY_OF_EG",
    "FIRST_EG_WITH",
    "FORWARDED_URI",
    "HEADERS_TO_EXT_AUTH",
    "IDENTITY_HEADERS",
    "MAX_MATCHES_PER_ROUTE",
    "MAX_MATCHES_PER_RULE",
    "TARGET",
    "ClientTrafficPolicyWarning",
    "EnvoyGateway",
    "GatewayPlan",
    "GatewayRef",
    "RouteClaim",
    "app_manifests",
    "plan_app",
    "proxy_mode",
    "proxy_route",
    "proxy_route_claim",
    "route_claims",
    "shared_manifests",
]

GATEWAY_API_GROUP = "gateway.networking.k8s.io"
ENVOY_GATEWAY_API = "gateway.envoyproxy.io/v1alpha1"

#: Envoy Gateway release -> the Envoy it runs by default: ``DefaultEnvoyProxyImage`` in
#: envoyproxy/gateway ``api/v1alpha1/shared_types.go`` at each tag (line 29 at v1.9.0); the
#: minor lines agree with ``site/content/en/news/releases/matrix.md``. An ``EnvoyProxy``
#: resource may run another image: ``EnvoyGateway(envoy_version=...)`` says so.
ENVOY_OF_EG: Mapping[str, str] = {
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
#: The newest release in :data:`ENVOY_OF_EG`, and the default ``version``.
NEWEST_EG = "1.9.0"
#: The oldest release this target is checked against (its API has every field used here).
MINIMUM_EG = (1, 4, 0)

#: API field (as a path) -> the first Envoy Gateway release whose API has it
#: (``api/v1alpha1/*_types.go`` at the release tags, ``release-notes/<tag>.yaml``).
FIRST_EG_WITH: Mapping[str, str] = {
    "SecurityPolicy.extAuth.http": "1.0.0",  # ext_auth_types.go HTTPExtAuthService
    "SecurityPolicy.extAuth.headersToExtAuth": "1.0.0",
    "SecurityPolicy.extAuth.http.headersToBackend": "1.0.0",
    "SecurityPolicy.extAuth.http.path": "1.0.0",  # a prefix, honoured since 1.0.1
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

#: The fields the objects of this module use: all in the API from :data:`MINIMUM_EG` on
#: (asserted by tests/test_envoy_gateway.py), so no version in range lacks one.
FIELDS_USED = (
    "SecurityPolicy.targetRefs",
    "SecurityPolicy.extAuth.http",
    "SecurityPolicy.extAuth.http.path",
    "SecurityPolicy.extAuth.http.backendRefs",
    "SecurityPolicy.extAuth.http.headersToBackend",
    "SecurityPolicy.extAuth.headersToExtAuth",
    "ClientTrafficPolicy.headers.earlyRequestHeaders",
)

#: Envoy releases whose HTTP ext_authz drops every header of a denied (non-200) answer,
#: ``Location`` and ``Set-Cookie`` included: envoyproxy/envoy #43475 (regression of 1.37.0,
#: from #41868), fixed by #43043 / back-port #43104 in 1.37.1 (``changelogs/1.37.1.yaml``);
#: envoyproxy/gateway #8202 (Envoy Gateway v1.7.0; v1.7.1 ships 1.37.1).
ENVOY_DROPS_DENIED_HEADERS = frozenset({"1.37.0"})

#: HTTPRoute limits of Gateway API v1.6.1 (the CRDs Envoy Gateway v1.9.0 installs:
#: ``charts/gateway-crds-helm/templates/standard-gatewayapi-crds.yaml``): ``spec.rules[].matches``
#: has ``maxItems: 64`` (line 10362), and a CEL rule on ``spec.rules`` keeps the matches of all
#: rules at most 128 (line 10481, "less than 128" in its message, ``<= 128`` in the rule).
#: An app's paths fill rules of :data:`MAX_MATCHES_PER_RULE`; tests/test_limits.py reads both
#: numbers from the vendored CRD.
MAX_MATCHES_PER_RULE = 64
MAX_MATCHES_PER_ROUTE = 128

#: Every identity header oauth2-proxy v7.15.3 can set but ``Authorization``
#: (``_core.identity``): what the ClientTrafficPolicy removes from client requests before
#: ext_authz runs, so a header the answer lacks is not the client's either.
IDENTITY_HEADERS = identity.IDENTITY_HEADERS
#: The path every check is sent under (SecurityPolicy ``extAuth.http.path``): Envoy asks for
#: ``<prefix><original path and query>`` (``http_service.path_prefix``, set from ``path`` in
#: envoyproxy/gateway ``internal/xds/translator/extauth.go`` line 190 at v1.9.0). Without a
#: prefix an app's own ``/ping``, ``/ready`` and ``/robots.txt`` reach oauth2-proxy's
#: health, readiness and robots handlers, which answer 200 before any session check
#: (v7.15.3 ``oauthproxy.go`` buildServeMux line 318 and buildPreAuthChain line 361;
#: ``pkg/middleware/healthcheck.go``, ``readynesscheck.go``), and Envoy takes the 200 as
#: "allowed". Under the prefix no check path is one of them: they are exact one-segment
#: paths, a check path has at least two segments, and the prefix is outside ``/oauth2``, so
#: every check reaches ``Proxy`` and its session check (docs/envoy-gateway-facts.md §7).
CHECK_PATH_PREFIX = "/_oauth2_check"
#: The request header that tells oauth2-proxy the original URI despite the prefix, set by
#: Envoy from the request's own path before any filter (ClientTrafficPolicy
#: ``earlyRequestHeaders.set``; the early header mutation evaluates Envoy's substitution
#: formatter): oauth2-proxy (``--reverse-proxy``) takes the return URL after sign-in and the
#: ``--api-route`` match from it (``pkg/requests/util/util.go`` GetRequestURI;
#: ``pkg/app/redirect/getters.go`` getURIRedirect). The Gateway overwrites a client's copy.
FORWARDED_URI = ("X-Forwarded-Uri", "%REQ(:PATH)%")
#: What oauth2-proxy must see of a request: the session cookie, ``Accept`` (JSON -> 401
#: instead of a redirect), the scheme and the original URI (set by the Gateway, see
#: :data:`FORWARDED_URI`). Never X-Forwarded-Host nor X-Auth-Request-Redirect: through them
#: a client could steer where sign-in returns to. ``Authorization`` needs no listing: Envoy
#: adds it (with Host, Method, Path, Content-Length) to every HTTP check
#: (envoyproxy/envoy ``api/envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto``,
#: ``ExtAuthz.allowed_headers``, note 1), so an API client's bearer token reaches
#: oauth2-proxy (``BearerTokens``; tests/test_envoy_behaviour.py observes it).
HEADERS_TO_EXT_AUTH = ("cookie", "accept", "x-forwarded-proto", "x-forwarded-uri")


def _key(version: str) -> tuple[int, int, int]:
    """A version of this module's tables as integers (the tables hold normalised spellings)."""
    return check_version("version", version, example="a version such as '1.9.0'")


class ClientTrafficPolicyWarning(UserWarning):
    """The Gateway is not this program's: its owner must remove forged identity headers.

    With ``EnvoyGateway(client_traffic_policy=False)`` nothing removes a client-sent
    ``X-Auth-Request-Groups`` that oauth2-proxy does not overwrite (a user without groups):
    the message names the ClientTrafficPolicy the Gateway's owner must apply.
    """


@sealed_value
@dataclass(frozen=True)
class GatewayRef:
    """A Gateway defined elsewhere, by name and namespace, optionally one of its listeners.

    :param name: the Gateway's name.
    :param namespace: the Gateway's namespace.
    :param section_name: Default: - every listener of the Gateway; else the listener's
        ``name`` (HTTPRoute ``parentRefs[].sectionName``).
    """

    name: str
    namespace: str
    section_name: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", check_dns_subdomain("GatewayRef.name", self.name))
        namespace = check_dns_label("GatewayRef.namespace", self.namespace)
        object.__setattr__(self, "namespace", namespace)
        if self.section_name is not None:
            section = check_dns_subdomain("GatewayRef.section_name", self.section_name)
            object.__setattr__(self, "section_name", section)

    def parent_ref(self) -> dict[str, str]:
        """The HTTPRoute ``parentRefs`` item: group, kind, name, namespace, sectionName."""
        ref = {"group": GATEWAY_API_GROUP, "kind": "Gateway", "name": self.name}
        ref["namespace"] = self.namespace
        if self.section_name is not None:
            ref["sectionName"] = self.section_name
        return ref

    def target_ref(self) -> dict[str, str]:
        """A policy's ``targetRefs`` item; the policy lives in the Gateway's namespace."""
        ref = self.parent_ref()
        del ref["namespace"]
        return ref

    def describe(self) -> str:
        section = f" listener {self.section_name!r}" if self.section_name else ""
        return f"Gateway {self.namespace}/{self.name}{section}"


@sealed_value
@dataclass(frozen=True)
class EnvoyGateway:
    """The Envoy Gateway install that serves the apps, and the Gateway they attach to.

    :param gateway: the Gateway the routes attach to. Its listeners must admit routes from
        the apps' and the proxy's namespaces (``allowedRoutes.namespaces``; Gateway API's
        default admits the Gateway's own namespace only).
    :param version: the Envoy Gateway release, ``"1.9.0"`` or ``"v1.8"`` (= v1.8.0, kept
        as ``"1.8.0"``: versions are read as integers of ASCII digits); v1.4.0 or newer. A
        release newer than this package's table is accepted with the newest known facts:
        the API fields used here only grow, and the one Envoy regression that breaks
        sign-in (1.37.0) is in one known release. Default: ``"1.9.0"``.
    :param envoy_version: the version of the Envoy image, when an ``EnvoyProxy`` resource
        pins one (``"1.37.1"``; like ``version`` read as integers, ASCII digits only, and
        kept normalised: ``"1.037.0"`` is Envoy 1.37.0). Default: - the Envoy that
        ``version`` ships.
    :param envoy_namespace: where the Envoy proxies run: the only namespace the
        oauth2-proxy NetworkPolicy admits. Default: ``"envoy-gateway-system"`` (the
        controller's namespace, where Envoy Gateway deploys them unless its
        ``GatewayNamespace`` mode puts them in the Gateway's namespace).
    :param response_override_401: whether a BackendTrafficPolicy ``responseOverride`` for
        401 applies to the apps' routes (it would replace a backend's own 401).
        Default: ``False``.
    :param client_traffic_policy: Default: ``True`` - the construct emits, once per Gateway
        listener, the ClientTrafficPolicy that removes client-sent identity headers. Envoy
        Gateway applies a single ClientTrafficPolicy per Gateway or listener (another one is
        marked Conflicted, and a listener's overrides the Gateway's), so pass ``False`` when
        the Gateway already has one, or is not yours: a :class:`ClientTrafficPolicyWarning`
        then says what its owner must add. With ``True``, a ClientTrafficPolicy of the
        user's in the same cdk8s App for the same Gateway or listener (or the whole Gateway
        against one of its listeners) fails the synth, naming both; with ``False``, such a
        policy fails the synth unless it removes every identity header.
    """

    gateway: GatewayRef
    version: str = NEWEST_EG
    envoy_version: str | None = None
    envoy_namespace: str = "envoy-gateway-system"
    response_override_401: bool = False
    client_traffic_policy: bool = True
    _version: tuple[int, int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        gateway = recheck(
            GatewayRef, "gateway", self.gateway, "a GatewayRef(name, namespace, section_name=None)"
        )
        object.__setattr__(self, "gateway", gateway)
        version = check_version(
            "version", self.version, example="an Envoy Gateway version such as '1.9.0' or 'v1.8'"
        )
        if version < MINIMUM_EG:
            fail(
                "version",
                self.version,
                "Envoy Gateway v1.4.0 or newer (the oldest release this target is checked "
                "against); upgrade Envoy Gateway",
            )
        object.__setattr__(self, "_version", version)
        object.__setattr__(self, "version", version_text(version))
        if self.envoy_version is not None:
            envoy = check_version(
                "envoy_version",
                self.envoy_version,
                example="an Envoy version such as '1.37.1'",
                patch=True,
            )
            object.__setattr__(self, "envoy_version", version_text(envoy))
        namespace = check_dns_label("envoy_namespace", self.envoy_namespace)
        object.__setattr__(self, "envoy_namespace", namespace)
        for name in ("response_override_401", "client_traffic_policy"):
            if not isinstance(getattr(self, name), bool):
                fail(name, getattr(self, name), "True or False")
        self._refuse_broken_envoy()

    def _refuse_broken_envoy(self) -> None:
        envoy = self.envoy
        if envoy not in ENVOY_DROPS_DENIED_HEADERS:
            return
        if self.envoy_version is not None:
            raise ConfigurationError(
                f"envoy_version: Envoy {envoy} drops every header of a denied ext_authz "
                "answer (envoyproxy/envoy #43475): the 302 to sign-in loses Location and its "
                "CSRF cookie, so nobody can sign in. Run Envoy 1.37.1 or newer (or 1.36.x)"
            )
        raise ConfigurationError(
            f"version: Envoy Gateway v{self.version} runs Envoy {envoy}, which drops every "
            "header of a denied ext_authz answer (envoyproxy/envoy #43475, "
            "envoyproxy/gateway #8202): the 302 to sign-in loses Location and its CSRF "
            "cookie, so nobody can sign in. Upgrade Envoy Gateway to v1.7.1 or newer, or, if "
            "an EnvoyProxy resource pins another Envoy image, name its version in "
            "envoy_version="
        )

    @property
    def envoy(self) -> str | None:
        """The Envoy version in effect, or ``None`` for a release newer than the table."""
        if self.envoy_version is not None:
            return self.envoy_version
        return ENVOY_OF_EG.get(self.version)

    @property
    def known(self) -> bool:
        """Whether ``version`` is in this package's table of releases."""
        return self.version in ENVOY_OF_EG

    def has(self, api_field: str) -> bool:
        """Whether this release's API has ``api_field`` (a key of :data:`FIRST_EG_WITH`)."""
        return self._version >= _key(FIRST_EG_WITH[api_field])

    def describe(self) -> str:
        """A one-line summary used in error messages."""
        envoy = self.envoy or "unknown"
        return f"Envoy Gateway v{self.version} (Envoy {envoy}) at {self.gateway.describe()}"


def proxy_mode(
    controller: EnvoyGateway,
    *,
    ingress_class_name: str = "nginx",
    tls_secret_name: str | None = None,
    ingress_controller_namespace: str = "ingress-nginx",
) -> ProxyMode:
    """What oauth2-proxy needs on Envoy Gateway; refuses the ingress-nginx settings.

    - ``--upstream=static://200``: Envoy allows only a 200;
    - ``--skip-provider-button=true``: a browser without a session gets a 302 to the identity
      provider, its URL in ``state`` (not the 403 sign-in page);
    - ``--redirect-url=/oauth2/callback``: a path only, so the callback comes back on the
      host the request came on (oauth2-proxy v7.15.3 ``oauthproxy.go``
      ``getOAuthRedirectURI``, lines 1113-1135: no host -> the request's host, https with
      ``--cookie-secure``), each app's own host for a shared proxy;
    - allowed flags whose value breaks this mode (:data:`FLAG_RULES`): a refreshing
      ``--cookie-refresh`` (a ``Set-Cookie`` sent with the check's 200 never reaches the
      client: Envoy Gateway sets no ``allowed_client_headers_on_success``; ``0s`` is fine),
      ``--force-json-errors=true`` and an ``--api-route`` matching every check (nothing
      turns oauth2-proxy's 401 into a sign-in on Envoy);
    - the NetworkPolicy admits the Envoy proxies' namespace.
    """
    if not isinstance(controller, EnvoyGateway):
        fail("controller", controller, "an EnvoyGateway(...) description")
    fixes = {
        "ingress_class_name": f"routes attach to {controller.gateway.describe()}",
        "tls_secret_name": "TLS is configured on the Gateway's listener (certificateRefs)",
        "ingress_controller_namespace": "the Envoy proxies' namespace is "
        f"EnvoyGateway(envoy_namespace={controller.envoy_namespace!r})",
    }
    for argument, value, default in (
        ("ingress_class_name", ingress_class_name, "nginx"),
        ("tls_secret_name", tls_secret_name, None),
        ("ingress_controller_namespace", ingress_controller_namespace, "ingress-nginx"),
    ):
        if value != default:
            fail(
                argument,
                value,
                f"unset on Envoy Gateway (an ingress-nginx setting): {fixes[argument]}",
            )
    return ProxyMode(
        upstream="static://200",
        redirect_url="/oauth2/callback",
        flags=("--skip-provider-button=true",),
        flag_rules=FLAG_RULES,
        peer_namespace=controller.envoy_namespace,
        api_routes=True,
    )


#: Values of allowed flags that break sign-in on Envoy Gateway, where ext_authz passes any
#: answer but a 200 to the client as it is (docs/envoy-gateway-facts.md §4).
FLAG_RULES = (
    ModeRule(
        "cookie-refresh",
        refreshes,
        "on Envoy Gateway the refreshed cookie, sent with the check's 200, never reaches the "
        "client (docs/envoy-gateway-facts.md §4); let sessions last --cookie-expire instead "
        "(--cookie-refresh=0s, no refresh, is fine)",
    ),
    ModeRule(
        "force-json-errors",
        is_true,
        "on Envoy Gateway every request without a session would get oauth2-proxy's 401, and "
        "nothing turns it into the sign-in (ingress-nginx's auth-signin does): browsers "
        "could never sign in. API clients get 401 already (Accept: application/json, or "
        "--api-route)",
    ),
    ModeRule(
        "api-route",
        # the URI oauth2-proxy sees of an app's root when X-Forwarded-Uri is missing (a
        # Gateway without the ClientTrafficPolicy): no pattern may match every check
        matching_api_routes(CHECK_PATH_PREFIX + "/"),
        f"on Envoy Gateway checks are sent under {CHECK_PATH_PREFIX}, and a pattern "
        "matching it matches every page: every browser would get 401 instead of the sign-in",
    ),
)


def _http_route(
    *,
    name: str,
    namespace: str,
    labels: Mapping[str, str],
    gateway: GatewayRef,
    host: str,
    matches: Sequence[tuple[str, str]],
    service: Mapping[str, Any],
) -> Manifest:
    return manifest(
        api_version=f"{GATEWAY_API_GROUP}/v1",
        kind="HTTPRoute",
        name=name,
        namespace=namespace,
        labels=labels,
        body={
            "spec": {
                "parentRefs": [gateway.parent_ref()],
                "hostnames": [host],
                # rules of at most MAX_MATCHES_PER_RULE matches, each to the same backend:
                # one route's matches, whichever rule holds them
                "rules": [
                    {
                        "matches": [
                            {"path": {"type": t, "value": v}}
                            for t, v in matches[at : at + MAX_MATCHES_PER_RULE]
                        ],
                        "backendRefs": [dict(service)],
                    }
                    for at in range(0, len(matches), MAX_MATCHES_PER_RULE)
                ],
            }
        },
    )


def _proxy_backend(proxy: ProxySpec, from_namespace: str) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": proxy.name}
    if proxy.namespace != from_namespace:
        ref["namespace"] = proxy.namespace
    ref["port"] = SERVICE_PORT
    return ref


def proxy_route(proxy: ProxySpec, controller: EnvoyGateway) -> Manifest:
    """The ``HTTPRoute`` serving ``/oauth2`` on the proxy's host, without any policy."""
    return _http_route(
        name=proxy.name,
        namespace=proxy.namespace,
        labels=proxy_labels(proxy),
        gateway=controller.gateway,
        host=proxy.host,
        matches=[("PathPrefix", "/oauth2")],
        service=_proxy_backend(proxy, proxy.namespace),
    )


@sealed_value
@dataclass(frozen=True)
class GatewayPlan:
    """What the app's objects on Envoy Gateway are made of, every choice made."""

    controller: EnvoyGateway
    #: ``NONE_NEEDED`` with ``pass_through_401`` (nothing intercepts a backend's 401).
    strategy: PassThroughStrategy | None
    #: A route for ``/oauth2`` on the app's host (the proxy signs in on another host).
    oauth2_route: bool
    #: A ReferenceGrant in the proxy's namespace (the app is in another namespace).
    reference_grant: bool


def _refuse(argument: str, value: object, fix: str) -> None:
    fail(argument, value, f"{fix} (on Envoy Gateway)")


def plan_app(
    app: AppSpec,
    *,
    controller: EnvoyGateway,
    pass_through_401: bool = False,
    pass_through_401_strategy: PassThroughStrategy | None = None,
    custom_http_errors: Sequence[int] = (),
    public_auth_url: bool = False,
    proxy_buffer_size: str | None = None,
    auth_cache: bool = False,
    auth_cache_duration: object = None,
) -> GatewayPlan:
    """Check an app's arguments for Envoy Gateway and decide its objects."""
    if not isinstance(controller, EnvoyGateway):
        fail("controller", controller, "an EnvoyGateway(...) description")
    for arg, flag in (
        ("pass_through_401", pass_through_401),
        ("public_auth_url", public_auth_url),
        ("auth_cache", auth_cache),
    ):
        if not isinstance(flag, bool):
            fail(arg, flag, "True or False")
    if pass_through_401_strategy is not None:
        _refuse(
            "pass_through_401_strategy",
            pass_through_401_strategy,
            "unset: an ingress-nginx setting; ext_authz never sees a backend response",
        )
    if check_http_status_codes("custom_http_errors", custom_http_errors):
        _refuse(
            "custom_http_errors",
            custom_http_errors,
            "empty: an ingress-nginx annotation; custom error pages on Envoy Gateway are a "
            "BackendTrafficPolicy responseOverride",
        )
    if public_auth_url:
        _refuse(
            "public_auth_url",
            public_auth_url,
            "False: the SecurityPolicy always reaches the proxy's Service in-cluster",
        )
    if proxy_buffer_size is not None:
        _refuse(
            "proxy_buffer_size",
            proxy_buffer_size,
            "unset: an ingress-nginx annotation (Envoy has no per-route proxy buffer for "
            "response headers)",
        )
    if auth_cache:
        # SecurityPolicy extAuth has no field to cache answers (envoyproxy/gateway
        # api/v1alpha1/ext_auth_types.go, ExtAuth, at d32f282942)
        _refuse(
            "auth_cache",
            auth_cache,
            "False: an ingress-nginx annotation (auth-cache-key); a SecurityPolicy's extAuth "
            "caches no answers, every request is checked",
        )
    if auth_cache_duration is not None:
        _refuse(
            "auth_cache_duration",
            auth_cache_duration,
            "unset: an ingress-nginx annotation (auth-cache-duration)",
        )
    if app.ingress_class_name != "nginx":
        _refuse(
            "ingress_class_name",
            app.ingress_class_name,
            f"unset: an ingress-nginx setting; the routes attach to "
            f"{controller.gateway.describe()}",
        )
    if app.tls_secret_name is not None:
        _refuse(
            "tls_secret_name",
            app.tls_secret_name,
            "unset: TLS is configured on the Gateway's listener (certificateRefs)",
        )
    for argument, values in parse_qs(app.auth_query.removeprefix("?")).items():
        _refuse(
            argument,
            values[0].split(","),
            "empty: oauth2-proxy checked as its upstream (static://200) applies no per-request "
            "authorization. Give the apps that need it a shared OAuth2Proxy of their own with "
            "allowed_groups= (or email_domains=)",
        )
    if pass_through_401 and controller.response_override_401:
        raise ConfigurationError(
            f"pass_through_401: {controller.describe()} has a BackendTrafficPolicy "
            "responseOverride for 401 on the app's route (response_override_401=True): it "
            "replaces the backend's own 401, body and WWW-Authenticate. Drop 401 from that "
            "responseOverride (and describe it with response_override_401=False), or "
            "pass_through_401=False"
        )
    if not controller.client_traffic_policy:
        warn_user(
            ClientTrafficPolicyWarning(
                f"{controller.gateway.describe()} is not this program's "
                "(client_traffic_policy=False): nothing removes client-sent identity headers, "
                "and a user oauth2-proxy sends no X-Auth-Request-Groups for (no groups) would "
                "reach the backend with the client's forged one. The Gateway's owner must "
                f"apply, in namespace {controller.gateway.namespace!r}, a ClientTrafficPolicy "
                f"(gateway.envoyproxy.io/v1alpha1) with targetRefs "
                f"[{controller.gateway.target_ref()}] and headers.earlyRequestHeaders "
                f"{_early_request_headers()} (or add these to its existing one); without the "
                f"{FORWARDED_URI[0]} set, a browser returns after sign-in to "
                f"{CHECK_PATH_PREFIX}<the page> instead of the page"
            )
        )
    if len(app.paths) > MAX_MATCHES_PER_ROUTE:
        fail(
            "paths",
            f"<{len(app.paths)} paths>",
            f"at most {MAX_MATCHES_PER_ROUTE} paths on Envoy Gateway (the HTTPRoute CRD's "
            "limit on the matches of one route): split the app into several ProtectedApps, "
            "or route a common prefix",
        )
    proxy = app.proxy
    if proxy.network_policy and proxy.peer_namespace != controller.envoy_namespace:
        # only a shared proxy can differ: an app's own proxy takes the app's controller
        raise ConfigurationError(
            f"envoy_namespace: the app's Envoy proxies run in {controller.envoy_namespace!r}, "
            f"but the NetworkPolicy of its proxy {proxy.name!r} admits only namespace "
            f"{proxy.peer_namespace!r} to port http: every check of the app would be "
            "dropped and nobody could reach it. Give the app the proxy's controller= if its "
            f"Envoy proxies run in {proxy.peer_namespace!r}, else a proxy of its own (or one "
            "shared by the apps whose Envoy proxies run in its namespace)"
        )
    if app.host != proxy.host:
        # the proxy's own host was checked in resolve_app; every other app host gets the
        # OAuth2Route of shared_manifests
        check_outside_oauth2(
            app.paths,
            f"on Envoy Gateway the HTTPRoute {oauth2_route_name(proxy, app.host)!r} serves "
            f"{OAUTH2_PREFIX} on the app's host {app.host!r} to the proxy {proxy.name!r}",
        )
    if app.api_paths and not app.own_proxy:
        _check_shared_api_routes(app)
    return GatewayPlan(
        controller=controller,
        strategy=PassThroughStrategy.NONE_NEEDED if pass_through_401 else None,
        oauth2_route=app.host != proxy.host,
        reference_grant=app.namespace != proxy.namespace,
    )


def _check_shared_api_routes(app: AppSpec) -> None:
    """Refuse API paths a shared proxy would answer with the sign-in.

    On Envoy Gateway whether a client without a session gets 401 or the sign-in is
    oauth2-proxy's choice (``oauthproxy.go`` line 1057 at v7.15.3: ``--force-json-errors``,
    an ``Accept: application/json`` request, or a path matching ``--api-route``), and a
    shared proxy's flags are its own: each API path (and, for a Prefix, a path under it)
    must match one of its ``--api-route`` patterns. They then hold for every app of that
    proxy: another app's page on a matching path answers 401 too.
    """
    routes = [a.split("=", 1)[1] for a in app.proxy.args if a.startswith("--api-route=")]
    for path in app.api_paths:
        probes = [path] if app.api_path_type.value == "Exact" else [path, path.rstrip("/") + "/x"]
        for probe in probes:
            if not any(matching_api_routes(probe)(r) for r in routes):
                _refuse(
                    "api_paths",
                    path,
                    f"paths the shared proxy {app.proxy.name!r} answers with 401: on Envoy "
                    "Gateway oauth2-proxy decides between 401 and the sign-in, by its "
                    f"--api-route patterns ({routes or 'none'}), and {probe!r} matches none. "
                    f"Give the proxy extra_args=['--api-route={path.rstrip('/')}/'] or a "
                    "pattern covering these paths (it holds for every app of the proxy), "
                    "or give the app a proxy of its own (its --api-route is derived)",
                )


def api_manifests(app: AppSpec, plan: GatewayPlan) -> dict[str, Manifest]:
    """``ApiHTTPRoute`` and ``ApiSecurityPolicy`` [<name>-api]: the API paths, checked.

    The same check as the app's route; what makes a client without a session get 401
    rather than the sign-in is the proxy's ``--api-route`` (derived for the app's own
    proxy, required of a shared one: :func:`_check_shared_api_routes`). A route of its
    own, since one HTTPRoute has one path type here; the app's ReferenceGrant already
    admits every SecurityPolicy of the app's namespace.
    """
    if not app.api_paths:
        return {}
    api = dataclasses.replace(
        app, name=f"{app.name}-api", paths=app.api_paths, path_type=app.api_path_type
    )
    made = app_manifests(api, dataclasses.replace(plan, reference_grant=False))
    labels = {"app.kubernetes.io/instance": app.name}
    for obj in made.values():
        obj["metadata"]["labels"] = dict(labels)
    return {"ApiHTTPRoute": made["HTTPRoute"], "ApiSecurityPolicy": made["SecurityPolicy"]}


def api_route_claims(app: AppSpec, plan: GatewayPlan) -> list[RouteClaim]:
    """The matches of the app's API route (:func:`api_manifests`)."""
    gateway = _listener(plan.controller.gateway)
    kind = app.api_path_type.value
    return [(gateway, app.host, _match_key(kind, p)) for p in app.api_paths]


def _listener(gateway: GatewayRef) -> tuple[str, str | None]:
    return (f"Gateway {gateway.namespace}/{gateway.name}", gateway.section_name)


def route_claims(app: AppSpec, plan: GatewayPlan) -> list[RouteClaim]:
    """The (Gateway listener, host, path) matches the app's own route claims."""
    gateway = _listener(plan.controller.gateway)
    return [(gateway, app.host, _match_key(app.path_type.value, p)) for p in app.paths]


def public_route_claims(app: AppSpec, plan: GatewayPlan) -> list[RouteClaim]:
    """The matches of the app's public route (:func:`public_manifests`)."""
    gateway = _listener(plan.controller.gateway)
    kind = app.public_path_type.value
    return [(gateway, app.host, _match_key(kind, p)) for p in app.public_paths]


def public_manifests(app: AppSpec, plan: GatewayPlan) -> dict[str, Manifest]:
    """``PublicHTTPRoute`` [<name>-public]: the app's public paths, no SecurityPolicy.

    A SecurityPolicy targets a whole HTTPRoute (every rule), so the public paths need a
    route of their own. Gateway API gives an ``Exact`` match precedence over any prefix and
    a longer ``PathPrefix`` over a shorter one across every HTTPRoute of the hostname
    (HTTPRoute ``rules`` documentation, "Proxy or Load Balancer routing configuration
    generated from HTTPRoutes MUST prioritize matches based on..."), and Envoy Gateway sorts
    the routes of a host so (``internal/gatewayapi/sort.go``): a public ``/healthz`` never
    takes requests of the app's other paths, and the app's more specific paths win over a
    public Prefix ``/``. The Gateway's ClientTrafficPolicy still removes client-sent
    identity headers on it.
    """
    if not app.public_paths:
        return {}
    route_type = {"Prefix": "PathPrefix", "Exact": "Exact"}[app.public_path_type.value]
    return {
        "PublicHTTPRoute": _http_route(
            name=f"{app.name}-public",
            namespace=app.namespace,
            labels={"app.kubernetes.io/instance": app.name},
            gateway=plan.controller.gateway,
            host=app.host,
            matches=[(route_type, p) for p in app.public_paths],
            service={"name": app.backend.name, "port": app.backend.port},
        )
    }


def _match_key(path_type: str, path: str) -> str:
    """A path match as Envoy Gateway routes it: a PathPrefix's trailing ``/`` is ignored.

    envoyproxy/gateway v1.9.0 ``internal/xds/translator/route.go`` line 273 trims it (the
    Gateway API ``PathPrefix`` definition says so), so Prefix ``/a`` and ``/a/`` are one match.
    """
    if path_type == "Prefix":
        path = path.rstrip("/") or "/"
    return f"{path_type}:{path}"


def _foreign_matches(rule: object) -> list[tuple[str, bool]]:
    """The path match keys of one rule of a user's HTTPRoute, and their other conditions.

    Each key comes with whether its match also has headers, query parameters or a method.
    A rule without matches matches PathPrefix ``/``, a match without a path too (Gateway
    API ``HTTPRouteRule.matches`` and ``HTTPRouteMatch.path`` defaults); RegularExpression
    matches are not modelled (the package emits none).
    """
    if not isinstance(rule, Mapping):
        return []
    matches = rule.get("matches") or [{}]
    found = []
    for match in matches:
        if not isinstance(match, Mapping):
            continue
        path = match.get("path") or {}
        kind = {"PathPrefix": "Prefix", "Exact": "Exact"}.get(path.get("type", "PathPrefix"))
        value = path.get("value", "/")
        if kind is None or not isinstance(value, str):
            continue
        conditions = any(match.get(k) for k in ("headers", "queryParams", "method"))
        found.append((_match_key(kind, value), conditions))
    return found


def foreign_route_conflicts(inventory: Inventory, obj: Manifest, theirs: str) -> list[str]:
    """Why a user's HTTPRoute of the program (``obj``) takes a match of ours, if it does.

    Judged by the same claims as ours (:meth:`Inventory.claim_gateway_route`): a match of
    the same type and path on one of our hosts, on a listener ours is attached to (the
    same listener, or either route on the whole Gateway). Gateway API orders the matches
    of every HTTPRoute of a hostname together (HTTPRoute ``rules`` documentation,
    "Proxy or Load Balancer routing configuration generated from HTTPRoutes MUST
    prioritize matches based on": Exact, then the longest PathPrefix, then method, header
    and query matches; ties between routes go to the oldest route, then the first by
    namespace/name; ``charts/gateway-crds-helm/templates/standard-gatewayapi-crds.yaml``
    of envoyproxy/gateway v1.9.0, near line 2445). So an equal match takes one route's
    requests away from the other, and a match with extra conditions takes the requests
    that meet them. A route without ``hostnames`` is not judged: Gateway API gives a
    route with a matching non-wildcard hostname (ours) precedence over it; nor are
    wildcard hostnames other than one of ours (Envoy Gateway makes each hostname its own
    virtual host, and Envoy picks the exact one first).
    """
    if obj.get("kind") != "HTTPRoute" or not str(obj.get("apiVersion", "")).startswith(
        GATEWAY_API_GROUP + "/"
    ):
        return []
    metadata = obj.get("metadata") or {}
    namespace = str(metadata.get("namespace") or "default")
    spec = obj.get("spec") or {}
    listeners = []
    for ref in spec.get("parentRefs") or []:
        if not isinstance(ref, Mapping):
            continue
        if ref.get("group", GATEWAY_API_GROUP) != GATEWAY_API_GROUP:
            continue
        if ref.get("kind", "Gateway") != "Gateway":
            continue
        gateway = f"Gateway {ref.get('namespace') or namespace}/{ref.get('name')}"
        listeners.append((gateway, ref.get("sectionName") or None))
    matches = [m for rule in spec.get("rules") or [] for m in _foreign_matches(rule)]
    found = []
    for listener in dict.fromkeys(listeners):
        for host in dict.fromkeys(h for h in spec.get("hostnames") or [] if isinstance(h, str)):
            for key, conditions in dict.fromkeys(matches):
                ours = inventory.gateway_route_owner(listener, host, key)
                if ours is None:
                    continue
                owner, what = ours
                kind, _, value = key.partition(":")
                effect = (
                    "its match has method, header or query conditions, so Gateway API "
                    "gives it precedence: every request that meets them goes to its backend "
                    "instead of ours"
                    if conditions
                    else "Gateway API gives equal matches to the oldest route (then the first "
                    "by namespace/name) and silently shadows the other: depending on the "
                    "order of the first deploy, one of the two routes gets none of the "
                    "requests"
                )
                found.append(
                    f"{theirs} matches {'PathPrefix' if kind == 'Prefix' else kind} "
                    f"{value!r} on host {host!r} on {_describe_listener(listener)}, the {what} "
                    f"of {owner()}: {effect}. Use another path or host for it, or route "
                    "that path through the package's arguments (paths, api_paths, "
                    "public_paths)"
                )
    return found


def _describe_listener(listener: tuple[str, str | None]) -> str:
    gateway, section = listener
    return gateway if section is None else f"{gateway} listener {section!r}"


def shared_route_claims(app: AppSpec, plan: GatewayPlan) -> dict[str, RouteClaim]:
    """The route matches of :func:`shared_manifests`, by key: claimed by whoever emits them."""
    if not plan.oauth2_route:
        return {}
    return {"OAuth2Route": (_listener(plan.controller.gateway), app.host, "Prefix:/oauth2")}


def oauth2_route_name(proxy: ProxySpec, host: str) -> str:
    """The name of the proxy's ``/oauth2`` route on an app's host, in the proxy's namespace.

    ``<proxy>.<host>`` for a literal host when it fits 253 characters: the proxy's name is
    a DNS label (no ``.``), so the name splits back into proxy and host. Otherwise (a
    wildcard host, or one too long) two labels, ``<proxy>.<host, '.' as '-'>-<hash>``
    (:func:`~oauth_ingress_construct._core.manifests.hashed_name` of proxy and host): a
    literal host has two labels or more, so the plain names have three or more and the two
    forms never meet. App routes in that namespace are named by a DNS label (one label).
    """
    plain = f"{proxy.name}.{host}"
    if "*" not in host and len(plain) <= MAX_NAME:
        return plain
    readable = host.replace("*", "wildcard").replace(".", "-")
    return f"{proxy.name}." + hashed_name(
        readable, proxy.name, host, limit=MAX_NAME - len(proxy.name) - 1
    )


def proxy_route_claim(proxy: ProxySpec, controller: EnvoyGateway) -> RouteClaim:
    """The (Gateway listener, host, path) match of the proxy's own route."""
    return (_listener(controller.gateway), proxy.host, "Prefix:/oauth2")


def app_manifests(app: AppSpec, plan: GatewayPlan) -> dict[str, Manifest]:
    """The app's own objects by construct id, in creation order.

    ``HTTPRoute`` [<name>], ``SecurityPolicy`` [<name>], and a ``ReferenceGrant``
    [<app-ns>.<name>] in the proxy's namespace when the app is in another.
    """
    gateway = plan.controller.gateway
    proxy = app.proxy
    labels = {"app.kubernetes.io/instance": app.name}
    route_type = {"Prefix": "PathPrefix", "Exact": "Exact"}[app.path_type.value]
    objects = {
        "HTTPRoute": _http_route(
            name=app.name,
            namespace=app.namespace,
            labels=labels,
            gateway=gateway,
            host=app.host,
            matches=[(route_type, p) for p in app.paths],
            service={"name": app.backend.name, "port": app.backend.port},
        ),
        "SecurityPolicy": manifest(
            api_version=ENVOY_GATEWAY_API,
            kind="SecurityPolicy",
            name=app.name,
            namespace=app.namespace,
            labels=labels,
            body={
                "spec": {
                    "targetRefs": [
                        {"group": GATEWAY_API_GROUP, "kind": "HTTPRoute", "name": app.name}
                    ],
                    "extAuth": {
                        "http": {
                            # the check asks <prefix><path and query>: oauth2-proxy answers
                            # it as its upstream (static://200) after the session check,
                            # never from a handler that answers without one
                            "path": CHECK_PATH_PREFIX,
                            "backendRefs": [_proxy_backend(proxy, app.namespace)],
                            "headersToBackend": list(app.response_headers),
                        },
                        "headersToExtAuth": list(HEADERS_TO_EXT_AUTH),
                    },
                }
            },
        ),
    }
    if plan.reference_grant:
        sources = [{"group": "gateway.envoyproxy.io", "kind": "SecurityPolicy"}]
        objects["ReferenceGrant"] = manifest(
            # v1beta1: what Envoy Gateway reads (internal/provider/kubernetes/controller.go,
            # line 1594 at v1.9.0) and every Gateway API release serves
            api_version=f"{GATEWAY_API_GROUP}/v1beta1",
            kind="ReferenceGrant",
            name=f"{app.namespace}.{app.name}",
            namespace=proxy.namespace,
            labels=labels,
            body={
                "spec": {
                    "from": [{**s, "namespace": app.namespace} for s in sources],
                    "to": [{"group": "", "kind": "Service", "name": proxy.name}],
                }
            },
        )
    return objects


def _early_request_headers() -> dict[str, Any]:
    """The ClientTrafficPolicy's ``earlyRequestHeaders``: set the original URI, drop forgeries."""
    name, value = FORWARDED_URI
    return {"set": [{"name": name, "value": value}], "remove": list(IDENTITY_HEADERS)}


_POLICY_SUFFIX = "-identity-headers"


def client_traffic_policy_name(gateway: GatewayRef) -> str:
    """The name of the ClientTrafficPolicy of a Gateway or listener, in the Gateway's namespace.

    ``<gateway>-identity-headers``, or ``<gateway>-<section>-identity-headers`` for one
    listener, when the Gateway's name has no ``-`` and the name fits 253 characters: the
    Gateway's name is then everything before the first ``-``, so Gateway ``eg-https`` and
    listener ``https`` of Gateway ``eg`` can never share a name. Otherwise the same text,
    cut to fit, and a hash of Gateway and listener
    (:func:`~oauth_ingress_construct._core.manifests.hashed_name`): it ends in hex digits,
    never in ``-identity-headers``, so the two forms never meet.
    """
    section = f"-{gateway.section_name}" if gateway.section_name is not None else ""
    plain = f"{gateway.name}{section}{_POLICY_SUFFIX}"
    if "-" not in gateway.name and len(plain) <= MAX_NAME:
        return plain
    return hashed_name(plain, gateway.name, gateway.section_name)


def client_traffic_policy_fix(controller: EnvoyGateway) -> str:
    """What to do about a ClientTrafficPolicy of the user's that clashes with ours."""
    return (
        f"Keep one: pass EnvoyGateway(..., client_traffic_policy=False) for "
        f"{controller.gateway.describe()} and add headers.earlyRequestHeaders.remove "
        f"{list(IDENTITY_HEADERS)} to your ClientTrafficPolicy, targeting every listener "
        "the apps use (without that removal a client can forge the identity headers)"
    )


def shared_manifests(app: AppSpec, plan: GatewayPlan) -> dict[str, Manifest]:
    """Objects the program emits once, whichever app needs them first.

    ``OAuth2Route`` [:func:`oauth2_route_name`], in the proxy's namespace, when the proxy
    signs in on another host than the app's: ``/oauth2`` on the app's host to the proxy, where the
    callback and ``/oauth2/start`` of that host land (the proxy's redirect URL is
    path-only). Apps of one host share it, whatever their namespaces, on one Gateway
    listener (another listener for that host is refused: ``_core.target.AppTarget.claim_shared``).

    The ``ClientTrafficPolicy`` [:func:`client_traffic_policy_name`] in the
    Gateway's namespace: ``earlyRequestHeaders`` run before every filter
    (``internal/xds/translator/listener.go`` buildEarlyHeaderMutation, line 602 at v1.9.0):
    ``remove`` drops a client-sent identity header before ext_authz adds the real ones, and
    ``set`` gives every request its own ``X-Forwarded-Uri`` (:data:`FORWARDED_URI`), which
    oauth2-proxy reads the original URI from. Never a route-level ``RequestHeaderModifier``:
    it runs after ext_authz and strips the real headers too.
    """
    controller = plan.controller
    gateway = controller.gateway
    objects: dict[str, Manifest] = {}
    if plan.oauth2_route:
        proxy = app.proxy
        objects["OAuth2Route"] = _http_route(
            name=oauth2_route_name(proxy, app.host),
            namespace=proxy.namespace,
            labels={"app.kubernetes.io/instance": proxy.name},
            gateway=gateway,
            host=app.host,
            matches=[("PathPrefix", "/oauth2")],
            service=_proxy_backend(proxy, proxy.namespace),
        )
    if not controller.client_traffic_policy:
        return objects
    return {**objects, "ClientTrafficPolicy": client_traffic_policy(gateway)}


def client_traffic_policy(gateway: GatewayRef) -> Manifest:
    """The ClientTrafficPolicy of ``gateway`` (its listener): identity headers out, the URI set."""
    return manifest(
        api_version=ENVOY_GATEWAY_API,
        kind="ClientTrafficPolicy",
        name=client_traffic_policy_name(gateway),
        namespace=gateway.namespace,
        body={
            "spec": {
                "targetRefs": [gateway.target_ref()],
                "headers": {"earlyRequestHeaders": _early_request_headers()},
            }
        },
    )


def missing_identity_removal(policy: Manifest) -> str | None:
    """What a user's ClientTrafficPolicy lacks of the identity-header removal, if anything.

    Envoy matches header names without regard to case, so the removal list is compared so.
    """
    spec = policy.get("spec") or {}
    early = ((spec.get("headers") or {}).get("earlyRequestHeaders")) or {}
    removed = {str(h).lower() for h in early.get("remove") or [] if isinstance(h, str)}
    missing = [h for h in IDENTITY_HEADERS if h.lower() not in removed]
    if not missing:
        return None
    return (
        f"its headers.earlyRequestHeaders.remove lacks {missing}, so a client could send "
        "them to the backend as if oauth2-proxy had. Add them to it (or let the construct "
        "emit its own with client_traffic_policy=True)"
    )


class _EnvoyGatewayTarget:
    """The Envoy Gateway target (``controller=EnvoyGateway(...)``)."""

    name = "Envoy Gateway"
    description = EnvoyGateway
    spelling = "EnvoyGateway(gateway=GatewayRef(...))"

    def proxy_mode(
        self,
        controller: EnvoyGateway,
        *,
        ingress_class_name: str = "nginx",
        tls_secret_name: str | None = None,
        ingress_controller_namespace: str = "ingress-nginx",
    ) -> ProxyMode:
        """:func:`proxy_mode`."""
        return proxy_mode(
            controller,
            ingress_class_name=ingress_class_name,
            tls_secret_name=tls_secret_name,
            ingress_controller_namespace=ingress_controller_namespace,
        )

    def proxy_route(
        self,
        proxy: ProxySpec,
        controller: EnvoyGateway,
        inventory: Inventory,
        owner: Owner,
        proxy_owner: Owner,
    ) -> Manifest:
        """The ``/oauth2`` HTTPRoute on the Gateway, its match claimed."""
        inventory.claim_gateway_route(
            *proxy_route_claim(proxy, controller), owner, what="sign-in route (/oauth2)"
        )
        return proxy_route(proxy, controller)

    def proxy_outputs(self, proxy: ProxySpec, controller: EnvoyGateway) -> dict[str, Any]:
        """``http_route_name`` and ``parent_ref``."""
        return {"http_route_name": proxy.name, "parent_ref": controller.gateway.parent_ref()}

    def plan_app(
        self,
        app: AppSpec,
        controller: EnvoyGateway,
        arguments: TargetArguments,
    ) -> AppTarget:
        """The app's HTTPRoute, SecurityPolicy and the objects it shares."""
        plan = plan_app(app, controller=controller, **arguments.keywords())
        outputs: dict[str, Any] = {
            "http_route_name": app.name,
            "security_policy_name": app.name,
            "parent_ref": controller.gateway.parent_ref(),
        }
        if controller.client_traffic_policy:
            outputs["client_traffic_policy_name"] = client_traffic_policy_name(controller.gateway)
        objects = self.app_manifests(app, plan)
        return AppTarget(
            target=self,
            plan=plan,
            objects=objects,
            backend_objects=tuple(
                k for k in ("HTTPRoute", "ApiHTTPRoute", "PublicHTTPRoute") if k in objects
            ),
            outputs=outputs,
            shared=shared_manifests(app, plan),
            shared_claims=shared_route_claims(app, plan),
            policy_fixes={"ClientTrafficPolicy": client_traffic_policy_fix(controller)},
            expected_policies=(
                ()
                if controller.client_traffic_policy
                else ((client_traffic_policy(controller.gateway), missing_identity_removal),)
            ),
            # one per Gateway listener in the program: two for one listener conflict
            program_wide=frozenset({"ClientTrafficPolicy"}),
        )

    def app_manifests(self, app: AppSpec, plan: GatewayPlan) -> dict[str, Manifest]:
        """:func:`app_manifests`, and :func:`public_manifests` for its public paths."""
        return {
            **app_manifests(app, plan),
            **api_manifests(app, plan),
            **public_manifests(app, plan),
        }

    def claim_app(
        self,
        inventory: Inventory,
        app: AppSpec,
        plan: GatewayPlan,
        owner: Owner,
        proxy: Owner | None,
    ) -> None:
        """Claim the app's route matches on its Gateway listener.

        An app on its shared proxy's host has no ``/oauth2`` route of its own: the proxy's
        must serve the app's listener, else the sign-in callback lands nowhere.
        """
        if not app.own_proxy and app.host == app.proxy.host:
            listener = _listener(plan.controller.gateway)
            if not inventory.gateway_route_served(listener, app.host, "Prefix:/oauth2"):
                raise ConfigurationError(
                    f"controller: the app is on host {app.host!r} of its proxy "
                    f"{app.proxy.name!r}, whose {OAUTH2_PREFIX} route (HTTPRoute "
                    f"{app.proxy.name!r}) is not attached to "
                    f"{plan.controller.gateway.describe()}, where the app is: sign-in and its "
                    "callback would land nowhere. Give the app the proxy's controller= "
                    "(the same Gateway and listener), or put it on another host"
                )
        for claims, what in (
            (route_claims(app, plan), "path"),
            (api_route_claims(app, plan), "API path"),
            (public_route_claims(app, plan), "public path"),
        ):
            for claim in claims:
                inventory.claim_gateway_route(*claim, owner, what=what)

    def foreign_route_conflicts(
        self, inventory: Inventory, obj: Manifest, theirs: str
    ) -> list[str]:
        """:func:`foreign_route_conflicts`."""
        return foreign_route_conflicts(inventory, obj, theirs)


#: The Envoy Gateway target, registered in ``_targets``.
TARGET = _EnvoyGatewayTarget()
