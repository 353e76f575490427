r"""oauth2-proxy's command-line flags: the full table of a pinned release and the allow-list.

``KNOWN_FLAGS`` lists every flag oauth2-proxy :data:`OAUTH2_PROXY_VERSION` defines, with its
pflag type and where it is defined in that release's source (``pkg/apis/options/*.go``:
``options.go`` ``NewFlagSet``, ``cookie.go`` ``cookieFlagSet``, ``logging.go``
``loggingFlagSet``, ``app.go`` ``templatesFlagSet``, ``legacy_options.go`` the legacy flag
sets; ``main.go`` the start-up flags). Every flag this package writes itself must be one of
them (tests check it over every example and option), since oauth2-proxy exits at start-up on
an unknown flag.

``extra_args`` go through an **allow-list** (:data:`EXTRA_FLAGS`): flags that are safe behind
ingress-nginx's ``auth-url``, each with its value checked by type. Everything else is refused,
naming the typed argument that sets it (:data:`MANAGED_FLAGS`) or saying why it is unsafe
(:data:`UNSAFE_FLAGS`); a flag unknown to the pinned release is refused as such.

Behind ``auth-url`` oauth2-proxy decides on headers a client can set (ingress-nginx passes
``X-Forwarded-Uri`` and friends into the auth sub-request), so every flag that exempts requests
by path, method, user agent or address would exempt them for anyone.

pflag parses a ``StringSlice`` value as comma-separated CSV, so each item of such a value is
checked on its own; a non-bool flag without ``=value`` would swallow the next argument or make
the proxy exit, so it is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .validation import (
    check_email,
    check_header_name,
    check_list,
    check_path,
    check_proxy_flag,
    check_url,
    fail,
)

__all__ = [
    "DERIVED_API_ROUTE_RE",
    "EXTRA_FLAGS",
    "KNOWN_FLAGS",
    "MANAGED_FLAGS",
    "OAUTH2_PROXY_VERSION",
    "UNSAFE_FLAGS",
    "ModeRule",
    "check_extra_args",
    "check_known_args",
    "check_mode_rules",
    "is_true",
    "matching_api_routes",
    "refreshes",
    "restricts_accounts",
    "split_flag",
]

#: The oauth2-proxy release whose flags are listed here (the pinned default image).
OAUTH2_PROXY_VERSION = "v7.15.3"

#: Every flag of oauth2-proxy v7.15.3: name -> (pflag type, file:line of its definition).
KNOWN_FLAGS: Mapping[str, tuple[str, str]] = {
    "reverse-proxy": ("Bool", "options.go:121"),
    "real-client-ip-header": ("String", "options.go:122"),
    "trusted-proxy-ip": ("StringSlice", "options.go:123"),
    "trusted-ip": ("StringSlice", "options.go:124"),
    "force-https": ("Bool", "options.go:125"),
    "redirect-url": ("String", "options.go:126"),
    "relative-redirect-url": ("Bool", "options.go:127"),
    "skip-auth-regex": ("StringSlice", "options.go:128"),
    "skip-auth-route": ("StringSlice", "options.go:129"),
    "api-route": ("StringSlice", "options.go:130"),
    "skip-provider-button": ("Bool", "options.go:131"),
    "skip-auth-preflight": ("Bool", "options.go:132"),
    "ssl-insecure-skip-verify": ("Bool", "options.go:133"),
    "skip-jwt-bearer-tokens": ("Bool", "options.go:134"),
    "bearer-token-login-fallback": ("Bool", "options.go:135"),
    "force-json-errors": ("Bool", "options.go:136"),
    "encode-state": ("Bool", "options.go:137"),
    "allow-query-semicolons": ("Bool", "options.go:138"),
    "extra-jwt-issuers": ("StringSlice", "options.go:139"),
    "email-domain": ("StringSlice", "options.go:141"),
    "whitelist-domain": ("StringSlice", "options.go:142"),
    "authenticated-emails-file": ("String", "options.go:143"),
    "htpasswd-file": ("String", "options.go:144"),
    "htpasswd-user-group": ("StringSlice", "options.go:145"),
    "proxy-prefix": ("String", "options.go:146"),
    "ping-path": ("String", "options.go:147"),
    "ping-user-agent": ("String", "options.go:148"),
    "ready-path": ("String", "options.go:149"),
    "session-store-type": ("String", "options.go:150"),
    "session-cookie-minimal": ("Bool", "options.go:151"),
    "redis-connection-url": ("String", "options.go:152"),
    "redis-username": ("String", "options.go:153"),
    "redis-password": ("String", "options.go:154"),
    "redis-use-sentinel": ("Bool", "options.go:155"),
    "redis-sentinel-password": ("String", "options.go:156"),
    "redis-sentinel-master-name": ("String", "options.go:157"),
    "redis-ca-path": ("String", "options.go:158"),
    "redis-insecure-skip-tls-verify": ("Bool", "options.go:159"),
    "redis-sentinel-connection-urls": ("StringSlice", "options.go:160"),
    "redis-use-cluster": ("Bool", "options.go:161"),
    "redis-cluster-connection-urls": ("StringSlice", "options.go:162"),
    "redis-connection-idle-timeout": ("Int", "options.go:163"),
    "signature-key": ("String", "options.go:164"),
    "gcp-healthchecks": ("Bool", "options.go:165"),
    "cookie-name": ("String", "cookie.go:33"),
    "cookie-secret": ("String", "cookie.go:34"),
    "cookie-secret-file": ("String", "cookie.go:35"),
    "cookie-domain": ("StringSlice", "cookie.go:36"),
    "cookie-path": ("String", "cookie.go:37"),
    "cookie-expire": ("Duration", "cookie.go:38"),
    "cookie-refresh": ("Duration", "cookie.go:39"),
    "cookie-secure": ("Bool", "cookie.go:40"),
    "cookie-httponly": ("Bool", "cookie.go:41"),
    "cookie-samesite": ("String", "cookie.go:42"),
    "cookie-csrf-per-request": ("Bool", "cookie.go:43"),
    "cookie-csrf-per-request-limit": ("Int", "cookie.go:44"),
    "cookie-csrf-expire": ("Duration", "cookie.go:45"),
    "cookie-csrf-samesite": ("String", "cookie.go:46"),
    "auth-logging": ("Bool", "logging.go:36"),
    "auth-logging-format": ("String", "logging.go:37"),
    "standard-logging": ("Bool", "logging.go:38"),
    "standard-logging-format": ("String", "logging.go:39"),
    "request-logging": ("Bool", "logging.go:40"),
    "request-logging-format": ("String", "logging.go:41"),
    "errors-to-info-log": ("Bool", "logging.go:42"),
    "exclude-logging-path": ("StringSlice", "logging.go:44"),
    "logging-local-time": ("Bool", "logging.go:45"),
    "silence-ping-logging": ("Bool", "logging.go:46"),
    "request-id-header": ("String", "logging.go:47"),
    "logging-filename": ("String", "logging.go:49"),
    "logging-max-size": ("Int", "logging.go:50"),
    "logging-max-age": ("Int", "logging.go:51"),
    "logging-max-backups": ("Int", "logging.go:52"),
    "logging-compress": ("Bool", "logging.go:53"),
    "custom-templates-dir": ("String", "app.go:43"),
    "custom-sign-in-logo": ("String", "app.go:44"),
    "banner": ("String", "app.go:45"),
    "footer": ("String", "app.go:46"),
    "display-htpasswd-form": ("Bool", "app.go:47"),
    "show-debug-on-error": ("Bool", "app.go:48"),
    "flush-interval": ("Duration", "legacy_options.go:118"),
    "pass-host-header": ("Bool", "legacy_options.go:119"),
    "proxy-websockets": ("Bool", "legacy_options.go:120"),
    "ssl-upstream-insecure-skip-verify": ("Bool", "legacy_options.go:121"),
    "upstream": ("StringSlice", "legacy_options.go:122"),
    "upstream-timeout": ("Duration", "legacy_options.go:123"),
    "disable-keep-alives": ("Bool", "legacy_options.go:124"),
    "pass-basic-auth": ("Bool", "legacy_options.go:215"),
    "pass-access-token": ("Bool", "legacy_options.go:216"),
    "pass-user-headers": ("Bool", "legacy_options.go:217"),
    "pass-authorization-header": ("Bool", "legacy_options.go:218"),
    "set-basic-auth": ("Bool", "legacy_options.go:220"),
    "set-xauthrequest": ("Bool", "legacy_options.go:221"),
    "set-authorization-header": ("Bool", "legacy_options.go:222"),
    "prefer-email-to-user": ("Bool", "legacy_options.go:224"),
    "basic-auth-password": ("String", "legacy_options.go:225"),
    "skip-auth-strip-headers": ("Bool", "legacy_options.go:226"),
    "metrics-address": ("String", "legacy_options.go:490"),
    "metrics-secure-address": ("String", "legacy_options.go:491"),
    "metrics-tls-cert-file": ("String", "legacy_options.go:492"),
    "metrics-tls-key-file": ("String", "legacy_options.go:493"),
    "http-address": ("String", "legacy_options.go:494"),
    "https-address": ("String", "legacy_options.go:495"),
    "tls-cert-file": ("String", "legacy_options.go:496"),
    "tls-key-file": ("String", "legacy_options.go:497"),
    "tls-min-version": ("String", "legacy_options.go:498"),
    "tls-cipher-suite": ("StringSlice", "legacy_options.go:499"),
    "keycloak-group": ("StringSlice", "legacy_options.go:578"),
    "azure-tenant": ("String", "legacy_options.go:579"),
    "azure-graph-group-field": ("String", "legacy_options.go:580"),
    "entra-id-allowed-tenant": ("StringSlice", "legacy_options.go:581"),
    "entra-id-federated-token-auth": ("Bool", "legacy_options.go:582"),
    "bitbucket-team": ("String", "legacy_options.go:583"),
    "bitbucket-repository": ("String", "legacy_options.go:584"),
    "github-org": ("String", "legacy_options.go:585"),
    "github-team": ("String", "legacy_options.go:586"),
    "github-repo": ("String", "legacy_options.go:587"),
    "github-token": ("String", "legacy_options.go:588"),
    "github-user": ("StringSlice", "legacy_options.go:589"),
    "gitlab-group": ("StringSlice", "legacy_options.go:590"),
    "gitlab-project": ("StringSlice", "legacy_options.go:591"),
    "client-id": ("String", "legacy_options.go:592"),
    "client-secret": ("String", "legacy_options.go:593"),
    "client-secret-file": ("String", "legacy_options.go:594"),
    "provider": ("String", "legacy_options.go:596"),
    "provider-display-name": ("String", "legacy_options.go:597"),
    "provider-ca-file": ("StringSlice", "legacy_options.go:598"),
    "use-system-trust-store": ("Bool", "legacy_options.go:599"),
    "oidc-issuer-url": ("String", "legacy_options.go:600"),
    "insecure-oidc-allow-unverified-email": ("Bool", "legacy_options.go:601"),
    "insecure-oidc-skip-issuer-verification": ("Bool", "legacy_options.go:602"),
    "insecure-oidc-skip-nonce": ("Bool", "legacy_options.go:603"),
    "skip-oidc-discovery": ("Bool", "legacy_options.go:604"),
    "oidc-jwks-url": ("String", "legacy_options.go:605"),
    "oidc-groups-claim": ("String", "legacy_options.go:606"),
    "oidc-email-claim": ("String", "legacy_options.go:607"),
    "oidc-audience-claim": ("StringSlice", "legacy_options.go:608"),
    "oidc-extra-audience": ("StringSlice", "legacy_options.go:609"),
    "oidc-public-key-file": ("StringSlice", "legacy_options.go:610"),
    "oidc-enabled-signing-alg": ("StringSlice", "legacy_options.go:611"),
    "login-url": ("String", "legacy_options.go:612"),
    "redeem-url": ("String", "legacy_options.go:613"),
    "profile-url": ("String", "legacy_options.go:614"),
    "auth-request-response-mode": ("String", "legacy_options.go:615"),
    "skip-claims-from-profile-url": ("Bool", "legacy_options.go:616"),
    "resource": ("String", "legacy_options.go:617"),
    "validate-url": ("String", "legacy_options.go:618"),
    "scope": ("String", "legacy_options.go:619"),
    "prompt": ("String", "legacy_options.go:620"),
    "approval-prompt": ("String", "legacy_options.go:621"),
    "code-challenge-method": ("String", "legacy_options.go:622"),
    "force-code-challenge-method": ("String", "legacy_options.go:623"),
    "acr-values": ("String", "legacy_options.go:625"),
    "jwt-key": ("String", "legacy_options.go:626"),
    "jwt-key-file": ("String", "legacy_options.go:627"),
    "pubjwk-url": ("String", "legacy_options.go:628"),
    "user-id-claim": ("String", "legacy_options.go:630"),
    "allowed-group": ("StringSlice", "legacy_options.go:631"),
    "allowed-role": ("StringSlice", "legacy_options.go:632"),
    "backend-logout-url": ("String", "legacy_options.go:633"),
    "google-group": ("StringSlice", "legacy_options.go:641"),
    "google-admin-email": ("String", "legacy_options.go:642"),
    "google-service-account-json": ("String", "legacy_options.go:643"),
    "google-use-application-default-credentials": ("String", "legacy_options.go:644"),
    "google-target-principal": ("String", "legacy_options.go:645"),
    "google-use-organization-id": ("String", "legacy_options.go:646"),
    "google-admin-api-user-scope": ("String", "legacy_options.go:647"),
    "config": ("String", "main.go:25"),
    "alpha-config": ("String", "main.go:26"),
    "convert-config-to-alpha": ("Bool", "main.go:27"),
    "version": ("Bool", "main.go:28"),
    "config-test": ("Bool", "main.go:29"),
}

#: Provider types of v7.15.3 (``pkg/apis/options/providers.go`` lines 152-200).
PROVIDER_TYPES = frozenset(
    {
        "adfs", "azure", "entra-id", "bitbucket", "cidaas", "digitalocean", "facebook",
        "github", "gitlab", "google", "keycloak", "keycloak-oidc", "linkedin", "login.gov",
        "nextcloud", "oidc", "sourcehut",
    }
)  # fmt: skip

#: Longest single process argument Linux accepts (MAX_ARG_STRLEN, 32 pages of 4 KiB,
#: including the terminating NUL): a longer flag makes the container fail to start.
MAX_ARG_BYTES = 128 * 1024 - 1


# --- typed value checks: (argument, value) -> the value as emitted --------------------------

ValueCheck = Callable[[str, str], str]


def _bool(argument: str, value: str) -> str:
    # pflag takes strconv.ParseBool's spellings (1, t, TRUE, ...); only these two are emitted.
    if value not in ("true", "false"):
        fail(argument, value, "a flag value 'true' or 'false'")
    return value


def _true_only(why: str) -> ValueCheck:
    def check(argument: str, value: str) -> str:
        if value != "true":
            fail(argument, value, f"'true' ({why})")
        return value

    return check


def _enum(*choices: str) -> ValueCheck:
    def check(argument: str, value: str) -> str:
        if value not in choices:
            fail(argument, value, "one of " + ", ".join(repr(c) for c in choices))
        return value

    return check


def _int(low: int, high: int) -> ValueCheck:
    def check(argument: str, value: str) -> str:
        if not re.fullmatch(r"0|[1-9][0-9]{0,9}", value) or not low <= int(value) <= high:
            fail(argument, value, f"an integer from {low} to {high}")
        return value

    return check


_DURATION_RE = re.compile(r"(?:[0-9]{1,6}(?:h|m|s|ms))+")
_DURATION_PART = re.compile(r"([0-9]+)(h|ms|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def duration_seconds(value: str) -> float:
    """Seconds of a Go duration of the form this module accepts (``1h30m``, ``90s``)."""
    return sum(int(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(value))


def _duration(low_s: float, high_s: float) -> ValueCheck:
    def check(argument: str, value: str) -> str:
        if not _DURATION_RE.fullmatch(value) or not low_s <= duration_seconds(value) <= high_s:
            fail(
                argument,
                value,
                f"a duration such as '12h' or '30m' (units h, m, s, ms) from {low_s:g}s to "
                f"{high_s:g}s",
            )
        return value

    return check


def _pattern(regex: str, allowed: str) -> ValueCheck:
    compiled = re.compile(regex)

    def check(argument: str, value: str) -> str:
        if not compiled.fullmatch(value):
            fail(argument, value, allowed)
        return value

    return check


def _each(item: ValueCheck) -> ValueCheck:
    # A StringSlice value is CSV: every comma-separated item is checked on its own.
    def check(argument: str, value: str) -> str:
        for part in value.split(","):
            item(argument, part)
        return value

    return check


def _https_url(argument: str, value: str) -> str:
    return check_url(argument, value, schemes=("https",))


def _email(argument: str, value: str) -> str:
    return check_email(argument, value)


def _path(argument: str, value: str) -> str:
    return check_path(argument, value)


def _header(argument: str, value: str) -> str:
    return check_header_name(argument, value)


#: What a ``--api-route`` item may hold: a Go regular expression (oauth2-proxy compiles it
#: with ``regexp.Compile``, ``oauthproxy.go`` buildAPIRoutes line 535, and exits on an error)
#: made of path characters, ``.`` (any character) and the quantifiers ``*`` and ``+``.
_API_ROUTE_RE = re.compile(r"/[A-Za-z0-9._~/*+-]{0,255}")
#: One atom of such a pattern and its quantifier.
_API_ATOM = re.compile(r"([^*+])([*+]?)")


def _api_route(argument: str, value: str) -> str:
    """One ``--api-route`` pattern: valid for Go's regexp and naming the pages it selects.

    oauth2-proxy matches it, unanchored, against the request URI (path and query:
    ``isAPIPath``, ``oauthproxy.go`` line 618, through ``requestutil.GetRequestURI``), and a
    request without a session whose URI matches gets 401 instead of the sign-in
    (``Proxy``, line 1055). Every URI has a ``/``, so a pattern whose required characters
    are only ``/`` and ``.`` (any character) matches pages it does not name - ``/``, ``/.*``,
    ``/.``, ``/a*`` match every page - and sends every browser a 401: it must require at
    least one character of a path name (a letter, a digit, ``_``, ``-`` or ``~``).
    """
    if not _API_ROUTE_RE.fullmatch(value):
        fail(argument, value, "a path pattern such as '/api/'")
    if re.search(r"[*+]{2}", value):
        # Go's regexp refuses nested repetition ("invalid nested repetition operator")
        fail(argument, value, "a pattern without two quantifiers in a row ('**', '*+', '++')")
    required = [atom for atom, quantifier in _API_ATOM.findall(value) if quantifier != "*"]
    if not any(atom not in "/." for atom in required):
        fail(
            argument,
            value,
            "a path pattern that names the API it selects, such as '/api/': one made of '/' "
            "and '.' alone (or of characters made optional by '*') matches every page, and "
            "every browser would get 401 instead of the sign-in",
        )
    return value


def _same_site(argument: str, value: str) -> str:
    # pkg/cookies/csrf.go getCSRFSameSite (line 138): the CSRF cookie takes --cookie-samesite
    # unless --cookie-csrf-samesite is set. The identity provider sends the browser back to
    # /oauth2/callback by a cross-site navigation, on which a Strict cookie is not sent, so
    # the CSRF check fails; a Strict session cookie is likewise missing on the redirect
    # chain back from the provider (and on every link from another site).
    if value != "lax":
        fail(
            argument,
            value,
            "'lax': a SameSite=Strict cookie is not sent when the identity provider redirects "
            "the browser back (a cross-site navigation), so the CSRF check of the callback "
            "fails and nobody can sign in; 'none' would relax the cookie",
        )
    return value


_CLAIM = _pattern(r"[A-Za-z0-9:._/-]{1,128}", "a claim name such as 'sub' or 'email'")
_NAME = _pattern(r"[A-Za-z0-9._-]{1,64}", "a name of letters, digits, '.', '_' and '-'")
_GH_USER = _pattern(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})", "a GitHub user name")
_TENANT = _pattern(
    r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}", "a tenant GUID or domain such as 'contoso.com'"
)
_ALGS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA")


@dataclass(frozen=True)
class ExtraFlag:
    """One flag ``extra_args`` may set: its value check and what it needs alongside it."""

    check: ValueCheck
    #: A bool flag may stand alone (``--flag`` means ``--flag=true``).
    bare: bool = False
    #: Flags that must also be given (with a value) for oauth2-proxy to start.
    requires: tuple[str, ...] = ()
    #: Whether pflag reads the value as comma-separated items that accumulate.
    repeatable: bool = False


def _b(check: ValueCheck = _bool) -> ExtraFlag:
    return ExtraFlag(check, bare=True)


#: The allow-list: flags safe behind ingress-nginx's auth-url, with the type of their value.
EXTRA_FLAGS: Mapping[str, ExtraFlag] = {
    # Cookie (cookie.go): name, lifetime, refresh and CSRF cookie; nothing that relaxes it.
    "cookie-name": ExtraFlag(
        _pattern(r"[A-Za-z0-9_-]{1,64}", "a cookie name of letters, digits, '_' and '-'")
    ),
    "cookie-expire": ExtraFlag(_duration(60, 366 * 86400)),
    "cookie-refresh": ExtraFlag(_duration(0, 366 * 86400)),
    "cookie-httponly": _b(_true_only("a cookie readable by scripts could be stolen")),
    "cookie-samesite": ExtraFlag(_same_site),
    "cookie-csrf-per-request": _b(),
    "cookie-csrf-per-request-limit": ExtraFlag(_int(1, 1000)),
    "cookie-csrf-expire": ExtraFlag(_duration(60, 86400)),
    "cookie-csrf-samesite": ExtraFlag(_same_site),
    # Sign-in page and flow (options.go, legacy provider flags).
    "skip-provider-button": _b(),
    "force-json-errors": _b(),
    # A request without a session whose path matches answers 401 instead of the sign-in
    # redirect (oauthproxy.go isAPIPath, line 618, used by Proxy at line 1055): it changes
    # what an unsigned client sees, never whether it is let in.
    "api-route": ExtraFlag(_each(_api_route), repeatable=True),
    "encode-state": _b(),
    "provider-display-name": ExtraFlag(_NAME),
    "approval-prompt": ExtraFlag(_enum("force", "auto")),
    "prompt": ExtraFlag(_enum("none", "login", "consent", "select_account")),
    "code-challenge-method": ExtraFlag(_enum("S256")),
    "acr-values": ExtraFlag(
        _pattern(r"[A-Za-z0-9:._/-]{1,256}", "an ACR value of letters, digits, ':', '.', '/'")
    ),
    # Token and claim handling that only narrows what is accepted.
    "user-id-claim": ExtraFlag(_CLAIM),
    "oidc-enabled-signing-alg": ExtraFlag(_each(_enum(*_ALGS)), repeatable=True),
    "skip-claims-from-profile-url": _b(),
    "prefer-email-to-user": _b(),
    # Manual OIDC endpoints (pkg/providers/oidc/provider_verifier.go line 70: without
    # discovery a JWKS URL is required); https only.
    "skip-oidc-discovery": ExtraFlag(
        _true_only("false is the default"),
        bare=True,
        requires=("oidc-jwks-url", "login-url", "redeem-url"),
    ),
    "oidc-jwks-url": ExtraFlag(_https_url),
    "login-url": ExtraFlag(_https_url),
    "redeem-url": ExtraFlag(_https_url),
    "profile-url": ExtraFlag(_https_url),
    "validate-url": ExtraFlag(_https_url),
    # Restrictions of the public providers: each narrows who gets in.
    "github-user": ExtraFlag(_each(_GH_USER), repeatable=True),
    "google-group": ExtraFlag(
        _each(_email),
        repeatable=True,
        requires=("google-admin-email", "google-use-application-default-credentials"),
    ),
    "google-admin-email": ExtraFlag(_email),
    "google-target-principal": ExtraFlag(_email),
    "google-use-application-default-credentials": ExtraFlag(_true_only("false is the default")),
    "entra-id-allowed-tenant": ExtraFlag(_each(_TENANT), repeatable=True),
    "entra-id-federated-token-auth": _b(),
    # Logging (logging.go): switches and paths; no log files on the read-only filesystem.
    "auth-logging": _b(),
    "standard-logging": _b(),
    "request-logging": _b(),
    "errors-to-info-log": _b(),
    "logging-local-time": _b(),
    "exclude-logging-path": ExtraFlag(_each(_path), repeatable=True),
    "request-id-header": ExtraFlag(_header),
    "real-client-ip-header": ExtraFlag(_enum("X-Forwarded-For", "X-Real-IP")),
}

#: Allowed flags that narrow who may sign in at a public provider.
_RESTRICTING = frozenset({"github-user", "google-group", "entra-id-allowed-tenant"})


def restricts_accounts(extras: Sequence[str]) -> bool:
    """Whether checked ``extra_args`` restrict sign-in to named users or groups."""
    return any(a[2:].split("=", 1)[0] in _RESTRICTING for a in extras)


_SECRET = (
    "it carries a secret, which would end up in the manifest: keep secrets in the Secret "
    "(ProxySecret, Sessions password keys), read through secretKeyRef"
)
_EXEMPT = (
    "it exempts requests from authentication on what a client sends (behind auth-url the "
    "client's own path, method, user agent and X-Forwarded-* reach oauth2-proxy)"
)
_TLS = "it switches off TLS or token verification"
_FILE = (
    "it reads a file, and this package mounts none into the read-only proxy container "
    "(config files would also bypass these checks)"
)
_UPSTREAM = (
    "the proxy runs auth-only (--upstream=static://202): ingress-nginx, not oauth2-proxy, "
    "forwards requests, so upstream settings have no effect or add a second upstream"
)
_PATHS = (
    "it moves the proxy's own endpoints, which the /oauth2 Ingress, auth-url, auth-signin "
    "and the probes point at"
)
_TRUST = "it widens which tokens, issuers or callers are trusted"

#: Known flags that extra_args refuses, with the reason.
UNSAFE_FLAGS: Mapping[str, str] = {
    **dict.fromkeys(
        (
            "client-secret", "client-secret-file", "cookie-secret", "cookie-secret-file",
            "redis-password", "redis-sentinel-password", "basic-auth-password", "github-token",
            "jwt-key", "jwt-key-file", "google-service-account-json", "signature-key",
            "redis-username",
        ),
        _SECRET,
    ),
    **dict.fromkeys(
        (
            "skip-auth-regex", "skip-auth-route", "skip-auth-preflight", "trusted-ip",
            "ping-user-agent", "skip-jwt-bearer-tokens", "bearer-token-login-fallback",
            "htpasswd-user-group", "display-htpasswd-form", "gcp-healthchecks",
        ),
        _EXEMPT,
    ),
    **dict.fromkeys(
        (
            "ssl-insecure-skip-verify", "ssl-upstream-insecure-skip-verify",
            "redis-insecure-skip-tls-verify", "insecure-oidc-allow-unverified-email",
            "insecure-oidc-skip-issuer-verification", "insecure-oidc-skip-nonce",
        ),
        _TLS,
    ),
    **dict.fromkeys(
        (
            "extra-jwt-issuers", "oidc-extra-audience", "oidc-audience-claim",
            "allow-query-semicolons", "skip-auth-strip-headers", "relative-redirect-url",
            "force-code-challenge-method", "backend-logout-url", "resource", "pubjwk-url",
        ),
        _TRUST,
    ),
    **dict.fromkeys(
        (
            "config", "alpha-config", "authenticated-emails-file", "htpasswd-file",
            "custom-templates-dir", "custom-sign-in-logo", "provider-ca-file",
            "oidc-public-key-file", "tls-cert-file", "tls-key-file", "metrics-tls-cert-file",
            "metrics-tls-key-file", "logging-filename", "redis-ca-path",
        ),
        _FILE,
    ),
    **dict.fromkeys(
        (
            "pass-host-header", "proxy-websockets", "flush-interval", "upstream-timeout",
            "disable-keep-alives", "pass-basic-auth", "pass-access-token", "pass-user-headers",
            "pass-authorization-header", "set-basic-auth",
        ),
        _UPSTREAM,
    ),
    **dict.fromkeys(("proxy-prefix", "ping-path", "ready-path"), _PATHS),
    **dict.fromkeys(
        ("convert-config-to-alpha", "version", "config-test"),
        "it makes oauth2-proxy print something and exit instead of serving",
    ),
    **dict.fromkeys(
        (
            "https-address", "metrics-secure-address", "tls-min-version", "tls-cipher-suite",
            "force-https",
        ),
        "TLS ends at ingress-nginx; the proxy serves plain HTTP inside the cluster",
    ),
    "show-debug-on-error": "it shows internal error details to anyone who triggers an error",
    "banner": "it puts free text (HTML) on the sign-in page",
    "footer": "it puts free text (HTML) on the sign-in page",
    **dict.fromkeys(
        (
            "auth-logging-format", "standard-logging-format", "request-logging-format",
            "logging-max-size", "logging-max-age", "logging-max-backups", "logging-compress",
        ),
        "log formats and log-file rotation are not supported (logs go to stdout)",
    ),
}  # fmt: skip

_SESSIONS = "sessions (Sessions.cookie(...), Sessions.redis(...), ...)"
_PROVIDER = "provider (its named constructor, e.g. Provider.oidc(...), Provider.github(org=...))"

#: Flags the construct sets or derives, with the argument that sets them.
MANAGED_FLAGS: Mapping[str, str] = {
    **dict.fromkeys(
        (
            "session-store-type", "session-cookie-minimal", "redis-connection-url",
            "redis-use-sentinel", "redis-sentinel-master-name", "redis-sentinel-connection-urls",
            "redis-use-cluster", "redis-cluster-connection-urls", "redis-connection-idle-timeout",
        ),
        _SESSIONS,
    ),
    **dict.fromkeys(
        (
            "provider", "oidc-issuer-url", "scope", "oidc-groups-claim", "oidc-email-claim",
            "github-org", "github-team", "github-repo", "gitlab-group", "gitlab-project",
            "allowed-role", "keycloak-group", "azure-tenant", "azure-graph-group-field",
            "bitbucket-team", "bitbucket-repository", "google-use-organization-id",
            "google-admin-api-user-scope", "auth-request-response-mode", "use-system-trust-store",
        ),
        _PROVIDER,
    ),
    "client-id": "secret (ProxySecret.client_id_key, read through secretKeyRef)",
    "email-domain": "email_domains (or Provider.google(hosted_domain=...))",
    "allowed-group": "allowed_groups",
    "set-authorization-header": "set_authorization_header",
    "trusted-proxy-ip": "trusted_proxy_ips",
    "cookie-domain": "cookie_domain",
    "whitelist-domain": "shared and cookie_domain",
    "redirect-url": "host",
    "cookie-secure": "nothing: cookies are always Secure (TLS ends at ingress-nginx)",
    "cookie-path": "nothing: the cookie covers the whole host",
    "http-address": "nothing: the proxy listens on port 4180, which the Service targets",
    "metrics-address": "nothing: metrics are served on port 44180",
    "reverse-proxy": "nothing: it is always on behind ingress-nginx",
    "upstream": "nothing: " + _UPSTREAM,
    "set-xauthrequest": "response_headers on ProtectedApp (it is always on)",
    "silence-ping-logging": "nothing: probe requests are never logged",
}  # fmt: skip

_FLAG_RE = re.compile(r"--([a-z0-9][a-z0-9-]*)(?:=(.*))?", re.DOTALL)


def split_flag(argument: str, item: object) -> tuple[str, str | None]:
    """``--name=value`` -> ``(name, value)``; ``--name`` -> ``(name, None)``."""
    text = check_proxy_flag(argument, item)
    match = _FLAG_RE.fullmatch(text)
    assert match is not None  # check_proxy_flag admits only this shape
    if len(text.encode()) > MAX_ARG_BYTES:
        fail(argument, text[:64] + "...", f"at most {MAX_ARG_BYTES} bytes (Linux MAX_ARG_STRLEN)")
    return match.group(1), match.group(2)


def _refusal(name: str) -> str:
    if name in MANAGED_FLAGS:
        return (
            f"a flag this construct does not manage; set --{name} with the "
            f"{MANAGED_FLAGS[name]} argument instead"
        )
    if name in UNSAFE_FLAGS:
        return (
            f"a flag that is safe behind ingress-nginx; --{name} is refused: {UNSAFE_FLAGS[name]}"
        )
    if name in KNOWN_FLAGS:
        return f"a flag of the allow-list; --{name} is not on it"
    return (
        f"a flag of oauth2-proxy {OAUTH2_PROXY_VERSION}: --{name} is not one, and oauth2-proxy "
        "exits at start-up on an unknown flag"
    )


def check_extra_args(
    argument: str, values: object, *, minimal_cookie: bool = False
) -> tuple[str, ...]:
    """Check ``extra_args`` against the allow-list; return them as plain strings.

    Each item is one flag, ``--name=value`` (a bool flag may be bare). A flag not on the
    allow-list, a value of the wrong type, a non-slice flag given twice or a flag without
    what it requires is refused.
    """
    items = check_list(argument, values, check_proxy_flag)
    seen: dict[str, str | None] = {}
    for item in items:
        name, value = split_flag(argument, item)
        spec = EXTRA_FLAGS.get(name)
        if spec is None:
            fail(argument, item, _refusal(name))
        if value is None:
            if not spec.bare:
                fail(argument, item, f"'--{name}=<value>': the flag needs a value")
        else:
            spec.check(f"{argument} --{name}", value)
        if name in seen and not spec.repeatable:
            fail(argument, item, f"given once: --{name} is already set")
        seen[name] = value
        if (
            minimal_cookie
            and name == "cookie-refresh"
            and value is not None
            and duration_seconds(value) > 0
        ):
            fail(
                argument,
                item,
                "without --cookie-refresh when sessions=Sessions.cookie(minimal=True): "
                "refreshing needs the tokens a minimal cookie leaves out",
            )
    for name in seen:
        for needed in EXTRA_FLAGS[name].requires:
            if needed not in seen:
                fail(
                    argument,
                    f"--{name}",
                    f"given together with --{needed} (else oauth2-proxy exits at start-up)",
                )
    refresh, expire = seen.get("cookie-refresh"), seen.get("cookie-expire") or "168h"
    if refresh is not None and duration_seconds(refresh) >= duration_seconds(expire):
        # pkg/validation/cookie.go line 17: cookie_refresh must be less than cookie_expire.
        fail(
            argument,
            f"--cookie-refresh={refresh}",
            f"shorter than --cookie-expire ({expire}; oauth2-proxy exits otherwise)",
        )
    return items


@dataclass(frozen=True)
class ModeRule:
    """A value of an allowed flag that breaks sign-in in one mode of the proxy.

    A flag on the allow-list is safe; what its value *means* still depends on how the proxy
    is asked (``auth-url`` of ingress-nginx or ext_authz of Envoy Gateway): a target lists
    the values that break its mode in ``ProxyMode.flag_rules``.

    :param flag: the flag's name, without ``--``.
    :param breaks: whether a checked value (``"true"`` for a bare bool flag) breaks the mode.
    :param why: what goes wrong, and what to do instead.
    """

    flag: str
    breaks: Callable[[str], bool]
    why: str


def is_true(value: str) -> bool:
    """A bool flag's value that switches it on."""
    return value == "true"


def refreshes(value: str) -> bool:
    """A ``--cookie-refresh`` that refreshes (``0s`` means never)."""
    return duration_seconds(value) > 0


def matching_api_routes(uri: str) -> Callable[[str], bool]:
    """Whether an ``--api-route`` value has a pattern matching ``uri`` (as oauth2-proxy does)."""

    def breaks(value: str) -> bool:
        return any(re.search(item, uri) for item in value.split(","))

    return breaks


def check_mode_rules(argument: str, extras: Sequence[str], rules: Sequence[ModeRule]) -> None:
    """Refuse checked ``extra_args`` whose value breaks the mode (see :class:`ModeRule`)."""
    for extra in extras:
        name, value = split_flag(argument, extra)
        given = "true" if value is None else value
        for rule in rules:
            if rule.flag == name and rule.breaks(given):
                fail(argument, extra, f"without --{name}={given}: {rule.why}")


#: The anchored ``--api-route`` patterns the package derives from an app's ``api_paths``
#: (``_core.appspec.api_route_patterns``): regex syntax :func:`check_proxy_flag` refuses
#: in ``extra_args``, made of checked path characters only; ``$`` is always before ``)``,
#: so it never opens a Kubernetes ``$(VAR)`` reference.
DERIVED_API_ROUTE_RE = re.compile(r"--api-route=\^/[A-Za-z0-9_/-]*(\(/\|\\\?\|\$\)|\(\\\?\|\$\))?")


def check_known_args(argument: str, args: Sequence[str]) -> None:
    """Every item is a flag of the pinned oauth2-proxy with a value of the right shape.

    For what the package writes itself: an unknown flag, or a non-bool flag without a
    value, makes oauth2-proxy exit at start-up.
    """
    for item in args:
        if item.startswith("--scope="):  # scopes, separated by single spaces
            for scope in item.removeprefix("--scope=").split(" "):
                check_proxy_flag(argument, "--scope=" + scope)
            continue
        if DERIVED_API_ROUTE_RE.fullmatch(item):
            continue
        name, value = split_flag(argument, item)
        if name not in KNOWN_FLAGS:
            fail(argument, item, _refusal(name))
        kind = KNOWN_FLAGS[name][0]
        if value is None and kind != "Bool":
            fail(argument, item, f"'--{name}=<value>': the flag needs a value")
        if kind == "Bool" and value is not None:
            _bool(f"{argument} --{name}", value)
        if kind == "Int" and value is not None:
            _int(-(2**31), 2**31 - 1)(f"{argument} --{name}", value)
        if kind == "Duration" and value is not None:
            _duration(0, 10**9)(f"{argument} --{name}", value)
