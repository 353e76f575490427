"""Hypothesis strategies: valid values of every argument, and hostile strings.

Valid strategies generate what the validation layer must accept (and what Kubernetes and
ingress-nginx accept); hostile ones take a valid value and splice in at least one character
that no check accepts anywhere, so a refusal is due to the splice, not to a bad base value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cdk8s
import cdk8s_plus_28 as kplus
from hypothesis import strategies as st

from oauth_ingress_construct import (
    IngressNginx,
    OAuth2Proxy,
    ProtectedApp,
    Provider,
    ProxyResources,
    ProxySecret,
    RiskLevel,
    ServiceRef,
    Sessions,
)
from oauth_ingress_construct._core.validation import is_public_suffix

# --- valid values ------------------------------------------------------------------------

LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?", fullmatch=True)
ALPHA_LABEL = st.from_regex(r"[a-z]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
#: Service names (and what names a Service) are DNS-1035 labels: a letter first.
SERVICE_NAME = st.from_regex(r"[a-z]([a-z0-9-]{0,14}[a-z0-9])?", fullmatch=True)
TLD = st.sampled_from(["com", "org", "io", "dev", "example", "internal"])
#: A registrable domain: not itself on the Public Suffix List (such as 'x0.com').
DOMAIN = st.builds(lambda a, tld: f"{a}.{tld}", ALPHA_LABEL, TLD).filter(
    lambda d: not is_public_suffix(d)
)
HOST = st.builds(lambda a, d: f"{a}.{d}", LABEL, DOMAIN)
SUBDOMAIN_NAME = st.builds(lambda a, b: f"{a}.{b}" if b else a, LABEL, st.none() | LABEL)
PORT = st.integers(min_value=1, max_value=65535)
PATH = st.from_regex(r"/([A-Za-z0-9_-]{1,8}/?){0,3}", fullmatch=True)
GROUP = st.from_regex(r"[A-Za-z0-9._~:@/-]{1,16}", fullmatch=True)
EMAIL = st.builds(
    lambda local, host: f"{local}@{host}",
    st.from_regex(r"[A-Za-z0-9._+-]{1,12}", fullmatch=True),
    HOST,
)
EMAIL_DOMAIN = st.one_of(st.just("*"), DOMAIN, DOMAIN.map(lambda d: "." + d))
# Per-app restrictions travel in auth-url, whose ingress-nginx validation refuses '@' and '*'.
APP_GROUP = st.from_regex(r"[A-Za-z0-9._~:/-]{1,16}", fullmatch=True)
APP_EMAIL_DOMAIN = st.one_of(DOMAIN, DOMAIN.map(lambda d: "." + d))
HEADER = st.from_regex(r"[A-Za-z0-9-]{1,24}", fullmatch=True)
#: Identity headers a proxy of this package sets (oauth2-proxy v7.15.3 with
#: --set-xauthrequest, without --pass-access-token): what response_headers accepts, in any
#: case (HTTP header names are case-insensitive).
SETTABLE_IDENTITY_HEADERS = (
    "X-Auth-Request-User",
    "X-Auth-Request-Email",
    "X-Auth-Request-Groups",
    "X-Auth-Request-Preferred-Username",
)
RESPONSE_HEADER = st.sampled_from(SETTABLE_IDENTITY_HEADERS).flatmap(
    lambda h: st.sampled_from([h, h.lower(), h.upper()])
)
#: Header names shaped like identity headers, most of which nothing sets.
IDENTITY_SHAPED_HEADER = st.one_of(
    st.just("x-auth-request-access-token"),
    st.from_regex(r"X-Auth-Request-[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,6})?", fullmatch=True),
)
SECRET_KEY = st.from_regex(r"[-._a-zA-Z0-9]{1,20}", fullmatch=True).filter(
    lambda k: k not in {".", ".."}
)
SCOPE = st.from_regex(r"[A-Za-z0-9:._/-]{1,12}", fullmatch=True)
CLAIM = SCOPE
URL_PATH = st.from_regex(r"(/[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,8}){0,3}", fullmatch=True)
ISSUER_URL = st.builds(
    lambda scheme, host, port, path: f"{scheme}://{host}{port}{path}",
    st.just("https"),
    HOST,
    st.sampled_from(["", ":8443", ":443", ":8080"]),
    URL_PATH,
)
GH_NAME = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,15}", fullmatch=True)
GH_TEAM = st.from_regex(r"[A-Za-z0-9_-]{1,16}", fullmatch=True)
GH_REPO = st.builds(
    lambda owner, name: f"{owner}/{name}",
    st.from_regex(r"[A-Za-z0-9-]{1,12}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9._-]{1,12}", fullmatch=True),
)
TENANT = st.one_of(
    st.uuids().map(str),
    st.builds(lambda a: f"{a}.onmicrosoft.com", ALPHA_LABEL),
)
#: nginx sizes from 4k to 1m, what proxy_buffer_size accepts.
BUFFER_SIZE = st.one_of(
    st.integers(min_value=4, max_value=1024).map(lambda k: f"{k}k"),
    st.integers(min_value=4096, max_value=1024 * 1024).map(str),
    st.just("1m"),
)
#: Durations from 1 s to 1 h, as strings, what auth_cache_duration accepts.
AUTH_CACHE_DURATION = st.one_of(
    st.integers(min_value=1, max_value=3600).map(lambda n: f"{n}s"),
    st.integers(min_value=1, max_value=60).map(lambda n: f"{n}m"),
    st.builds(lambda m, n: f"{m}m{n}s", st.integers(0, 59), st.integers(1, 59)),
    st.just("1h"),
)
QUANTITY = st.from_regex(r"[0-9]{1,4}(\.[0-9]{1,2})?(m|Ki|Mi|Gi|k|M|G)?", fullmatch=True)
CIDR = st.one_of(
    st.ip_addresses(v=4).map(lambda a: f"{a}/{32 - (int(a) % 17)}"),
    st.ip_addresses(v=6).map(str),
)
#: Flags of the extra_args allow-list with valid values of their type.
EXTRA_ARG = st.one_of(
    st.sampled_from(
        [
            "--skip-provider-button",
            "--force-json-errors=true",
            "--encode-state=false",
            "--cookie-samesite=lax",
            "--cookie-csrf-per-request=true",
            "--cookie-csrf-expire=15m",
            "--prompt=login",
            "--approval-prompt=auto",
            "--code-challenge-method=S256",
            "--request-logging=false",
            "--auth-logging=true",
            "--user-id-claim=sub",
            "--oidc-enabled-signing-alg=RS256,ES256",
            "--real-client-ip-header=X-Real-IP",
            "--request-id-header=X-Request-Id",
            "--prefer-email-to-user=true",
        ]
    ),
    # a __Host- name is refused with a cookie domain (browsers drop such a cookie)
    st.from_regex(r"[A-Za-z0-9_-]{1,16}", fullmatch=True)
    .filter(lambda n: not n.lower().startswith("__host-"))
    .map(lambda n: f"--cookie-name={n}"),
    st.integers(min_value=2, max_value=720).map(lambda h: f"--cookie-expire={h}h"),
    PATH.map(lambda p: f"--exclude-logging-path={p}"),
    st.from_regex(r"[A-Za-z0-9._-]{1,16}", fullmatch=True).map(
        lambda n: f"--provider-display-name={n}"
    ),
)


def extra_args_lists(max_size: int = 3) -> st.SearchStrategy[list[str]]:
    """Lists of allowed extra_args, each flag at most once."""
    return st.lists(EXTRA_ARG, max_size=max_size, unique_by=lambda a: a.split("=", 1)[0])


IMAGE = st.sampled_from(
    [
        "quay.io/oauth2-proxy/oauth2-proxy:v7.15.3",
        "registry.example.com:5000/team/oauth2-proxy:7.15.3-alpine",
        "ghcr.io/example/proxy@sha256:" + "a" * 64,
    ]
)
HTTP_ERRORS = st.lists(st.integers(min_value=400, max_value=599), max_size=3)


def lists(item: st.SearchStrategy[str], max_size: int = 3) -> st.SearchStrategy[list[str]]:
    """A short list of distinct valid items."""
    return st.lists(item, max_size=max_size, unique=True)


PROVIDER = st.one_of(
    st.builds(
        Provider.oidc,
        issuer_url=ISSUER_URL,
        scopes=st.none() | st.lists(SCOPE, min_size=1, max_size=3),
        groups_claim=st.none() | CLAIM,
        email_claim=st.none() | CLAIM,
    ),
    st.builds(
        Provider.keycloak_oidc,
        issuer_url=ISSUER_URL,
        scopes=st.none() | st.lists(SCOPE, min_size=1, max_size=3),
        groups_claim=st.none() | CLAIM,
        allowed_roles=lists(GROUP),
    ),
    st.builds(
        Provider.entra_id,
        tenant_id=TENANT,
        scopes=st.none() | st.lists(SCOPE, min_size=1, max_size=3),
    ),
    # Public providers come restricted here; unrestricted ones need allow_any_account=True.
    st.builds(
        lambda org, team, repo: Provider.github(org=org, team=team if org else None, repo=repo),
        org=st.none() | GH_NAME,
        team=st.none() | GH_TEAM,
        repo=st.none() | GH_REPO,
    ),
    st.builds(Provider.gitlab, issuer_url=ISSUER_URL, groups=lists(GROUP), projects=lists(GROUP)),
    st.builds(Provider.gitlab, groups=lists(GROUP), projects=lists(GROUP)),
    st.builds(Provider.google, hosted_domain=st.none() | DOMAIN),
)


def needs_opt_in(provider: Provider) -> bool:
    """Whether the provider admits anyone with an account (allow_any_account=True needed)."""
    return provider.public and not provider.restricted


# Controllers on which pass_through_401 works for any Ingress: snippets allowed at the
# Critical risk level, or interception not switched on for every server by the ConfigMap.
VERSION = st.sampled_from(["1.10.0", "v1.11.5", "1.12.1", "1.13", "1.15.1"])
CONTROLLER = st.one_of(
    st.none(),
    st.builds(
        IngressNginx,
        version=VERSION,
        allow_snippet_annotations=st.just(True),
        annotations_risk_level=st.just(RiskLevel.CRITICAL),
        custom_http_errors=HTTP_ERRORS,
        disable_proxy_intercept_errors=st.booleans(),
    ),
    st.builds(IngressNginx, version=VERSION, custom_http_errors=st.just(())),
    st.builds(
        IngressNginx,
        version=VERSION,
        custom_http_errors=HTTP_ERRORS,
        disable_proxy_intercept_errors=st.just(True),
    ),
)

# --- hostile values ----------------------------------------------------------------------

#: Characters no check accepts in any argument: nginx syntax, quoting, variables, argv
#: separators, control and invisible characters, and look-alikes outside ASCII.
FORBIDDEN_EVERYWHERE = (
    "\n",
    "\r",
    "\t",
    " ",
    "\x00",
    "\x1b",
    "\x7f",
    ";",
    "{",
    "}",
    '"',
    "'",
    "`",
    "\\",
    "$",
    "#",
    "%",
    "<",
    ">",
    "|",
    "^",
    "(",
    ")",
    "[",
    "]",
    "!",
    "?",
    "\u0430",  # Cyrillic a, looks like 'a'
    "\u00e9",
    "\u200b",  # zero-width space
    "\u202e",  # right-to-left override
    "\u2028",  # line separator
    "\uff0e",  # fullwidth full stop
)

#: Payloads shaped after the advisories; each holds at least one forbidden character.
PAYLOADS = (
    ";\nalias /etc/;",
    "\n}\nlocation /x { alias /var/run/secrets/; }",
    "; content_by_lua_block { os.execute('id') }",
    ";include /etc/nginx/nginx.conf;",
    '"; } location ~ /pwn { return 200 $http_x; } #',
    "$host",
    "${request_uri}",
    "\r\nX-Injected: 1",
    " --upstream=http://evil.example.com",
    "\n--skip-auth-regex=.*",
)

HOSTILE_FRAGMENT = st.one_of(
    st.sampled_from(FORBIDDEN_EVERYWHERE),
    st.sampled_from(PAYLOADS),
    st.builds(
        lambda before, bad, after: before + bad + after,
        st.text(max_size=3),
        st.sampled_from(FORBIDDEN_EVERYWHERE),
        st.text(max_size=3),
    ),
)


@st.composite
def spliced(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    """A valid value with a hostile fragment spliced in at any position."""
    value = draw(base)
    at = draw(st.integers(min_value=0, max_value=len(value)))
    return value[:at] + draw(HOSTILE_FRAGMENT) + value[at:]


@st.composite
def spliced_list(draw: st.DrawFn, base: st.SearchStrategy[str]) -> tuple[list[str], str]:
    """A list of valid items with one hostile item among them, and that item."""
    items = draw(st.lists(base, max_size=2))
    bad = draw(spliced(base))
    at = draw(st.integers(min_value=0, max_value=len(items)))
    return [*items[:at], bad, *items[at:]], bad


# --- every string argument of every public constructor ------------------------------------

ISSUER = "https://login.example.com/realms/main"
OIDC = Provider.oidc(issuer_url=ISSUER)
REDIS_URL = st.builds(
    lambda host, db: f"redis://{host}:6379{db}", HOST, st.sampled_from(["", "/0", "/3"])
)
#: Requests of nothing and generous limits, so any one quantity fits in between.
ROOMY_RESOURCES = {
    "cpu_request": "0",
    "cpu_limit": "99999G",
    "memory_request": "0",
    "memory_limit": "99999G",
}
FLAG = st.builds(lambda name, value: f"--{name}={value}", LABEL, LABEL)
ROLE_FLAG = GROUP.map(lambda g: f"--allowed-role={g}")
REDIS_ARGS = ("--session-store-type=redis", "--redis-connection-url=redis://redis:6379")


def protected_app(chart: cdk8s.Chart, **kwargs: Any) -> ProtectedApp:
    """A valid ProtectedApp with ``kwargs`` overriding its arguments."""
    args: dict[str, Any] = {
        "host": "app.example.com",
        "backend": ServiceRef("app", 80),
        "provider": OIDC,
        **kwargs,
    }
    return ProtectedApp(chart, "App", **args)


def service_backend(chart: cdk8s.Chart, name: str) -> kplus.Service:
    """A cdk8s-plus Service named ``name``, in a sibling chart of the same namespace."""
    app = chart.node.scope
    assert app is not None
    services = cdk8s.Chart(app, "Services", namespace=chart.namespace)
    return kplus.Service(
        services,
        "Service",
        metadata=cdk8s.ApiObjectMetadata(name=name),
        ports=[kplus.ServicePort(port=80)],
    )


def oauth2_proxy(chart: cdk8s.Chart, **kwargs: Any) -> OAuth2Proxy:
    """A valid OAuth2Proxy with ``kwargs`` overriding its arguments."""
    args: dict[str, Any] = {"host": "auth.example.com", "provider": OIDC, **kwargs}
    return OAuth2Proxy(chart, "Proxy", **args)


@dataclass(frozen=True)
class Argument:
    """One string argument: how to pass a value to it, and what it accepts.

    ``label`` is how the error must name it; ``is_list`` says the argument takes a list of
    such strings; ``redacted`` that the refused value is not echoed (it may hold a password);
    ``refuses_all`` that even well-formed values are refused (a feature the controller makes
    impossible, such as per-app e-mail addresses in ``auth-url``).
    """

    id: str
    label: str
    valid: st.SearchStrategy[str]
    make: Callable[[cdk8s.Chart, Any], object]
    is_list: bool = False
    redacted: bool = False
    refuses_all: bool = False


def _arg(
    id: str,
    valid: st.SearchStrategy[str],
    make: Callable[[cdk8s.Chart, Any], object],
    *,
    label: str | None = None,
    is_list: bool = False,
    redacted: bool = False,
    refuses_all: bool = False,
) -> Argument:
    return Argument(
        id=id,
        label=label or id.rsplit(".", 1)[-1],
        valid=valid,
        make=make,
        is_list=is_list,
        redacted=redacted,
        refuses_all=refuses_all,
    )


ARGUMENTS: tuple[Argument, ...] = (
    # ProtectedApp
    _arg("ProtectedApp.host", HOST, lambda c, v: protected_app(c, host=v)),
    _arg("ProtectedApp.name", SERVICE_NAME, lambda c, v: protected_app(c, name=v)),
    _arg(
        "ProtectedApp.backend",
        SERVICE_NAME,
        lambda c, v: protected_app(c, backend=service_backend(c, v)),
    ),
    _arg("ProtectedApp.namespace", LABEL, lambda c, v: protected_app(c, namespace=v)),
    _arg("ProtectedApp.paths", PATH, lambda c, v: protected_app(c, paths=v), is_list=True),
    _arg(
        "ProtectedApp.ingress_class_name",
        SUBDOMAIN_NAME,
        lambda c, v: protected_app(c, ingress_class_name=v),
    ),
    _arg(
        "ProtectedApp.tls_secret_name",
        SUBDOMAIN_NAME,
        lambda c, v: protected_app(c, tls_secret_name=v),
    ),
    _arg(
        "ProtectedApp.allowed_groups",
        APP_GROUP,
        lambda c, v: protected_app(c, allowed_groups=v),
        is_list=True,
    ),
    _arg(
        "ProtectedApp.allowed_emails",
        EMAIL,
        lambda c, v: protected_app(c, allowed_emails=v),
        is_list=True,
        refuses_all=True,
    ),
    _arg(
        "ProtectedApp.allowed_email_domains",
        APP_EMAIL_DOMAIN,
        lambda c, v: protected_app(c, allowed_email_domains=v),
        is_list=True,
    ),
    _arg(
        "ProtectedApp.response_headers",
        RESPONSE_HEADER,
        lambda c, v: protected_app(c, response_headers=v),
        is_list=True,
    ),
    _arg(
        "ProtectedApp.proxy_buffer_size",
        BUFFER_SIZE,
        lambda c, v: protected_app(c, proxy_buffer_size=v),
    ),
    _arg(
        "ProtectedApp.auth_cache_duration",
        AUTH_CACHE_DURATION,
        lambda c, v: protected_app(c, auth_cache=True, auth_cache_duration=v),
    ),
    # OAuth2Proxy
    _arg("OAuth2Proxy.host", HOST, lambda c, v: oauth2_proxy(c, host=v)),
    _arg("OAuth2Proxy.name", SERVICE_NAME, lambda c, v: oauth2_proxy(c, name=v)),
    _arg("OAuth2Proxy.namespace", LABEL, lambda c, v: oauth2_proxy(c, namespace=v)),
    _arg(
        "OAuth2Proxy.cookie_domain",
        st.sampled_from(["example.com", ".example.com"]),
        lambda c, v: oauth2_proxy(c, cookie_domain=v),
    ),
    _arg("OAuth2Proxy.image", IMAGE, lambda c, v: oauth2_proxy(c, image=v)),
    _arg(
        "OAuth2Proxy.email_domains",
        EMAIL_DOMAIN,
        lambda c, v: oauth2_proxy(c, email_domains=v),
        is_list=True,
    ),
    _arg(
        "OAuth2Proxy.allowed_groups",
        GROUP,
        lambda c, v: oauth2_proxy(c, allowed_groups=v),
        is_list=True,
    ),
    _arg(
        "OAuth2Proxy.trusted_proxy_ips",
        CIDR,
        lambda c, v: oauth2_proxy(c, trusted_proxy_ips=v),
        is_list=True,
    ),
    _arg(
        "OAuth2Proxy.tls_secret_name",
        SUBDOMAIN_NAME,
        lambda c, v: oauth2_proxy(c, tls_secret_name=v),
    ),
    _arg(
        "OAuth2Proxy.ingress_class_name",
        SUBDOMAIN_NAME,
        lambda c, v: oauth2_proxy(c, ingress_class_name=v),
    ),
    _arg(
        "OAuth2Proxy.ingress_controller_namespace",
        LABEL,
        lambda c, v: oauth2_proxy(c, ingress_controller_namespace=v),
    ),
    _arg(
        "OAuth2Proxy.extra_args",
        EXTRA_ARG.filter(lambda a: "=" in a),
        lambda c, v: oauth2_proxy(c, extra_args=v),
        is_list=True,
    ),
    # Provider named constructors, and direct construction
    _arg(
        "Provider.oidc.issuer_url",
        ISSUER_URL,
        lambda c, v: protected_app(c, provider=Provider.oidc(issuer_url=v)),
    ),
    _arg(
        "Provider.oidc.scopes",
        SCOPE,
        lambda c, v: protected_app(c, provider=Provider.oidc(issuer_url=ISSUER, scopes=v)),
        is_list=True,
    ),
    _arg(
        "Provider.oidc.groups_claim",
        CLAIM,
        lambda c, v: protected_app(c, provider=Provider.oidc(issuer_url=ISSUER, groups_claim=v)),
    ),
    _arg(
        "Provider.oidc.email_claim",
        CLAIM,
        lambda c, v: protected_app(c, provider=Provider.oidc(issuer_url=ISSUER, email_claim=v)),
    ),
    _arg(
        "Provider.keycloak_oidc.allowed_roles",
        GROUP,
        lambda c, v: protected_app(
            c, provider=Provider.keycloak_oidc(issuer_url=ISSUER, allowed_roles=v)
        ),
        is_list=True,
    ),
    _arg(
        "Provider.entra_id.tenant_id",
        TENANT,
        lambda c, v: protected_app(c, provider=Provider.entra_id(tenant_id=v)),
    ),
    _arg(
        "Provider.github.org",
        GH_NAME,
        lambda c, v: protected_app(c, provider=Provider.github(org=v)),
    ),
    _arg(
        "Provider.github.team",
        GH_TEAM,
        lambda c, v: protected_app(c, provider=Provider.github(org="example", team=v)),
    ),
    _arg(
        "Provider.github.repo",
        GH_REPO,
        lambda c, v: protected_app(c, provider=Provider.github(repo=v)),
    ),
    _arg(
        "Provider.gitlab.issuer_url",
        ISSUER_URL,
        lambda c, v: protected_app(c, provider=Provider.gitlab(issuer_url=v)),
    ),
    _arg(
        "Provider.gitlab.groups",
        GROUP,
        lambda c, v: protected_app(c, provider=Provider.gitlab(groups=v)),
        is_list=True,
    ),
    _arg(
        "Provider.gitlab.projects",
        GROUP,
        lambda c, v: protected_app(c, provider=Provider.gitlab(projects=v)),
        is_list=True,
    ),
    _arg(
        "Provider.google.hosted_domain",
        DOMAIN,
        lambda c, v: protected_app(c, provider=Provider.google(hosted_domain=v)),
    ),
    _arg(
        "Provider.name",
        st.sampled_from(["oidc", "keycloak-oidc"]),
        lambda c, v: protected_app(
            c, provider=Provider(name=v, args=(f"--provider={v}", f"--oidc-issuer-url={ISSUER}"))
        ),
        label="Provider.name",
    ),
    _arg(
        "Provider.args",
        ROLE_FLAG,
        lambda c, v: protected_app(
            c,
            provider=Provider(
                name="keycloak-oidc",
                args=("--provider=keycloak-oidc", f"--oidc-issuer-url={ISSUER}", *v),
            ),
        ),
        label="Provider.args",
        is_list=True,
    ),
    # Value objects
    _arg(
        "ServiceRef.name",
        SERVICE_NAME,
        lambda c, v: protected_app(c, backend=ServiceRef(v, 80)),
        label="ServiceRef.name",
    ),
    _arg(
        "ProxySecret.name",
        SUBDOMAIN_NAME,
        lambda c, v: protected_app(c, secret=ProxySecret(name=v)),
        label="ProxySecret.name",
    ),
    *(
        _arg(
            f"ProxySecret.{key}",
            SECRET_KEY,
            lambda c, v, key=key: protected_app(c, secret=ProxySecret(name="sso", **{key: v})),
            label=f"ProxySecret.{key}",
        )
        for key in ("client_id_key", "client_secret_key", "cookie_secret_key")
    ),
    *(
        _arg(
            f"ProxyResources.{field}",
            QUANTITY,
            lambda c, v, field=field: oauth2_proxy(
                c, resources=ProxyResources(**{**ROOMY_RESOURCES, field: v})
            ),
            label=f"ProxyResources.{field}",
        )
        for field in ("cpu_request", "cpu_limit", "memory_request", "memory_limit")
    ),
    _arg(
        "IngressNginx.version",
        VERSION,
        lambda c, v: protected_app(c, controller=IngressNginx(version=v)),
        label="version",
    ),
    # Sessions
    _arg(
        "Sessions.redis.url",
        REDIS_URL,
        lambda c, v: oauth2_proxy(c, sessions=Sessions.redis(url=v)),
        redacted=True,
    ),
    _arg(
        "Sessions.redis.password_secret",
        SUBDOMAIN_NAME,
        lambda c, v: oauth2_proxy(
            c, sessions=Sessions.redis(url="redis://redis:6379", password_secret=v)
        ),
    ),
    _arg(
        "Sessions.redis.password_key",
        SECRET_KEY,
        lambda c, v: oauth2_proxy(
            c, sessions=Sessions.redis(url="redis://redis:6379", password_key=v)
        ),
    ),
    _arg(
        "Sessions.redis_sentinel.master_name",
        LABEL,
        lambda c, v: oauth2_proxy(
            c, sessions=Sessions.redis_sentinel(master_name=v, urls=["redis://s:26379"])
        ),
    ),
    _arg(
        "Sessions.redis_sentinel.urls",
        REDIS_URL,
        lambda c, v: oauth2_proxy(c, sessions=Sessions.redis_sentinel(master_name="m", urls=v)),
        is_list=True,
        redacted=True,
    ),
    _arg(
        "Sessions.redis_sentinel.sentinel_password_key",
        SECRET_KEY,
        lambda c, v: oauth2_proxy(
            c,
            sessions=Sessions.redis_sentinel(
                master_name="m", urls=["redis://s:26379"], sentinel_password_key=v
            ),
        ),
    ),
    _arg(
        "Sessions.store",
        st.sampled_from(["cookie", "redis"]),
        lambda c, v: oauth2_proxy(
            c, sessions=Sessions(store=v, args=() if v == "cookie" else REDIS_ARGS)
        ),
        label="Sessions.store",
    ),
    _arg(
        "Sessions.args",
        REDIS_URL.map(lambda u: f"--redis-connection-url={u}"),
        lambda c, v: oauth2_proxy(
            c, sessions=Sessions(store="redis", args=("--session-store-type=redis", v))
        ),
        label="Sessions.args",
    ),
    _arg(
        "Sessions.password_secret",
        SUBDOMAIN_NAME,
        lambda c, v: oauth2_proxy(
            c,
            sessions=Sessions(store="redis", args=REDIS_ARGS, password_secret=v, password_key="k"),
        ),
        label="Sessions.password_secret",
    ),
    _arg(
        "Sessions.redis_cluster.urls",
        REDIS_URL,
        lambda c, v: oauth2_proxy(c, sessions=Sessions.redis_cluster(urls=v)),
        is_list=True,
        redacted=True,
    ),
)


# --- issue 10: strategies per class of bad input -----------------------------------------


def _known_flag_names() -> list[str]:
    from oauth_ingress_construct._core.flags import KNOWN_FLAGS

    return sorted(KNOWN_FLAGS)


#: Any flag name oauth2-proxy v7.15.3 knows, and some it does not.
ANY_FLAG_NAME = st.one_of(
    st.sampled_from(_known_flag_names()),
    st.sampled_from(["google-hosted-domain", "skip-auth", "cookie-secure-x", "x", "help"]),
)
#: Values of every shape a flag may take, typed and not.
FLAG_VALUE = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "true", "false", "1", "0", "yes", "12h", "0s", "-1", "1000000", "none", "lax",
            "strict", "S256", "plain", "RS256", "HS256", "/", "/x", ".*", "*",
            "https://login.example.com/x", "http://login.example.com", "https://169.254.169.254",
            "X-Real-IP", "a@example.com", "0.0.0.0/0", "GET=/admin", "example.com", "",
        ]
    ),
    st.from_regex(r"[A-Za-z0-9._~:/@,*+=-]{1,16}", fullmatch=True),
)  # fmt: skip
ANY_FLAG = st.builds(
    lambda name, value: f"--{name}" if value is None else f"--{name}={value}",
    ANY_FLAG_NAME,
    FLAG_VALUE,
)


class LyingStr(str):
    """A str whose ``str()``, ``format()`` and ``repr()`` say something else."""

    __slots__ = ()

    def __str__(self) -> str:
        return "evil.example.net"

    def __format__(self, spec: str) -> str:
        return "evil.example.net"


class LyingInt(int):
    """An int whose ``str()`` and ``format()`` say something else."""

    def __str__(self) -> str:
        return "1; evil"

    def __format__(self, spec: str) -> str:
        return "1; evil"


#: Strings Go's strconv.ParseInt(s, 0, 64) reads as integers, in shapes cdk8s may leave
#: unquoted, and other number-like strings.
NUMBER_LIKE = st.one_of(
    st.builds(
        lambda sign, prefix, digits: f"{sign}0{prefix}{digits}",
        st.sampled_from(["", "-", "+"]),
        st.sampled_from(["o", "O", "x", "X", "b", "B"]),
        st.from_regex(r"[0-7_]{1,6}", fullmatch=True),
    ),
    st.from_regex(r"[0-9]{1,6}(e[0-9])?", fullmatch=True),
)

#: Host names under public suffixes of the Public Suffix List's private section, and
#: ICANN ones, with zero to two labels in front.
PUBLIC_SUFFIX = st.sampled_from(
    [
        "co.uk", "github.io", "herokuapp.com", "blogspot.com", "appspot.com", "x0.com",
        "azurewebsites.net", "cloudfront.net", "s3.amazonaws.com", "com.au", "pages.dev",
        "vercel.app", "netlify.app", "firebaseapp.com", "com", "io",
    ]
)  # fmt: skip
HOST_UNDER_SUFFIX = st.builds(
    lambda labels, suffix: ".".join([*labels, suffix]),
    st.lists(ALPHA_LABEL, min_size=0, max_size=2),
    PUBLIC_SUFFIX,
)
