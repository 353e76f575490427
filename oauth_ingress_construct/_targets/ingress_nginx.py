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

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from oauth_ingress_construct._core.appspec import AppSpec
from oauth_ingress_construct._core.inventory import Inventory, Owner
from oauth_ingress_construct._core.manifests import Manifest, manifest
from oauth_ingress_construct._core.target import AppTarget, PassThroughStrategy
from oauth_ingress_construct._core.validation import (
    ConfigurationError,
    check_http_status_codes,
    check_nginx_parameter,
    check_proxy_buffer_size,
    fail,
    plain,
)
from oauth_ingress_construct._core.warnings import warn_user
from oauth_ingress_construct._core.workload import ProxySpec, proxy_labels, public_auth_url_for

__all__ = [
    "ANNOTATION_PREFIX",
    "TARGET",
    "ControllerAdvisoryWarning",
    "IngressNginx",
    "IngressPlan",
    "PassThroughStrategy",
    "PublicPathRegexWarning",
    "RiskLevel",
    "SnippetAnnotationWarning",
    "app_manifests",
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


class RiskLevel(enum.IntEnum):
    """ingress-nginx's ``annotations-risk-level`` scale (v1.9+).

    An Ingress is refused when one of its annotations is riskier than the controller allows.
    """

    LOW = 0
    MEDIUM = 1
    HIGH = 2
    CRITICAL = 3


# Risk of each annotation this package can emit, as declared by the annotation parsers in
# ingress-nginx (internal/ingress/annotations/*/main.go): authreq (auth-url, auth-signin High;
# auth-response-headers Medium), customhttperrors, disableproxyintercepterrors and proxy
# (proxy-buffer-size) Low, snippet and serversnippet Critical.
ANNOTATION_RISK: Mapping[str, RiskLevel] = {
    "auth-url": RiskLevel.HIGH,
    "auth-signin": RiskLevel.HIGH,
    "auth-response-headers": RiskLevel.MEDIUM,
    "custom-http-errors": RiskLevel.LOW,
    "disable-proxy-intercept-errors": RiskLevel.LOW,
    "proxy-buffer-size": RiskLevel.LOW,
    "server-snippet": RiskLevel.CRITICAL,
    "configuration-snippet": RiskLevel.CRITICAL,
}

_VERSION_RE = re.compile(r"v?([0-9]{1,4})\.([0-9]{1,4})(?:\.([0-9]{1,4}))?")


@dataclass(frozen=True)
class IngressNginx:
    """The target ingress-nginx controller, as far as the 401 behaviour depends on it.

    Every field mirrors a controller setting; the defaults are those of a current
    ingress-nginx release (v1.15) installed with its Helm chart.

    :param version: controller version, ``"1.15.1"`` or ``"v1.15"``. Default: ``"1.15.1"``.
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
        version = plain(self.version)
        match = _VERSION_RE.fullmatch(version) if isinstance(version, str) else None
        if match is None:
            fail("version", self.version, "an ingress-nginx version such as '1.15.1' or 'v1.12'")
        major, minor, patch = (int(g or 0) for g in match.groups())
        object.__setattr__(self, "version", version)
        object.__setattr__(self, "_version", (major, minor, patch))
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

    def _warn_about_auth_advisories(self) -> None:
        # CVE-2026-24513 (ingress-nginx #12876, fixed in v1.13.7, v1.14.3 and v1.15.0): with
        # 401 or 403 in the ConfigMap's custom-http-errors, the auth sub-request's answer goes
        # through the custom error backend, and one that ignores X-Code turns a refused
        # sign-in into 200: every auth-url Ingress is open.
        affected = self._version < (1, 13, 7) or (1, 14, 0) <= self._version < (1, 14, 3)
        intercepted = {401, 403}.intersection(self.custom_http_errors)
        if intercepted and affected:
            warn_user(
                ControllerAdvisoryWarning(
                    f"{self.describe()} is affected by CVE-2026-24513: with "
                    f"{'/'.join(map(str, sorted(intercepted)))} in the ConfigMap's "
                    "custom-http-errors, the answer of oauth2-proxy's /oauth2/auth goes through "
                    "the custom error backend, and a backend that does not answer with the "
                    "X-Code status lets every request past auth-url. Upgrade to v1.13.7, "
                    "v1.14.3 or v1.15.0+, or drop 401 and 403 from custom-http-errors"
                )
            )

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
) -> IngressPlan:
    """Check the ingress-nginx arguments of an app and compute its annotations."""
    for arg, flag in (
        ("pass_through_401", pass_through_401),
        ("public_auth_url", public_auth_url),
    ):
        if not isinstance(flag, bool):
            fail(arg, flag, "True or False")
    if controller is not None and not isinstance(controller, IngressNginx):
        fail("controller", controller, "an IngressNginx(...) description, or None")
    own_errors = check_http_status_codes("custom_http_errors", custom_http_errors)
    if proxy_buffer_size is not None:
        proxy_buffer_size = check_proxy_buffer_size("proxy_buffer_size", proxy_buffer_size)

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
    auth_url = public_auth_url_for(proxy.host) if public_auth_url else proxy.cluster_auth_url
    annotations = {
        ANNOTATION_PREFIX + "auth-url": check_nginx_parameter(
            "allowed_groups", auth_url + app.auth_query
        ),
        ANNOTATION_PREFIX + "auth-signin": proxy.signin_url,
    }
    if app.response_headers:
        annotations[ANNOTATION_PREFIX + "auth-response-headers"] = ",".join(app.response_headers)
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


def app_manifests(app: AppSpec, plan: IngressPlan) -> dict[str, Manifest]:
    """The app's own objects by construct id: its ``Ingress``."""
    service = app.backend
    paths = [
        {
            "path": p,
            "pathType": app.path_type.value,
            "backend": {"service": {"name": service.name, "port": {"number": service.port}}},
        }
        for p in app.paths
    ]
    return {
        "Ingress": manifest(
            api_version="networking.k8s.io/v1",
            kind="Ingress",
            name=app.name,
            namespace=app.namespace,
            labels={"app.kubernetes.io/instance": app.name},
            annotations=plan.annotations,
            body={
                "spec": _ingress_spec(app.ingress_class_name, app.host, paths, app.tls_secret_name)
            },
        )
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
    service = app.backend
    paths = [
        {
            "path": p,
            "pathType": app.api_path_type.value,
            "backend": {"service": {"name": service.name, "port": {"number": service.port}}},
        }
        for p in app.api_paths
    ]
    return {
        "ApiIngress": manifest(
            api_version="networking.k8s.io/v1",
            kind="Ingress",
            name=f"{app.name}-api",
            namespace=app.namespace,
            labels={"app.kubernetes.io/instance": app.name},
            annotations=annotations,
            body={
                "spec": _ingress_spec(app.ingress_class_name, app.host, paths, app.tls_secret_name)
            },
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
    service = app.backend
    paths = [
        {
            "path": p,
            "pathType": app.public_path_type.value,
            "backend": {"service": {"name": service.name, "port": {"number": service.port}}},
        }
        for p in app.public_paths
    ]
    return {
        "PublicIngress": manifest(
            api_version="networking.k8s.io/v1",
            kind="Ingress",
            name=f"{app.name}-public",
            namespace=app.namespace,
            labels={"app.kubernetes.io/instance": app.name},
            body={
                "spec": _ingress_spec(app.ingress_class_name, app.host, paths, app.tls_secret_name)
            },
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
            proxy.ingress_class_name, proxy.host, "/oauth2", owner, proxy=proxy_owner
        )
        return proxy_route(proxy)

    def proxy_outputs(self, proxy: ProxySpec, controller: IngressNginx | None) -> dict[str, Any]:
        """``auth_url`` (in-cluster) and ``public_auth_url``."""
        return {"auth_url": proxy.cluster_auth_url, "public_auth_url": proxy.public_auth_url}

    def plan_app(
        self,
        app: AppSpec,
        controller: IngressNginx | None,
        *,
        pass_through_401: bool,
        pass_through_401_strategy: PassThroughStrategy | None,
        custom_http_errors: Sequence[int],
        public_auth_url: bool,
        proxy_buffer_size: str | None,
    ) -> AppTarget:
        """The app's annotations and its Ingress."""
        plan = plan_app(
            app,
            controller=controller,
            pass_through_401=pass_through_401,
            pass_through_401_strategy=pass_through_401_strategy,
            custom_http_errors=custom_http_errors,
            public_auth_url=public_auth_url,
            proxy_buffer_size=proxy_buffer_size,
        )
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
        for paths, path_type in (
            (app.api_paths, app.api_path_type),
            (app.public_paths, app.public_path_type),
        ):
            for path in paths:
                inventory.claim_route(
                    app.ingress_class_name,
                    app.host,
                    path,
                    owner,
                    path_type=path_type.value,
                    proxy=proxy,
                )


#: The ingress-nginx target, registered in ``_targets``.
TARGET = _IngressNginxTarget()
