"""A small model of the nginx configuration ingress-nginx generates for one protected Ingress.

Only the parts that decide what happens to a 401 are modelled. Each block below names the
piece of ingress-nginx it stands for: ``rootfs/etc/nginx/template/nginx.tmpl`` ("tmpl"),
``internal/ingress/controller/template/template.go`` ("template.go") and the annotation
parsers under ``internal/ingress/annotations/`` ("parsers"). Everything else the real template
emits (Lua balancer, logging, TLS, headers for the backend...) is left out: it does not touch
``auth_request``, ``error_page`` or ``proxy_intercept_errors``.

Stand-ins, all on 127.0.0.1 in the same nginx:

- the app's Service is a server block answering ``/private`` with 401 (``WWW-Authenticate``
  and a body), ``/missing`` with 404, ``/whoami`` with the ``X-Auth-Request-User`` and
  ``-Groups`` it received, and everything else with 200;
- oauth2-proxy's ``/oauth2/auth`` answers 202 when the ``_oauth2_proxy`` cookie is present,
  401 without it (it never redirects); the ``auth-url`` host is mapped to it;
- the controller's default backend answers custom error pages with the code in ``X-Code``
  and ``404 default backend`` without it; or, to show CVE-2026-24513, one that ignores
  ``X-Code`` and answers 200 to everything (``error_backend_answers_200``).

The controller's admission rules are modelled in the order it applies them without the
admission webhook (DOMAIN.md §3): first the risk check over *all* annotations
(annotations.go ``Extractor.Extract`` l.185-188 calls every parser's ``Validate`` and returns an
error for the whole Ingress; store.go l.949-953 then never syncs it: the host is not served);
only for an Ingress that passed are snippets dropped while ``allow-snippet-annotations`` is
false (controller.go ``createServers`` l.1323-1325, ``dropSnippetDirectives`` l.697);
``disable-proxy-intercept-errors`` (annotation and ConfigMap key) does nothing before v1.10.
With the admission webhook on, both refusals happen at ``kubectl apply`` instead
(controller.go ``CheckIngress`` l.402-403 refuses a disabled snippet; the risk check is the
same ``Extract``). Line numbers are those of ingress-nginx v1.15.1.
"""

from __future__ import annotations

import base64
import hashlib
import re
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
DEFAULT_BACKEND_404_BODY = "default backend - 404\n"
ERROR_BACKEND_200_BODY = "default backend: ok (X-Code ignored)\n"

# Risk levels as the parsers declare them (authreq, customhttperrors,
# disableproxyintercepterrors, proxy, snippet, serversnippet main.go). Kept here on purpose,
# apart from the package's own table, so that a wrong entry there shows up as a difference.
PARSER_RISK: Mapping[str, RiskLevel] = {
    "auth-url": RiskLevel.HIGH,
    "auth-signin": RiskLevel.HIGH,
    "auth-signin-redirect-param": RiskLevel.MEDIUM,
    "auth-response-headers": RiskLevel.MEDIUM,
    "auth-cache-key": RiskLevel.MEDIUM,
    "auth-cache-duration": RiskLevel.MEDIUM,
    "auth-keepalive": RiskLevel.LOW,
    "custom-http-errors": RiskLevel.LOW,
    "disable-proxy-intercept-errors": RiskLevel.LOW,
    "proxy-buffer-size": RiskLevel.LOW,
    "server-snippet": RiskLevel.CRITICAL,
    "configuration-snippet": RiskLevel.CRITICAL,
}


# authreq main.go l.90-95, 120-125 (v1.15.1): the validators of the cache annotations
# (parser/validators.go l.70 ExtendedCharsRegex, l.74 NGINXVariable). A key that fails its
# validator is dropped with a warning (no cache); a duration that fails makes the location
# denied.
CACHE_KEY_VALIDATOR = re.compile(r"^[A-Za-z0-9\-\_\$\{\}]*$")
CACHE_DURATION_VALIDATOR = re.compile(r"^[/\-\.\_\~a-zA-Z0-9\/:, ]*$")
#: authreq main.go l.177: used when the annotation is missing or empty.
DEFAULT_CACHE_DURATION = "200 202 401 5m"

# The two Lua files of ingress-nginx v1.15.1 the auth modes run, verbatim
# (rootfs/etc/nginx/lua/nginx/ngx_conf_rewrite_auth.lua and ngx_conf_external_auth.lua);
# the model inlines them as *_by_lua_block instead of *_by_lua_file.
REWRITE_AUTH_LUA = "ngx.var.cache_key = ngx.encode_base64(ngx.sha1_bin(ngx.var.tmp_cache_key))"
EXTERNAL_AUTH_LUA = """local auth_path = ngx.var.auth_path
local auth_keepalive_share_vars = ngx.var.auth_keepalive_share_vars == "true" and true or false
local auth_response_headers = ngx.var.auth_response_headers
local ngx_re_split = require("ngx.re").split
local ipairs = ipairs
local ngx_log = ngx.log
local ngx_ERR = ngx.ERR

local res = ngx.location.capture(auth_path, {
    method = ngx.HTTP_GET, body = '',
    share_all_vars = auth_keepalive_share_vars })

if res.status == ngx.HTTP_OK then
    local header_parts, err = ngx_re_split(auth_response_headers, ",")
    if err then
       ngx_log(ngx_ERR, err)
       return
    end
    ngx.var.auth_cookie = res.header['Set-Cookie']
    for i, header_name in ipairs(header_parts) do
        local varname = "authHeader" .. tostring(i)
        ngx.var[varname] = res.header[header_name]
    end
    return
end

if res.status == ngx.HTTP_UNAUTHORIZED or res.status == ngx.HTTP_FORBIDDEN then
    ngx.exit(res.status)
end
ngx.exit(ngx.HTTP_INTERNAL_SERVER_ERROR)"""


OFF_LINE = "proxy_intercept_errors off;"


def needs_lua(annotations: Mapping[str, str]) -> bool:
    """Whether the rendered configuration runs Lua (the auth cache or auth-keepalive)."""
    return "auth-cache-key" in annotations or "auth-keepalive" in annotations


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
    """The annotations the controller keeps, or ``None`` when it refuses the whole Ingress.

    Annotation keys are given without the ``nginx.ingress.kubernetes.io/`` prefix. The order
    is the controller's: the risk check over every annotation first, snippets dropped after.
    """
    if controller.at_least(1, 9, 0) and any(
        PARSER_RISK.get(key, RiskLevel.LOW) > controller.risk_level for key in annotations
    ):
        # annotations.go Extract l.185-188: one annotation above annotations-risk-level and
        # the whole Ingress is refused, snippets included, whatever allow-snippet-annotations
        return None
    kept: dict[str, str] = {}
    for key, value in annotations.items():
        if key.endswith("-snippet") and not controller.snippets_allowed:
            continue  # controller.go l.1323-1325: the snippet is dropped, the rest is served
        if key == "disable-proxy-intercept-errors" and not controller.at_least(1, 10, 0):
            continue  # no effect before v1.10 (ingress-nginx #10832)
        if key == "custom-http-errors" and " " in value and not _trims_http_errors(controller):
            continue  # customhttperrors/main.go: Atoi(" 503") fails, the annotation is skipped
        kept[key] = value
    return kept


def _trims_http_errors(controller: IngressNginx) -> bool:
    """customhttperrors/main.go trims spaces around codes from v1.12.6 and v1.13.2 on."""
    return controller.at_least(1, 13, 2) or (
        controller.at_least(1, 12, 6) and not controller.at_least(1, 13, 0)
    )


def auth_location_intercept_off(controller: IngressNginx) -> bool:
    """Whether the ``= /_external-auth-...`` location carries ``proxy_intercept_errors off;``.

    tmpl l.1044 (v1.15.1): added by commit c0a37c15a (#14495) for v1.15.0 and backported to
    v1.13.7 (#14496) and v1.14.3 (#14497); absent from v1.13.6 and v1.14.2 (checked in both
    tags' nginx.tmpl). Without it the http block's interception and its ``error_page`` for
    401/403 apply to oauth2-proxy's answer (CVE-2026-24513). Kept apart from the package's
    advisory check on purpose, so that a wrong version range there shows up as a difference.
    """
    return (
        controller.at_least(1, 15, 0)
        or (controller.at_least(1, 14, 3) and not controller.at_least(1, 15, 0))
        or (controller.at_least(1, 13, 7) and not controller.at_least(1, 14, 0))
    )


def _codes(value: str | None) -> list[int]:
    return [int(c) for c in value.split(",") if c.strip()] if value else []


@dataclass(frozen=True)
class Location:
    """One nginx location the controller writes for the host: path and type after
    ``updateServerLocations``, and whether it proxies to the controller's default backend."""

    path: str
    path_type: str
    default_backend: bool = False


def server_locations(paths: Sequence[IngressPath]) -> list[Location]:
    """The locations of the host for an Ingress with these paths, as the controller makes them.

    - controller.go ``createServers`` l.1374-1382 (v1.15.1): every new host starts with a root
      location (Prefix ``/``, the default backend) carrying the Ingress's annotations
      (``locationApplyAnnotations``); an Ingress path ``/`` of the same type takes it over
      (l.811-846, ``IsDefBackend``). So an Ingress without ``/`` still protects the rest of
      the host, and answers it from the default backend.
    - location.go ``updateServerLocations`` l.34-88: a non-root Prefix path ``/v1`` becomes
      the prefix location ``/v1/`` (``normalizePrefixPath`` l.90) plus an Exact copy ``= /v1``,
      unless the Ingress already has that Exact path; paths with rewrite-target or use-regex
      are left alone (this package emits neither).
    - template.go ``buildLocation`` l.523-539: ``= "<path>"`` for Exact, ``"<path>"`` for
      Prefix, ``~* "^<path>"`` only when a location of the server uses rewrite-target or
      use-regex (``enforceRegexModifier`` l.506), which this package never emits.
    """
    found: list[Location] = []
    if not any(p.path == "/" and p.path_type == "Prefix" for p in paths):
        found.append(Location("/", "Prefix", default_backend=True))
    exact = {p.path for p in paths if p.path_type == "Exact"}
    for p in paths:
        if p.path_type != "Prefix" or p.path == "/":
            found.append(Location(p.path, p.path_type))
            continue
        normalised = p.path if p.path.endswith("/") else p.path + "/"
        found.append(Location(normalised, "Prefix"))
        if p.path not in exact:
            found.append(Location(p.path, "Exact"))
    return found


def build_location(location: Location) -> str:
    """template.go buildLocation (no regex: see ``server_locations``)."""
    if location.path_type == "Exact":
        return f'= "{location.path}"'
    return f'"{location.path}"'


def build_auth_location(location: Location | IngressPath) -> str:
    """template.go buildAuthLocation l.556-575: ``/_external-auth-<base64url(path)>-<type>``,
    from the location's path after normalisation (``/v1/`` for Prefix ``/v1``)."""
    encoded = base64.urlsafe_b64encode(location.path.encode()).decode().replace("=", "")
    return f"/_external-auth-{encoded}-{location.path_type}"


def build_auth_signin_location(location: Location | IngressPath, signin_url: str) -> str:
    """template.go buildAuthSignURLLocation: ``@`` + sha1(location path + signin URL)."""
    digest = hashlib.sha1((location.path + signin_url).encode(), usedforsecurity=False)
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


def _auth_target(
    auth_url: str, ports: Ports, origins: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """The auth sub-request's target on loopback: ``origins`` maps the auth-url's host to a
    scheme and address (default: ``http://127.0.0.1:<ports.auth>``)."""
    parts = urlsplit(auth_url)
    origin = (origins or {}).get(parts.hostname or "", f"http://127.0.0.1:{ports.auth}")
    target = f"{origin}{parts.path or '/'}"
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
    error_backend_answers_200: bool = False,
    auth_answers: Mapping[str, Mapping[str, str]] | None = None,
    more_ingresses: Sequence[tuple[Mapping[str, str], Sequence[IngressPath]]] = (),
    use_http2: bool = True,
    auth_stand_in: bool = True,
    stand_ins: bool = True,
    auth_origins: Mapping[str, str] | None = None,
    extra_servers: str = "",
    workers: int = 1,
) -> str:
    """The nginx.conf for one protected Ingress (``annotations`` without the key prefix).

    ``error_backend_answers_200``: the default backend ignores ``X-Code`` and answers 200
    (a custom error backend written that way; the case of CVE-2026-24513).
    ``auth_answers``: session cookie value -> the headers oauth2-proxy's 202 carries for
    that user (a header it would skip, an empty claim, is simply not listed).
    ``more_ingresses``: further Ingresses of the same host, (annotations, paths) each, created
    after the first (so the host's root location, if the controller adds one, is the first's).
    ``use_http2``: the ConfigMap's ``use-http2`` (default true, config.go l.849), which
    decides whether ``auth-keepalive`` applies (template.go ``shouldApplyAuthUpstream``).
    ``auth_stand_in``: render the nginx stand-in for oauth2-proxy on ``ports.auth``; without
    it the caller serves that port (a stub that answers per user and group).
    ``stand_ins``: render the backend, default-backend and oauth2-proxy stand-ins at all
    (the benchmark runs them in a process of their own). ``auth_origins``: where the auth
    sub-request goes per auth-url host (see ``_auth_target``); ``extra_servers``: server
    blocks added to the http block; ``workers``: ``worker_processes``.
    """
    ann = admitted(annotations, controller)
    others = [
        (kept, tuple(more_paths))
        for more_ann, more_paths in more_ingresses
        if (kept := admitted(more_ann, controller)) is not None
    ]
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

    ingresses = ([(ann, tuple(paths))] if ann is not None else []) + others
    server, upstreams = "", ""
    if ingresses:
        server, upstreams = _protected_server(
            ingresses,
            cfg_codes,
            host=host,
            ports=ports,
            auth_intercept_off=auth_location_intercept_off(controller),
            use_http2=use_http2,
            auth_origins=auth_origins,
        )
    cache_zone = ""
    if any("auth-cache-key" in a for a, _ in ingresses):
        # tmpl l.563-564: the one cache zone of every auth location
        (prefix / "cache-auth").mkdir(parents=True, exist_ok=True)
        cache_zone = (
            f"proxy_cache_path {prefix}/cache-auth levels=1:2 keys_zone=auth_cache:10m "
            "max_size=128m inactive=30m use_temp_path=off;"
        )
    auth_stand_in_server = ""
    if auth_stand_in and stand_ins:
        auth_stand_in_server = f"""
    # stand-in for oauth2-proxy: /oauth2/auth is 202 with a session, 401 without
    server {{
        listen 127.0.0.1:{ports.auth};
        location = /oauth2/auth {{
            if ($cookie_{SESSION_COOKIE} = "") {{ return 401 "no session\\n"; }}
{_auth_answers(auth_answers or {})}
            # "always": 202 is not among the codes add_header applies to by default
            add_header X-Auth-Request-User alice always;
            return 202;
        }}
        location / {{ return 404; }}
    }}"""

    loads = "\n".join(f"load_module {m};" for m in modules)
    error_codes = sorted(
        {*cfg_codes, *(c for a, _ in ingresses for c in _codes(a.get("custom-http-errors")))}
    )
    error_pages = "\n".join(
        f'            if ($http_x_code = "{c}") {{ return {c} "custom error page {c}\\n"; }}'
        for c in error_codes
    )
    if error_backend_answers_200:
        error_pages = f'            return 200 "{ERROR_BACKEND_200_BODY.strip()}\\n";'

    stand_in_servers = ""
    if stand_ins:
        stand_in_servers = f"""
    # stand-in for the app's Service (under any path prefix)
    server {{
        listen 127.0.0.1:{ports.backend};
        location / {{ return 200 "{BACKEND_200_BODY.strip()}\\n"; }}
        location ~ /private$ {{
            add_header WWW-Authenticate '{BACKEND_401_CHALLENGE}' always;
            return 401 "{BACKEND_401_BODY.strip()}\\n";
        }}
        location ~ /missing$ {{ return 404 "{BACKEND_404_BODY.strip()}\\n"; }}
        location ~ /whoami$ {{ return 200 "{_echo(ECHOED_HEADERS)}"; }}
    }}
{auth_stand_in_server}

    # stand-in for the controller's default backend (custom error pages, and the answer of
    # a host's root location when the Ingress has no "/" path)
    server {{
        listen 127.0.0.1:{ports.errors};
        location / {{
{error_pages}
            return 404 "{DEFAULT_BACKEND_404_BODY.strip()}\\n";
        }}
    }}"""
    return f"""# Model of ingress-nginx {controller.describe()}
{loads}
daemon off;
worker_processes {workers};
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
    {cache_zone}
{upstreams}

    # tmpl: the catch-all server answering hosts no (admitted) Ingress serves
    server {{
        listen 127.0.0.1:{ports.ingress} default_server;
        location / {{ return 404 "{DEFAULT_BACKEND_404_BODY.strip()}\\n"; }}
    }}
{server}
{extra_servers}
{stand_in_servers}
}}
"""


#: Request headers the backend's ``/whoami`` echoes, one ``name=value`` line each (empty
#: when the request had none): every identity header oauth2-proxy v7.15.3 can set.
ECHOED_HEADERS = (
    "X-Auth-Request-User",
    "X-Auth-Request-Email",
    "X-Auth-Request-Preferred-Username",
    "X-Auth-Request-Groups",
    "X-Auth-Request-Access-Token",
    "GAP-Auth",
    "Authorization",
)


def _echo(headers: Sequence[str]) -> str:
    return "".join(f"{h}=$http_{h.lower().replace('-', '_')}\\n" for h in headers)


def _auth_answers(answers: Mapping[str, Mapping[str, str]]) -> str:
    """One ``if`` per signed-in user: the 202 with that user's identity headers."""
    blocks = []
    for session, headers in answers.items():
        # "always": add_header skips a 202 otherwise (ngx_http_headers_module)
        adds = " ".join(f'add_header {k} "{v}" always;' for k, v in headers.items())
        blocks.append(
            f'            if ($cookie_{SESSION_COOKIE} = "{session}") {{ {adds} return 202; }}'
        )
    return "\n".join(blocks)


def parse_echo(body: str) -> dict[str, str]:
    """The backend's ``/whoami`` answer: header -> value seen ('' when absent)."""
    return dict(line.split("=", 1) for line in body.splitlines() if "=" in line)


def _cache_lines(ann: Mapping[str, str], host: str, auth_location: str) -> list[str]:
    """tmpl l.1024-1037 and l.1073-1074: the auth location's cache, when the key is set."""
    key = ann.get("auth-cache-key", "")
    if not key or not CACHE_KEY_VALIDATOR.match(key):
        return []  # authreq main.go l.355-361: an invalid key is dropped, no cache
    durations_text = ann.get("auth-cache-duration", "")
    assert CACHE_DURATION_VALIDATOR.match(durations_text), "the location would be denied"
    # authreq main.go ParseStringToCacheDurations l.507-527
    durations = [d.strip() for d in durations_text.split(",") if d.strip()] or [
        DEFAULT_CACHE_DURATION
    ]
    return [
        f"set $tmp_cache_key '{host}{auth_location}{key}';",
        "set $cache_key '';",
        f"rewrite_by_lua_block {{ {REWRITE_AUTH_LUA} }}",
        "proxy_cache auth_cache;",
        *(f"proxy_cache_valid {d};" for d in durations),
        'proxy_cache_key "$cache_key";',
        'proxy_buffering "on";',
    ]


def _keepalive(ann: Mapping[str, str], use_http2: bool) -> int:
    """authreq main.go l.363-378 and template.go shouldApplyAuthUpstream l.653-678: the
    keepalive connections in effect, 0 when the mode does not apply."""
    try:
        connections = int(ann.get("auth-keepalive", "0"))
    except ValueError:
        connections = 0
    if connections <= 0 or use_http2:
        return 0
    return connections


def _protected_server(
    ingresses: Sequence[tuple[Mapping[str, str], Sequence[IngressPath]]],
    cfg_codes: Sequence[int],
    *,
    host: str,
    ports: Ports,
    auth_intercept_off: bool,
    use_http2: bool,
    auth_origins: Mapping[str, str] | None = None,
) -> tuple[str, str]:
    """The host's server block and the http block's auth upstreams (auth-keepalive)."""
    blocks: list[str] = []
    upstreams: list[str] = []
    for ann, _ in ingresses:
        if "server-snippet" in ann:
            # tmpl: "Custom code snippet configured for host" inside the server block
            blocks.append("        # server-snippet\n        " + ann["server-snippet"])
    # tmpl: buildCustomErrorLocationsPerServer + CUSTOM_ERRORS for ConfigMap and Ingress codes
    all_codes = {c for ann, _ in ingresses for c in _codes(ann.get("custom-http-errors"))}
    blocks.extend(_custom_error_location(c, ports) for c in sorted({*cfg_codes, *all_codes}))

    have_root = False
    for ann, paths in ingresses:
        for loc in server_locations(paths):
            if loc.default_backend and have_root:
                continue  # the host's root location belongs to the first Ingress
            have_root = have_root or (loc.path == "/" and loc.path_type == "Prefix")
            blocks.extend(
                _locations(
                    ann,
                    loc,
                    cfg_codes,
                    host,
                    ports,
                    auth_intercept_off,
                    use_http2,
                    upstreams,
                    auth_origins,
                )
            )

    inner = "\n".join(blocks)
    server = f"""
    ## start server {host}
    server {{
        listen 127.0.0.1:{ports.ingress};
        server_name {host};
{inner}
    }}
    ## end server {host}
"""
    return server, "\n".join(upstreams)


def _locations(
    ann: Mapping[str, str],
    loc: Location,
    cfg_codes: Sequence[int],
    host: str,
    ports: Ports,
    auth_intercept_off: bool,
    use_http2: bool,
    upstreams: list[str],
    auth_origins: Mapping[str, str] | None = None,
) -> list[str]:
    """The auth location, the sign-in location and the location itself, for one location."""
    ing_codes = _codes(ann.get("custom-http-errors"))
    ing_disable = ann.get("disable-proxy-intercept-errors", "false").lower() == "true"
    auth_url = ann.get("auth-url")
    signin_url = ann.get("auth-signin")
    redirect_param = ann.get("auth-signin-redirect-param", "rd")
    # authreq/main.go l.420-429: split on commas, spaces trimmed, empty entries skipped
    response_headers = [
        h.strip() for h in ann.get("auth-response-headers", "").split(",") if h.strip()
    ]
    keepalive = _keepalive(ann, use_http2) if auth_url else 0

    blocks: list[str] = []
    auth_location = build_auth_location(loc) if auth_url else ""
    protect: list[str] = []
    if auth_url:
        target, auth_host = _auth_target(auth_url, ports, auth_origins)
        upstream_lines = [
            "proxy_http_version 1.1;",
            f"set $target {target};",
        ]
        if keepalive:
            # tmpl l.617-632: an upstream per location with keepalive to the auth host;
            # l.1112-1121: the auth location proxies to it (template.go buildAuthUpstreamName,
            # changeHostPort)
            name = f"{host}-{auth_location[2:]}"
            upstreams.append(f"""    upstream {name} {{
        server 127.0.0.1:{ports.auth};
        keepalive {keepalive};
        keepalive_requests 1000;
        keepalive_timeout 60s;
    }}""")
            path = urlsplit(target)
            target = f"http://{name}{path.path}" + (f"?{path.query}" if path.query else "")
            upstream_lines = [
                "proxy_http_version 1.1;",
                'proxy_set_header Connection "";',
                f"set $target {target};",
            ]
        auth_body = "\n            ".join(
            [
                "internal;",
                *_cache_lines(ann, host, auth_location),
                OFF_LINE if auth_intercept_off else "# (no interception line)",
                "proxy_pass_request_body off;",
                'proxy_set_header Content-Length "";',
                'proxy_set_header X-Forwarded-Proto "";',
                f"proxy_set_header Host {auth_host};",
                "proxy_set_header X-Original-URL $scheme://$http_host$request_uri;",
                "proxy_set_header X-Original-Method $request_method;",
                'proxy_set_header X-Sent-From "nginx-ingress-controller";',
                "proxy_set_header X-Real-IP $remote_addr;",
                "proxy_set_header X-Forwarded-For $remote_addr;",
                "proxy_set_header X-Auth-Request-Redirect $request_uri;",
                "proxy_ssl_server_name on;",
                *upstream_lines,
                "proxy_pass $target;",
            ]
        )
        # tmpl: "location = {{ $authPath }}": the internal auth sub-request location;
        # interception off in it from v1.13.7/v1.14.3/v1.15.0 (tmpl l.1044)
        blocks.append(f"""
        location = {auth_location} {{
            {auth_body}
        }}""")
        if keepalive:
            # tmpl l.1223-1234: the Lua sub-request instead of auth_request
            protect += ["set $auth_cookie '';", "add_header Set-Cookie $auth_cookie;"]
            for i, header in enumerate(response_headers):
                protect += [
                    f"set $authHeader{i} '';",
                    f"proxy_set_header '{header}' $authHeader{i};",
                ]
            protect += [
                f"set $auth_path '{auth_location}';",
                "set $auth_keepalive_share_vars false;",
                f"set $auth_response_headers '{','.join(response_headers)}';",
                f"access_by_lua_block {{\n{EXTERNAL_AUTH_LUA}\n            }}",
            ]
        else:
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
        named = build_auth_signin_location(loc, signin_url)
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
    upstream = ports.errors if loc.default_backend else ports.backend
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
            f"proxy_pass http://127.0.0.1:{upstream};",
        ]
    )
    blocks.append(f"""
        # {"root location the controller adds (default backend)" if loc.default_backend else ""}
        location {build_location(loc)} {{
            {body}
        }}""")
    return blocks
