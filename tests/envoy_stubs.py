"""Loopback HTTP stubs for the Envoy behaviour suite: oauth2-proxy in the chosen mode, a backend.

The oauth2-proxy stub answers as oauth2-proxy v7.15.3 does with the flags of the emitted
Deployment (``--upstream=static://200 --set-xauthrequest --reverse-proxy`` and
``--skip-provider-button``, ``--api-route``, ...; ``ProxyConfig.from_flags``), for **any
method**, in the order its request handling runs (oauth2-proxy/oauth2-proxy at tag v7.15.3;
docs/envoy-gateway-facts.md §4 and §7 have the line numbers). Everything that answers before
the session check is modelled, since any of it answering 200 to an ext_authz check lets the
request through:

1. gorilla/mux v1.8.1 ``Router.ServeHTTP`` (mux.go line 175): a path that is not clean
   (``cleanPath``, line 464: ``path.Clean`` keeping a trailing slash) is answered 301 to the
   clean path, before any route or middleware;
2. the pre-auth chain every route runs first (``oauthproxy.go`` buildServeMux line 318,
   ``r.Use(p.preAuthChain.Then)``; buildPreAuthChain line 361), in its order with
   ``--silence-ping-logging``: the **health check** (``pkg/middleware/healthcheck.go``: the
   escaped path is ``--ping-path`` (default ``/ping``), or ``/liveness_check`` /
   ``/readiness_check`` with ``--gcp-healthchecks``, and, when ping user agents are set
   (``--ping-user-agent``, ``GoogleHC/1.0`` with ``--gcp-healthchecks``), the User-Agent is
   one of them (since v7.15.2, GHSA-5hvv-m4w4-gf6v; before, the user agent alone sufficed):
   200 ``OK``), then the **readiness check** (``readynesscheck.go``: the escaped path is
   ``--ready-path``, default ``/ready``: 200 ``OK`` when the session store answers);
3. the routes, in order: ``/robots.txt`` (200, ``User-agent: *`` / ``Disallow: /``),
   ``<prefix>/auth`` (AuthOnly: 202 with a session, else 401), then under
   ``--proxy-prefix`` (default ``/oauth2``, a plain string prefix for mux's PathPrefix)
   ``/sign_in``, ``/start``, ``/callback``, ``/static/...`` (a file server: 200 for its files),
   ``/userinfo``, ``/sign_out`` (buildProxySubrouter line 343); a path under the prefix that
   none of these matches falls through to ``Proxy`` (mux route.go line 63);
4. ``Proxy`` (line 1041): ``IsAllowedRequest`` first (line 589: an OPTIONS request with
   ``--skip-auth-preflight``; ``--skip-auth-route`` and ``--trusted-ip``, which the package
   refuses, are not modelled), then the session: with one, 200 from the static upstream plus
   the headers injected by ``--set-xauthrequest`` (X-Auth-Request-User/-Email/
   -Preferred-Username/-Groups, groups joined with commas, a header skipped when its claim is
   empty: pkg/header/injector.go newClaimInjector), ``GAP-Auth`` and, with
   ``--set-authorization-header``, ``Authorization: Bearer <ID token>`` when the session has
   one; without one, 401 ``{}``
   as application/json with ``--force-json-errors``, when ``Accept`` lists exactly
   ``application/json`` (isAjax) or when the request URI matches an API route (isAPIPath,
   line 618, on ``GetRequestURI``: ``X-Forwarded-Uri`` when forwarded headers are trusted,
   else the request URI, query included), else a 302 to the identity provider (doOAuthStart,
   with ``--skip-provider-button``) or a 403 sign-in page (SignInPage) whose form sends
   ``rd`` to ``/oauth2/start``.

The redirect back is found as appDirector.GetRedirect does (pkg/app/redirect/director.go and
getters.go): ``rd`` query parameter, ``X-Auth-Request-Redirect``, X-Forwarded-* (only when
X-Forwarded-Host differs from Host), else ``X-Forwarded-Uri`` or the request URI, and ``/``
for a URI under the proxy prefix; it travels in ``state`` as ``<nonce>:<redirect>`` with a
CSRF cookie (doOAuthStart, encodeState). ``/oauth2/callback?code=<user>&state=...`` checks the
CSRF cookie against the state's nonce, sets the session cookie and redirects to the URL in
``state`` (OAuthCallback). Forwarded headers are trusted (``--reverse-proxy`` without
``--trusted-proxy-ip`` trusts every peer). The identity provider itself is not modelled: a
test plays it.

Sessions are opaque tokens the stub knows (``Session``); a session may carry a ``refresh``
flag, standing for a cookie refresh that makes oauth2-proxy send ``Set-Cookie`` with its 200.

Bearer tokens (``--skip-jwt-bearer-tokens``): before the cookie, the JWT session loader
(``oauthproxy.go`` buildSessionChain lines 411-427, ``pkg/middleware/jwt_session.go``) takes
``Authorization: Bearer <JWT>`` (the token matching ``jwtRegexFormat``, line 16) and tries
the verifiers in order: the provider's own (only for the types with an OIDC verifier,
``providers/providers.go`` lines 190-202: issuer ``--oidc-issuer-url``, audience the client id
or an ``--oidc-extra-audience``), then one per ``--extra-jwt-issuers=issuer=audience``
(``pkg/validation/options.go`` lines 55-72, 129-169: the pair's audience or an
``--oidc-extra-audience``). A verifier accepts a token whose signature and expiry verify,
whose ``iss`` is its issuer and one of whose ``aud`` values is allowed, exactly
(``pkg/providers/oidc/verifier.go`` lines 31-97). The session is ``sub``/``email`` of the
token (``pkg/apis/middleware/session.go`` lines 21-60). A token no verifier accepts gives no
session (``--bearer-token-login-fallback`` defaults to true): the cookie is tried next. The
signature stands for the issuer's keys: :func:`sign_jwt` signs with :data:`ISSUER_KEY`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import posixpath
import re
import secrets
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

SESSION_COOKIE = "_oauth2_proxy"
CSRF_COOKIE = "_oauth2_proxy_csrf"
IDP_AUTHORIZE = "https://login.example.com/authorize"
BACKEND_401_CHALLENGE = 'Bearer realm="app", error="invalid_token"'
BACKEND_401_BODY = "backend says: token expired"
BACKEND_404_BODY = "backend says: no such page"
#: pkg/app/pagewriter/robots.txt at v7.15.3
ROBOTS_TXT = "User-agent: *\nDisallow: /\n"
#: The files oauth2-proxy's static file server holds (``static/`` at v7.15.3, embedded by
#: ``oauthproxy.go`` line 70).
STATIC_FILES = frozenset({"css/all.min.css", "css/bulma.min.css", "webfonts/fa-solid-900.woff2"})
#: Methods the stubs answer (every one the suite sends).
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
TIMEOUT = 5.0
#: The key of every issuer the tests play (a stand-in for its JWKS).
ISSUER_KEY = b"the issuers' signing key"
#: ``jwtRegexFormat``, pkg/middleware/jwt_session.go line 16 at v7.15.3.
JWT_RE = re.compile(r"^ey[a-zA-Z0-9_-]*\.ey[a-zA-Z0-9_-]*\.[a-zA-Z0-9_-]+$")
#: Provider types oauth2-proxy builds an OIDC verifier for (providers/providers.go 196-198).
VERIFIER_TYPES = frozenset(
    {"oidc", "adfs", "azure", "cidaas", "gitlab", "keycloak-oidc", "entra-id"}
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_jwt(claims: Mapping[str, object], key: bytes = ISSUER_KEY) -> str:
    """A JWT of ``claims`` (``exp`` an hour ahead unless given), signed with ``key``."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps({"exp": int(time.time()) + 3600, **claims}).encode())
    mac = hmac.new(key, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64(mac)}"


def _verified_claims(token: str) -> dict[str, object] | None:
    header, body, signature = token.split(".")
    mac = hmac.new(ISSUER_KEY, f"{header}.{body}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(_b64(mac), signature):
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    if not isinstance(claims, dict) or float(claims.get("exp", 0)) <= time.time():
        return None
    return claims


@dataclass(frozen=True)
class Session:
    user: str
    email: str = ""
    preferred_username: str = ""
    groups: tuple[str, ...] = ()
    refresh: bool = False  # oauth2-proxy refreshes the cookie: Set-Cookie on its 200
    #: The session's ID token; empty for a provider that issues none (GitHub's sessions
    #: hold an access token only: providers/provider_default.go Redeem).
    id_token: str = ""


@dataclass
class ProxyConfig:
    """The oauth2-proxy settings the stub honours, with v7.15.3's defaults
    (pkg/apis/options/options.go NewOptions / NewFlagSet, lines 100-165)."""

    skip_provider_button: bool = True
    api_routes: tuple[str, ...] = ("^/api/",)
    #: ``--redirect-url``; without a host the request's host is used (getOAuthRedirectURI).
    redirect_url: str = "/oauth2/callback"
    proxy_prefix: str = "/oauth2"
    ping_path: str = "/ping"
    ping_user_agent: str = ""
    ready_path: str = "/ready"
    gcp_healthchecks: bool = False
    skip_auth_preflight: bool = False
    force_json_errors: bool = False
    sessions: dict[str, Session] = field(default_factory=dict)
    #: ``--set-authorization-header``: ``Authorization: Bearer <ID token>`` in the answer,
    #: skipped when the session has no ID token (legacy_options.go getAuthorizationHeader,
    #: pkg/header/injector.go: an empty claim adds no header).
    set_authorization_header: bool = False
    #: ``--skip-jwt-bearer-tokens``: (issuer, allowed audiences) of each JWT verifier, in
    #: the order they are tried; empty without the flag.
    jwt_verifiers: tuple[tuple[str, frozenset[str]], ...] = ()

    @classmethod
    def from_flags(
        cls,
        flags: Mapping[str, Sequence[str]],
        sessions: dict[str, Session],
        client_id: str = "",
    ) -> ProxyConfig:
        """The settings a Deployment's flags (``{"--name": [value, ...]}``) give."""

        def last(name: str, default: str) -> str:
            values = flags.get(name)
            return values[-1] if values else default

        def on(name: str) -> bool:
            return last(name, "false") in ("", "true")  # a bare bool flag means true

        return cls(
            skip_provider_button=on("--skip-provider-button"),
            api_routes=tuple(r for v in flags.get("--api-route", []) for r in v.split(",")),
            redirect_url=last("--redirect-url", ""),
            proxy_prefix=last("--proxy-prefix", "/oauth2"),
            ping_path=last("--ping-path", "/ping"),
            ping_user_agent=last("--ping-user-agent", ""),
            ready_path=last("--ready-path", "/ready"),
            gcp_healthchecks=on("--gcp-healthchecks"),
            skip_auth_preflight=on("--skip-auth-preflight"),
            force_json_errors=on("--force-json-errors"),
            sessions=sessions,
            set_authorization_header=on("--set-authorization-header"),
            jwt_verifiers=_jwt_verifiers(flags, client_id)
            if on("--skip-jwt-bearer-tokens")
            else (),
        )


def _jwt_verifiers(
    flags: Mapping[str, Sequence[str]], client_id: str
) -> tuple[tuple[str, frozenset[str]], ...]:
    extra = frozenset(flags.get("--oidc-extra-audience", []))
    verifiers = []
    if flags.get("--provider", [""])[-1] in VERIFIER_TYPES:
        verifiers.append((flags["--oidc-issuer-url"][-1], frozenset({client_id}) | extra))
    for pair in flags.get("--extra-jwt-issuers", []):
        issuer, _, audience = pair.partition("=")  # split at the first '=', rest joined
        verifiers.append((issuer, frozenset({audience}) | extra))
    return tuple(verifiers)


def _cookies(header: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in (header or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            out[name] = value
    return out


def clean_path(path: str) -> str:
    """gorilla/mux v1.8.1 ``cleanPath`` (mux.go line 464), Go's ``path.Clean`` semantics."""
    if path == "":
        return "/"
    if path[0] != "/":
        path = "/" + path
    cleaned = posixpath.normpath(path)
    if cleaned.startswith("//"):  # POSIX keeps a leading "//", Go's path.Clean does not
        cleaned = "/" + cleaned.lstrip("/")
    if path[-1] == "/" and cleaned != "/":
        cleaned += "/"
    return cleaned


class _Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = TIMEOUT

    def log_message(self, format: str, *args: object) -> None:
        pass

    def read_body(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)

    def reply(self, status: int, headers: list[tuple[str, str]], body: str) -> None:
        data = body.encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


class OAuth2ProxyStub(_Quiet):
    config: ProxyConfig
    seen: list[dict[str, str]]

    def handle_any(self) -> None:
        self.read_body()
        self.seen.append(
            {
                "method": self.command,
                "path": self.path,
                **{k.lower(): v for k, v in self.headers.items()},
            }
        )
        escaped = urlsplit(self.path).path  # the path as sent: Go's EscapedPath
        clean = clean_path(escaped)
        if clean != escaped:  # mux.go ServeHTTP line 182
            query = urlsplit(self.path).query
            self.reply(301, [("Location", clean + (f"?{query}" if query else ""))], "")
            return
        if self.pre_auth(escaped):
            return
        self.route(escaped)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = handle_any  # noqa: N815

    def pre_auth(self, path: str) -> bool:
        """buildPreAuthChain: the health check, then the readiness check. True if answered."""
        cfg = self.config
        paths = {cfg.ping_path}
        agents = {cfg.ping_user_agent}
        if cfg.gcp_healthchecks:
            paths |= {"/liveness_check", "/readiness_check"}
            agents |= {"GoogleHC/1.0"}
        paths.discard("")
        agents.discard("")
        if path in paths and (not agents or self.headers.get("User-Agent", "") in agents):
            self.reply(200, [], "OK")
            return True
        if cfg.ready_path and path == cfg.ready_path:
            self.reply(200, [], "OK")  # the cookie session store has no connection to verify
            return True
        return False

    def route(self, path: str) -> None:
        """buildServeMux: robots, the auth-only path, the proxy prefix, then ``Proxy``."""
        prefix = self.config.proxy_prefix
        if path == "/robots.txt":
            self.reply(200, [("Content-Type", "text/plain; charset=utf-8")], ROBOTS_TXT)
            return
        if path == f"{prefix}/auth":
            self.auth_only()
            return
        if path.startswith(prefix):  # mux PathPrefix: a plain string prefix
            sub = path[len(prefix) :]
            handlers = {
                "/start": self.start,
                "/callback": self.callback,
                "/sign_in": self.sign_in,
                "/userinfo": self.userinfo,
                "/sign_out": self.sign_out,
            }
            if sub in handlers:
                handlers[sub]()
                return
            if sub.startswith("/static/"):
                name = sub.removeprefix("/static/")
                if name in STATIC_FILES or name in ("", "css/", "webfonts/"):  # or a listing
                    self.reply(200, [("Content-Type", "text/css")], "/* static */")
                else:
                    self.reply(404, [], "404 page not found")
                return
            # no route of the prefix matched: mux falls through to the catch-all
        self.proxy()

    def request_uri(self) -> str:
        """requestutil.GetRequestURI: X-Forwarded-Uri (trusted), else the request URI."""
        return self.headers.get("X-Forwarded-Uri") or self.path

    def redirect_target(self) -> str:
        """appDirector.GetRedirect, without the domain allow-list (every test URL is allowed)."""
        rd = parse_qs(urlsplit(self.path).query).get("rd")
        if rd and rd[0]:
            return rd[0]
        if self.headers.get("X-Auth-Request-Redirect"):
            return self.headers["X-Auth-Request-Redirect"]
        host = self.headers.get("Host", "")
        fwd_host = self.headers.get("X-Forwarded-Host", "")
        uri = self.request_uri()
        under_prefix = uri.startswith(self.config.proxy_prefix.rstrip("/") + "/")
        if fwd_host and fwd_host != host:  # IsForwardedRequest, --reverse-proxy on
            proto = self.headers.get("X-Forwarded-Proto", "http")
            return f"{proto}://{fwd_host}{'/' if under_prefix else uri}"
        return "/" if under_prefix else uri

    def callback_url(self) -> str:
        """getOAuthRedirectURI (oauthproxy.go lines 1113-1135 at v7.15.3): a redirect URL
        without a host takes the request's host (X-Forwarded-Host is not trusted here), and
        https with --cookie-secure."""
        url = urlsplit(self.config.redirect_url)
        if url.netloc:
            return self.config.redirect_url
        return f"https://{self.headers.get('Host', '')}{url.path}"

    def start(self) -> None:
        nonce = secrets.token_hex(8)
        state = f"{nonce}:{self.redirect_target()}"
        query = urlencode(
            {
                "client_id": "app",
                "redirect_uri": self.callback_url(),
                "response_type": "code",
                "state": state,
            }
        )
        self.reply(
            302,
            [
                ("Location", f"{IDP_AUTHORIZE}?{query}"),
                ("Set-Cookie", f"{CSRF_COOKIE}={nonce}; Path=/; HttpOnly; Secure; SameSite=Lax"),
                ("Cache-Control", "no-cache, no-store, must-revalidate, max-age=0"),
            ],
            "",
        )

    def sign_in(self) -> None:
        """SignIn (line 690): with --skip-provider-button the OAuth start, else the page (200)."""
        if self.config.skip_provider_button:
            self.start()
        else:
            self.sign_in_page(200)

    def userinfo(self) -> None:
        session = self.session()
        if session is None:
            self.reply(401, [("Content-Type", "text/plain")], "Unauthorized")
        else:
            body = json.dumps({"user": session.user, "email": session.email})
            self.reply(200, [("Content-Type", "application/json")], body)

    def sign_out(self) -> None:
        self.reply(302, [("Location", "/"), ("Set-Cookie", f"{SESSION_COOKIE}=; Max-Age=0")], "")

    def callback(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        code = query.get("code", [""])[0]
        nonce, _, redirect = query.get("state", [""])[0].partition(":")
        csrf = _cookies(self.headers.get("Cookie")).get(CSRF_COOKIE)
        if not nonce or csrf != nonce:
            self.reply(403, [("Content-Type", "text/html")], "CSRF token mismatch")
            return
        token = f"session-{code}-{secrets.token_hex(4)}"
        self.config.sessions[token] = Session(user=code, email=f"{code}@example.com")
        self.reply(
            302,
            [
                ("Location", redirect or "/"),
                ("Set-Cookie", f"{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure"),
                ("Set-Cookie", f"{CSRF_COOKIE}=; Path=/; Max-Age=0"),
            ],
            "",
        )

    def session(self) -> Session | None:
        """The JWT session loader first (with bearer tokens), then the cookie's session."""
        bearer = self.jwt_session()
        if bearer is not None:
            return bearer
        return self.config.sessions.get(
            _cookies(self.headers.get("Cookie")).get(SESSION_COOKIE, "")
        )

    def jwt_session(self) -> Session | None:
        if not self.config.jwt_verifiers:
            return None
        kind, _, token = (self.headers.get("Authorization") or "").partition(" ")
        if kind != "Bearer" or not JWT_RE.match(token):
            return None
        claims = _verified_claims(token)
        if claims is None:
            return None
        aud = claims.get("aud")
        audiences = {aud} if isinstance(aud, str) else set(aud or [])  # type: ignore[arg-type]
        for issuer, allowed in self.config.jwt_verifiers:
            if claims.get("iss") == issuer and audiences & allowed:
                sub = str(claims.get("sub", ""))
                return Session(sub, email=str(claims.get("email") or sub), id_token=token)
        return None

    def identity(self, session: Session) -> list[tuple[str, str]]:
        headers = [("GAP-Auth", session.email or session.user)]
        if self.config.set_authorization_header and session.id_token:
            headers.append(("Authorization", f"Bearer {session.id_token}"))
        for name, value in (
            ("X-Auth-Request-User", session.user),
            ("X-Auth-Request-Email", session.email),
            ("X-Auth-Request-Preferred-Username", session.preferred_username),
            ("X-Auth-Request-Groups", ",".join(g for g in session.groups if g)),
        ):
            if value:  # empty claims are skipped
                headers.append((name, value))
        return headers

    def auth_only(self) -> None:
        """``/oauth2/auth`` (AuthOnly): 202 with the headers when signed in, else 401."""
        session = self.session()
        if session is None:
            self.reply(401, [("Content-Type", "text/plain")], "Unauthorized")
        else:
            self.reply(202, self.identity(session), "")

    def sign_in_page(self, status: int) -> None:
        rd = escape(self.redirect_target(), quote=True)  # html/template escaping
        page = (
            '<html><body><form method="GET" action="/oauth2/start">'
            f'<input type="hidden" name="rd" value="{rd}">'
            "<button>Sign in</button></form></body></html>"
        )
        self.reply(status, [("Content-Type", "text/html; charset=utf-8")], page)

    def proxy(self) -> None:
        cfg = self.config
        if cfg.skip_auth_preflight and self.command == "OPTIONS":  # IsAllowedRequest
            self.reply(200, [("Content-Type", "text/plain")], "Authenticated")
            return
        session = self.session()
        if session is not None:
            headers = self.identity(session)
            if session.refresh:
                headers.append(("Set-Cookie", f"{SESSION_COOKIE}=refreshed; Path=/; HttpOnly"))
            self.reply(200, [*headers, ("Content-Type", "text/plain")], "Authenticated")
            return
        accept = [m.strip() for v in self.headers.get_all("Accept", []) for m in v.split(",")]
        uri = self.request_uri()
        if (
            cfg.force_json_errors
            or "application/json" in accept
            or any(re.search(r, uri) for r in cfg.api_routes)
        ):
            self.reply(401, [("Content-Type", "application/json")], "{}")
        elif cfg.skip_provider_button:
            self.start()
        else:
            self.sign_in_page(403)


class BackendStub(_Quiet):
    def handle_any(self) -> None:
        self.read_body()
        path = urlsplit(self.path).path
        if path == "/private":
            self.reply(
                401,
                [("WWW-Authenticate", BACKEND_401_CHALLENGE), ("Content-Type", "text/plain")],
                BACKEND_401_BODY,
            )
        elif path == "/missing":
            self.reply(404, [("Content-Type", "text/plain")], BACKEND_404_BODY)
        else:
            echo = {
                "method": self.command,
                "path": self.path,
                "headers": [[k.lower(), v] for k, v in self.headers.items()],
            }
            self.reply(200, [("Content-Type", "application/json")], json.dumps(echo))

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = handle_any  # noqa: N815


@dataclass
class Stubs:
    proxy_port: int
    backend_port: int
    proxy_seen: list[dict[str, str]]
    config: ProxyConfig


@contextlib.contextmanager
def running_stubs(config: ProxyConfig) -> Iterator[Stubs]:
    """Both stubs on 127.0.0.1 (ephemeral ports), in daemon threads, shut down on exit."""
    seen: list[dict[str, str]] = []
    proxy_cls = type("Proxy", (OAuth2ProxyStub,), {"config": config, "seen": seen})
    servers = [
        ThreadingHTTPServer(("127.0.0.1", 0), proxy_cls),
        ThreadingHTTPServer(("127.0.0.1", 0), BackendStub),
    ]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for s in servers:
        s.daemon_threads = True
    for t in threads:
        t.start()
    try:
        yield Stubs(servers[0].server_address[1], servers[1].server_address[1], seen, config)
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()
        for t in threads:
            t.join(timeout=TIMEOUT)
