"""A protected app, target-neutral: its checked settings (:class:`AppSpec`)."""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from . import sealed
from .bearer import BearerTokens
from .identity import AUTHORIZATION, check_response_headers
from .paths import find_location_collisions
from .provider import Provider, check_account_restriction, effective_email_domains
from .refs import ProxySecret, ServiceRef
from .sealed import recheck, sealed_value
from .sessions import Sessions
from .validation import (
    ConfigurationError,
    check_dns_label,
    check_dns_subdomain,
    check_email,
    check_email_domain,
    check_group,
    check_host,
    check_int,
    check_list,
    check_path,
    check_service_name,
    fail,
    is_public_suffix,
)
from .warnings import warn_user
from .workload import ProxyMode, ProxySpec, resolve_proxy

__all__ = [
    "DEFAULT_RESPONSE_HEADERS",
    "OAUTH2_PREFIX",
    "AppSpec",
    "PathType",
    "PublicRootWarning",
    "check_covers",
    "check_outside_oauth2",
    "resolve_app",
    "service_backend",
    "with_backend",
]

#: Identity headers from oauth2-proxy's ``--set-xauthrequest`` passed on to the backend.
DEFAULT_RESPONSE_HEADERS = ("X-Auth-Request-User", "X-Auth-Request-Email", "X-Auth-Request-Groups")

#: Paths one app may route: enough for any real app, and a bound on the Ingress's size and
#: on the pairwise nginx-location check (``_core.paths``).
MAX_PATHS = 256

#: What ingress-nginx's annotation validation (on by default since v1.12; the admission
#: webhook applies it too) accepts in ``auth-url`` (parser.URLWithNginxVariableRegex),
#: less ``$``: any other character, ``@`` or ``%`` above all, gets the whole Ingress refused.
_AUTH_URL_VALUE_RE = re.compile(r"[A-Za-z0-9._~/:-]+")


#: oauth2-proxy's prefix (its default; ``--proxy-prefix`` is refused in ``extra_args``):
#: its endpoints live under it (v7.15.3 ``oauthproxy.go`` ``buildServeMux`` /
#: ``buildProxySubrouter``, lines 318-356: ``/auth``, ``/sign_in``, ``/start``,
#: ``/callback``, ``/userinfo``, ``/sign_out``, ``/static/``). Where a target routes this
#: prefix of a host to the proxy, no app path of that host may be it or under it.
OAUTH2_PREFIX = "/oauth2"


def check_outside_oauth2(paths: Sequence[str], where: str) -> None:
    """Refuse app paths that are ``/oauth2`` or under it; ``where`` says who routes it.

    Prefix ``/oauth2`` (or ``/oauth2/``) is the proxy's own match: nginx refuses the
    duplicate location, a Gateway keeps the older route. A path under it either names an
    endpoint (an Exact ``/oauth2/start`` takes sign-in away from the proxy) or lives only
    until a release adds an endpoint of its name: the whole prefix is the proxy's.
    ``/oauth2x`` is another path element and stays the app's.
    """
    for path in paths:
        if path == OAUTH2_PREFIX or path.startswith(OAUTH2_PREFIX + "/"):
            fail(
                "paths",
                path,
                f"a path outside {OAUTH2_PREFIX!r}: {where}, and every path under it is "
                "oauth2-proxy's (sign-in, callback, sign-out, userinfo, static files): an app "
                "path there shadows the proxy's route or one of its endpoints",
            )


class PublicRootWarning(UserWarning):
    """``public_paths`` has a Prefix ``/``: every path of the host routed no other way is public."""


@sealed_value
class PathType(enum.Enum):
    """How an Ingress path matches (Kubernetes ``pathType``)."""

    PREFIX = "Prefix"
    EXACT = "Exact"


@sealed_value
@dataclass(frozen=True)
class AppSpec:
    """One protected app, every target-neutral setting checked."""

    name: str
    namespace: str
    host: str
    backend: ServiceRef
    paths: tuple[str, ...]
    path_type: PathType
    #: The proxy the app signs in through: a shared one, or its own (``own_proxy``).
    proxy: ProxySpec
    own_proxy: bool
    ingress_class_name: str
    tls_secret_name: str | None
    #: The per-app authorization query of the auth URL (``""`` without restrictions).
    auth_query: str
    #: Headers of the auth answer the app asked to receive (``response_headers``, spelled
    #: as in ``identity.XAUTH_HEADERS``, then ``Authorization`` with
    #: ``pass_authorization_header``). Every other identity header is still overwritten or
    #: removed by the target (``identity``).
    response_headers: tuple[str, ...]
    #: Paths served with no check at all (``PublicPaths``), Prefix ones without a
    #: trailing ``/``.
    public_paths: tuple[str, ...] = ()
    public_path_type: PathType = PathType.EXACT
    #: Paths checked like ``paths`` whose failed check answers 401/403, never a redirect
    #: (``api_paths``), Prefix ones without a trailing ``/``.
    api_paths: tuple[str, ...] = ()
    api_path_type: PathType = PathType.PREFIX


def _common_parent(a: str, b: str) -> str | None:
    """The longest domain both hosts are in (``.example.com``), unless a public suffix.

    A public suffix (``.co.uk``) is never a cookie domain to suggest: it would hand the
    session to unrelated sites (and ``check_cookie_domain`` refuses it).
    """
    left, right = a.removeprefix("*.").split(".")[::-1], b.removeprefix("*.").split(".")[::-1]
    shared: list[str] = []
    for x, y in zip(left, right, strict=False):
        if x != y:
            break
        shared.append(x)
    parent = ".".join(reversed(shared))
    return "." + parent if len(shared) >= 2 and not is_public_suffix(parent) else None


def check_covers(proxy: ProxySpec, argument: str, host: str) -> None:
    """Refuse an app host whose browser would not get ``proxy``'s cookie."""
    if host == proxy.host:
        return
    parent = _common_parent(host, proxy.host)
    if proxy.cookie_domain is None:
        shared = "shared=True" + (f" (cookie_domain={parent!r})" if parent else "")
        raise ConfigurationError(
            f"{argument}: {host!r} cannot use proxy {proxy.name!r}, which signs in on "
            f"{proxy.host!r} with a host-only cookie (shared=False); the browser would never "
            f"send that cookie to the app and sign-in would loop. Use a proxy with "
            f"{shared}, or one per host"
        )
    if not ("." + host.removeprefix("*.")).endswith(proxy.cookie_domain):
        widen = (
            f"set cookie_domain={parent!r} on the proxy (a parent of both hosts), "
            if parent
            else ""
        )
        raise ConfigurationError(
            f"{argument}: {host!r} is not under the cookie domain {proxy.cookie_domain!r} "
            f"of proxy {proxy.name!r} (sign-in host {proxy.host!r}); the browser would not "
            f"send the session cookie to the app and sign-in would loop. Either {widen}"
            f"put the app under {proxy.cookie_domain!r}, or give it its own proxy"
        )


def service_backend(
    name: object,
    ports: Sequence[int],
    backend_port: int | None,
    service_namespace: str | None,
    namespace: str,
) -> ServiceRef:
    """A Service object of the front end's program as the app's backend, by name and port.

    ``ports`` are the Service's ports; ``backend_port`` picks one (required when there are
    several); ``service_namespace`` is the Service's namespace (``None``: ``default``),
    which must be the app's: an Ingress routes only to Services of its own namespace.
    """
    checked = check_service_name("backend", name)
    if backend_port is None:
        if len(ports) != 1:
            fail(
                "backend_port",
                backend_port,
                f"one of the Service's ports {list(ports)} (it has {len(ports)}, so say which)",
            )
        port = ports[0]
    else:
        port = check_int("backend_port", backend_port, low=1, high=65535)
        if port not in ports:
            fail("backend_port", backend_port, f"one of the Service's ports {list(ports)}")
    if (service_namespace or "default") != namespace:
        fail(
            "backend",
            f"{service_namespace}/{checked}",
            f"a Service in the app's namespace {namespace!r} (an Ingress can only "
            "route to Services of its own namespace)",
        )
    return ServiceRef(checked, port)


def _authorization_query(
    allowed_groups: Sequence[str],
    allowed_emails: Sequence[str],
    allowed_email_domains: Sequence[str],
) -> str:
    """The per-app authorization query of ``auth-url`` (``""`` without restrictions).

    oauth2-proxy's ``/oauth2/auth`` answers 403 to a signed-in user who does not match.
    """
    groups = check_list("allowed_groups", allowed_groups, check_group)
    emails = check_list("allowed_emails", allowed_emails, check_email)
    domains = check_list("allowed_email_domains", allowed_email_domains, check_email_domain)
    for group in groups:
        if not _AUTH_URL_VALUE_RE.fullmatch(group):
            fail(
                "allowed_groups",
                group,
                "a group name of letters, digits and '.', '_', '~', ':', '/', '-' (it "
                "travels in auth-url, where ingress-nginx's annotation validation refuses "
                "'@' and would reject the whole Ingress)",
            )
    for domain in domains:
        if not _AUTH_URL_VALUE_RE.fullmatch(domain):
            fail(
                "allowed_email_domains",
                domain,
                "a domain such as 'example.com', not '*' (it travels in auth-url, where "
                "ingress-nginx's annotation validation refuses '*' and would reject the "
                "whole Ingress; leave the list empty to allow any domain)",
            )
    if emails:
        fail(
            "allowed_emails",
            emails[0],
            "empty: ingress-nginx's annotation validation (on by default since v1.12) "
            "refuses the '@' of an address in auth-url and would reject the whole Ingress; "
            "restrict with allowed_email_domains or allowed_groups instead",
        )
    query = []
    if groups:
        query.append("allowed_groups=" + ",".join(groups))
    if domains:
        query.append("allowed_email_domains=" + ",".join(domains))
    return "?" + "&".join(query) if query else ""


def resolve_app(
    *,
    name: str,
    namespace: str,
    host: str,
    backend: ServiceRef,
    proxy: ProxySpec | None,
    provider: Provider | None = None,
    secret: ProxySecret | None = None,
    paths: Sequence[str] = ("/",),
    path_type: PathType = PathType.PREFIX,
    tls_secret_name: str | None = None,
    ingress_class_name: str = "nginx",
    allowed_groups: Sequence[str] = (),
    allowed_emails: Sequence[str] = (),
    allowed_email_domains: Sequence[str] = (),
    response_headers: Sequence[str] = DEFAULT_RESPONSE_HEADERS,
    pass_authorization_header: bool = False,
    sessions: Sessions | None = None,
    allow_any_account: bool = False,
    proxy_mode: ProxyMode | None = None,
    public_paths: Sequence[str] = (),
    public_path_type: PathType = PathType.EXACT,
    allow_public_root: bool = False,
    api_paths: Sequence[str] = (),
    api_path_type: PathType = PathType.PREFIX,
    bearer_tokens: BearerTokens | None = None,
) -> AppSpec:
    """Check a protected app's target-neutral arguments.

    ``backend`` and ``proxy`` come from the front end, already in the core's terms. With
    ``proxy=None`` the app gets a proxy of its own on its host, from ``provider``, in the
    target's ``proxy_mode`` (default: the ingress-nginx mode).
    """
    if proxy is not None:
        # A shared proxy's spec, resolved earlier: still what was checked then.
        sealed.verify(proxy)
    host = check_host("host", host, wildcard=proxy is not None)
    name = check_dns_label("name", name)
    if proxy is None and len(name) > 50:
        fail(
            "name",
            name,
            "at most 50 characters when the app has its own proxy (its objects are "
            "named '<name>-oauth2-proxy', a DNS label of at most 63)",
        )
    if proxy is None:  # it also names the own proxy's Service '<name>-oauth2-proxy'
        check_service_name("name", name)
    namespace = check_dns_label("namespace", namespace)
    if proxy is not None:
        for arg, value in (("provider", provider), ("secret", secret), ("sessions", sessions)):
            if value is not None:
                fail(arg, value, "unset when proxy= is given (the shared proxy has its own)")
        if allow_any_account is not False:
            fail(
                "allow_any_account",
                allow_any_account,
                "unset when proxy= is given (the shared proxy decides who may sign in)",
            )
        if bearer_tokens is not None:
            fail(
                "bearer_tokens",
                bearer_tokens,
                "unset when proxy= is given (give the shared OAuth2Proxy bearer_tokens=)",
            )
        check_covers(proxy, "host", host)
    elif provider is not None:
        provider = recheck(
            Provider,
            "provider",
            provider,
            "a Provider, e.g. Provider.oidc(issuer_url='https://...')",
        )
    else:
        fail(
            "provider",
            provider,
            "a Provider for the app's own oauth2-proxy, e.g. Provider.oidc(issuer_url=...), "
            "or pass a shared proxy=OAuth2Proxy(...)",
        )
    backend = recheck(ServiceRef, "backend", backend, "a ServiceRef(name, port)")
    path_list = check_list("paths", paths, check_path)
    if len(path_list) > MAX_PATHS:
        fail(
            "paths",
            f"<{len(path_list)} paths>",
            f"at most {MAX_PATHS} paths: split the app into several ProtectedApps, or route "
            "a common prefix",
        )
    if not path_list:
        fail("paths", paths, "at least one path, such as '/'")
    if len(set(path_list)) != len(path_list):
        fail("paths", paths, "a list without repeated paths")
    if not isinstance(path_type, PathType):
        fail("path_type", path_type, "PathType.PREFIX or PathType.EXACT")
    if proxy is None or host == proxy.host:
        check_outside_oauth2(
            path_list, f"the proxy serves {OAUTH2_PREFIX} on the app's host {host!r}"
        )
    # (the own proxy's Prefix /oauth2 collides only with paths refused just above)
    routes = [(p, path_type.value) for p in path_list]
    for collision in find_location_collisions(routes):
        fail("paths", list(path_list), "paths that stay distinct in nginx: " + collision.describe())
    api = _check_api_paths(api_paths, api_path_type, others={"paths": routes})
    assert isinstance(api_path_type, PathType)
    api_routes = [(p, api_path_type.value) for p in api]
    public = _check_public_paths(
        public_paths,
        public_path_type,
        allow_public_root,
        others={"paths": routes, "api_paths": api_routes},
    )
    ingress_class_name = check_dns_subdomain("ingress_class_name", ingress_class_name)
    if tls_secret_name is not None:
        tls_secret_name = check_dns_subdomain("tls_secret_name", tls_secret_name)
    if not isinstance(pass_authorization_header, bool):
        fail("pass_authorization_header", pass_authorization_header, "True or False")
    auth_query = _authorization_query(allowed_groups, allowed_emails, allowed_email_domains)
    headers = list(check_response_headers("response_headers", response_headers))
    if pass_authorization_header:
        if proxy is None and isinstance(provider, Provider) and not provider.issues_id_token:
            fail(
                "pass_authorization_header",
                pass_authorization_header,
                f"False with the {provider.name!r} provider: it issues no ID token (an OAuth2 "
                "provider, not OpenID Connect), so oauth2-proxy would send no Authorization "
                "and the client's own would reach the backend as if it were the proxy's",
            )
        if proxy is not None and not proxy.set_authorization_header:
            fail(
                "pass_authorization_header",
                pass_authorization_header,
                f"False, or the proxy {proxy.name!r} created with "
                "set_authorization_header=True (else there is no header to pass)",
            )
        if proxy is None and sessions is not None:
            sessions = recheck(
                Sessions,
                "sessions",
                sessions,
                "a Sessions, e.g. Sessions.redis(url='redis://...')",
            )
        if proxy is None and sessions is not None and sessions.minimal_cookie:
            fail(
                "pass_authorization_header",
                pass_authorization_header,
                "False with sessions=Sessions.cookie(minimal=True): a minimal cookie holds "
                "no ID token to pass",
            )
        headers.append(AUTHORIZATION)
    own_proxy = proxy is None
    if proxy is None:
        assert provider is not None
        # the own proxy answers the API paths' checks with 401 where the target needs it
        patterns: tuple[str, ...] = ()
        if proxy_mode is not None and proxy_mode.api_routes:
            patterns = api_route_patterns(api, api_path_type)
        check_account_restriction(
            provider,
            email_domains=effective_email_domains(provider, None),
            restricted_elsewhere=bool(auth_query),
            allow_any_account=allow_any_account,
        )
        proxy = resolve_proxy(
            name=f"{name}-oauth2-proxy",
            namespace=namespace,
            host=host,
            provider=provider,
            secret=secret,
            shared=False,
            tls_secret_name=tls_secret_name,
            ingress_class_name=ingress_class_name,
            set_authorization_header=pass_authorization_header,
            sessions=sessions,
            allow_any_account=True,  # checked above, with the app's own restrictions
            mode=proxy_mode,
            api_route_patterns=patterns,
            bearer_tokens=bearer_tokens,
        )
    spec = AppSpec(
        name=name,
        namespace=namespace,
        host=host,
        backend=backend,
        paths=path_list,
        path_type=path_type,
        proxy=proxy,
        own_proxy=own_proxy,
        ingress_class_name=ingress_class_name,
        tls_secret_name=tls_secret_name,
        auth_query=auth_query,
        response_headers=tuple(headers),
        public_paths=public,
        public_path_type=public_path_type,
        api_paths=api,
        api_path_type=api_path_type,
    )
    return sealed.seal(spec)


def with_backend(app: AppSpec, backend: ServiceRef) -> AppSpec:
    """``app`` with another backend (a Service of the program, known later), sealed anew.

    ``app`` must still be what was checked; ``backend`` is re-checked like any ServiceRef.
    """
    sealed.verify(app)
    ref = recheck(ServiceRef, "backend", backend, "a ServiceRef(name, port)")
    return sealed.seal(dataclasses.replace(app, backend=ref))


def _kind_paths(
    argument: str, paths: object, path_type: object, type_argument: str
) -> tuple[str, ...]:
    """One kind's paths, checked and normalised: a Prefix path loses its trailing ``/``.

    A Prefix path ``/static/`` would become nginx ``location "/static/"`` with an exact
    ``= "/static/"``, and nginx answers the bare ``/static`` with its own 301 before any
    location or check runs (``auto_redirect`` of a prefix location ending in ``/`` whose
    requests go to ``proxy_pass``: ngx_http_core_module, "location"); ingress-nginx
    v1.15.1 adds the exact location for the path as written (``internal/ingress/controller/
    location.go`` lines 74-84). Written ``/static``, it becomes ``location "/static/"`` plus
    ``= "/static"``: the same requests but the bare one, which it serves too. Envoy Gateway
    ignores a PathPrefix's trailing ``/`` (``internal/xds/translator/route.go`` line 273 at
    v1.9.0), so both targets serve the same paths.
    """
    if not isinstance(path_type, PathType):
        fail(type_argument, path_type, "PathType.PREFIX or PathType.EXACT")
    checked = check_list(argument, paths, check_path)
    if len(checked) > MAX_PATHS:
        fail(argument, f"<{len(checked)} paths>", f"at most {MAX_PATHS} paths")
    if path_type is PathType.PREFIX:
        checked = tuple(p.rstrip("/") or "/" for p in checked)
    if len(set(checked)) != len(checked):
        same = "" if path_type is PathType.EXACT else " (a Prefix path's trailing '/' is dropped)"
        fail(argument, list(paths), f"a list without repeated paths{same}")  # type: ignore[call-overload]
    for path in checked:
        if path == OAUTH2_PREFIX or path.startswith(OAUTH2_PREFIX + "/"):
            fail(
                argument,
                path,
                f"a path outside {OAUTH2_PREFIX}: the proxy serves sign-in, callback and "
                "sign-out there, on every host it signs in",
            )
    return checked


def _check_public_paths(
    paths: object,
    path_type: object,
    allow_public_root: object,
    *,
    others: dict[str, list[tuple[str, str]]],
) -> tuple[str, ...]:
    """``public_paths``: served with no check, never more than asked, apart from the others.

    ``others``: the app's routes of the other kinds by argument, as ``(path, pathType)``.
    A public path equal to one of theirs (whatever the types) is refused: the kinds must
    not be told apart by pathType alone, which ingress-nginx keeps as two locations where
    a later user change to either makes one shadow the other. Two paths that ingress-nginx
    turns into one nginx location (``_core.paths``) are refused too: the controller would
    keep one and drop the other, or fail ``nginx -t``.
    """
    if not isinstance(allow_public_root, bool):
        fail("allow_public_root", allow_public_root, "True or False")
    public = _kind_paths("public_paths", paths, path_type, "public_path_type")
    assert isinstance(path_type, PathType)
    if "/" in public and path_type is PathType.PREFIX:
        if not allow_public_root:
            fail(
                "public_paths",
                "/",
                "paths other than a Prefix '/' (it makes every path of the host public but "
                "those routed otherwise); pass allow_public_root=True if the whole app is "
                "meant to be public",
            )
        warn_user(
            PublicRootWarning(
                "public_paths has a Prefix '/' (allow_public_root=True): every path of the "
                "host that no other route serves more specifically is answered without any "
                "check, including paths the app adds later and case variants of its checked "
                "paths ('/ADMIN' for '/admin': both ingress-nginx and Envoy Gateway match "
                "paths case-sensitively)"
            )
        )
    elif allow_public_root:
        fail("allow_public_root", allow_public_root, "False unless public_paths has a Prefix '/'")
    _check_apart("public_paths", [(p, path_type.value) for p in public], others)
    return public


def _check_apart(
    argument: str, routes: list[tuple[str, str]], others: dict[str, list[tuple[str, str]]]
) -> None:
    """Refuse one kind's routes that are another kind's, or that nginx merges with them.

    ``others``: the app's routes of the other kinds by argument, as ``(path, pathType)``.
    A path equal to one of theirs (whatever the types) is refused: the kinds must not be
    told apart by pathType alone, which ingress-nginx keeps as two locations where a later
    change to either makes one shadow the other. Two paths that ingress-nginx turns into
    one nginx location (``_core.paths``) are refused too: the controller would keep one
    and drop the other, or fail ``nginx -t``.
    """
    mine = {p for p, _ in routes}
    for other, theirs in others.items():
        for path, _ in theirs:
            if path in mine:
                fail(
                    argument,
                    path,
                    f"a path that is not also in {other} (a path belongs to one kind: "
                    "checked, API or public)",
                )
        for collision in find_location_collisions(routes, theirs):
            fail(
                argument,
                collision.first[0],
                f"a path that stays distinct from {other} in nginx: {collision.describe()}",
            )
    for collision in find_location_collisions(routes):
        fail(
            argument,
            [p for p, _ in routes],
            "paths that stay distinct in nginx: " + collision.describe(),
        )


def _check_api_paths(
    paths: object, path_type: object, *, others: dict[str, list[tuple[str, str]]]
) -> tuple[str, ...]:
    """``api_paths``: checked like the app's paths, answered 401/403, never a redirect."""
    api = _kind_paths("api_paths", paths, path_type, "api_path_type")
    assert isinstance(path_type, PathType)
    _check_apart("api_paths", [(p, path_type.value) for p in api], others)
    return api


def api_route_patterns(paths: Sequence[str], path_type: PathType) -> tuple[str, ...]:
    r"""oauth2-proxy ``--api-route`` patterns selecting exactly these paths.

    oauth2-proxy v7.15.3 matches each pattern with ``regexp.MatchString`` against the
    request URI, path and query (``oauthproxy.go`` ``isAPIPath``, lines 618-625;
    ``GetRequestURI`` reads ``X-Forwarded-Uri`` behind a trusted reverse proxy) and then
    answers 401 instead of the sign-in (line 1057): a Prefix ``/api`` is
    ``^/api(/|\?|$)`` (``/api``, ``/api/...``, ``/api?...``, never ``/apix``); an Exact
    one ``^/api(\?|$)``.
    """
    tail = "(/|\\?|$)" if path_type is PathType.PREFIX else "(\\?|$)"
    out = []
    for path in paths:
        if path_type is PathType.PREFIX and path == "/":
            out.append("^/")
            continue
        out.append(f"^{path}{tail}")
    return tuple(out)
