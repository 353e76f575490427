"""``--emit cdk8s`` / ``--emit pulumi``: Python code re-creating the protected Ingresses.

One ``OAuth2Proxy`` per sign-in host and one ``ProtectedApp`` per host and backend of each
Ingress with ``auth-url``. What the constructs cannot carry over (other annotations, a
backend port given by name, a rule without host, ...) is listed in a comment next to the
app, and what the doctor found and the constructs fix is named there too: nothing is
dropped in silence.

Every value from the input reaches the code through :func:`_lit` (a JSON string literal:
ASCII, one line, quotes and backslashes escaped) or as an identifier built from
``[A-Za-z0-9]`` only, so a hostile annotation cannot end a comment or a string.
"""

from __future__ import annotations

import json
import re
import textwrap
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import yaml

from oauth_ingress_construct import EnvoyGateway, GatewayRef, PathType, Provider, ServiceRef
from oauth_ingress_construct._core.appspec import DEFAULT_RESPONSE_HEADERS
from oauth_ingress_construct._core.identity import check_response_headers
from oauth_ingress_construct._core.inventory import Inventory
from oauth_ingress_construct._core.manifests import Manifest, kebab_case
from oauth_ingress_construct._core.validation import ConfigurationError
from oauth_ingress_construct._core.workload import workload_manifests
from oauth_ingress_construct._targets import TARGETS
from oauth_ingress_construct._targets.ingress_nginx import (
    IngressNginx,
    parse_go_bool,
    parse_ingress_http_errors,
    plan_pass_through,
    snippet_intercept,
)

from .analysis import Report, Verdict
from .reader import Ingress

#: Annotations a ``ProtectedApp`` carries over (auth-url and auth-signin through the proxy).
_CARRIED = frozenset(
    {
        "auth-url",
        "auth-signin",
        "auth-response-headers",
        "custom-http-errors",
        "disable-proxy-intercept-errors",
        "proxy-buffer-size",
    }
)
_SNIPPETS = ("server-snippet", "configuration-snippet")
_IGNORED_SILENTLY = frozenset({"kubectl.kubernetes.io/last-applied-configuration"})
_COMMENT_WIDTH = 92


def _lit(value: object) -> str:
    """A Python literal for a string, int, bool or list of them (one ASCII line)."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_lit(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=True)


def _pascal(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text)
    name = "".join(w[:1].upper() + w[1:] for w in words) or "App"
    return name if name[0].isalpha() else "App" + name


def _short(value: str, limit: int = 60) -> str:
    text = _lit(value)
    return text if len(text) <= limit else text[: limit - 4] + '..."'


def _only_pass_through(snippet: str) -> bool:
    """Whether a snippet holds nothing but ``proxy_intercept_errors off;`` and comments."""
    text = "\n".join(line.split("#", 1)[0] for line in snippet.splitlines())
    rest = re.sub(r"proxy_intercept_errors\s+off\s*;", "", text)
    return not rest.strip() and snippet_intercept(snippet) == [False]


@dataclass
class _App:
    construct_id: str
    name: str
    namespace: str
    host: str
    paths: list[str]
    path_type: str
    service: str
    port: int
    proxy: str
    ingress: str
    kwargs: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Proxy:
    variable: str
    construct_id: str
    name: str | None
    host: str
    tls_secret_name: str | None = None


def _signin_host(ing: Ingress, host: str) -> str:
    for key in ("auth-signin", "auth-url"):
        value = ing.annotations.get(key, "")
        netloc = urlsplit(value).hostname or ""
        if netloc.startswith("$"):
            return host
        if key == "auth-signin" and netloc:
            return netloc
        if key == "auth-url" and netloc and not netloc.endswith((".cluster.local", ".svc")):
            return netloc
    return host


def _auth_query(ing: Ingress, notes: list[str]) -> dict[str, object]:
    query = parse_qs(urlsplit(ing.annotations.get("auth-url", "")).query)
    found: dict[str, object] = {}
    for key, values in query.items():
        items = [v for value in values for v in value.split(",") if v]
        if key in ("allowed_groups", "allowed_email_domains"):
            found[key] = items
        else:
            notes.append(f"auth-url query {key}={','.join(items)} is not carried over")
    return found


def _response_headers(ing: Ingress, notes: list[str]) -> dict[str, object]:
    raw = ing.annotations.get("auth-response-headers")
    if raw is None:
        return {}  # ProtectedApp's defaults: oauth2-proxy's identity, never the client's
    headers, authorization = [], False
    for header in (h.strip() for h in raw.split(",")):
        if not header:
            continue
        if header.lower() == "authorization":
            authorization = True
            continue
        try:
            (name,) = check_response_headers("response_headers", [header])
        except ConfigurationError:
            notes.append(f"auth-response-headers {_short(header)} is not carried over")
        else:
            if name not in headers:
                headers.append(name)
    found: dict[str, object] = {}
    if tuple(headers) != DEFAULT_RESPONSE_HEADERS:
        found["response_headers"] = headers
    if authorization:
        found["pass_authorization_header"] = True
    return found


def _controller_kwargs(controller: IngressNginx) -> list[tuple[str | None, str | Items]]:
    args: list[tuple[str | None, str | Items]] = [("version", _lit(controller.version))]
    if controller.allow_snippet_annotations is not None:
        args.append(("allow_snippet_annotations", _lit(controller.allow_snippet_annotations)))
    if controller.annotations_risk_level is not None:
        args.append(
            ("annotations_risk_level", f"RiskLevel.{controller.annotations_risk_level.name}")
        )
    if controller.custom_http_errors:
        args.append(("custom_http_errors", tuple(map(str, controller.custom_http_errors))))
    if controller.disable_proxy_intercept_errors:
        args.append(("disable_proxy_intercept_errors", "True"))
    return args


def _plan(report: Report, namespace: str | None) -> tuple[list[_Proxy], list[_App], list[str]]:
    proxies: dict[str, _Proxy] = {}
    apps: list[_App] = []
    general: list[str] = []
    controller = None if report.controller.assumed else report.controller.controller
    used_ids: set[str] = set()
    for verdict in report.verdicts:
        apps.extend(_apps_of(verdict, namespace, proxies, used_ids, controller, general))
    for other in report.others:
        for rule in other.rules:
            oauth2 = [p for p in rule.paths if p.path.rstrip("/") == "/oauth2"]
            proxy = proxies.get(rule.host or "")
            if not oauth2 or proxy is None:
                continue
            general.append(
                f"Ingress {other.key} routes {rule.host}/oauth2 to "
                f"{oauth2[0].service}: OAuth2Proxy makes that route itself; delete it when "
                "you apply this"
            )
            secret = next((s for hosts, s in other.tls if rule.host in hosts and s), None)
            if secret is not None:
                proxy.tls_secret_name = secret
    if len(proxies) > 1:
        labels: set[str] = set()
        for i, proxy in enumerate(proxies.values(), start=1):
            label = proxy.host.split(".", 1)[0]
            label = label if label not in labels else f"{label}{i}"
            labels.add(label)
            proxy.construct_id = _pascal(label) + "OAuth2Proxy"
            proxy.variable = re.sub(r"[^a-z0-9_]", "_", label.lower()) + "_proxy"
            proxy.name = f"{kebab_case(_pascal(label))}-oauth2-proxy"
    return list(proxies.values()), apps, general


def _apps_of(  # noqa: PLR0917 - one call site, internal
    verdict: Verdict,
    namespace: str | None,
    proxies: dict[str, _Proxy],
    used_ids: set[str],
    controller: IngressNginx | None,
    general: list[str],
) -> Iterable[_App]:
    ing = verdict.ingress
    base_notes = [_remark(f.kind, f.message, controller) for f in verdict.findings]
    leftover = []
    pass_through = False
    for key, value in ing.annotations.items():
        if key in _SNIPPETS and _only_pass_through(value):
            pass_through = True
        elif key not in _CARRIED:
            leftover.append(f"{key}: {_short(value)}")
    if parse_go_bool(ing.annotations.get("disable-proxy-intercept-errors", "")) is True:
        pass_through = True
    if "auth-signin-redirect-param" in ing.annotations:
        leftover.append("(the emitted auth-signin uses the controller's own escaped rd)")
    leftover += [
        f"{key}: {_short(value)}"
        for key, value in ing.other_annotations.items()
        if key not in _IGNORED_SILENTLY
    ]
    probe = IngressNginx()
    own_errors = parse_ingress_http_errors(
        ing.annotations.get("custom-http-errors", ""), controller or probe
    )
    first = True
    for rule in ing.rules:
        if rule.host is None:
            general.append(f"Ingress {ing.key}: a rule without host is not carried over")
            continue
        groups: dict[tuple[str | None, object, str], list[str]] = {}
        for p in rule.paths:
            groups.setdefault((p.service, p.port, p.path_type), []).append(p.path)
        for (service, port, path_type), paths in groups.items():
            if service is None or not isinstance(port, int):
                general.append(
                    f"Ingress {ing.key}: {rule.host} {', '.join(paths)} -> "
                    f"{service}:{port} is not carried over (ServiceRef needs a Service name "
                    "and port number)"
                )
                continue
            name = ing.name if first else f"{ing.name}-{len(used_ids) + 1}"
            construct_id = _pascal(name)
            while construct_id in used_ids:
                construct_id += "X"
            used_ids.add(construct_id)
            auth_host = _signin_host(ing, rule.host)
            proxy = proxies.setdefault(auth_host, _Proxy("proxy", "OAuth2Proxy", None, auth_host))
            notes = list(base_notes) if first else []
            kwargs: dict[str, object] = {}
            if kebab_case(construct_id) != name:
                kwargs["name"] = name
            if namespace is None:
                kwargs["namespace"] = ing.namespace
            if paths != ["/"]:
                kwargs["paths"] = paths
            if path_type != "Prefix":
                kwargs["path_type"] = "PathType.EXACT"
            if ing.ingress_class not in (None, "nginx"):
                kwargs["ingress_class_name"] = ing.ingress_class
            elif ing.ingress_class is None and first:
                notes.append(
                    "the Ingress had no class (the cluster's default class served it); "
                    "ProtectedApp sets ingressClassName: nginx"
                )
            secret = next((s for hosts, s in ing.tls if rule.host in hosts and s), None)
            if secret is not None:
                kwargs["tls_secret_name"] = secret
            if pass_through:
                kwargs["pass_through_401"] = True
            if controller is not None:
                kwargs["controller"] = "CONTROLLER"
            if own_errors:
                kwargs["custom_http_errors"] = list(own_errors)
            if "proxy-buffer-size" in ing.annotations:
                kwargs["proxy_buffer_size"] = ing.annotations["proxy-buffer-size"]
            kwargs.update(_auth_query(ing, notes if first else []))
            kwargs.update(_response_headers(ing, notes if first else []))
            if pass_through:
                notes += _check_pass_through(controller, own_errors or ())
            if first and leftover:
                notes.append("not carried over: " + "; ".join(leftover))
            yield _App(
                construct_id,
                name,
                ing.namespace,
                rule.host,
                paths,
                path_type,
                service,
                port,
                proxy.host,
                ing.key,
                kwargs,
                notes,
            )
            first = False


#: What the emitted ProtectedApp changes about each kind of finding.
_FIXED = {
    "sign-in-loses-query": "fixed: ProtectedApp's auth-signin has no rd, the controller adds "
    "the escaped original URL",
    "hairpin-auth-url": "fixed: ProtectedApp's auth-url is the proxy's in-cluster Service",
    "auth-url-short-name": "fixed: ProtectedApp's auth-url is the Service's full name",
    "no-sign-in": "changed: ProtectedApp always sets auth-signin (a browser is sent to sign in)",
    "ignored-annotation": "ProtectedApp emits only annotations the described controller admits",
}


def _remark(kind: str, message: str, controller: IngressNginx | None) -> str:
    if kind == "refused":
        fix = (
            "fixed: ProtectedApp emits only what the described controller admits"
            if controller is not None
            else "NOT fixed without controller=: describe the controller "
            "(--controller-version, --configmap) for a snippet-free strategy"
        )
    elif kind == "forgeable-headers":
        fix = (
            "fixed: ProtectedApp sets every identity header from oauth2-proxy's answer, or "
            "removes it, whatever response_headers lists"
        )
    elif kind in _FIXED:
        fix = _FIXED[kind]
    else:
        fix = "still applies"
    return f"was {kind}: {message} [{fix}]"


def _check_pass_through(controller: IngressNginx | None, own: Sequence[int]) -> list[str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plan = plan_pass_through(
                controller=controller, strategy=None, ingress_custom_http_errors=own
            )
    except ConfigurationError as error:
        return [f"ProtectedApp refuses pass_through_401 on this controller: {error}"]
    return [f"pass_through_401: the construct uses {plan.strategy} here"]


def _comment(lines: Sequence[str], indent: str, *, bullets: bool = True) -> list[str]:
    out = []
    for n, line in enumerate(lines):
        # ASCII only, and every control character written as an escape: nothing from the
        # input can end the comment line (or hold a NUL, which Python source cannot)
        text = line.encode("ascii", "backslashreplace").decode()
        safe = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
        for i, part in enumerate(
            textwrap.wrap(" ".join(safe.split()), _COMMENT_WIDTH - len(indent)) or [""]
        ):
            if not bullets or (n == 0 and len(lines) > 1):
                out.append(f"{indent}# {part}")
            else:
                out.append(f"{indent}# {'- ' if i == 0 else '  '}{part}")
    return out


#: A list argument, one literal per item: ``_call`` lays it out as ``ruff format`` would.
Items = tuple[str, ...]
_LINE = 100


def _call(indent: str, head: str, args: Sequence[tuple[str | None, str | Items]]) -> list[str]:
    """A call with one argument per line and a trailing comma (stable under ``ruff format``)."""
    inner = indent + "    "
    lines = [f"{indent}{head}("]
    for key, value in args:
        prefix = f"{inner}{key}=" if key is not None else inner
        if isinstance(value, tuple):
            flat = "[" + ", ".join(value) + "]"
            if len(prefix) + len(flat) + 1 <= _LINE:
                lines.append(f"{prefix}{flat},")
            else:
                lines.append(f"{prefix}[")
                lines += [f"{inner}    {item}," for item in value]
                lines.append(f"{inner}],")
        else:
            lines.append(f"{prefix}{value},")
    lines.append(f"{indent})")
    return lines


def _value(key: str, value: object) -> str | Items:
    if key == "controller":
        return "CONTROLLER"
    if key == "path_type":
        return str(value)
    if isinstance(value, (list, tuple)):
        return tuple(_lit(v) for v in value)
    return _lit(value)


def _provider(issuer_url: str | None, client_id: str | None, indent: str) -> list[str]:
    args: list[tuple[str | None, str | Items]] = [
        ("issuer_url", _lit(issuer_url or "https://login.example.com/realms/example"))
    ]
    args.append(("client_id", _lit(client_id or "example-app")))
    lines = []
    if issuer_url is None or client_id is None:
        lines += _comment(
            [
                "PLACEHOLDER: an Ingress does not say which identity provider oauth2-proxy "
                "uses. Put yours here (--issuer-url and --client-id fill it in)."
            ],
            indent,
        )
    lines += _call(indent, "provider=Provider.oidc", args)
    lines[-1] += ","
    return lines


def emit_code(
    report: Report,
    *,
    frontend: str,
    namespace: str | None = None,
    issuer_url: str | None = None,
    client_id: str | None = None,
) -> str:
    """The Python program for ``frontend`` (``"cdk8s"`` or ``"pulumi"``)."""
    proxies, apps, general = _plan(report, namespace)
    namespaces = {a.namespace for a in apps}
    chart_namespace = namespace or (namespaces.pop() if len(namespaces) == 1 else "default")
    if namespace is None and len({a.namespace for a in apps}) <= 1:
        for app in apps:
            app.kwargs.pop("namespace", None)
    controller = None if report.controller.assumed else report.controller.controller
    sources = sorted({v.ingress.source for v in report.verdicts})
    names = ["ProtectedApp", "Provider", "ServiceRef"]
    if frontend == "cdk8s":
        names.append("OAuth2Proxy")
    if controller is not None:
        names.append("IngressNginx")
        if controller.annotations_risk_level is not None:
            names.append("RiskLevel")
    if any(a.kwargs.get("path_type") for a in apps):
        names.append("PathType")
    header = [
        f'"""Generated by `oauth-ingress doctor --emit {frontend}`.',
        "",
        "The protected Ingresses, re-created with OAuth2Proxy (one per sign-in host) and",
        "ProtectedApp. Review the identity provider and the notes above each app.",
        '"""',
        "",
        *_comment([f"Read from: {', '.join(sources) or 'no input'}"], "", bullets=False),
        "",
        "from __future__ import annotations",
        "",
    ]
    body: list[str] = []
    if frontend == "cdk8s":
        header += ["import cdk8s", "import constructs", ""]
        core = sorted(n for n in names if n not in ("OAuth2Proxy", "ProtectedApp"))
        header.append(
            "from oauth_ingress_construct import "
            + ", ".join(sorted([*core, "OAuth2Proxy", "ProtectedApp"]))
        )
        indent = "        "
        scope: list[tuple[str | None, str | Items]] = [(None, "self")]
        ns_kw: list[tuple[str | None, str | Items]] = []
    else:
        core = sorted(n for n in names if n != "ProtectedApp")
        header.append("from oauth_ingress_construct import " + ", ".join(core))
        header.append("from oauth_ingress_construct.pulumi import OAuth2Proxy, ProtectedApp")
        indent = ""
        scope = []
        ns_kw = [("namespace", _lit(chart_namespace))]
    header.append("")
    if controller is not None:
        header += ["", "#: The controller as described to the doctor."]
        header += _call("", "CONTROLLER = IngressNginx", _controller_kwargs(controller))
    if general:
        header += ["", *_comment(general, "")]

    for proxy in proxies:
        args: list[tuple[str | None, str | Items]] = [*scope]
        if frontend == "cdk8s":
            args.append((None, _lit(proxy.construct_id)))
        else:
            args.append((None, _lit(proxy.name or "oauth2-proxy")))
            args += ns_kw
        if proxy.name is not None and frontend == "cdk8s":
            args.append(("name", _lit(proxy.name)))
        args.append(("host", _lit(proxy.host)))
        if proxy.tls_secret_name is not None:
            args.append(("tls_secret_name", _lit(proxy.tls_secret_name)))
        if controller is not None:
            args.append(("controller", "CONTROLLER"))
        lines = _call(indent, f"{proxy.variable} = OAuth2Proxy", args)
        provider = _provider(issuer_url, client_id, indent + "    ")
        body += [*lines[:-1], *provider, lines[-1]]
    for app in apps:
        body.append("")
        body += _comment([f"From Ingress {app.ingress}", *app.notes], indent)
        args = [*scope]
        if frontend == "cdk8s":
            args.append((None, _lit(app.construct_id)))
        else:
            args.append((None, _lit(app.name)))
            args += ns_kw if "namespace" not in app.kwargs else []
        args.append(("host", _lit(app.host)))
        args.append(("backend", f"ServiceRef({_lit(app.service)}, {app.port})"))
        proxy_variable = next(p.variable for p in proxies if p.host == app.proxy)
        args.append(("proxy", proxy_variable))
        args += [(k, _value(k, v)) for k, v in app.kwargs.items()]
        body += _call(indent, "ProtectedApp", args)

    if frontend == "cdk8s":
        chart = [
            "",
            "",
            "class ProtectedApps(cdk8s.Chart):",
            "    def __init__(self, scope: constructs.Construct, id: str) -> None:",
            "        super().__init__(",
            "            scope,",
            "            id,",
            f"            namespace={_lit(chart_namespace)},",
            "            disable_resource_name_hashes=True,",
            "        )",
            *body,
            "",
            "",
            'if __name__ == "__main__":',
            "    app = cdk8s.App()",
            '    ProtectedApps(app, "protected-apps")',
            "    app.synth()",
        ]
        while header[-1] == "":
            header.pop()
        return "\n".join([*header, *chart]) + "\n"
    return "\n".join([*header, "", *body]) + "\n"


# --------------------------------------------------------------------------- --emit envoy-gateway

#: ProtectedApp arguments that only ingress-nginx honours: left out on Envoy Gateway, and said.
_NGINX_ONLY = {
    "tls_secret_name": "TLS is the Gateway listener's",
    "ingress_class_name": "routes attach to the Gateway, not to an IngressClass",
    "custom_http_errors": "an ingress-nginx error-page setting",
    "proxy_buffer_size": "an ingress-nginx buffer setting",
}


#: App notes that are about carrying the Ingress over, not about ingress-nginx.
_CARRY_NOTES = ("not carried over", "auth-url query", "auth-response-headers")


class _PlainDumper(yaml.SafeDumper):
    """YAML without anchors and aliases (manifests share dicts; kubectl does not care)."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def parse_gateway(value: str) -> GatewayRef:
    """``NS/NAME[:SECTION]`` as a ``GatewayRef``; raises ``ConfigurationError``."""
    ref, _, section = value.partition(":")
    namespace, slash, name = ref.partition("/")
    if not slash:
        raise ConfigurationError(f"--gateway must be NAMESPACE/NAME[:SECTION], got {value!r}")
    return GatewayRef(name=name, namespace=namespace, section_name=section or None)


def emit_envoy_gateway(
    report: Report,
    *,
    gateway: GatewayRef,
    namespace: str | None = None,
    issuer_url: str | None = None,
    client_id: str | None = None,
) -> str:
    """The Envoy Gateway objects themselves (YAML), built by the package's own target.

    The same objects ``OAuth2Proxy`` and ``ProtectedApp`` with ``controller=EnvoyGateway(...)``
    synthesize; the notes (findings, what is not carried over) head the file as comments.
    """
    proxies, apps, general = _plan(report, namespace)
    controller = EnvoyGateway(gateway=gateway)
    provider = Provider.oidc(
        issuer_url=issuer_url or "https://login.example.com/realms/example",
        client_id=client_id or "example-app",
    )
    chart_namespace = namespace or next(iter({a.namespace for a in apps}), "default")
    inventory = Inventory()
    manifests: list[Manifest] = []
    specs = {}
    notes: list[str] = list(general)
    if issuer_url is None or client_id is None:
        notes.append(
            "PLACEHOLDER provider: an Ingress does not say which identity provider "
            "oauth2-proxy uses (--issuer-url and --client-id fill it in)"
        )
    refused: list[str] = []
    findings = {v.ingress.key: v.findings for v in report.verdicts}
    if any(findings.values()):
        notes.append(
            "The findings below are about ingress-nginx; on Envoy Gateway none applies as "
            "such: no annotations, no snippets, a backend's 401 passes through (ext_authz "
            "never sees it), the auth check goes to the proxy's Service, and the "
            "ClientTrafficPolicy removes a client's X-Auth-Request-* before it"
        )
    for proxy in proxies:
        name = proxy.name or "oauth2-proxy"
        checked, spec = TARGETS.resolve_proxy_on(
            controller, name=name, namespace=chart_namespace, host=proxy.host, provider=provider
        )

        def owner(name: str = name) -> str:
            return f"OAuth2Proxy {name!r}"

        route = TARGETS.proxy_route(spec, checked, inventory, owner)
        manifests += workload_manifests(spec, route=route).values()
        specs[proxy.host] = (checked, spec, owner)
    for app in apps:
        checked, proxy_spec, proxy_owner = specs[app.proxy]
        kwargs = dict(app.kwargs)
        kwargs.pop("controller", None)  # the Envoy Gateway description replaces it
        left_out = [f"{k} ({why})" for k, why in _NGINX_ONLY.items() if kwargs.pop(k, None)]
        notes.append(f"From Ingress {app.ingress}:")
        notes += [f"was {f.kind}: {f.message}" for f in findings.get(app.ingress, [])]
        notes += [n for n in app.notes if n.startswith(_CARRY_NOTES)]
        if left_out:
            notes.append("not carried over to Envoy Gateway: " + "; ".join(left_out))
        path_type = PathType.EXACT if kwargs.pop("path_type", None) else PathType.PREFIX
        pass_through = bool(kwargs.pop("pass_through_401", False))
        try:
            _, app_spec = TARGETS.resolve_app_on(
                controller,
                (controller, proxy_spec.name),
                name=kwargs.pop("name", app.name),
                namespace=kwargs.pop("namespace", chart_namespace),
                host=app.host,
                backend=ServiceRef(app.service, app.port),
                proxy=proxy_spec,
                path_type=path_type,
                **kwargs,
            )
            target = TARGETS.plan_app(app_spec, checked, pass_through_401=pass_through)

            def app_owner(name: str = app.name) -> str:
                return f"ProtectedApp {name!r}"

            with inventory.transaction():
                target.claim(inventory, app_spec, app_owner, proxy_owner)
                shared = target.claim_shared(inventory, app_owner)
        except ConfigurationError as error:
            # never emitted with less protection than it had: left out, and said first
            refused.append(f"NOT EMITTED: Ingress {app.ingress} ({app.host}): {error}")
            continue
        manifests += {**target.objects, **shared}.values()
    where = f"{gateway.namespace}/{gateway.name}" + (
        f":{gateway.section_name}" if gateway.section_name else ""
    )
    header = [
        *_comment(
            [
                f"Generated by `oauth-ingress doctor --emit envoy-gateway --gateway {where}`: "
                "the protected Ingresses as Envoy Gateway objects, the ones OAuth2Proxy and "
                "ProtectedApp(controller=EnvoyGateway(...)) synthesize."
            ],
            "",
            bullets=False,
        ),
        *_comment([*refused, *notes], ""),
    ]
    body = yaml.dump_all(manifests, Dumper=_PlainDumper, sort_keys=False, default_flow_style=False)
    return "\n".join(header) + "\n" + body
