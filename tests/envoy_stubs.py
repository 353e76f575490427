"""Loopback HTTP stubs for the Envoy behaviour suite: oauth2-proxy in the chosen mode, a backend.

The oauth2-proxy stub answers as oauth2-proxy v7.15.3 does with ``--upstream=static://200
--set-xauthrequest --reverse-proxy --api-route=<regex>`` and, when asked,
``--skip-provider-button`` (oauth2-proxy/oauth2-proxy at tag v7.15.3; docs/envoy-gateway-facts.md
§4 has the line numbers):

- any path outside ``/oauth2/`` is ``Proxy`` (oauthproxy.go): with a valid session cookie,
  200 from the static upstream plus the response headers injected by ``--set-xauthrequest``
  (X-Auth-Request-User/-Email/-Preferred-Username/-Groups, groups joined with commas, a header
  skipped when its claim is empty: pkg/header/injector.go newClaimInjector), ``GAP-Auth``
  and, with ``--set-authorization-header``, ``Authorization: Bearer <ID token>`` when the
  session has one;
  without one, 401 ``{}`` as application/json when ``Accept`` lists exactly
  ``application/json`` (isAjax) or the path matches an API route (isAPIPath), else a 302 to the
  identity provider (doOAuthStart, with ``--skip-provider-button``) or a 403 sign-in page
  (SignInPage) whose form sends ``rd`` to ``/oauth2/start``;
- the redirect back is found as appDirector.GetRedirect does (pkg/app/redirect/director.go and
  getters.go): ``rd`` query parameter, ``X-Auth-Request-Redirect``, X-Forwarded-* (only when
  X-Forwarded-Host differs from Host), else the request URI; it travels in ``state`` as
  ``<nonce>:<redirect>`` with a CSRF cookie (doOAuthStart, encodeState);
- ``/oauth2/start`` starts the same flow; ``/oauth2/callback?code=<user>&state=...`` checks the
  CSRF cookie against the state's nonce, sets the session cookie and redirects to the URL in
  ``state`` (OAuthCallback). The identity provider itself is not modelled: a test plays it.

Sessions are opaque tokens the stub knows (``Session``); a session may carry a ``refresh``
flag, standing for a cookie refresh that makes oauth2-proxy send ``Set-Cookie`` with its 200.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import threading
from collections.abc import Iterator
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
TIMEOUT = 5.0


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
    skip_provider_button: bool = True
    api_routes: tuple[str, ...] = ("^/api/",)
    #: ``--redirect-url``; without a host the request's host is used (getOAuthRedirectURI).
    redirect_url: str = "/oauth2/callback"
    sessions: dict[str, Session] = field(default_factory=dict)
    #: ``--set-authorization-header``: ``Authorization: Bearer <ID token>`` in the answer,
    #: skipped when the session has no ID token (legacy_options.go getAuthorizationHeader,
    #: pkg/header/injector.go: an empty claim adds no header).
    set_authorization_header: bool = False


def _cookies(header: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in (header or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            out[name] = value
    return out


class _Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = TIMEOUT

    def log_message(self, format: str, *args: object) -> None:
        pass

    def reply(self, status: int, headers: list[tuple[str, str]], body: str) -> None:
        data = body.encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class OAuth2ProxyStub(_Quiet):
    config: ProxyConfig
    seen: list[dict[str, str]]

    def do_GET(self) -> None:
        self.seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        path = urlsplit(self.path).path
        if path == "/oauth2/start":
            self.start()
        elif path == "/oauth2/callback":
            self.callback()
        elif path == "/oauth2/auth":
            self.auth_only()
        elif path.startswith("/oauth2/"):
            self.reply(404, [], "404 page not found")
        else:
            self.proxy()

    def redirect_target(self) -> str:
        """appDirector.GetRedirect, without the domain allow-list (every test URL is allowed)."""
        rd = parse_qs(urlsplit(self.path).query).get("rd")
        if rd and rd[0]:
            return rd[0]
        if self.headers.get("X-Auth-Request-Redirect"):
            return self.headers["X-Auth-Request-Redirect"]
        host = self.headers.get("Host", "")
        fwd_host = self.headers.get("X-Forwarded-Host", "")
        uri = self.headers.get("X-Forwarded-Uri") or self.path
        if fwd_host and fwd_host != host:  # IsForwardedRequest, --reverse-proxy on
            proto = self.headers.get("X-Forwarded-Proto", "http")
            return f"{proto}://{fwd_host}{'/' if uri.startswith('/oauth2/') else uri}"
        return "/" if uri.startswith("/oauth2/") else uri

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
        return self.config.sessions.get(
            _cookies(self.headers.get("Cookie")).get(SESSION_COOKIE, "")
        )

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

    def proxy(self) -> None:
        session = self.session()
        if session is not None:
            headers = self.identity(session)
            if session.refresh:
                headers.append(("Set-Cookie", f"{SESSION_COOKIE}=refreshed; Path=/; HttpOnly"))
            self.reply(200, [*headers, ("Content-Type", "text/plain")], "Authenticated")
            return
        accept = [m.strip() for v in self.headers.get_all("Accept", []) for m in v.split(",")]
        uri = urlsplit(self.path).path
        if "application/json" in accept or any(re.search(r, uri) for r in self.config.api_routes):
            self.reply(401, [("Content-Type", "application/json")], "{}")
        elif self.config.skip_provider_button:
            self.start()
        else:
            rd = escape(self.redirect_target(), quote=True)  # html/template escaping
            page = (
                '<html><body><form method="GET" action="/oauth2/start">'
                f'<input type="hidden" name="rd" value="{rd}">'
                "<button>Sign in</button></form></body></html>"
            )
            self.reply(403, [("Content-Type", "text/html; charset=utf-8")], page)


class BackendStub(_Quiet):
    def do_GET(self) -> None:
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
            echo = {"path": self.path, "headers": [[k.lower(), v] for k, v in self.headers.items()]}
            self.reply(200, [("Content-Type", "application/json")], json.dumps(echo))


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
