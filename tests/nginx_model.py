"""A small model of the nginx configuration ingress-nginx generates for one protected Ingress.

Only the parts that decide what happens to a 401 are modelled. Each block below names the
piece of ingress-nginx it stands for: ``rootfs/etc/nginx/template/nginx.tmpl`` ("tmpl"),
``internal/ingress/controller/template/template.go`` ("template.go") and the annotation
parsers under ``internal/ingress/annotations/`` ("parsers"). Everything else the real template
emits (Lua balancer, logging, TLS, headers for the backend...) is left out: it does not touch
``auth_request``, ``error_page`` or ``proxy_intercept_errors``.

Stand-ins, all on 127.0.0.1 in the same nginx:

- the app's Service is a server block answering ``/private`` with 401 (``WWW-Authenticate``
  and a body), ``/missing`` with 404 and everything else with 200;
- oauth2-proxy's ``/oauth2/auth`` answers 202 when the ``_oauth2_proxy`` cookie is present,
  401 without it (it never redirects); the ``auth-url`` host is mapped to it;
- the controller's default backend answers custom error pages with the code in ``X-Code``.

The controller's admission rules are modelled as it applies them without the admission
webhook (DOMAIN.md §3): an annotation riskier than ``annotations-risk-level`` drops the whole
Ingress; a snippet annotation while ``allow-snippet-annotations`` is false is dropped alone;
``disable-proxy-intercept-errors`` (annotation and ConfigMap key) does nothing before v1.10.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from oauth_ingress_construct import IngressNginx, RiskLevel

SESSION_COOKIE = "_oauth2_proxy"
BACKEND_401_BODY = "backend: your token expired\n"
BACKEND_401_CHALLENGE = 'Bearer realm="backend", error="invalid_token"'
BACKEND_404_BODY = "backend: no such item\n"
BACKEND_200_BODY = "backend: hello\n"

# Risk levels as the parsers declare them (authreq, customhttperrors,
# disableproxyintercepterrors, proxy, snippet, serversnippet main.go). Kept here on purpose,
# apart from the package's own table, so that a wrong entry there shows up as a difference.
PARSER_RISK: Mapping[str, RiskLevel] = {
    "auth-url": RiskLevel.HIGH,
    "auth-signin": RiskLevel.HIGH,
    "auth-signin-redirect-param": RiskLevel.MEDIUM,
    "auth-response-headers": RiskLevel.MEDIUM,
    "custom-http-errors": RiskLevel.LOW,
    "disable-proxy-intercept-errors": RiskLevel.LOW,
    "proxy-buffer-size": RiskLevel.LOW,
    "server-snippet": RiskLevel.CRITICAL,
    "configuration-snippet": RiskLevel.CRITICAL,
}


@dataclass(frozen=True)
class Ports:
    """Loopback ports: the controller's listener and the three stand-in servers."""

    ingress: int
    backend: int
    auth: int
    errors: int


@dataclass(frozen=True)
class IngressPath:
    """One ``spec.rules[].http.paths[]`` entry of the protected Ingress."""

    path: str = "/"
    path_type: str = "Prefix"


def admitted(annotations: Mapping[str, str], controller: IngressNginx) -> dict[str, str] | None:
    """The annotations the controller keeps, or ``None`` when it drops the whole Ingress.

    Annotation keys are given without the ``nginx.ingress.kubernetes.io/`` prefix.
    """
    kept: dict[str, str] = {}
    for key, value in annotations.items():
        if key.endswith("-snippet") and not controller.snippets_allowed:
            continue  # allow-snippet-annotations: false drops the snippet, keeps the rest
        if controller.at_least(1, 9, 0) and PARSER_RISK.get(key, RiskLevel.LOW) > (
            controller.risk_level
        ):
            return None  # annotations-risk-level: the Ingress is refused as a whole
        if key == "disable-proxy-intercept-errors" and not controller.at_least(1, 10, 0):
            continue  # no effect before v1.10 (ingress-nginx #10832)
        kept[key] = value
    return kept


def _codes(value: str | None) -> list[int]:
    return [int(c) for c in value.split(",") if c.strip()] if value else []


def build_auth_location(path: IngressPath) -> str:
    """template.go buildAuthLocation: ``/_external-auth-<base64url(path) without '='>-<type>``."""
    encoded = base64.urlsafe_b64encode(path.path.encode()).decode().replace("=", "")
    return f"/_external-auth-{encoded}-{path.path_type}"


def build_auth_signin_location(path: IngressPath, signin_url: str) -> str:
    """template.go buildAuthSignURLLocation: ``@`` + sha1(location path + signin URL)."""
    digest = hashlib.sha1((path.path + signin_url).encode(), usedforsecurity=False)
    return "@" + digest.hexdigest()


def build_auth_signin_url(signin_url: str, redirect_param: str = "rd") -> str:
    """template.go buildAuthSignURL: append the escaped original URL unless ``rd`` is there."""
    query = parse_qs(urlsplit(signin_url).query)
    original = "$pass_access_scheme://$http_host$escaped_request_uri"
    if not query:
        return f"{signin_url}?{redirect_param}={original}"
    if query.get(redirect_param):
        return signin_url
    return f"{signin_url}&{redirect_param}={original}"


def _location_path(path: IngressPath) -> str:
    # The real template turns a Prefix path into a regex or two locations; one prefix
    # location is enough here (the protected Ingress of these tests serves "/").
    return f"= {path.path}" if path.path_type == "Exact" else path.path


def _auth_target(auth_url: str, ports: Ports) -> tuple[str, str]:
    parts = urlsplit(auth_url)
    target = f"http://127.0.0.1:{ports.auth}{parts.path or '/'}"
    if parts.query:
        target += "?" + parts.query
    return target, parts.hostname or ""


def _custom_error_location(code: int, ports: Ports) -> str:
    # tmpl define "CUSTOM_ERRORS": one named location per code, proxying to the default
    # backend with X-Code; interception is off inside it.
    return f"""
        location @custom_upstream-default-backend_{code} {{
            internal;
            proxy_intercept_errors off;
            proxy_set_header X-Code {code};
            proxy_set_header X-Original-URI $request_uri;
            rewrite (.*) / break;
            proxy_pass http://127.0.0.1:{ports.errors};
        }}"""


def render(
    annotations: Mapping[str, str],
    controller: IngressNginx,
    *,
    host: str,
    ports: Ports,
    prefix: Path,
    modules: Sequence[Path],
    paths: Sequence[IngressPath] = (IngressPath(),),
) -> str:
    """The nginx.conf for one protected Ingress (``annotations`` without the key prefix)."""
    ann = admitted(annotations, controller)
    cfg_codes = list(controller.custom_http_errors)
    cfg_disable = controller.disable_proxy_intercept_errors and controller.at_least(1, 10, 0)
    http_intercept = ""
    if cfg_codes and not cfg_disable:
        # tmpl http block: {{ if and $cfg.CustomHTTPErrors (not $cfg.DisableProxyInterceptErrors) }}
        http_intercept = "proxy_intercept_errors on;"
    http_error_pages = "\n".join(
        # tmpl http block: one error_page per ConfigMap code. nginx inherits these into a
        # location only if it has no error_page of its own, and auth-signin gives it one.
        f"    error_page {c} = @custom_upstream-default-backend_{c};"
        for c in cfg_codes
    )

    server = ""
    if ann is not None:
        server = _protected_server(ann, cfg_codes, host=host, ports=ports, paths=paths)

    loads = "\n".join(f"load_module {m};" for m in modules)
    error_codes = sorted({*cfg_codes, *(_codes(ann.get("custom-http-errors")) if ann else [])})
    error_pages = "\n".join(
        f'            if ($http_x_code = "{c}") {{ return {c} "custom error page {c}\\n"; }}'
        for c in error_codes
    )
    return f"""# Model of ingress-nginx {controller.describe()}
{loads}
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 64; }}

http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    default_type text/plain;

    # tmpl http block (use-forwarded-headers off): scheme seen by the controller
    map '' $pass_access_scheme {{ default $scheme; }}
    map $http_host $best_http_host {{ default $http_host; '' $host; }}

    {http_intercept}
{http_error_pages}

    # tmpl: the catch-all server answering hosts no (admitted) Ingress serves
    server {{
        listen 127.0.0.1:{ports.ingress} default_server;
        location / {{ return 404 "default backend - 404\\n"; }}
    }}
{server}
    # stand-in for the app's Service
    server {{
        listen 127.0.0.1:{ports.backend};
        location / {{ return 200 "{BACKEND_200_BODY.strip()}\\n"; }}
        location /private {{
            add_header WWW-Authenticate '{BACKEND_401_CHALLENGE}' always;
            return 401 "{BACKEND_401_BODY.strip()}\\n";
        }}
        location /missing {{ return 404 "{BACKEND_404_BODY.strip()}\\n"; }}
    }}

    # stand-in for oauth2-proxy: /oauth2/auth is 202 with a session, 401 without
    server {{
        listen 127.0.0.1:{ports.auth};
        location = /oauth2/auth {{
            if ($cookie_{SESSION_COOKIE} = "") {{ return 401 "no session\\n"; }}
            add_header X-Auth-Request-User alice;
            return 202;
        }}
        location / {{ return 404; }}
    }}

    # stand-in for the controller's default backend (custom error pages)
    server {{
        listen 127.0.0.1:{ports.errors};
        location / {{
{error_pages}
            return 404 "custom error page\\n";
        }}
    }}
}}
"""


def _protected_server(
    ann: Mapping[str, str],
    cfg_codes: Sequence[int],
    *,
    host: str,
    ports: Ports,
    paths: Sequence[IngressPath],
) -> str:
    ing_codes = _codes(ann.get("custom-http-errors"))
    ing_disable = ann.get("disable-proxy-intercept-errors", "false").lower() == "true"
    auth_url = ann.get("auth-url")
    signin_url = ann.get("auth-signin")
    redirect_param = ann.get("auth-signin-redirect-param", "rd")
    response_headers = [h for h in ann.get("auth-response-headers", "").split(",") if h]

    blocks: list[str] = []
    if "server-snippet" in ann:
        # tmpl: "Custom code snippet configured for host" inside the server block
        blocks.append("        # server-snippet\n        " + ann["server-snippet"])
    # tmpl: buildCustomErrorLocationsPerServer + CUSTOM_ERRORS for ConfigMap and Ingress codes
    blocks.extend(_custom_error_location(c, ports) for c in sorted({*cfg_codes, *ing_codes}))

    for path in paths:
        auth_location = build_auth_location(path) if auth_url else ""
        protect: list[str] = []
        if auth_url:
            target, auth_host = _auth_target(auth_url, ports)
            # tmpl: "location = {{ $authPath }}": the internal auth sub-request location
            blocks.append(f"""
        location = {auth_location} {{
            internal;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Forwarded-Proto "";
            proxy_set_header Host {auth_host};
            proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
            proxy_set_header X-Original-Method $request_method;
            proxy_set_header X-Sent-From "nginx-ingress-controller";
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Auth-Request-Redirect $request_uri;
            proxy_http_version 1.1;
            set $target {target};
            proxy_pass $target;
        }}""")
            # tmpl: "# this location requires authentication"
            protect += [
                f"auth_request {auth_location};",
                "auth_request_set $auth_cookie $upstream_http_set_cookie;",
                "add_header Set-Cookie $auth_cookie;",
            ]
            for i, header in enumerate(response_headers):
                # template.go buildAuthResponseHeaders
                var = f"$authHeader{i}"
                upstream_var = "$upstream_http_" + header.lower().replace("-", "_")
                protect += [
                    f"auth_request_set {var} {upstream_var};",
                    f"proxy_set_header '{header}' {var};",
                ]
        if signin_url:
            named = build_auth_signin_location(path, signin_url)
            # tmpl: the named location auth-signin creates, redirecting to the sign-in URL
            blocks.append(f"""
        location {named} {{
            internal;
            add_header Set-Cookie $auth_cookie;
            return 302 {build_auth_signin_url(signin_url, redirect_param)};
        }}""")
            protect += [
                "set_escape_uri $escaped_request_uri $request_uri;",
                f"error_page 401 = {named};",
            ]

        intercept: list[str] = []
        if ing_codes and not ing_disable:
            # tmpl: "# Custom error pages per ingress"
            intercept.append("proxy_intercept_errors on;")
        intercept += [f"error_page {c} = @custom_upstream-default-backend_{c};" for c in ing_codes]

        snippet = ann.get("configuration-snippet", "")
        body = "\n            ".join(
            [
                *protect,
                "proxy_set_header Host $best_http_host;",
                "proxy_set_header X-Forwarded-Proto $pass_access_scheme;",
                # tmpl: {{ $location.ConfigurationSnippet }} comes after the proxy settings
                # and before the per-Ingress custom errors
                "# configuration-snippet",
                *snippet.splitlines(),
                *intercept,
                f"proxy_pass http://127.0.0.1:{ports.backend};",
            ]
        )
        blocks.append(f"""
        location {_location_path(path)} {{
            {body}
        }}""")

    inner = "\n".join(blocks)
    return f"""
    ## start server {host}
    server {{
        listen 127.0.0.1:{ports.ingress};
        server_name {host};
{inner}
    }}
    ## end server {host}
"""
