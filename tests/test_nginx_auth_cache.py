"""The auth cache (``ProtectedApp(auth_cache=True)``) and ``auth-keepalive`` on real nginx.

The configuration is the suite's model of what ingress-nginx v1.15.1 renders
(tests/nginx_model.py), with the template's cache lines and its Lua (the cache key is
``base64(sha1(host + auth location + auth-cache-key))``, computed by the Lua module as in the
controller). Two apps of one host sign in through one shared proxy: ``ops`` on ``/ops`` for the
group ``ops`` only, ``wiki`` on ``/wiki`` for anyone signed in. oauth2-proxy is a stub that
answers ``/oauth2/auth`` as ``AuthOnly`` does (oauthproxy.go l.1018-1037 at v7.15.3): 202 with
``X-Auth-Request-User`` for a known session, 401 without one, 403 for a user outside the
``allowed_groups`` of the query (``checkAllowedGroups``); the session is the
``_oauth2_proxy`` cookie, or its split parts ``_oauth2_proxy_0``, ``_1``, ... joined
(pkg/sessions/cookie/session_store.go ``loadCookie`` l.228-248), or a bearer token (what
``--skip-jwt-bearer-tokens`` would accept; the package refuses that flag, the key covers it
anyway). A session may be marked ``refresh``: its 202 then carries ``Set-Cookie``.

What is shown: a cached answer is reused for the same credentials (so the cache is on), and
never for another user, another app of the host, a user outside the app's groups, another
split session, another bearer token, or after the app's authorization query changed; an
answer with ``Set-Cookie`` is never stored; the documented cost (a revoked session is admitted
until its answer expires). The hand-written key ``$cookie__oauth2_proxy`` is shown to leak
split sessions. ``auth-keepalive``: every signed-in request fails with 500 where it applies.
"""

from __future__ import annotations

import contextlib
import http.client
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import cdk8s
import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from oauth_ingress_construct import IngressNginx, OAuth2Proxy, ProtectedApp, Provider, ServiceRef
from oauth_ingress_construct._targets.ingress_nginx import ANNOTATION_RISK
from tests.conftest import annotations, find
from tests.nginx_model import (
    BACKEND_200_BODY,
    CACHE_DURATION_VALIDATOR,
    CACHE_KEY_VALIDATOR,
    IngressPath,
)
from tests.test_nginx_behaviour import HOST, TIMEOUT, Nginx, synthesized

STOCK = IngressNginx()
COOKIE = "_oauth2_proxy"


@dataclass(frozen=True)
class Session:
    user: str
    groups: tuple[str, ...]
    refresh: bool = False


@dataclass
class AuthStub:
    """oauth2-proxy's ``/oauth2/auth``, with a log of the checks that reached it."""

    sessions: dict[str, Session] = field(default_factory=dict)
    tokens: dict[str, Session] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)

    def session(self, cookie_header: str, authorization: str) -> Session | None:
        cookies: dict[str, str] = {}
        for part in cookie_header.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name not in cookies:  # Go's req.Cookie: the first of a name
                cookies[name] = value
        value = cookies.get(COOKIE)
        if value is None:
            parts = []
            while f"{COOKIE}_{len(parts)}" in cookies:
                parts.append(cookies[f"{COOKIE}_{len(parts)}"])
            value = "".join(parts) if parts else None
        if value is not None:
            return self.sessions.get(value)
        if authorization.startswith("Bearer "):
            return self.tokens.get(authorization.removeprefix("Bearer "))
        return None

    def answer(
        self, path: str, cookie: str, authorization: str
    ) -> tuple[int, list[tuple[str, str]]]:
        """AuthOnly: (status, headers)."""
        session = self.session(cookie, authorization)
        if session is None:
            return 401, []
        wanted = {
            g
            for value in parse_qs(urlsplit(path).query).get("allowed_groups", [])
            for g in value.split(",")
            if g
        }
        if wanted and not wanted & set(session.groups):
            return 403, []
        headers = [("X-Auth-Request-User", session.user)]
        if session.refresh:
            headers.append(("Set-Cookie", f"{COOKIE}=refreshed-{session.user}; Path=/"))
        return 202, headers


@contextlib.contextmanager
def serving(stub: AuthStub, port: int) -> Iterator[None]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            status, headers = stub.answer(
                self.path, self.headers.get("Cookie", ""), self.headers.get("Authorization", "")
            )
            stub.checks.append(self.path)
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------- the two apps


def two_apps(**cache: object) -> tuple[dict[str, str], dict[str, str]]:
    """The annotations (prefix removed) of the ``ops`` and ``wiki`` Ingresses of one host."""
    chart = cdk8s.Chart(cdk8s.App(), "t", namespace="apps", disable_resource_name_hashes=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        proxy = OAuth2Proxy(
            chart,
            "Proxy",
            host="auth.example.com",
            provider=Provider.oidc(issuer_url="https://login.example.com"),
            cookie_domain="example.com",
        )
        for name, groups in (("ops", cache.pop("ops_groups", ("ops",))), ("wiki", ())):
            ProtectedApp(
                chart,
                name.title(),
                host=HOST,
                backend=ServiceRef(name, 8080),
                proxy=proxy,
                paths=[f"/{name}"],
                allowed_groups=groups,
                controller=STOCK,
                auth_cache=True,
                **cache,  # type: ignore[arg-type]
            )
    objs = list(cdk8s.Testing.synth(chart))
    return annotations(find(objs, "Ingress", "ops")), annotations(find(objs, "Ingress", "wiki"))


USERS = {
    "alice": Session("alice", ("ops", "dev")),
    "bob": Session("bob", ("dev",)),
    "carol": Session("carol", ("ops",)),  # split cookie
    "erin": Session("erin", ("dev",)),  # split cookie, same first part as carol's
    "dave": Session("dave", ("ops",)),  # bearer token
    "frank": Session("frank", ("dev",)),  # bearer token
    "rita": Session("rita", ("ops",), refresh=True),  # answers carry Set-Cookie
}
CAROL = "c" * 40 + "carol-part"
ERIN = "c" * 40 + "erin-part"


def new_stub() -> AuthStub:
    return AuthStub(
        sessions={
            "alice-session": USERS["alice"],
            "bob-session": USERS["bob"],
            CAROL: USERS["carol"],
            ERIN: USERS["erin"],
            "rita-session": USERS["rita"],
        },
        tokens={"dave-token": USERS["dave"], "frank-token": USERS["frank"]},
    )


#: Credentials a client can present: name -> (Cookie header, Authorization header).
CREDENTIALS: Mapping[str, tuple[str, str]] = {
    "nobody": ("", ""),
    "alice": (f"{COOKIE}=alice-session", ""),
    "alice+other-cookie": (f"theme=dark; {COOKIE}=alice-session", ""),
    "bob": (f"{COOKIE}=bob-session", ""),
    "carol-split": (f"{COOKIE}_0={CAROL[:40]}; {COOKIE}_1={CAROL[40:]}", ""),
    "erin-split": (f"{COOKIE}_0={ERIN[:40]}; {COOKIE}_1={ERIN[40:]}", ""),
    "carol-first-part-only": (f"{COOKIE}_0={CAROL[:40]}", ""),
    "forged-cookie": (f"{COOKIE}=forged", ""),
    "dave-bearer": ("", "Bearer dave-token"),
    "frank-bearer": ("", "Bearer frank-token"),
    "forged-bearer": ("", "Bearer forged"),
    "bob-cookie+dave-bearer": (f"{COOKIE}=bob-session", "Bearer dave-token"),
}
APPS = ("/ops/", "/wiki/")


@dataclass
class Seen:
    status: int
    user: str | None
    set_cookie: str | None


def get(nginx: Nginx, path: str, credential: str) -> Seen:
    cookie, authorization = CREDENTIALS[credential]
    conn = http.client.HTTPConnection("127.0.0.1", nginx.ports.ingress, timeout=TIMEOUT)
    try:
        headers = {"Host": HOST}
        if cookie:
            headers["Cookie"] = cookie
        if authorization:
            headers["Authorization"] = authorization
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read().decode()
        user = None
        if resp.status == 200:
            assert body == BACKEND_200_BODY
            user = "backend"
        return Seen(resp.status, user, resp.getheader("Set-Cookie"))
    finally:
        conn.close()


def expected(
    stub: AuthStub, ops: Mapping[str, str], wiki: Mapping[str, str], path: str, credential: str
) -> int:
    """What the client gets without a cache: 200, 302 (401 -> sign-in) or 403."""
    ann = ops if path.startswith("/ops") else wiki
    cookie, authorization = CREDENTIALS[credential]
    status, _ = stub.answer(
        urlsplit(ann["auth-url"]).path + "?" + urlsplit(ann["auth-url"]).query,
        cookie,
        authorization,
    )
    return {202: 200, 401: 302, 403: 403}[status]


@contextlib.contextmanager
def two_apps_running(
    ops: Mapping[str, str], wiki: Mapping[str, str], stub: AuthStub
) -> Iterator[Nginx]:
    with tempfile.TemporaryDirectory(prefix="nginx-cache-") as tmp:
        nginx = Nginx(Path(tmp))
        write(nginx, ops, wiki)
        result = nginx.config_test()
        assert result.returncode == 0, f"{result.stderr}\n{nginx.conf.read_text()}"
        with serving(stub, nginx.ports.auth):
            nginx.start()
            try:
                yield nginx
            finally:
                nginx.stop()


def write(nginx: Nginx, ops: Mapping[str, str], wiki: Mapping[str, str]) -> str:
    return nginx.write(
        ops,
        STOCK,
        paths=(IngressPath("/ops"),),
        more_ingresses=[(wiki, (IngressPath("/wiki"),))],
        auth_stand_in=False,
    )


@pytest.fixture(scope="module")
def cached() -> Iterator[tuple[Nginx, AuthStub, dict[str, str], dict[str, str]]]:
    ops, wiki = two_apps()
    stub = new_stub()
    with two_apps_running(ops, wiki, stub) as nginx:
        yield nginx, stub, ops, wiki


# --------------------------------------------------------------------------- the cache


def test_emitted_cache_annotations_are_what_the_controller_validates():
    ops, wiki = two_apps()
    for ann in (ops, wiki):
        assert ann["auth-cache-duration"] == "202 401 403 30s"
        key = ann["auth-cache-key"]
        assert key.startswith("${http_cookie}-${http_authorization}-")
        assert CACHE_KEY_VALIDATOR.match(key)
        assert CACHE_DURATION_VALIDATOR.match(ann["auth-cache-duration"])
    assert ops["auth-cache-key"] != wiki["auth-cache-key"]  # the auth-url digests differ


def test_model_renders_the_templates_cache_lines():
    ops, wiki = two_apps()
    with tempfile.TemporaryDirectory(prefix="nginx-cache-") as tmp:
        text = write(Nginx(Path(tmp)), ops, wiki)
    assert "keys_zone=auth_cache:10m" in text
    assert (
        f"set $tmp_cache_key '{HOST}/_external-auth-L29wcy8-Prefix{ops['auth-cache-key']}';" in text
    )
    assert "proxy_cache_valid 202 401 403 30s;" in text
    assert "proxy_ignore_headers" not in text


def test_the_same_credentials_are_answered_from_the_cache(cached):
    nginx, stub, _, _ = cached
    before = len(stub.checks)
    assert [get(nginx, "/ops/x", "alice").status for _ in range(3)] == [200, 200, 200]
    assert len(stub.checks) - before <= 1  # one check at most (none if already cached)
    again = len(stub.checks)
    assert get(nginx, "/ops/y?q=1", "alice").status == 200
    assert len(stub.checks) == again  # the key does not depend on the path below the location


@pytest.mark.parametrize(
    ("first", "then", "app"),
    [
        ("alice", "bob", "/ops/"),  # another user, outside the app's groups
        ("alice", "nobody", "/ops/"),
        ("alice", "forged-cookie", "/ops/"),
        ("carol-split", "erin-split", "/ops/"),  # split sessions
        ("carol-split", "carol-first-part-only", "/ops/"),
        ("dave-bearer", "frank-bearer", "/ops/"),
        ("dave-bearer", "forged-bearer", "/ops/"),
        ("dave-bearer", "bob-cookie+dave-bearer", "/ops/"),  # the cookie wins in oauth2-proxy
        ("bob", "bob", "/ops/"),  # a cached 403 stays a 403
    ],
)
def test_a_cached_answer_never_admits_another_user(cached, first, then, app):
    nginx, stub, ops, wiki = cached
    assert get(nginx, app, first).status == expected(stub, ops, wiki, app, first)
    assert get(nginx, app, first).status == expected(stub, ops, wiki, app, first)
    assert get(nginx, app, then).status == expected(stub, ops, wiki, app, then)


@pytest.mark.parametrize("user", ["bob", "erin-split", "frank-bearer"])
def test_a_cached_answer_never_crosses_to_another_app_of_the_host(cached, user):
    nginx, _, _, _ = cached
    assert get(nginx, "/wiki/", user).status == 200
    assert get(nginx, "/wiki/", user).status == 200  # cached
    assert get(nginx, "/ops/", user).status == 403  # outside the ops group


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    requests=st.lists(
        st.tuples(st.sampled_from(APPS), st.sampled_from(sorted(CREDENTIALS))),
        min_size=1,
        max_size=8,
    )
)
def test_any_sequence_of_requests_is_answered_as_without_a_cache(cached, requests):
    nginx, stub, ops, wiki = cached
    for app, credential in requests:
        assert get(nginx, app, credential).status == expected(stub, ops, wiki, app, credential), (
            app,
            credential,
        )


def test_an_answer_with_set_cookie_is_never_stored():
    ops, wiki = two_apps()
    stub = new_stub()
    rita = f"{COOKIE}=rita-session"
    with two_apps_running(ops, wiki, stub) as nginx:
        seen = []
        for _ in range(3):
            conn = http.client.HTTPConnection("127.0.0.1", nginx.ports.ingress, timeout=TIMEOUT)
            conn.request("GET", "/ops/", headers={"Host": HOST, "Cookie": rita})
            resp = conn.getresponse()
            resp.read()
            seen.append((resp.status, resp.getheader("Set-Cookie")))
            conn.close()
        assert seen == [(200, f"{COOKIE}=refreshed-rita; Path=/")] * 3
        assert len(stub.checks) == 3  # every request reached oauth2-proxy


def test_a_revoked_session_is_admitted_until_its_answer_expires():
    """The documented cost: the answer is reused for auth_cache_duration."""
    ops, wiki = two_apps(auth_cache_duration=1)
    assert ops["auth-cache-duration"] == "202 401 403 1s"
    stub = new_stub()
    with two_apps_running(ops, wiki, stub) as nginx:
        assert get(nginx, "/ops/", "alice").status == 200
        del stub.sessions["alice-session"]  # signed out / revoked at oauth2-proxy
        assert get(nginx, "/ops/", "alice").status == 200  # still admitted: cached
        time.sleep(2.5)  # past the 1 s the answer is valid
        assert get(nginx, "/ops/", "alice").status == 302


def test_a_changed_authorization_query_is_not_answered_from_the_cache():
    """After the app's allowed_groups change, the answers cached under the old ones are not
    reused: the key carries a digest of the auth-url (the template's key alone, host and
    location, would stay the same)."""
    ops_dev, wiki = two_apps(ops_groups=("dev",))
    ops_ops, _ = two_apps(ops_groups=("ops",))
    assert ops_dev["auth-cache-key"] != ops_ops["auth-cache-key"]
    stub = new_stub()
    with two_apps_running(ops_dev, wiki, stub) as nginx:
        assert get(nginx, "/ops/", "bob").status == 200  # bob is in dev: cached 202
        write(nginx, ops_ops, wiki)
        nginx.reload()
        assert get(nginx, "/ops/", "bob").status == 403
        # the same reload with the template's key alone reuses bob's 202
        naive = {**ops_dev, "auth-cache-key": "${http_cookie}-${http_authorization}"}
        write(nginx, naive, wiki)
        nginx.reload()
        assert get(nginx, "/ops/", "bob").status == 200
        write(nginx, {**ops_ops, "auth-cache-key": naive["auth-cache-key"]}, wiki)
        nginx.reload()
        assert get(nginx, "/ops/", "bob").status == 200  # stale: admitted outside the group


def test_the_session_cookie_alone_as_key_leaks_split_sessions():
    """Why the key is the whole Cookie header: with ``$cookie__oauth2_proxy`` (the key
    commonly written by hand) every split session has the same, empty key part."""
    ops, wiki = two_apps()
    naive = {**ops, "auth-cache-key": "$cookie__oauth2_proxy"}
    stub = new_stub()
    with two_apps_running(naive, wiki, stub) as nginx:
        assert get(nginx, "/ops/", "carol-split").status == 200
        assert expected(stub, ops, wiki, "/ops/", "erin-split") == 403
        assert get(nginx, "/ops/", "erin-split").status == 200  # carol's answer: a leak
        assert get(nginx, "/ops/", "dave-bearer").status == 200
        assert get(nginx, "/ops/", "forged-bearer").status == 200  # so are bearer tokens


def test_nginx_refuses_two_authorization_headers(cached):
    """The key's ``$http_authorization`` is the one Authorization header nginx admits."""
    nginx, _, _, _ = cached
    conn = http.client.HTTPConnection("127.0.0.1", nginx.ports.ingress, timeout=TIMEOUT)
    try:
        conn.putrequest("GET", "/ops/", skip_host=True)
        conn.putheader("Host", HOST)
        conn.putheader("Authorization", "Bearer dave-token")
        conn.putheader("Authorization", "Bearer forged")
        conn.endheaders()
        assert conn.getresponse().status == 400
    finally:
        conn.close()


# --------------------------------------------------------------------------- auth-keepalive


def _signed_in_and_not(nginx: Nginx) -> tuple[int, int]:
    return nginx.get("/", signed_in=True).status, nginx.get("/", signed_in=False).status


@pytest.mark.parametrize(
    ("keepalive", "use_http2", "seen"),
    [
        (None, False, (200, 302)),
        ("10", True, (200, 302)),  # ignored while use-http2 is on (the ConfigMap default)
        ("10", False, (500, 302)),  # the Lua sub-request takes oauth2-proxy's 202 for an error
    ],
)
def test_auth_keepalive_breaks_every_signed_in_request(keepalive, use_http2, seen):
    ann = synthesized(controller=STOCK)
    if keepalive is not None:
        ann = {**ann, "auth-keepalive": keepalive}
    with tempfile.TemporaryDirectory(prefix="nginx-keepalive-") as tmp:
        nginx = Nginx(Path(tmp))
        text = nginx.write(ann, STOCK, use_http2=use_http2)
        assert ("access_by_lua_block" in text) == (seen[0] == 500)
        result = nginx.config_test()
        assert result.returncode == 0, result.stderr
        nginx.start()
        try:
            assert _signed_in_and_not(nginx) == seen
        finally:
            nginx.stop()


def test_the_package_emits_no_keepalive_annotation():
    """Annotations are never taken from the user, and the package's own list has none."""
    assert not [k for k in ANNOTATION_RISK if k.startswith("auth-keepalive")]
    ops, wiki = two_apps()
    for ann in (ops, wiki, synthesized(), synthesized(controller=STOCK, auth_cache=True)):
        assert set(ann) <= set(ANNOTATION_RISK)
