"""The verdicts: what ingress-nginx really does with each Ingress that has external auth.

Plain Python on top of the ingress-nginx target's knowledge (admission order, risk levels,
interception, sign-in URL, advisories) and the location model of ``_core.paths``; nothing
here imports cdk8s.
"""

from __future__ import annotations

import enum
import warnings
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from oauth_ingress_construct._core.appspec import DEFAULT_RESPONSE_HEADERS
from oauth_ingress_construct._core.paths import nginx_locations
from oauth_ingress_construct._core.validation import ConfigurationError
from oauth_ingress_construct._targets.ingress_nginx import (
    Admission,
    Backend401,
    IngressNginx,
    Interception,
    admission,
    interception,
    parse_configmap_http_errors,
    parse_go_bool,
    parse_risk_level,
    signin_keeps_original_url,
    snippet_intercept,
)

from .reader import Ingress, InputError, Inputs

#: The identity headers oauth2-proxy answers ``/oauth2/auth`` with (``--set-xauthrequest``;
#: ``-Access-Token`` with ``--pass-access-token``): oauth2-proxy v7.15.3
#: ``pkg/apis/options/legacy_options.go`` (getXAuthRequestHeaders).
IDENTITY_HEADERS = (
    "X-Auth-Request-User",
    "X-Auth-Request-Email",
    "X-Auth-Request-Groups",
    "X-Auth-Request-Preferred-Username",
    "X-Auth-Request-Access-Token",
)


class Severity(enum.IntEnum):
    """How much a finding matters; ``--fail-on`` compares against it."""

    INFO = 0
    WARNING = 1
    ERROR = 2

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Finding:
    """One thing the doctor found about an Ingress, with the source it rests on."""

    severity: Severity
    kind: str
    message: str
    source: str


@dataclass
class Verdict:
    """What one Ingress with ``auth-url`` does on the described controller."""

    ingress: Ingress
    admitted: str
    unauthenticated: str
    backend_401: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def worst(self) -> Severity | None:
        """The highest severity among the findings."""
        return max((f.severity for f in self.findings), default=None)


@dataclass(frozen=True)
class ControllerView:
    """The controller the verdicts are for, and where its description came from."""

    controller: IngressNginx
    origin: str
    assumed: bool


@dataclass
class Report:
    """All verdicts, the controller and what was skipped."""

    controller: ControllerView
    verdicts: list[Verdict]
    skipped: Mapping[str, int]
    others: list[Ingress]

    @property
    def unprotected(self) -> int:
        """How many Ingresses of the input have no ``auth-url``."""
        return len(self.others)

    @property
    def worst(self) -> Severity | None:
        """The highest severity over all verdicts."""
        return max((v.worst for v in self.verdicts if v.worst is not None), default=None)


# --------------------------------------------------------------------------- the controller


def _configmap_for(
    inputs: Inputs, configmap: Mapping[str, str] | None
) -> tuple[Mapping[str, str] | None, str | None]:
    if configmap is not None:
        return configmap, "--configmap"
    named = {c.configmap for c in inputs.controllers if c.configmap}
    if len(named) == 1:
        key = named.pop()
        if key in inputs.configmaps:
            return inputs.configmaps[key], f"ConfigMap {key}"
    candidates = [k for k in inputs.configmaps if k.endswith("/ingress-nginx-controller")]
    if len(candidates) > 1:
        raise InputError(
            f"several controller ConfigMaps in the input ({', '.join(candidates)}): "
            "pass the one to use with --configmap FILE"
        )
    if candidates:
        return inputs.configmaps[candidates[0]], f"ConfigMap {candidates[0]}"
    return None, None


def describe_controller(
    inputs: Inputs, *, version: str | None, configmap: Mapping[str, str] | None
) -> ControllerView:
    """The controller, from the options first, then the input, else stock v1.15.1."""
    origins = []
    if version is None:
        versions = sorted({c.version for c in inputs.controllers})
        if len(versions) > 1:
            raise InputError(
                f"controllers of several versions in the input ({', '.join(versions)}): "
                "pass the one to describe with --controller-version"
            )
        if versions:
            version = versions[0]
            origins.append(f"image of {inputs.controllers[0].key}")
    else:
        origins.append("--controller-version")
    data, data_origin = _configmap_for(inputs, configmap)
    if data_origin is not None:
        origins.append(data_origin)
    settings: dict[str, object] = {}
    if data is not None:
        if "allow-snippet-annotations" in data:
            settings["allow_snippet_annotations"] = parse_go_bool(data["allow-snippet-annotations"])
        if "annotations-risk-level" in data:
            settings["annotations_risk_level"] = parse_risk_level(data["annotations-risk-level"])
        if "custom-http-errors" in data:
            settings["custom_http_errors"] = parse_configmap_http_errors(data["custom-http-errors"])
        if "disable-proxy-intercept-errors" in data:
            settings["disable_proxy_intercept_errors"] = (
                parse_go_bool(data["disable-proxy-intercept-errors"]) is True
            )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # advisories become findings
            controller = IngressNginx(version=version or "1.15.1", **settings)  # type: ignore[arg-type]
    except ConfigurationError as error:
        raise InputError(f"controller description: {error}") from None
    return ControllerView(
        controller=controller,
        origin=", ".join(origins) or "nothing in the input: stock ingress-nginx v1.15.1 assumed",
        assumed=version is None,
    )


# --------------------------------------------------------------------------- the verdicts

_TMPL = "ingress-nginx v1.15.1 rootfs/etc/nginx/template/nginx.tmpl"


def _admission_findings(ing: Ingress, adm: Admission, controller: IngressNginx) -> list[Finding]:
    found = []
    if adm.refused is not None:
        fix = (
            'allow-snippet-annotations: "true" and annotations-risk-level: Critical in the '
            "ConfigMap, or drop the snippet (ProtectedApp chooses a snippet-free way)"
            if (adm.refused_annotation or "").endswith("-snippet")
            else "fix the value, or raise the ConfigMap's annotations-risk-level"
        )
        found.append(
            Finding(
                Severity.ERROR,
                "refused",
                f"refused whole: {adm.refused}. Its hosts are not served by it and, where the "
                f"admission webhook runs, kubectl apply fails. Fix: {fix}",
                "annotations.go Extract l.185-196; store.go l.949-953",
            )
        )
        return found
    for key, reason in adm.dropped:
        intent = key.endswith("-snippet") and any(
            not on for on in snippet_intercept(ing.annotations[key])
        )
        found.append(
            Finding(
                Severity.WARNING if intent or key == "auth-signin" else Severity.INFO,
                "ignored-annotation",
                f"'{key}' has no effect: {reason}"
                + ("; its proxy_intercept_errors off is lost" if intent else ""),
                "controller.go l.1323-1325"
                if key.endswith("-snippet")
                else "parser/validators.go l.241-245; customhttperrors/main.go l.73-85",
            )
        )
    return found


def _signin(ing: Ingress, kept: Mapping[str, str]) -> tuple[str, list[Finding]]:
    signin = kept.get("auth-signin")
    if signin is None:
        return (
            "401 from oauth2-proxy (no sign-in redirect)",
            [
                Finding(
                    # what API paths want (ProtectedApp(api_paths=...) emits such an
                    # Ingress), a mistake on browser pages: said, not judged
                    Severity.INFO,
                    "no-sign-in",
                    "no effective auth-signin: a client without a session gets a bare 401, "
                    "never the sign-in page; right for API paths, a mistake for browser pages",
                    f"{_TMPL} l.1251 (error_page 401 only with auth-signin)",
                )
            ],
        )
    param = kept.get("auth-signin-redirect-param", "rd")
    keeps = signin_keeps_original_url(signin, param)
    if keeps is True:
        return "302 to sign-in, back to the original URL", []
    if keeps is False:
        return (
            "302 to sign-in; back to the URL without its query after the first '&'",
            [
                Finding(
                    Severity.WARNING,
                    "sign-in-loses-query",
                    f"auth-signin puts $request_uri unescaped into '{param}': /a?x=1&y=2 comes "
                    "back as /a?x=1. Leave the parameter off (the controller appends the "
                    "escaped URL) or use $escaped_request_uri",
                    "template.go buildAuthSignURL l.1183-1202",
                )
            ],
        )
    return (
        "302 to sign-in, back to a fixed URL",
        [
            Finding(
                Severity.INFO,
                "sign-in-fixed-return",
                f"auth-signin sets '{param}' to a fixed URL: after sign-in the user lands "
                "there, not where they were",
                "template.go buildAuthSignURL l.1183-1202",
            )
        ],
    )


def _backend_401(ing: Ingress, kept: Mapping[str, str], it: Interception) -> list[Finding]:
    found = []
    if it.backend_401 is Backend401.CONFIG_FAILS:
        found.append(
            Finding(
                Severity.ERROR,
                "nginx-t-fails",
                f"{it.reason}. The admission webhook no longer runs nginx -t, so the Ingress "
                "is accepted and blocks every later configuration change of the controller",
                f"{_TMPL} l.1365 and l.1399-1402; controller.go l.445-451",
            )
        )
        return found
    wants_pass = any(
        not on
        for key in ("server-snippet", "configuration-snippet")
        for on in snippet_intercept(ing.annotations.get(key, ""))
    ) or (parse_go_bool(ing.annotations.get("disable-proxy-intercept-errors", "")) is True)
    if it.backend_401 is Backend401.SIGN_IN:
        found.append(
            Finding(
                Severity.WARNING if wants_pass else Severity.INFO,
                "backend-401-redirected",
                f"a backend's own 401 becomes a sign-in redirect: {it.reason}"
                + (
                    " (the Ingress tries to pass it through, without effect here)"
                    if wants_pass
                    else ""
                ),
                f"{_TMPL} l.494, l.976-978, l.1251, l.1399-1402",
            )
        )
    if it.error_pages:
        found.append(
            Finding(
                Severity.INFO,
                "custom-error-pages",
                "backend answers "
                + ", ".join(map(str, it.error_pages))
                + " are replaced by the default backend's error pages",
                f"{_TMPL} l.1399-1405",
            )
        )
    return found


def _headers(kept: Mapping[str, str]) -> list[Finding]:
    listed = {
        h.strip().lower() for h in kept.get("auth-response-headers", "").split(",") if h.strip()
    }
    missing = [h for h in IDENTITY_HEADERS if h.lower() not in listed]
    if not missing:
        return []
    usual = [h for h in missing if h in DEFAULT_RESPONSE_HEADERS]
    return [
        Finding(
            Severity.WARNING if usual else Severity.INFO,
            "forgeable-headers",
            "a client's own "
            + ", ".join(missing)
            + " reach the backend unchanged (not in auth-response-headers, so nginx does not "
            "set them from oauth2-proxy's answer)",
            "template.go buildAuthResponseHeaders l.599",
        )
    ]


def _auth_url(kept: Mapping[str, str]) -> list[Finding]:
    parts = urlsplit(kept.get("auth-url", ""))
    host = (parts.hostname or "").rstrip(".")
    if not host or host.endswith(".cluster.local") or host.replace(".", "").isdigit():
        return []
    if not host.startswith("$") and ("." not in host or host.endswith(".svc")):
        return [
            Finding(
                Severity.WARNING,
                "auth-url-short-name",
                f"auth-url host {host!r} is a short in-cluster name: nginx resolves it without "
                "the cluster's search domains. Use <service>.<namespace>.svc.cluster.local",
                "ingress-nginx #3665",
            )
        ]
    return [
        Finding(
            Severity.WARNING,
            "hairpin-auth-url",
            f"auth-url goes out to {parts.scheme}://{host} and back in through the load "
            "balancer for every request"
            + (" (a TLS connection each time)" if parts.scheme == "https" else "")
            + ": use the proxy's Service, http://<service>.<namespace>.svc.cluster.local",
            f"{_TMPL} l.1120-1125 (the auth location proxy_passes to auth-url)",
        )
    ]


def _order(ing: Ingress) -> tuple[str, str]:
    # store.go sortIngressSlice l.1102-1114: oldest first; equal timestamps: the greater
    # namespace/name first. Inverted name so that sorted() puts it first.
    return (ing.created, "".join(chr(0x10FFFF - ord(c)) for c in ing.key))


def _host_findings(
    ingresses: Sequence[Ingress], admitted: Mapping[str, bool]
) -> dict[str, list[Finding]]:
    """Same host and path in two Ingresses, distinct paths on one location, host-wide regex."""
    found: dict[str, list[Finding]] = defaultdict(list)
    servers: dict[tuple[str, str], list[tuple[Ingress, str, str]]] = defaultdict(list)
    for ing in sorted(ingresses, key=_order):
        if not admitted.get(ing.key, True):
            continue
        for rule in ing.rules:
            for p in rule.paths:
                servers[(ing.ingress_class or "", rule.host or "*")].append(
                    (ing, p.path, p.path_type)
                )
    for (_cls, host), entries in servers.items():
        owners: dict[tuple[str, str], Ingress] = {}
        exact = {path for _, path, t in entries if t == "Exact"}
        locations: dict[object, tuple[Ingress, str, str]] = {}
        regex = [
            ing.key
            for ing, _, _ in entries
            if parse_go_bool(ing.annotations.get("use-regex", "")) is True
            or "rewrite-target" in ing.annotations
        ]
        for ing, path, path_type in entries:
            first = owners.setdefault((path, path_type), ing)
            if first is not ing:
                if first.key != ing.key:
                    # ``ing`` comes later in the controller's order: its location is dropped
                    for this, other in ((ing, first), (first, ing)):
                        dropped = this is ing
                        found[this.key].append(
                            Finding(
                                Severity.ERROR
                                if "auth-url" in first.annotations or "auth-url" in ing.annotations
                                else Severity.WARNING,
                                "same-host-and-path",
                                f"{path_type} {path!r} on {host} is also in Ingress "
                                f"{other.key}: "
                                + (
                                    f"this one is silently dropped ({other.key} is older)"
                                    if dropped
                                    else "the other one is silently dropped (this is older)"
                                ),
                                "controller.go l.815-834; store.go l.1102-1114",
                            )
                        )
                continue
            try:
                locs = nginx_locations(path, path_type, exact_paths=exact)
            except ConfigurationError:
                continue
            for loc in locs:
                seen = locations.setdefault(loc, (ing, path, path_type))
                if seen[1:] != (path, path_type):
                    found[ing.key].append(
                        Finding(
                            Severity.ERROR,
                            "nginx-t-fails",
                            f"{path_type} {path!r} and {seen[2]} {seen[1]!r} (Ingress "
                            f"{seen[0].key}) both become nginx `{loc}` on {host}: nginx -t "
                            "fails and every later reload with it",
                            "location.go updateServerLocations l.34-100",
                        )
                    )
        if regex:
            for ing in {e[0].key: e[0] for e in entries}.values():
                found[ing.key].append(
                    Finding(
                        Severity.WARNING if ing.key not in regex else Severity.INFO,
                        "host-wide-regex",
                        f"use-regex or rewrite-target on {host} (Ingress "
                        f"{', '.join(dict.fromkeys(regex))}) turns every location of the host, "
                        'this Ingress\'s too, into a case-insensitive regex `~* "^<path>"`: '
                        "an Exact path matches longer paths too",
                        "template.go enforceRegexModifier l.506-521, buildLocation l.523-539",
                    )
                )
    return found


def _server_snippets(ingresses: Sequence[Ingress]) -> dict[str, list[Finding]]:
    found: dict[str, list[Finding]] = defaultdict(list)
    first: dict[tuple[str, str], Ingress] = {}
    for ing in sorted(ingresses, key=_order):
        if "server-snippet" not in ing.annotations:
            continue
        for host in ing.hosts:
            owner = first.setdefault((ing.ingress_class or "", host), ing)
            if owner is not ing:
                found[ing.key].append(
                    Finding(
                        Severity.WARNING,
                        "server-snippet-skipped",
                        f"only one server-snippet per host: {host} takes {owner.key}'s, this "
                        "one is skipped",
                        "controller.go l.1427-1432",
                    )
                )
    return found


def analyse(inputs: Inputs, view: ControllerView) -> Report:
    """A verdict for every Ingress of the input with ``auth-url``."""
    controller = view.controller
    verdicts = []
    admitted: dict[str, bool] = {}
    admissions = {}
    for ing in inputs.ingresses:
        adm = admission(controller, ing.annotations)
        admissions[ing.key] = adm
        admitted[ing.key] = adm.refused is None
    shared = _host_findings(inputs.ingresses, admitted)
    snippets = _server_snippets([i for i in inputs.ingresses if admitted[i.key]])
    protected = [i for i in inputs.ingresses if "auth-url" in i.annotations]
    for ing in protected:
        adm = admissions[ing.key]
        findings = _admission_findings(ing, adm, controller)
        if adm.refused is not None:
            # what would still be wrong once the refusal is fixed (these findings depend on
            # the Ingress's own annotations, not on the controller)
            later = _signin(ing, ing.annotations)[1] + _headers(ing.annotations)
            later += _auth_url(ing.annotations)
            findings += [
                Finding(f.severity, f.kind, "once admitted: " + f.message, f.source) for f in later
            ]
            verdicts.append(
                Verdict(ing, "refused whole", "not served by this Ingress", "-", findings)
            )
            continue
        kept = dict(adm.kept)
        if ing.key in snippets:
            kept.pop("server-snippet", None)
        unauth, signin_findings = _signin(ing, kept)
        it = interception(controller, kept)
        findings += signin_findings
        findings += _backend_401(ing, kept, it)
        findings += [
            Finding(Severity.ERROR, "advisory", advisory, "ingress-nginx #12876; nginx.tmpl l.1044")
            for advisory in controller.auth_advisories()
        ]
        findings += _headers(kept)
        findings += _auth_url(kept)
        findings += snippets.get(ing.key, [])
        findings += shared.get(ing.key, [])
        findings.sort(key=lambda f: -f.severity)
        verdicts.append(
            Verdict(
                ing,
                "admitted" + (" (some annotations ignored)" if adm.dropped else ""),
                unauth,
                {
                    Backend401.PASSES: "passes through",
                    Backend401.SIGN_IN: "302 to sign-in",
                    Backend401.CONFIG_FAILS: "nginx -t fails",
                }[it.backend_401],
                findings,
            )
        )
    return Report(
        controller=view,
        verdicts=verdicts,
        skipped=dict(inputs.skipped),
        others=[i for i in inputs.ingresses if "auth-url" not in i.annotations],
    )
