"""The ingress-nginx target: what the controller accepts, 401 pass-through, the Ingresses.

The objects are the app's Ingress with its auth annotations and the proxy's /oauth2
Ingress; the rest of this module is what decides the annotations.

ingress-nginx turns the ``auth-signin`` annotation into ``error_page 401 = @signin`` in the
protected location. nginx applies that page to a *backend's* 401 only while
``proxy_intercept_errors`` is on for the location, and ingress-nginx switches it on in two
places (template ``nginx.tmpl``):

- the ``http`` block, when the controller ConfigMap has a non-empty ``custom-http-errors``
  and not ``disable-proxy-intercept-errors: "true"``;
- the protected ``location``, when the Ingress itself has the ``custom-http-errors``
  annotation and not the annotation ``disable-proxy-intercept-errors: "true"``.

Both ``disable-proxy-intercept-errors`` switches (ConfigMap key and annotation) came with
ingress-nginx PR #9497. It was merged to main in late 2023 but is not listed in the 1.9.5 or
1.9.6 changelogs, users of 1.9.5 and 1.9.6 found it without effect (ingress-nginx #10832) and its
author's answer was "use controller version 1.10+": this module treats both as working from
v1.10.0 only.

A ``server-snippet`` turning it off wins over the http block but not over the location; a
``configuration-snippet`` turning it off in a location that already turns it on is a
duplicate directive: ``nginx -t`` fails and, since the admission webhook no longer tests
configurations, *every* later reload of the controller fails with it. The behaviour suite
(``tests/test_nginx_behaviour.py``) checks all of this against real nginx.
"""

from __future__ import annotations

import datetime
import enum
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from oauth_ingress_construct._core.appspec import AppSpec
from oauth_ingress_construct._core.identity import forwarded_headers
from oauth_ingress_construct._core.inventory import Inventory, Owner
from oauth_ingress_construct._core.manifests import Manifest, manifest
from oauth_ingress_construct._core.sealed import sealed_value, warns_when_checked
from oauth_ingress_construct._core.target import AppTarget, PassThroughStrategy, TargetArguments
from oauth_ingress_construct._core.validation import (
    ConfigurationError,
    check_http_status_codes,
    check_nginx_parameter,
    check_proxy_buffer_size,
    check_version,
    fail,
    plain,
    version_text,
)
from oauth_ingress_construct._core.warnings import warn_user
from oauth_ingress_construct._core.workload import ProxySpec, proxy_labels, public_auth_url_for

__all__ = [
    "ANNOTATION_PREFIX",
    "AUTH_CACHE_CODES",
    "DEFAULT_AUTH_CACHE_SECONDS",
    "TARGET",
    "ControllerAdvisoryWarning",
    "IngressNginx",
    "IngressPlan",
    "PassThroughStrategy",
    "PublicPathRegexWarning",
    "RiskLevel",
    "SnippetAnnotationWarning",
    "app_manifests",
    "auth_cache_annotations",
    "check_auth_cache_duration",
    "plan_app",
    "plan_pass_through",
    "proxy_route",
]

ANNOTATION_PREFIX = "nginx.ingress.kubernetes.io/"
SNIPPET_LINE = "proxy_intercept_errors off;"

#: First release in which ``disable-proxy-intercept-errors`` (annotation and ConfigMap key)
#: takes effect; see the module docstring.
DISABLE_INTERCEPT_SINCE = (1, 10, 0)


class SnippetAnnotationWarning(UserWarning):
    """A snippet annotation is emitted for a controller nobody described.

    The snippet (the seed's ``server-snippet``) works only on a controller that admits snippet
    annotations (ConfigMap ``allow-snippet-annotations: "true"`` and, from v1.12,
    ``annotations-risk-level: Critical``). On ingress-nginx v1.12+ with default settings the
    risk check refuses the *whole* Ingress: its host is not served, and where the admission
    webhook runs ``kubectl apply`` fails. Describing the controller
    (``controller=IngressNginx(...)``) turns this warning into a definite answer: a
    snippet-free strategy, or an error before deploy.
    """


class PublicPathRegexWarning(UserWarning):
    """Public paths on ingress-nginx stay exact only while no Ingress of the host uses regex.

    When any Ingress of a host has ``use-regex`` or ``rewrite-target``, ingress-nginx
    v1.15.1 writes *every* location of that host as the case-insensitive regex
    ``~* "^<path>"``, Exact paths included (``internal/ingress/controller/template/
    template.go``: ``enforceRegexModifier`` lines 506-519, ``buildLocation`` lines
    523-539): a public ``/healthz`` then also answers ``/healthz-admin`` and ``/HEALTHZ``
    without any check. This package never emits either annotation; an Ingress outside
    the program can.
    """


class ControllerAdvisoryWarning(UserWarning):
    """The described controller is affected by an ingress-nginx advisory about ``auth-url``.

    The message names the advisory and the fixed versions. For CVE-2026-24513 the behaviour
    suite shows the bypass on real nginx: with 401 in the ConfigMap's custom-http-errors and
    a default backend that ignores ``X-Code``, an unauthenticated request reaches the app on
    v1.13.6 and v1.14.2, and is redirected to sign-in on v1.13.7, v1.14.3 and v1.15.1, whose
    template puts ``proxy_intercept_errors off;`` in the auth location (nginx.tmpl l.1044 of
    v1.15.1; #14495, backports #14496 and #14497).
    """


@sealed_value
class RiskLevel(enum.IntEnum):
    """ingress-nginx's ``annotations-risk-level`` scale (v1.9+).

    An Ingress is refused when one of its annotations is riskier than the controller allows.
    """

    LOW = 0
    MEDIUM = 1
    HIGH = 2
    CRITICAL = 3


# The risk level of every annotation ingress-nginx v1.15.1 parses: the ``Risk:`` field of the
# parsers' ``AnnotationFields`` (internal/ingress/annotations/<parser>/main.go; e.g.
# authreq/main.go l.60-75: auth-url and auth-signin High). An annotation no parser declares is
# never read and never refused. Grouped by parser directory.
CONTROLLER_ANNOTATION_RISK: Mapping[str, RiskLevel] = {
    "server-alias": RiskLevel.HIGH,  # alias
    "auth-realm": RiskLevel.MEDIUM,  # auth
    "auth-secret-type": RiskLevel.LOW,  # auth
    "auth-type": RiskLevel.LOW,  # auth
    "auth-always-set-cookie": RiskLevel.LOW,  # authreq
    "auth-cache-duration": RiskLevel.MEDIUM,  # authreq
    "auth-cache-key": RiskLevel.MEDIUM,  # authreq
    "auth-keepalive": RiskLevel.LOW,  # authreq
    "auth-keepalive-requests": RiskLevel.LOW,  # authreq
    "auth-keepalive-share-vars": RiskLevel.LOW,  # authreq
    "auth-keepalive-timeout": RiskLevel.LOW,  # authreq
    "auth-method": RiskLevel.LOW,  # authreq
    "auth-proxy-set-headers": RiskLevel.MEDIUM,  # authreq
    "auth-request-redirect": RiskLevel.MEDIUM,  # authreq
    "auth-response-headers": RiskLevel.MEDIUM,  # authreq
    "auth-signin": RiskLevel.HIGH,  # authreq
    "auth-signin-redirect-param": RiskLevel.MEDIUM,  # authreq
    "auth-snippet": RiskLevel.CRITICAL,  # authreq
    "auth-url": RiskLevel.HIGH,  # authreq
    "enable-global-auth": RiskLevel.LOW,  # authreqglobal
    "auth-tls-error-page": RiskLevel.HIGH,  # authtls
    "auth-tls-match-cn": RiskLevel.HIGH,  # authtls
    "auth-tls-pass-certificate-to-upstream": RiskLevel.LOW,  # authtls
    "auth-tls-secret": RiskLevel.MEDIUM,  # authtls
    "auth-tls-verify-client": RiskLevel.MEDIUM,  # authtls
    "auth-tls-verify-depth": RiskLevel.LOW,  # authtls
    "backend-protocol": RiskLevel.LOW,  # backendprotocol
    "canary": RiskLevel.LOW,  # canary
    "canary-by-cookie": RiskLevel.MEDIUM,  # canary
    "canary-by-header": RiskLevel.MEDIUM,  # canary
    "canary-by-header-pattern": RiskLevel.MEDIUM,  # canary
    "canary-by-header-value": RiskLevel.MEDIUM,  # canary
    "canary-weight": RiskLevel.LOW,  # canary
    "canary-weight-total": RiskLevel.LOW,  # canary
    "client-body-buffer-size": RiskLevel.LOW,  # clientbodybuffersize
    "connection-proxy-header": RiskLevel.LOW,  # connection
    "cors-allow-credentials": RiskLevel.LOW,  # cors
    "cors-allow-headers": RiskLevel.MEDIUM,  # cors
    "cors-allow-methods": RiskLevel.MEDIUM,  # cors
    "cors-allow-origin": RiskLevel.MEDIUM,  # cors
    "cors-expose-headers": RiskLevel.MEDIUM,  # cors
    "cors-max-age": RiskLevel.LOW,  # cors
    "enable-cors": RiskLevel.LOW,  # cors
    "custom-headers": RiskLevel.MEDIUM,  # customheaders
    "custom-http-errors": RiskLevel.LOW,  # customhttperrors
    "default-backend": RiskLevel.LOW,  # defaultbackend
    "disable-proxy-intercept-errors": RiskLevel.LOW,  # disableproxyintercepterrors
    "fastcgi-index": RiskLevel.MEDIUM,  # fastcgi
    "fastcgi-params-configmap": RiskLevel.MEDIUM,  # fastcgi
    "http2-push-preload": RiskLevel.LOW,  # http2pushpreload
    "allowlist-source-range": RiskLevel.MEDIUM,  # ipallowlist
    "denylist-source-range": RiskLevel.MEDIUM,  # ipdenylist
    "load-balance": RiskLevel.LOW,  # loadbalancing
    "enable-access-log": RiskLevel.LOW,  # log
    "enable-rewrite-log": RiskLevel.LOW,  # log
    "mirror-host": RiskLevel.HIGH,  # mirror
    "mirror-request-body": RiskLevel.LOW,  # mirror
    "mirror-target": RiskLevel.HIGH,  # mirror
    "enable-modsecurity": RiskLevel.LOW,  # modsecurity
    "enable-owasp-core-rules": RiskLevel.LOW,  # modsecurity
    "modsecurity-snippet": RiskLevel.CRITICAL,  # modsecurity
    "modsecurity-transaction-id": RiskLevel.HIGH,  # modsecurity
    "enable-opentelemetry": RiskLevel.LOW,  # opentelemetry
    "opentelemetry-operation-name": RiskLevel.MEDIUM,  # opentelemetry
    "opentelemetry-trust-incoming-span": RiskLevel.LOW,  # opentelemetry
    "use-port-in-redirects": RiskLevel.LOW,  # portinredirect
    "proxy-body-size": RiskLevel.MEDIUM,  # proxy
    "proxy-buffer-size": RiskLevel.LOW,  # proxy
    "proxy-buffering": RiskLevel.LOW,  # proxy
    "proxy-buffers-number": RiskLevel.LOW,  # proxy
    "proxy-busy-buffers-size": RiskLevel.LOW,  # proxy
    "proxy-connect-timeout": RiskLevel.LOW,  # proxy
    "proxy-cookie-domain": RiskLevel.MEDIUM,  # proxy
    "proxy-cookie-path": RiskLevel.MEDIUM,  # proxy
    "proxy-http-version": RiskLevel.LOW,  # proxy
    "proxy-max-temp-file-size": RiskLevel.LOW,  # proxy
    "proxy-next-upstream": RiskLevel.MEDIUM,  # proxy
    "proxy-next-upstream-timeout": RiskLevel.LOW,  # proxy
    "proxy-next-upstream-tries": RiskLevel.LOW,  # proxy
    "proxy-read-timeout": RiskLevel.LOW,  # proxy
    "proxy-redirect-from": RiskLevel.MEDIUM,  # proxy
    "proxy-redirect-to": RiskLevel.MEDIUM,  # proxy
    "proxy-request-buffering": RiskLevel.LOW,  # proxy
    "proxy-send-timeout": RiskLevel.LOW,  # proxy
    "proxy-ssl-ciphers": RiskLevel.MEDIUM,  # proxyssl
    "proxy-ssl-name": RiskLevel.HIGH,  # proxyssl
    "proxy-ssl-protocols": RiskLevel.LOW,  # proxyssl
    "proxy-ssl-secret": RiskLevel.MEDIUM,  # proxyssl
    "proxy-ssl-server-name": RiskLevel.LOW,  # proxyssl
    "proxy-ssl-verify": RiskLevel.LOW,  # proxyssl
    "proxy-ssl-verify-depth": RiskLevel.LOW,  # proxyssl
    "limit-allowlist": RiskLevel.LOW,  # ratelimit
    "limit-burst-multiplier": RiskLevel.LOW,  # ratelimit
    "limit-connections": RiskLevel.LOW,  # ratelimit
    "limit-rate": RiskLevel.LOW,  # ratelimit
    "limit-rate-after": RiskLevel.LOW,  # ratelimit
    "limit-rpm": RiskLevel.LOW,  # ratelimit
    "limit-rps": RiskLevel.LOW,  # ratelimit
    "from-to-www-redirect": RiskLevel.LOW,  # redirect
    "permanent-redirect": RiskLevel.MEDIUM,  # redirect
    "permanent-redirect-code": RiskLevel.LOW,  # redirect
    "relative-redirects": RiskLevel.LOW,  # redirect
    "temporal-redirect": RiskLevel.MEDIUM,  # redirect
    "temporal-redirect-code": RiskLevel.LOW,  # redirect
    "app-root": RiskLevel.MEDIUM,  # rewrite
    "force-ssl-redirect": RiskLevel.MEDIUM,  # rewrite
    "preserve-trailing-slash": RiskLevel.MEDIUM,  # rewrite
    "rewrite-target": RiskLevel.MEDIUM,  # rewrite
    "ssl-redirect": RiskLevel.LOW,  # rewrite
    "use-regex": RiskLevel.LOW,  # rewrite
    "satisfy": RiskLevel.LOW,  # satisfy
    "server-snippet": RiskLevel.CRITICAL,  # serversnippet
    "service-upstream": RiskLevel.LOW,  # serviceupstream
    "affinity": RiskLevel.LOW,  # sessionaffinity
    "affinity-canary-behavior": RiskLevel.LOW,  # sessionaffinity
    "affinity-mode": RiskLevel.MEDIUM,  # sessionaffinity
    "session-cookie-change-on-failure": RiskLevel.LOW,  # sessionaffinity
    "session-cookie-conditional-samesite-none": RiskLevel.LOW,  # sessionaffinity
    "session-cookie-domain": RiskLevel.MEDIUM,  # sessionaffinity
    "session-cookie-expires": RiskLevel.MEDIUM,  # sessionaffinity
    "session-cookie-max-age": RiskLevel.MEDIUM,  # sessionaffinity
    "session-cookie-name": RiskLevel.MEDIUM,  # sessionaffinity
    "session-cookie-path": RiskLevel.MEDIUM,  # sessionaffinity
    "session-cookie-samesite": RiskLevel.LOW,  # sessionaffinity
    "session-cookie-secure": RiskLevel.LOW,  # sessionaffinity
    "configuration-snippet": RiskLevel.CRITICAL,  # snippet
    "ssl-ciphers": RiskLevel.LOW,  # sslcipher
    "ssl-prefer-server-ciphers": RiskLevel.LOW,  # sslcipher
    "ssl-passthrough": RiskLevel.LOW,  # sslpassthrough
    "stream-snippet": RiskLevel.CRITICAL,  # streamsnippet
    "upstream-hash-by": RiskLevel.HIGH,  # upstreamhashby
    "upstream-hash-by-subset": RiskLevel.LOW,  # upstreamhashby
    "upstream-hash-by-subset-size": RiskLevel.LOW,  # upstreamhashby
    "upstream-vhost": RiskLevel.LOW,  # upstreamvhost
    "x-forwarded-prefix": RiskLevel.MEDIUM,  # xforwardedprefix
}

# Risk of each annotation this package can emit (a view of the table above): authreq
# (auth-url, auth-signin High; auth-response-headers, auth-cache-key, auth-cache-duration
# Medium), customhttperrors, disableproxyintercepterrors and proxy (proxy-buffer-size) Low,
# snippet and serversnippet Critical. The package emits no other annotation: annotations are
# never taken from the user, so the authreq parser's auth-keepalive* (which break the check,
# see auth_cache_annotations) cannot reach an Ingress of this package.
ANNOTATION_RISK: Mapping[str, RiskLevel] = {
    key: CONTROLLER_ANNOTATION_RISK[key]
    for key in (
        "auth-url",
        "auth-signin",
        "auth-response-headers",
        "auth-cache-key",
        "auth-cache-duration",
        "custom-http-errors",
        "disable-proxy-intercept-errors",
        "proxy-buffer-size",
        "server-snippet",
        "configuration-snippet",
    )
}


@sealed_value
@warns_when_checked
@dataclass(frozen=True)
class IngressNginx:
    """The target ingress-nginx controller, as far as the 401 behaviour depends on it.

    Every field mirrors a controller setting; the defaults are those of a current
    ingress-nginx release (v1.15) installed with its Helm chart.

    :param version: controller version, ``"1.15.1"`` or ``"v1.15"`` (= 1.15.0); kept
        normalised (``"1.15.0"``). Default: ``"1.15.1"``.
    :param allow_snippet_annotations: ConfigMap ``allow-snippet-annotations``.
        Default: - ``False`` from v1.9.0, ``True`` before.
    :param annotations_risk_level: ConfigMap ``annotations-risk-level``.
        Default: - ``HIGH`` from v1.12.0, ``CRITICAL`` before.
    :param custom_http_errors: ConfigMap ``custom-http-errors``. Default: - none.
    :param disable_proxy_intercept_errors: ConfigMap ``disable-proxy-intercept-errors``
        (honoured from v1.10.0; ignored by older controllers). Default: ``False``.
    """

    version: str = "1.15.1"
    allow_snippet_annotations: bool | None = None
    annotations_risk_level: RiskLevel | None = None
    custom_http_errors: Sequence[int] = ()
    disable_proxy_intercept_errors: bool = False
    _version: tuple[int, int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        version = check_version(
            "version", self.version, example="an ingress-nginx version such as '1.15.1' or 'v1.12'"
        )
        object.__setattr__(self, "version", version_text(version))
        object.__setattr__(self, "_version", version)
        codes = check_http_status_codes("custom_http_errors", self.custom_http_errors)
        object.__setattr__(self, "custom_http_errors", codes)
        for name in ("allow_snippet_annotations", "disable_proxy_intercept_errors"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, bool):
                fail(name, value, "True or False")
        level = self.annotations_risk_level
        if level is not None and not isinstance(level, RiskLevel):
            fail("annotations_risk_level", level, "a RiskLevel, such as RiskLevel.CRITICAL")
        self._warn_about_auth_advisories()

    def auth_advisories(self) -> list[str]:
        """The ingress-nginx advisories about ``auth-url`` this controller is affected by.

        One sentence each, naming the advisory, the setting that triggers it and the fix.
        """
        # CVE-2026-24513 (ingress-nginx #12876, fixed in v1.13.7, v1.14.3 and v1.15.0): with
        # 401 or 403 in the ConfigMap's custom-http-errors, the auth sub-request's answer goes
        # through the custom error backend, and one that ignores X-Code turns a refused
        # sign-in into 200: every auth-url Ingress is open.
        affected = self._version < (1, 13, 7) or (1, 14, 0) <= self._version < (1, 14, 3)
        intercepted = {401, 403}.intersection(self.custom_http_errors)
        if not (intercepted and affected):
            return []
        return [
            f"{self.describe()} is affected by CVE-2026-24513: with "
            f"{'/'.join(map(str, sorted(intercepted)))} in the ConfigMap's "
            "custom-http-errors, the answer of oauth2-proxy's /oauth2/auth goes through "
            "the custom error backend, and a backend that does not answer with the "
            "X-Code status lets every request past auth-url. Upgrade to v1.13.7, "
            "v1.14.3 or v1.15.0+, or drop 401 and 403 from custom-http-errors"
        ]

    def _warn_about_auth_advisories(self) -> None:
        for advisory in self.auth_advisories():
            warn_user(ControllerAdvisoryWarning(advisory))

    def at_least(self, *version: int) -> bool:
        """Whether the controller is this version or newer."""
        return self._version >= version

    @property
    def snippets_allowed(self) -> bool:
        """The effective ``allow-snippet-annotations``."""
        if self.allow_snippet_annotations is not None:
            return self.allow_snippet_annotations
        return not self.at_least(1, 9, 0)

    @property
    def risk_level(self) -> RiskLevel:
        """The effective ``annotations-risk-level``."""
        if not self.at_least(1, 9, 0):
            return RiskLevel.CRITICAL  # no risk levels before v1.9
        if self.annotations_risk_level is not None:
            return self.annotations_risk_level
        return RiskLevel.HIGH if self.at_least(1, 12, 0) else RiskLevel.CRITICAL

    @property
    def accepts_snippets(self) -> bool:
        """Whether snippet annotations pass ``allow-snippet-annotations`` and the risk level."""
        return self.snippets_allowed and self.risk_level >= RiskLevel.CRITICAL

    @property
    def honours_disable_intercept(self) -> bool:
        """Whether ``disable-proxy-intercept-errors`` (annotation or ConfigMap) takes effect."""
        return self.at_least(*DISABLE_INTERCEPT_SINCE)

    @property
    def intercepts_in_http_block(self) -> bool:
        """Whether ``proxy_intercept_errors on;`` is set for every server by the ConfigMap."""
        disabled = self.disable_proxy_intercept_errors and self.honours_disable_intercept
        return bool(self.custom_http_errors) and not disabled

    def describe(self) -> str:
        """A one-line summary used in error messages."""
        return (
            f"ingress-nginx {self.version} (allow-snippet-annotations="
            f"{str(self.snippets_allowed).lower()}, annotations-risk-level="
            f"{self.risk_level.name.title()}, ConfigMap custom-http-errors="
            f"{','.join(map(str, self.custom_http_errors)) or 'none'})"
        )

    def check_annotations(self, annotations: Mapping[str, str], *, argument: str) -> None:
        """Refuse annotations this controller would reject, in the controller's order.

        The risk check comes first and covers every annotation (ingress-nginx v1.15.1
        ``annotations.go`` ``Extract`` l.185-188: one annotation above the level and the
        whole Ingress is refused); snippets are dropped for ``allow-snippet-annotations:
        false`` only afterwards, for an Ingress that passed (``controller.go`` l.1323-1325),
        and the admission webhook refuses them at apply time (``controller.go`` l.402-403).
        """
        shorts = [key.removeprefix(ANNOTATION_PREFIX) for key in annotations]
        for short in shorts:
            risk = ANNOTATION_RISK.get(short)
            if risk is not None and risk > self.risk_level:
                raise ConfigurationError(
                    f"{argument}: the '{short}' annotation has risk level {risk.name.title()}, "
                    f"above the annotations-risk-level of {self.describe()}; the controller "
                    "would refuse the whole Ingress (its host is not served; where the "
                    "admission webhook runs, kubectl apply fails). Set the ConfigMap "
                    f"annotations-risk-level to {risk.name.title()} or higher"
                    + (
                        ' and allow-snippet-annotations: "true", or choose a snippet-free '
                        "pass_through_401_strategy"
                        if short.endswith("-snippet")
                        else ""
                    )
                )
        for short in shorts:
            if short.endswith("-snippet") and not self.snippets_allowed:
                raise ConfigurationError(
                    f"{argument}: the '{short}' annotation would be refused by "
                    f"{self.describe()}: snippet annotations are disabled (where the admission "
                    "webhook runs, kubectl apply fails; without it the snippet is dropped and "
                    "the rest of the Ingress served, so the backend's 401 becomes a sign-in "
                    'redirect). Enable them (ConfigMap allow-snippet-annotations: "true"), '
                    "or describe the controller accurately in controller=, or choose a "
                    "snippet-free pass_through_401_strategy"
                )


# --------------------------------------------------------------------------- reading a controller
# What the controller makes of annotations and ConfigMap values written by hand: the doctor
# (``oauth-ingress doctor``) reads existing Ingresses with these. Line numbers are those of
# ingress-nginx v1.15.1.

_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})

#: ``auth-url`` and ``auth-signin`` values the controller accepts from v1.9.1
#: (``parser.URLWithNginxVariableRegex``, parser/validators.go l.45-48 and l.82, checked after
#: removing spaces, l.111-114): letters, digits, ``-._~/:,?&=$``. No ``%``, so a
#: percent-encoded ``rd`` makes the value invalid.
_URL_WITH_NGINX_VARIABLE = re.compile(r"[-._~a-zA-Z0-9/:,?&=$]*")
VALUE_VALIDATION_SINCE = (1, 9, 1)


def parse_go_bool(value: str) -> bool | None:
    """Go's ``strconv.ParseBool`` (how the controller reads a boolean); ``None`` if invalid."""
    if value in _GO_TRUE:
        return True
    if value in _GO_FALSE:
        return False
    return None


def parse_risk_level(value: str) -> RiskLevel:
    """``annotations-risk-level`` as the controller reads it, unknown values as ``Low``.

    ``StringRiskToRisk`` (parser/main.go l.200-211), case-insensitive.
    """
    return {
        "critical": RiskLevel.CRITICAL,
        "high": RiskLevel.HIGH,
        "medium": RiskLevel.MEDIUM,
    }.get(value.lower(), RiskLevel.LOW)


def parse_configmap_http_errors(value: str) -> tuple[int, ...]:
    """ConfigMap ``custom-http-errors`` as the controller reads it.

    Comma-separated, spaces trimmed, entries that are not integers skipped with a log line
    (template/configmap.go l.159-169).
    """
    codes = []
    for raw in value.split(","):
        item = raw.strip()
        if item.isascii() and item.isdigit() and len(item) <= 9:
            codes.append(int(item))
    return tuple(dict.fromkeys(codes))


def parse_ingress_http_errors(value: str, controller: IngressNginx) -> tuple[int, ...] | None:
    """The Ingress's ``custom-http-errors`` codes, or ``None`` when the controller ignores it.

    The validator (customhttperrors/main.go l.36, ``^(?:[4,5][0-9]{2},?)*$`` after removing
    spaces) refuses anything but 4xx/5xx codes, which refuses the whole Ingress (see
    :func:`admission`). ``Parse`` then splits on commas; it trims spaces only
    from v1.12.6 and v1.13.2 (l.75-77): before, ``"404, 503"`` fails ``Atoi`` and the
    annotation is skipped (annotations.go ``Extract`` l.193-203 continues on that error).
    """
    trims = controller.at_least(1, 13, 2) or (
        controller.at_least(1, 12, 6) and not controller.at_least(1, 13, 0)
    )
    codes = []
    for raw in value.split(","):
        item = raw.strip() if trims else raw
        if item == "" and not trims:
            return None
        if item == "":
            continue
        if not (item.isascii() and item.isdigit() and len(item) <= 9):
            return None
        codes.append(int(item))
    return tuple(codes)


_INGRESS_HTTP_ERRORS = re.compile(r"(?:[4,5][0-9]{2},?)*")


@dataclass(frozen=True)
class Admission:
    """What the controller does with one Ingress's annotations (keys without the prefix).

    :param refused: why the whole Ingress is refused (its host not served by it, and where the
        admission webhook runs, ``kubectl apply`` fails), or ``None`` when it is admitted.
    :param refused_annotation: the annotation that got it refused.
    :param kept: the annotations in effect once admitted (snippets dropped, values the
        controller ignores left out).
    :param dropped: ``(annotation, reason)`` for each annotation admitted but without effect.
    """

    refused: str | None
    refused_annotation: str | None
    kept: Mapping[str, str]
    dropped: tuple[tuple[str, str], ...]


def admission(controller: IngressNginx, annotations: Mapping[str, str]) -> Admission:
    """The controller's verdict on an Ingress's annotations, in its own order.

    1. The risk check over every annotation (annotations.go ``Extract`` l.185-188): one above
       ``annotations-risk-level`` and the whole Ingress is refused.
    2. Each parser's value validation (parser/validators.go ``checkAnnotation`` l.241-245):
       an invalid ``auth-url`` or ``custom-http-errors`` refuses the whole Ingress
       (``Extract`` l.193-196 returns the validation error; store.go l.949-953 never syncs
       it); an invalid ``auth-signin`` is only skipped (authreq/main.go l.334-340).
    3. Snippets are dropped while ``allow-snippet-annotations`` is false (controller.go
       l.1323-1325); ``disable-proxy-intercept-errors`` does nothing before v1.10.
    """
    kept: dict[str, str] = {}
    dropped: list[tuple[str, str]] = []
    if controller.at_least(1, 9, 0):
        for key in annotations:
            risk = CONTROLLER_ANNOTATION_RISK.get(key)
            if risk is not None and risk > controller.risk_level:
                return Admission(
                    refused=(
                        f"the '{key}' annotation has risk level {risk.name.title()}, above "
                        f"the controller's annotations-risk-level "
                        f"{controller.risk_level.name.title()}"
                    ),
                    refused_annotation=key,
                    kept={},
                    dropped=(),
                )
    validating = controller.at_least(*VALUE_VALIDATION_SINCE)
    for key, value in annotations.items():
        compact = value.replace(" ", "")
        if (
            validating
            and key in ("auth-url", "auth-signin")
            and not _URL_WITH_NGINX_VARIABLE.fullmatch(compact)
        ):
            if key == "auth-url":
                return Admission(
                    refused=(
                        "the 'auth-url' value has characters the controller's validator "
                        "refuses (only letters, digits and -._~/:,?&=$; no %)"
                    ),
                    refused_annotation=key,
                    kept={},
                    dropped=(),
                )
            dropped.append((key, "its value has characters the validator refuses (no %)"))
            continue
        if (
            validating
            and key == "custom-http-errors"
            and not _INGRESS_HTTP_ERRORS.fullmatch(compact)
        ):
            return Admission(
                refused="the 'custom-http-errors' value is not a list of 4xx/5xx codes",
                refused_annotation=key,
                kept={},
                dropped=(),
            )
        if key.endswith("-snippet") and not controller.snippets_allowed:
            dropped.append((key, "snippet annotations are disabled (allow-snippet-annotations)"))
            continue
        if key == "disable-proxy-intercept-errors" and not controller.honours_disable_intercept:
            dropped.append((key, "no effect before ingress-nginx v1.10.0 (#10832)"))
            continue
        if key == "custom-http-errors" and parse_ingress_http_errors(value, controller) is None:
            dropped.append((key, "this version does not trim spaces in it: skipped"))
            continue
        kept[key] = value
    return Admission(refused=None, refused_annotation=None, kept=kept, dropped=tuple(dropped))


_INTERCEPT_DIRECTIVE = re.compile(r"(?:^|[;{}\s])proxy_intercept_errors\s+(on|off)\s*;")


def snippet_intercept(snippet: str) -> list[bool]:
    """The ``proxy_intercept_errors`` settings a snippet writes, in order (comments skipped)."""
    text = "\n".join(line.split("#", 1)[0] for line in snippet.splitlines())
    return [m.group(1) == "on" for m in _INTERCEPT_DIRECTIVE.finditer(text)]


class Backend401(enum.Enum):
    """What a backend's own 401 becomes for a signed-in user."""

    PASSES = "passes through"
    SIGN_IN = "becomes a sign-in redirect"
    CONFIG_FAILS = "nginx -t fails"


@dataclass(frozen=True)
class Interception:
    """Whether ``proxy_intercept_errors`` is on in the protected location, and where from."""

    backend_401: Backend401
    reason: str
    error_pages: tuple[int, ...]


def interception(controller: IngressNginx, kept: Mapping[str, str]) -> Interception:
    """What a backend 401 (and other codes) become in the protected location.

    nginx replaces an upstream answer only while ``proxy_intercept_errors`` is on and the
    location has an ``error_page`` for the status; ``auth-signin`` puts ``error_page 401``
    there (nginx.tmpl l.1251). The setting comes from, innermost first: the location (the
    Ingress's ``custom-http-errors`` without ``disable-proxy-intercept-errors``, nginx.tmpl
    l.1399-1402; a ``configuration-snippet``, l.1365), the server (``server-snippet``,
    l.976-978), the http block (ConfigMap ``custom-http-errors``, l.494). Two settings in one
    block are a duplicate directive: ``nginx -t`` fails. A location with ``error_page`` of its
    own does not inherit the http block's error pages.
    """
    signin = "auth-signin" in kept
    own = parse_ingress_http_errors(kept.get("custom-http-errors", ""), controller) or ()
    disabled = parse_go_bool(kept.get("disable-proxy-intercept-errors", "")) is True
    location_on = bool(own) and not disabled
    location_snippet = snippet_intercept(kept.get("configuration-snippet", ""))
    server_snippet = snippet_intercept(kept.get("server-snippet", ""))
    if len(location_snippet) + location_on > 1 or len(server_snippet) > 1:
        where = "location" if len(location_snippet) + location_on > 1 else "server"
        return Interception(
            Backend401.CONFIG_FAILS,
            f"proxy_intercept_errors is set twice in the {where} block ("
            + (
                "custom-http-errors turns it on and the configuration-snippet sets it again"
                if location_on and location_snippet
                else "the snippet sets it twice"
            )
            + '): "directive is duplicate", and every later reload of the controller fails',
            (),
        )
    if location_on:
        on, reason = True, "the Ingress's custom-http-errors turns interception on in its location"
    elif location_snippet:
        on, reason = location_snippet[0], "the configuration-snippet sets proxy_intercept_errors"
    elif server_snippet:
        on, reason = server_snippet[0], "the server-snippet sets proxy_intercept_errors"
    elif controller.intercepts_in_http_block:
        on, reason = True, "the ConfigMap's custom-http-errors turns interception on everywhere"
    else:
        on, reason = False, "nothing turns proxy_intercept_errors on (nginx's default is off)"
    if (location_on or location_snippet or server_snippet) and controller.intercepts_in_http_block:
        reason += " (over the ConfigMap's custom-http-errors)"
    pages = tuple(c for c in own if c != 401) if on else ()
    if not on:
        return Interception(Backend401.PASSES, reason, ())
    if not signin:
        return Interception(
            Backend401.PASSES, reason + ", but without auth-signin no 401 page", pages
        )
    return Interception(Backend401.SIGN_IN, reason, pages)


def signin_keeps_original_url(signin_url: str, redirect_param: str = "rd") -> bool | None:
    """Whether the sign-in redirect brings the browser back to the whole original URL.

    template.go ``buildAuthSignURL`` l.1183-1202: without ``<redirect_param>`` in the URL the
    controller appends ``rd=$pass_access_scheme://$http_host$escaped_request_uri`` (kept
    whole); with it the URL is used as written: ``$escaped_request_uri`` keeps the URL,
    ``$request_uri`` puts it unescaped into the query, and ``/a?x=1&y=2`` loses ``&y=2``.
    ``None``: the parameter is a fixed URL (the user lands there, not where they were).
    """
    query = signin_url.partition("?")[2]
    values = [
        v for k, _, v in (item.partition("=") for item in query.split("&")) if k == redirect_param
    ]
    if not values:
        return True
    value = values[0]
    if "$escaped_request_uri" in value:
        return True
    if "$request_uri" in value or "$uri" in value or "$args" in value:
        return False
    return None


@dataclass(frozen=True)
class PassThroughPlan:
    """What to add to the protected Ingress for pass-through, and why."""

    strategy: PassThroughStrategy
    annotations: Mapping[str, str]


def _snippet_annotations(strategy: PassThroughStrategy) -> dict[str, str]:
    comment = "# Pass the backend's own 401 through instead of redirecting to sign-in\n"
    key = ANNOTATION_PREFIX + strategy.value
    return {key: comment + SNIPPET_LINE + "\n"}


def plan_pass_through(
    *,
    controller: IngressNginx | None,
    strategy: PassThroughStrategy | None,
    ingress_custom_http_errors: Sequence[int],
) -> PassThroughPlan:
    """Choose, or check, the pass-through strategy for one protected Ingress.

    Without a controller description the seed's server-snippet is used, for the seed's kind
    of controller: one that admits snippets (on v1.12+ defaults the whole Ingress is refused,
    and the ``SnippetAnnotationWarning`` says so). It works whenever the Ingress itself does
    not switch interception on, which we handle with the disable annotation. With a
    description, the least risky strategy that works there is chosen: nothing, then the
    snippet-free annotation, then a location-scoped configuration-snippet.
    """
    own_errors = bool(ingress_custom_http_errors)
    http_on = controller.intercepts_in_http_block if controller is not None else False
    annotations: dict[str, str] = {}

    if own_errors:
        # The location turns interception on itself: only this annotation can undo that,
        # and it must be there before any snippet, else the snippet is overridden
        # (server-snippet) or duplicates the directive (configuration-snippet).
        if controller is not None and not controller.honours_disable_intercept:
            raise ConfigurationError(
                f"pass_through_401: custom_http_errors={list(ingress_custom_http_errors)!r} "
                f"switches interception on in the Ingress's own location and "
                f"{controller.describe()} has no per-Ingress way to switch it off "
                "(the disable-proxy-intercept-errors annotation works from v1.10.0; a "
                "configuration-snippet would duplicate the directive and break every reload). "
                "Drop custom_http_errors, or upgrade the controller"
            )
        annotations[ANNOTATION_PREFIX + "disable-proxy-intercept-errors"] = "true"

    if strategy is None:
        if controller is None:
            strategy = PassThroughStrategy.SERVER_SNIPPET
        elif http_on:
            if not controller.accepts_snippets:
                fix = (
                    'set its disable-proxy-intercept-errors: "true" and describe that in '
                    "controller="
                    if controller.honours_disable_intercept
                    else 'upgrade it to v1.10+ and set its disable-proxy-intercept-errors: "true"'
                )
                raise ConfigurationError(
                    f"pass_through_401: {controller.describe()} intercepts backend errors on "
                    "every server (ConfigMap custom-http-errors), and the only per-Ingress way "
                    "to switch that off is a snippet annotation, which it refuses. In the "
                    f"controller ConfigMap either {fix}, or allow snippet annotations "
                    '(allow-snippet-annotations: "true", annotations-risk-level: Critical)'
                )
            strategy = PassThroughStrategy.CONFIGURATION_SNIPPET
        elif own_errors:
            strategy = PassThroughStrategy.DISABLE_INTERCEPT_ANNOTATION
        else:
            strategy = PassThroughStrategy.NONE_NEEDED
    elif not isinstance(strategy, PassThroughStrategy):
        fail("pass_through_401_strategy", strategy, "a PassThroughStrategy or None")

    if strategy in (
        PassThroughStrategy.DISABLE_INTERCEPT_ANNOTATION,
        PassThroughStrategy.NONE_NEEDED,
    ):
        if http_on:
            assert controller is not None
            raise ConfigurationError(
                f"pass_through_401_strategy={strategy}: would not pass a backend 401 through on "
                f"{controller.describe()}: the ConfigMap's custom-http-errors switches "
                "interception on for every server. Use PassThroughStrategy.CONFIGURATION_SNIPPET "
                "(needs snippet annotations), or set the ConfigMap's "
                'disable-proxy-intercept-errors: "true" (v1.10+) and describe it in controller='
            )
        if strategy is PassThroughStrategy.NONE_NEEDED and own_errors:
            raise ConfigurationError(
                f"pass_through_401_strategy={strategy}: custom_http_errors on the Ingress "
                "switches interception on in its location. Use "
                "PassThroughStrategy.DISABLE_INTERCEPT_ANNOTATION or leave the strategy unset"
            )
        if strategy is PassThroughStrategy.DISABLE_INTERCEPT_ANNOTATION:
            annotations[ANNOTATION_PREFIX + "disable-proxy-intercept-errors"] = "true"
    else:
        annotations.update(_snippet_annotations(strategy))

    if controller is not None:
        controller.check_annotations(annotations, argument="pass_through_401")
    elif strategy in (
        PassThroughStrategy.SERVER_SNIPPET,
        PassThroughStrategy.CONFIGURATION_SNIPPET,
    ):
        warn_user(
            SnippetAnnotationWarning(
                f"pass_through_401 emits a '{strategy.value}' annotation because controller= "
                "describes no controller. It works only where snippet annotations are admitted "
                '(ConfigMap allow-snippet-annotations: "true" and, from v1.12, '
                "annotations-risk-level: Critical). On ingress-nginx v1.12+ with default "
                "settings the whole Ingress is refused: its host is not served, and where the "
                "admission webhook runs (the Helm chart's default) kubectl apply fails. Pass "
                "controller=IngressNginx(...) describing your controller: a snippet-free "
                "strategy is chosen where one works (nothing on a stock controller, the "
                "disable-proxy-intercept-errors annotation for the Ingress's own "
                "custom_http_errors), or an error names the ConfigMap change needed"
            )
        )
    return PassThroughPlan(strategy=strategy, annotations=annotations)


#: The cached answers of oauth2-proxy's ``/oauth2/auth`` (``AuthOnly``, oauthproxy.go
#: l.1018-1037 at v7.15.3): 202 signed in and allowed, 401 no valid session, 403 signed in
#: but outside the app's ``allowed_groups`` / ``allowed_email_domains``. Errors (5xx) are
#: never cached.
AUTH_CACHE_CODES = (202, 401, 403)
#: How long an answer is reused when ``auth_cache_duration`` is not given.
DEFAULT_AUTH_CACHE_SECONDS = 30
#: The longest ``auth_cache_duration``: a signed-out or revoked session keeps working, and a
#: session past its expiry keeps being admitted, for up to this long.
MAX_AUTH_CACHE_SECONDS = 3600
_AUTH_CACHE_DURATION_RE = re.compile(r"(?:[0-9]{1,4}h)?(?:[0-9]{1,6}m)?(?:[0-9]{1,7}s)?")


def check_auth_cache_duration(argument: str, value: object) -> int:
    """``auth_cache_duration`` in whole seconds, from 1 to 3600.

    An ``int`` of seconds, a ``datetime.timedelta`` or a duration string such as ``"30s"``,
    ``"2m"`` or ``"1m30s"`` (units h, m, s), emitted as ``<seconds>s``.
    """
    allowed = (
        f"a duration from 1s to {MAX_AUTH_CACHE_SECONDS // 60}m in whole seconds: seconds as "
        "an int, a datetime.timedelta, or a string such as '30s', '2m' or '1m30s'"
    )
    checked = plain(value)
    seconds: int | None = None
    if isinstance(checked, bool):
        seconds = None
    elif isinstance(checked, int):
        seconds = checked
    elif isinstance(checked, datetime.timedelta):
        total = checked.total_seconds()
        seconds = int(total) if total == int(total) else None
    elif isinstance(checked, str):
        match = _AUTH_CACHE_DURATION_RE.fullmatch(checked)
        if match is not None and checked:
            seconds = sum(
                int(number) * {"h": 3600, "m": 60, "s": 1}[unit]
                for number, unit in re.findall(r"([0-9]+)([hms])", checked)
            )
    if seconds is None or not 1 <= seconds <= MAX_AUTH_CACHE_SECONDS:
        fail(argument, value, allowed)
    return seconds


def auth_cache_annotations(auth_url: str, seconds: int) -> dict[str, str]:
    """``auth-cache-key`` and ``auth-cache-duration`` for an app whose ``auth-url`` is this.

    What ingress-nginx v1.15.1 does with them (``rootfs/etc/nginx/template/nginx.tmpl``
    l.1024-1037, ``rootfs/etc/nginx/lua/nginx/ngx_conf_rewrite_auth.lua``): in the location's
    internal auth location, ``proxy_cache auth_cache`` (one zone for every server, l.564)
    with the key ``base64(sha1(<server name><auth location><auth-cache-key>))``, the auth
    location being ``/_external-auth-<base64 of the nginx location's path>-<path type>``
    (template.go ``buildAuthLocation``), and one ``proxy_cache_valid`` per comma-separated
    entry of ``auth-cache-duration``.

    The key therefore already separates hosts and nginx locations; what we add covers the
    rest of what decides oauth2-proxy's answer (``getAuthenticatedSession`` and
    ``authOnlyAuthorize``, oauthproxy.go l.1142-1199 at v7.15.3; the flags that would make
    it depend on the client's address, path or method, ``--trusted-ip`` and
    ``--skip-auth-*``, are refused in ``extra_args``):

    - ``$http_cookie``: the whole ``Cookie`` header, so the session cookie under any
      ``--cookie-name`` and all of its split parts (``_oauth2_proxy_0``, ``_1``, ...), however
      many; ``$cookie__oauth2_proxy`` alone is empty for split sessions, and one cached
      answer would then be shared by all of them;
    - ``$http_authorization``: bearer tokens and basic credentials (nginx refuses a request
      with two ``Authorization`` headers);
    - a digest of the ``auth-url`` with its authorization query (``allowed_groups``,
      ``allowed_email_domains``), so that an answer cached before the query changed is not
      reused after it.

    ``auth-cache-key`` admits letters, digits, ``-``, ``_``, ``$``, ``{`` and ``}`` only
    (authreq ``parser.NGINXVariable``, validators.go l.74), hence the braces and ``-``.
    nginx stores no answer that carries ``Set-Cookie`` (``proxy_cache_valid``, nginx
    documentation; the template sets no ``proxy_ignore_headers``): a session refresh or a
    cleared cookie always comes from oauth2-proxy itself. ``auth-keepalive`` is never
    emitted: it swaps ``auth_request`` for a Lua sub-request that accepts only 200
    (``ngx_conf_external_auth.lua``), and oauth2-proxy's yes is 202, so every signed-in
    request would fail with 500.
    """
    digest = hashlib.sha256(auth_url.encode()).hexdigest()[:16]
    codes = " ".join(map(str, AUTH_CACHE_CODES))
    return {
        ANNOTATION_PREFIX + "auth-cache-key": "${http_cookie}-${http_authorization}-" + digest,
        ANNOTATION_PREFIX + "auth-cache-duration": f"{codes} {seconds}s",
    }


@sealed_value
@dataclass(frozen=True)
class IngressPlan:
    """The app Ingress's annotations and the pass-through strategy in effect."""

    annotations: Mapping[str, str]
    strategy: PassThroughStrategy | None


def plan_app(
    app: AppSpec,
    *,
    pass_through_401: bool = False,
    pass_through_401_strategy: PassThroughStrategy | None = None,
    controller: IngressNginx | None = None,
    custom_http_errors: Sequence[int] = (),
    public_auth_url: bool = False,
    proxy_buffer_size: str | None = None,
    auth_cache: bool = False,
    auth_cache_duration: object = None,
) -> IngressPlan:
    """Check the ingress-nginx arguments of an app and compute its annotations."""
    for arg, flag in (
        ("pass_through_401", pass_through_401),
        ("public_auth_url", public_auth_url),
        ("auth_cache", auth_cache),
    ):
        if not isinstance(flag, bool):
            fail(arg, flag, "True or False")
    if controller is not None and not isinstance(controller, IngressNginx):
        fail("controller", controller, "an IngressNginx(...) description, or None")
    own_errors = check_http_status_codes("custom_http_errors", custom_http_errors)
    if proxy_buffer_size is not None:
        proxy_buffer_size = check_proxy_buffer_size("proxy_buffer_size", proxy_buffer_size)
    cache_seconds = None
    if auth_cache:
        cache_seconds = (
            DEFAULT_AUTH_CACHE_SECONDS
            if auth_cache_duration is None
            else check_auth_cache_duration("auth_cache_duration", auth_cache_duration)
        )
    elif auth_cache_duration is not None:
        fail("auth_cache_duration", auth_cache_duration, "unset unless auth_cache=True")

    pass_through = None
    if pass_through_401:
        pass_through = plan_pass_through(
            controller=controller,
            strategy=pass_through_401_strategy,
            ingress_custom_http_errors=own_errors,
        )
    elif pass_through_401_strategy is not None:
        fail(
            "pass_through_401_strategy",
            pass_through_401_strategy,
            "unset unless pass_through_401=True",
        )

    proxy = app.proxy
    if app.host == proxy.host and app.ingress_class_name != proxy.ingress_class_name:
        fail(
            "ingress_class_name",
            app.ingress_class_name,
            f"{proxy.ingress_class_name!r}, the class of the /oauth2 Ingress of proxy "
            f"{proxy.name!r} on the same host {app.host!r}: another controller serving the "
            "host has no /oauth2 there, so sign-in and its callback would land nowhere (or "
            "put the app on another host)",
        )
    auth_url = public_auth_url_for(proxy.host) if public_auth_url else proxy.cluster_auth_url
    auth_url = check_nginx_parameter("allowed_groups", auth_url + app.auth_query)
    annotations = {
        ANNOTATION_PREFIX + "auth-url": auth_url,
        ANNOTATION_PREFIX + "auth-signin": proxy.signin_url,
    }
    if cache_seconds is not None:
        annotations.update(auth_cache_annotations(auth_url, cache_seconds))
    # Every identity header, not only the app's: ingress-nginx writes
    # ``proxy_set_header '<name>' $authHeaderN`` from the auth answer for each one
    # (template.go buildAuthResponseHeaders, lines 599-617 at v1.15.1), which replaces the
    # client's header, and nginx sends no header whose value is empty: so a client-sent
    # identity header reaches the backend only as the proxy's value. Per-Ingress request
    # headers cannot be removed otherwise without a snippet.
    annotations[ANNOTATION_PREFIX + "auth-response-headers"] = ",".join(
        forwarded_headers(app.response_headers)
    )
    if own_errors:
        annotations[ANNOTATION_PREFIX + "custom-http-errors"] = ",".join(map(str, own_errors))
    if proxy_buffer_size is not None:
        annotations[ANNOTATION_PREFIX + "proxy-buffer-size"] = proxy_buffer_size
    strategy = None
    if pass_through is not None:
        annotations.update(pass_through.annotations)
        strategy = pass_through.strategy
    if controller is not None:
        controller.check_annotations(annotations, argument="controller")
    return IngressPlan(annotations=annotations, strategy=strategy)


def _ingress_spec(
    ingress_class_name: str,
    host: str,
    paths: list[dict[str, Any]],
    tls_secret_name: str | None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "ingressClassName": ingress_class_name,
        "rules": [{"host": host, "http": {"paths": paths}}],
    }
    if tls_secret_name is not None:
        spec["tls"] = [{"hosts": [host], "secretName": tls_secret_name}]
    return spec


def _app_ingress(
    app: AppSpec,
    name: str,
    paths: Sequence[str],
    path_type: str,
    annotations: Mapping[str, str] | None,
) -> Manifest:
    """An Ingress of the app: ``paths`` of its host to its backend, with ``annotations``."""
    service = app.backend
    rules = [
        {
            "path": p,
            "pathType": path_type,
            "backend": {"service": {"name": service.name, "port": {"number": service.port}}},
        }
        for p in paths
    ]
    return manifest(
        api_version="networking.k8s.io/v1",
        kind="Ingress",
        name=name,
        namespace=app.namespace,
        labels={"app.kubernetes.io/instance": app.name},
        annotations=annotations,
        body={"spec": _ingress_spec(app.ingress_class_name, app.host, rules, app.tls_secret_name)},
    )


def app_manifests(app: AppSpec, plan: IngressPlan) -> dict[str, Manifest]:
    """The app's own objects by construct id: its ``Ingress``."""
    return {
        "Ingress": _app_ingress(app, app.name, app.paths, app.path_type.value, plan.annotations)
    }


#: Annotations of the app's Ingress that its API Ingress leaves out: no sign-in redirect,
#: and a host-wide snippet only once per host.
_NOT_ON_API = (ANNOTATION_PREFIX + "auth-signin", ANNOTATION_PREFIX + "server-snippet")


def api_manifests(app: AppSpec, plan: IngressPlan) -> dict[str, Manifest]:
    """``ApiIngress`` [<name>-api]: the API paths, with ``auth-url`` but no ``auth-signin``.

    Without ``auth-signin`` ingress-nginx writes no ``error_page 401`` into the location
    (``rootfs/etc/nginx/template/nginx.tmpl`` lines 1249-1251 at v1.15.1, "if
    $externalAuth.SigninURL"): a failed
    check answers the client with the 401 (or 403) of ``auth_request`` itself, and the
    backend's own 401 is never turned into a redirect. The session cookie is checked as on
    the app's paths, so a browser's XHR still passes.
    """
    if not app.api_paths:
        return {}
    annotations = {k: v for k, v in plan.annotations.items() if k not in _NOT_ON_API}
    return {
        "ApiIngress": _app_ingress(
            app, f"{app.name}-api", app.api_paths, app.api_path_type.value, annotations
        )
    }


def public_manifests(app: AppSpec) -> dict[str, Manifest]:
    """``PublicIngress`` [<name>-public]: the app's public paths, without any auth annotation.

    An Ingress of its own, since ingress-nginx applies annotations to every path of an
    Ingress. Its paths stay apart from the app's checked ones (``_core.appspec``) and are
    claimed in the inventory like them.
    """
    if not app.public_paths:
        return {}
    return {
        "PublicIngress": _app_ingress(
            app, f"{app.name}-public", app.public_paths, app.public_path_type.value, None
        )
    }


def warn_public_paths(app: AppSpec) -> None:
    """Say what the user must check for public paths on ingress-nginx (the regex trap)."""
    if not app.public_paths:
        return
    first = app.public_paths[0]
    warn_user(
        PublicPathRegexWarning(
            f"public_paths {list(app.public_paths)} on host {app.host!r} stay exact only while "
            "no Ingress of that host (in any namespace, of ingress class "
            f"{app.ingress_class_name!r}) has the use-regex or rewrite-target annotation: "
            "with either, ingress-nginx writes every location of the host as the "
            f'case-insensitive regex ~* "^<path>", and {first!r} would also answer '
            f"{first.rstrip('/') + '-admin'!r} and {first.upper()!r} without any check. "
            "Check the host's Ingresses (kubectl get ingress -A -o yaml | grep -E "
            "'use-regex|rewrite-target'), or move those apps to another host"
        )
    )


#: What Go's strconv.ParseBool reads as true: ingress-nginx reads ``use-regex`` with it
#: (``internal/ingress/annotations/parser/main.go`` GetBoolAnnotation).
_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})


def foreign_route_conflicts(inventory: Inventory, obj: Manifest, theirs: str) -> list[str]:
    """Why a user's Ingress of the program (``obj``) collides with our routes, if it does.

    Each host's paths of theirs are judged by our claims (:meth:`Inventory.
    foreign_ingress_conflicts`) as ingress-nginx v1.15.1 builds the host's server: its
    class is ``spec.ingressClassName`` or the ``kubernetes.io/ingress.class`` annotation
    (none: judged against every class we route on); a path without a Service backend
    makes no location (``internal/ingress/controller/controller.go`` line 796), an empty
    path is ``/`` (line 811); a rule without a host is the default server, never one of
    ours. ``use-regex`` (a Go boolean) or a ``rewrite-target`` other than the path
    (``needsRewrite``, ``template.go`` line 497) leaves its Prefix paths as written
    (``location.go`` line 61) and turns the host's locations into regexes.
    """
    if obj.get("kind") != "Ingress" or not str(obj.get("apiVersion", "")).startswith(
        "networking.k8s.io/"
    ):
        return []
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    spec = obj.get("spec") or {}
    ingress_class = spec.get("ingressClassName") or annotations.get("kubernetes.io/ingress.class")
    rewrite = annotations.get(ANNOTATION_PREFIX + "rewrite-target") or ""
    use_regex = annotations.get(ANNOTATION_PREFIX + "use-regex") in _GO_TRUE
    by_host: dict[str, list[tuple[str, str]]] = {}
    for rule in spec.get("rules") or []:
        if not isinstance(rule, Mapping) or not rule.get("host"):
            continue
        for item in (rule.get("http") or {}).get("paths") or []:
            if not isinstance(item, Mapping) or not (item.get("backend") or {}).get("service"):
                continue
            path, path_type = item.get("path") or "/", item.get("pathType")
            if path_type not in ("Prefix", "Exact", "ImplementationSpecific"):
                continue
            by_host.setdefault(str(rule["host"]), []).append((str(path), path_type))
    paths = [p for host_paths in by_host.values() for p, _ in host_paths]
    regex = use_regex or any(rewrite and rewrite != p for p in paths)
    found = []
    for host, host_paths in by_host.items():
        found += inventory.foreign_ingress_conflicts(
            theirs,
            None if ingress_class is None else str(ingress_class),
            host,
            host_paths,
            regex=regex,
        )
    return found


def proxy_route(proxy: ProxySpec) -> Manifest:
    """The ``Ingress`` serving ``https://<host>/oauth2`` to browsers."""
    paths = [
        {
            "path": "/oauth2",
            "pathType": "Prefix",
            "backend": {"service": {"name": proxy.name, "port": {"name": "http"}}},
        }
    ]
    return manifest(
        api_version="networking.k8s.io/v1",
        kind="Ingress",
        name=proxy.name,
        namespace=proxy.namespace,
        labels=proxy_labels(proxy),
        body={
            "spec": _ingress_spec(
                proxy.ingress_class_name, proxy.host, paths, proxy.tls_secret_name
            )
        },
    )


class _IngressNginxTarget:
    """The ingress-nginx target (``controller=None`` or ``IngressNginx(...)``)."""

    name = "ingress-nginx"
    description = IngressNginx
    spelling = "IngressNginx(...)"

    def proxy_mode(
        self,
        controller: IngressNginx | None,
        *,
        ingress_class_name: str = "nginx",
        tls_secret_name: str | None = None,
        ingress_controller_namespace: str = "ingress-nginx",
    ) -> None:
        """Nothing beyond the proxy's defaults: ingress-nginx is the proxy's default mode."""
        return

    def proxy_route(
        self,
        proxy: ProxySpec,
        controller: IngressNginx | None,
        inventory: Inventory,
        owner: Owner,
        proxy_owner: Owner,
    ) -> Manifest:
        """The ``/oauth2`` Ingress, its location claimed for ``proxy_owner``."""
        inventory.claim_route(
            proxy.ingress_class_name,
            proxy.host,
            "/oauth2",
            owner,
            proxy=proxy_owner,
            what="sign-in route (/oauth2)",
        )
        return proxy_route(proxy)

    def proxy_outputs(self, proxy: ProxySpec, controller: IngressNginx | None) -> dict[str, Any]:
        """``auth_url`` (in-cluster) and ``public_auth_url``."""
        return {"auth_url": proxy.cluster_auth_url, "public_auth_url": proxy.public_auth_url}

    def plan_app(
        self,
        app: AppSpec,
        controller: IngressNginx | None,
        arguments: TargetArguments,
    ) -> AppTarget:
        """The app's annotations and its Ingress."""
        plan = plan_app(app, controller=controller, **arguments.keywords())
        warn_public_paths(app)
        objects = self.app_manifests(app, plan)
        return AppTarget(
            target=self,
            plan=plan,
            objects=objects,
            backend_objects=tuple(
                k for k in ("Ingress", "ApiIngress", "PublicIngress") if k in objects
            ),
            outputs={
                "ingress_name": app.name,
                "auth_url": plan.annotations[ANNOTATION_PREFIX + "auth-url"],
                "signin_url": plan.annotations[ANNOTATION_PREFIX + "auth-signin"],
            },
        )

    def app_manifests(self, app: AppSpec, plan: IngressPlan) -> dict[str, Manifest]:
        """The app's Ingress, ``ApiIngress`` and ``PublicIngress`` for its other paths."""
        return {**app_manifests(app, plan), **api_manifests(app, plan), **public_manifests(app)}

    def claim_app(
        self,
        inventory: Inventory,
        app: AppSpec,
        plan: IngressPlan,
        owner: Owner,
        proxy: Owner | None,
    ) -> None:
        """Claim each of the app's nginx locations on its host and class."""
        for path in app.paths:
            inventory.claim_route(
                app.ingress_class_name,
                app.host,
                path,
                owner,
                path_type=app.path_type.value,
                proxy=proxy,
            )
        for paths, path_type, what in (
            (app.api_paths, app.api_path_type, "API path"),
            (app.public_paths, app.public_path_type, "public path"),
        ):
            for path in paths:
                inventory.claim_route(
                    app.ingress_class_name,
                    app.host,
                    path,
                    owner,
                    path_type=path_type.value,
                    proxy=proxy,
                    what=what,
                )

    def foreign_route_conflicts(
        self, inventory: Inventory, obj: Manifest, theirs: str
    ) -> list[str]:
        """:func:`foreign_route_conflicts`."""
        return foreign_route_conflicts(inventory, obj, theirs)


#: The ingress-nginx target, registered in ``_targets``.
TARGET = _IngressNginxTarget()
