"""The oauth2-proxy workload, target-neutral: its checked settings and its manifests.

:func:`resolve_proxy` turns the arguments of ``OAuth2Proxy`` (or of a ``ProtectedApp`` with
a proxy of its own) into one checked :class:`ProxySpec`; :func:`workload_manifests` emits the
Deployment, Service, NetworkPolicy and PodDisruptionBudget from it. The route that serves
``/oauth2`` to browsers belongs to the target (``_targets``) and is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import sealed
from .bearer import BearerTokens, bearer_args
from .flags import (
    DERIVED_API_ROUTE_RE,
    ModeRule,
    check_extra_args,
    check_known_args,
    check_mode_rules,
    restricts_accounts,
    split_flag,
)
from .manifests import Manifest, manifest
from .operations import (
    Alerts,
    Autoscaling,
    Monitoring,
    hpa_body,
    monitor_body,
    rule_body,
)
from .provider import Provider, check_account_restriction, effective_email_domains
from .refs import ProxySecret
from .sealed import recheck, sealed_value
from .sessions import Sessions
from .validation import _quantity_value as quantity_value
from .validation import (
    check_cidr,
    check_cookie_domain,
    check_dns_label,
    check_dns_subdomain,
    check_group,
    check_host,
    check_int,
    check_list,
    check_quantity,
    check_request_within_limit,
    check_service_name,
    derive_cookie_domain,
    fail,
    plain,
)

__all__ = [
    "DEFAULT_PROXY_IMAGE",
    "DEFAULT_REPLICAS",
    "ProxyMode",
    "ProxyResources",
    "ProxySpec",
    "cluster_auth_url_for",
    "public_auth_url_for",
    "resolve_proxy",
    "signin_url_for",
    "workload_manifests",
]

#: oauth2-proxy image used unless ``image=`` says otherwise: a pinned release, never
#: ``latest``, and its multi-platform manifest digest, so a re-pushed tag cannot change
#: what runs (the v7.15.3 digest as pinned by many independent public projects).
DEFAULT_PROXY_IMAGE = (
    "quay.io/oauth2-proxy/oauth2-proxy:v7.15.3"
    "@sha256:10a1165743a192e1940b4708fb9647027185ce11a681a1c5519b442ff7f1f561"
)
HTTP_PORT = 4180
METRICS_PORT = 44180
#: The namespace allowed to scrape the metrics port by default: the one kube-prometheus
#: installs into (its ``example.jsonnet``, from which its ``manifests/`` are built) and the
#: usual choice for the kube-prometheus-stack Helm chart.
DEFAULT_METRICS_NAMESPACE = "monitoring"
SERVICE_PORT = 80
#: The number of pods without ``autoscaling``: two, spread over nodes, with a
#: PodDisruptionBudget, so a node drain or a rollout never leaves the apps without sign-in.
DEFAULT_REPLICAS = 2
#: uid and gid of the oauth2-proxy process: the image's own ``nonroot`` user (its base is
#: ``gcr.io/distroless/static:nonroot``). The Helm chart uses 2000; a uid of 10000 or more
#: cannot collide with a host account (checkov CKV_K8S_40).
RUN_AS_ID = 65532

_IMAGE_RE = re.compile(
    r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)+"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$"
)


@sealed_value
@dataclass(frozen=True)
class ProxyResources:
    """CPU and memory requests and limits for each oauth2-proxy container.

    oauth2-proxy is light: the defaults fit a few hundred requests per second per replica.

    :param cpu_request: Default: ``"20m"``.
    :param cpu_limit: Default: ``"500m"``.
    :param memory_request: Default: ``"64Mi"``.
    :param memory_limit: Default: ``"128Mi"``.
    """

    cpu_request: str = "20m"
    cpu_limit: str = "500m"
    memory_request: str = "64Mi"
    memory_limit: str = "128Mi"

    def __post_init__(self) -> None:
        for field_name in ("cpu_request", "cpu_limit", "memory_request", "memory_limit"):
            value = check_quantity(f"ProxyResources.{field_name}", getattr(self, field_name))
            object.__setattr__(self, field_name, value)
        check_request_within_limit("ProxyResources.cpu_request", self.cpu_request, self.cpu_limit)
        check_request_within_limit(
            "ProxyResources.memory_request", self.memory_request, self.memory_limit
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "limits": {"cpu": self.cpu_limit, "memory": self.memory_limit},
            "requests": {"cpu": self.cpu_request, "memory": self.memory_request},
        }


def cluster_auth_url_for(name: str, namespace: str) -> str:
    """The in-cluster ``auth-url`` of the proxy Service ``name`` in ``namespace``.

    Fully qualified: nginx does not apply the pod's DNS search domains.
    """
    return f"http://{name}.{namespace}.svc.cluster.local:{SERVICE_PORT}/oauth2/auth"


def public_auth_url_for(host: str) -> str:
    """The ``auth-url`` through the proxy's public host."""
    return f"https://{host}/oauth2/auth"


def signin_url_for(host: str) -> str:
    """The ``auth-signin`` URL, deliberately without ``rd``.

    ingress-nginx then appends ``rd=$pass_access_scheme://$http_host$escaped_request_uri``
    itself, percent-encoded, so a request URI with a query survives the round trip.
    """
    return f"https://{host}/oauth2/start"


@dataclass(frozen=True)
class ProxyMode:
    """What the target needs of oauth2-proxy: its upstream, flags, peers. Target-neutral.

    The defaults are the ingress-nginx mode: ``auth-url`` checks ``/oauth2/auth`` (202 is
    "allowed" for nginx), the callback is on the proxy's host, and the ingress controller's
    namespace is the NetworkPolicy's peer.

    :param upstream: ``--upstream``. Default: ``"static://202"``.
    :param redirect_url: ``--redirect-url``. Default: - ``https://<host>/oauth2/callback``.
    :param flags: further flags the target sets (refused in ``extra_args`` like every
        managed flag). Default: - none.
    :param flag_rules: values of allowed flags that break this mode, each with the reason
        and the fix (``_core.flags.ModeRule``). Default: - none.
    :param peer_namespace: the namespace whose pods may reach port ``http``. Default: - the
        ``ingress_controller_namespace`` argument.
    :param api_routes: whether an app's ``api_paths`` need ``--api-route`` on its proxy to
        be answered 401 (the target has no per-route way to skip the sign-in). Default:
        ``False``.
    """

    upstream: str = "static://202"
    redirect_url: str | None = None
    flags: tuple[str, ...] = ()
    flag_rules: tuple[ModeRule, ...] = ()
    peer_namespace: str | None = None
    api_routes: bool = False


def _metrics_rule(namespace: str | None) -> list[dict[str, Any]]:
    """The NetworkPolicy rule opening the metrics port to one namespace, or none."""
    if namespace is None:
        return []
    selector = {"matchLabels": {"kubernetes.io/metadata.name": namespace}}
    return [
        {
            "from": [{"namespaceSelector": selector}],
            "ports": [{"port": "metrics", "protocol": "TCP"}],
        }
    ]


@sealed_value
@dataclass(frozen=True)
class ProxySpec:
    """One oauth2-proxy, every setting checked: what its manifests are made from."""

    name: str
    namespace: str
    host: str
    shared: bool
    cookie_domain: str | None
    secret: ProxySecret
    sessions: Sessions
    replicas: int
    #: The OAuth client id as a plain value, else ``None`` (read from the Secret).
    client_id: str | None
    image: str
    resources: ProxyResources
    set_authorization_header: bool
    args: tuple[str, ...]
    tls_secret_name: str | None
    ingress_class_name: str
    network_policy: bool
    ingress_controller_namespace: str
    metrics_namespace: str | None
    #: The namespace whose pods may reach port ``http`` (the NetworkPolicy's peer).
    peer_namespace: str
    #: The HorizontalPodAutoscaler's settings, else ``None`` (``replicas`` pods).
    autoscaling: Autoscaling | None = None
    #: The ServiceMonitor's or PodMonitor's settings, else ``None``.
    monitoring: Monitoring | None = None
    #: The PrometheusRule's settings, else ``None``.
    alerts: Alerts | None = None
    #: Which bearer tokens API clients may send instead of a cookie, else ``None`` (none).
    bearer_tokens: BearerTokens | None = None

    @property
    def max_replicas(self) -> int:
        """The most pods the proxy may run."""
        return self.replicas if self.autoscaling is None else self.autoscaling.max_replicas

    @property
    def cluster_auth_url(self) -> str:
        """``auth-url`` through the in-cluster Service (no hairpin through the load balancer)."""
        return cluster_auth_url_for(self.name, self.namespace)

    @property
    def public_auth_url(self) -> str:
        """``auth-url`` through the public host, as in the ingress-nginx docs."""
        return public_auth_url_for(self.host)

    @property
    def signin_url(self) -> str:
        """``auth-signin`` without ``rd``: ingress-nginx appends the escaped request URL."""
        return signin_url_for(self.host)


def resolve_proxy(
    *,
    name: str,
    namespace: str,
    host: str,
    provider: Provider,
    secret: ProxySecret | None = None,
    shared: bool = True,
    cookie_domain: str | None = None,
    replicas: int | None = None,
    autoscaling: Autoscaling | None = None,
    image: str = DEFAULT_PROXY_IMAGE,
    resources: ProxyResources | None = None,
    email_domains: Sequence[str] | None = None,
    allowed_groups: Sequence[str] = (),
    set_authorization_header: bool = False,
    trusted_proxy_ips: Sequence[str] = (),
    tls_secret_name: str | None = None,
    ingress_class_name: str = "nginx",
    network_policy: bool = True,
    ingress_controller_namespace: str = "ingress-nginx",
    metrics_namespace: str | None = DEFAULT_METRICS_NAMESPACE,
    sessions: Sessions | None = None,
    extra_args: Sequence[str] = (),
    allow_any_account: bool = False,
    monitoring: Monitoring | None = None,
    alerts: Alerts | None = None,
    mode: ProxyMode | None = None,
    api_route_patterns: Sequence[str] = (),
    bearer_tokens: BearerTokens | None = None,
) -> ProxySpec:
    """Check the arguments of one oauth2-proxy; ``name`` and ``namespace`` come unchecked.

    ``api_route_patterns``: anchored ``--api-route`` patterns derived from an app's
    ``api_paths`` (``_core.appspec.api_route_patterns``), for an app's own proxy on a
    target whose mode has ``api_routes``.

    ``mode`` is what the target needs (computed by the target module); default: the
    ingress-nginx mode.
    """
    if mode is None:
        mode = ProxyMode()
    host = check_host("host", host, wildcard=False)
    # Each value object as a fresh instance of its own class, checked again: what the
    # manifests are made from is what was checked (_core.sealed).
    provider = recheck(
        Provider, "provider", provider, "a Provider, e.g. Provider.oidc(issuer_url='https://...')"
    )
    name = check_service_name("name", name)
    namespace = check_dns_label("namespace", namespace)
    if secret is None:
        secret = ProxySecret(name=name)
    else:
        secret = recheck(
            ProxySecret, "secret", secret, "a ProxySecret(name=...) naming an existing Secret"
        )
    if not isinstance(shared, bool):
        fail("shared", shared, "True or False")
    if cookie_domain is not None:
        if not shared:
            fail(
                "cookie_domain",
                cookie_domain,
                "unset when shared=False (the cookie is host-only)",
            )
        cookie_domain = check_cookie_domain("cookie_domain", cookie_domain)
        if not ("." + host).endswith(cookie_domain):
            fail("cookie_domain", cookie_domain, f"a parent domain of host {host!r}")
    elif shared:
        cookie_domain = derive_cookie_domain("host", host)
    if autoscaling is None:
        replicas = check_int(
            "replicas", DEFAULT_REPLICAS if replicas is None else replicas, low=1, high=100
        )
    else:
        autoscaling = recheck(
            Autoscaling,
            "autoscaling",
            autoscaling,
            "an Autoscaling(min_replicas=..., max_replicas=...)",
        )
        if replicas is not None:
            fail(
                "replicas",
                replicas,
                "unset with autoscaling=: the HorizontalPodAutoscaler sets the number of pods "
                "between Autoscaling.min_replicas and max_replicas",
            )
        replicas = autoscaling.min_replicas
    # a str subclass as the str it holds: what is checked is what is emitted
    reference = plain(image)
    if (
        not isinstance(reference, str)
        or not _IMAGE_RE.fullmatch(reference)
        or reference.endswith(":latest")
        # no tag and no digest means ``latest``
        or ("@" not in reference and ":" not in reference.rsplit("/", 1)[-1])
    ):
        fail("image", image, "an image reference pinned to a tag or digest, other than 'latest'")
    image = reference
    if resources is None:
        resources = ProxyResources()
    else:
        resources = recheck(ProxyResources, "resources", resources, "a ProxyResources(...)")
    if autoscaling is not None:
        _check_autoscaled_cpu(autoscaling, resources)
    domains = effective_email_domains(provider, email_domains)
    groups = check_list("allowed_groups", allowed_groups, check_group)
    if not isinstance(set_authorization_header, bool):
        fail("set_authorization_header", set_authorization_header, "True or False")
    trusted = check_list("trusted_proxy_ips", trusted_proxy_ips, check_cidr)
    if tls_secret_name is not None:
        tls_secret_name = check_dns_subdomain("tls_secret_name", tls_secret_name)
    ingress_class_name = check_dns_subdomain("ingress_class_name", ingress_class_name)
    if not isinstance(network_policy, bool):
        fail("network_policy", network_policy, "True or False")
    controller_ns = check_dns_label("ingress_controller_namespace", ingress_controller_namespace)
    metrics_ns = (
        None
        if metrics_namespace is None
        else check_dns_label("metrics_namespace", metrics_namespace)
    )
    if monitoring is not None:
        monitoring = recheck(Monitoring, "monitoring", monitoring, "a Monitoring(kind=...) or None")
    if alerts is not None:
        alerts = recheck(Alerts, "alerts", alerts, "an Alerts(...) or None")
    _check_monitoring(monitoring, alerts, network_policy=network_policy, metrics_ns=metrics_ns)
    if sessions is None:
        sessions = Sessions.cookie()
    else:
        sessions = recheck(
            Sessions, "sessions", sessions, "a Sessions, e.g. Sessions.redis(url='redis://...')"
        )
    minimal = sessions.minimal_cookie
    if set_authorization_header and not provider.issues_id_token:
        fail(
            "set_authorization_header",
            set_authorization_header,
            f"False with the {provider.name!r} provider: it issues no ID token (an OAuth2 "
            "provider, not OpenID Connect), so oauth2-proxy would never send Authorization "
            "and an app's pass_authorization_header=True would pass the client's own instead",
        )
    if minimal and set_authorization_header:
        fail(
            "set_authorization_header",
            set_authorization_header,
            "False with sessions=Sessions.cookie(minimal=True): a minimal cookie holds no "
            "ID token to send (oauth2-proxy refuses to start)",
        )
    extras = check_extra_args("extra_args", extra_args, minimal_cookie=minimal)
    bearer: tuple[str, ...] = ()
    if bearer_tokens is not None:
        bearer_tokens = recheck(
            BearerTokens,
            "bearer_tokens",
            bearer_tokens,
            "a BearerTokens, e.g. BearerTokens(audiences=['my-api']), or None",
        )
        bearer = bearer_args(bearer_tokens, provider)
    check_account_restriction(
        provider,
        email_domains=domains,
        restricted_elsewhere=bool(groups) or restricts_accounts(extras),
        allow_any_account=allow_any_account,
    )
    if not domains:
        fail(
            "email_domains",
            email_domains,
            "at least one domain, or ['*'] for whoever the identity provider admits "
            "(oauth2-proxy refuses to start without one); restrict further with "
            "allowed_groups",
        )

    args = [
        f"--http-address=0.0.0.0:{HTTP_PORT}",
        f"--metrics-address=0.0.0.0:{METRICS_PORT}",
        "--reverse-proxy=true",
        f"--upstream={mode.upstream}",
        "--set-xauthrequest=true",
        *mode.flags,
        *provider.args,
        *(f"--email-domain={d}" for d in domains),
        *(f"--allowed-group={g}" for g in groups),
        f"--redirect-url={mode.redirect_url or f'https://{host}/oauth2/callback'}",
        f"--whitelist-domain={cookie_domain or host}",
        *([f"--cookie-domain={cookie_domain}"] if cookie_domain else []),
        "--cookie-secure=true",
        "--silence-ping-logging=true",
        *(["--set-authorization-header=true"] if set_authorization_header else []),
        *(f"--trusted-proxy-ip={c}" for c in trusted),
        *sessions.args,
        *secret._file_args(),
        *bearer,
    ]
    managed = {a.split("=", 1)[0] for a in args}
    for extra in extras:
        flag = extra.split("=", 1)[0]
        if flag in managed:
            fail(
                "extra_args",
                extra,
                f"a flag this construct does not set itself; {flag} is derived from "
                "the construct's arguments, set it there",
            )
    check_mode_rules("extra_args", extras, mode.flag_rules)
    if cookie_domain is not None:
        _check_cookie_name_prefix(extras, cookie_domain)
    args += extras
    for pattern in api_route_patterns:
        # regex syntax extra_args cannot hold; check_known_args admits exactly this shape
        if not DERIVED_API_ROUTE_RE.fullmatch(f"--api-route={pattern}"):
            fail("api_paths", pattern, "a path made of letters, digits, '_', '-' and '/'")
        args.append(f"--api-route={pattern}")
    check_known_args("args", args)
    spec = ProxySpec(
        name=name,
        namespace=namespace,
        host=host,
        shared=shared,
        cookie_domain=cookie_domain,
        secret=secret,
        sessions=sessions,
        replicas=replicas,
        client_id=provider.client_id,
        image=image,
        resources=resources,
        set_authorization_header=set_authorization_header,
        args=tuple(args),
        tls_secret_name=tls_secret_name,
        ingress_class_name=ingress_class_name,
        network_policy=network_policy,
        ingress_controller_namespace=controller_ns,
        metrics_namespace=metrics_ns,
        peer_namespace=mode.peer_namespace or controller_ns,
        autoscaling=autoscaling,
        monitoring=monitoring,
        alerts=alerts,
        bearer_tokens=bearer_tokens,
    )
    return sealed.seal(spec)


def _check_autoscaled_cpu(autoscaling: Autoscaling, resources: ProxyResources) -> None:
    """Refuse a CPU target the autoscaler cannot measure or the pods cannot reach.

    The utilization is the pods' CPU use in percent of their request: undefined without
    one (kubernetes/website ``horizontal-pod-autoscale.md``, "How does a
    HorizontalPodAutoscaler work?": the autoscaler then takes no action for that metric),
    and never above the limit, where the container is throttled.
    """
    request = quantity_value("ProxyResources.cpu_request", resources.cpu_request)
    if request == 0:
        fail(
            "ProxyResources.cpu_request",
            resources.cpu_request,
            "above zero with autoscaling=: the CPU utilization the autoscaler aims at is a "
            "share of the request, undefined without one",
        )
    limit = quantity_value("ProxyResources.cpu_limit", resources.cpu_limit)
    reachable = int(limit * 100 / request)
    if autoscaling.cpu_utilization > reachable:
        fail(
            "Autoscaling.cpu_utilization",
            autoscaling.cpu_utilization,
            f"at most {reachable} with cpu_request {resources.cpu_request!r} and cpu_limit "
            f"{resources.cpu_limit!r}: a pod uses no more CPU than its limit, so a higher "
            "target is never reached and the autoscaler never scales up",
        )


def _check_monitoring(
    monitoring: Monitoring | None,
    alerts: Alerts | None,
    *,
    network_policy: bool,
    metrics_ns: str | None,
) -> None:
    """Refuse a monitor Prometheus cannot reach, and alerts without their series."""
    if monitoring is not None:
        if not isinstance(monitoring, Monitoring):
            fail("monitoring", monitoring, "a Monitoring(kind=...) or None")
        if network_policy and metrics_ns is None:
            fail(
                "metrics_namespace",
                metrics_ns,
                "the namespace Prometheus runs in, with monitoring=: the NetworkPolicy "
                "admits only that namespace to the metrics port (or network_policy=False)",
            )
    if alerts is not None:
        if not isinstance(alerts, Alerts):
            fail("alerts", alerts, "an Alerts(...) or None")
        if monitoring is None:
            fail(
                "alerts",
                alerts,
                "given with monitoring=Monitoring(...): its rules select the series of the "
                "monitor's job (job=<name>), which nothing scrapes otherwise",
            )


def _check_cookie_name_prefix(extras: Sequence[str], cookie_domain: str) -> None:
    """A ``__Host-`` cookie name with a cookie domain: browsers reject the session cookie.

    RFC 6265bis section 4.1.3.2 (and every current browser): a cookie whose name starts with
    ``__Host-`` (case-insensitively) is stored only without a ``Domain`` attribute, and a
    shared proxy sets ``Domain=<cookie_domain>`` on it: no session is ever kept, and every
    sign-in starts again.
    """
    for extra in extras:
        name, value = split_flag("extra_args", extra)
        if name == "cookie-name" and value is not None and value.lower().startswith("__host-"):
            fail(
                "extra_args",
                extra,
                f"a cookie name without the '__Host-' prefix while the cookie has the domain "
                f"{cookie_domain!r}: browsers store a __Host- cookie only without a Domain, "
                "so no session would be kept ('__Secure-' works, or shared=False for a "
                "host-only cookie)",
            )


def proxy_labels(spec: ProxySpec) -> dict[str, str]:
    """The labels of every object of the proxy."""
    return {
        "app.kubernetes.io/name": "oauth2-proxy",
        "app.kubernetes.io/instance": spec.name,
        "app.kubernetes.io/component": "authentication-proxy",
    }


def _selector(spec: ProxySpec) -> dict[str, str]:
    labels = proxy_labels(spec)
    return {k: labels[k] for k in ("app.kubernetes.io/name", "app.kubernetes.io/instance")}


def _container(spec: ProxySpec) -> dict[str, Any]:
    secret, sessions = spec.secret, spec.sessions

    def env(var: str, key: str, secret_name: str = secret.name) -> dict[str, Any]:
        return {"name": var, "valueFrom": {"secretKeyRef": {"name": secret_name, "key": key}}}

    # oauth2-proxy v7.15.3 reads the Redis passwords from no file (pkg/apis/options/
    # sessions.go RedisStoreOptions: only redis-password / redis-sentinel-password), so
    # they stay environment variables from secretKeyRef (checkov CKV_K8S_35 flags them).
    redis_secret = sessions.password_secret or secret.name
    redis_env = [
        env(var, key, redis_secret)
        for var, key in (
            ("OAUTH2_PROXY_REDIS_PASSWORD", sessions.password_key),
            ("OAUTH2_PROXY_REDIS_SENTINEL_PASSWORD", sessions.sentinel_password_key),
        )
        if key is not None
    ]
    return {
        "name": "oauth2-proxy",
        "image": spec.image,
        "imagePullPolicy": "IfNotPresent",
        "args": list(spec.args),
        "env": [secret._client_id_env(spec.client_id), *redis_env],
        "volumeMounts": [secret._volume_mount()],
        "ports": [
            {"name": "http", "containerPort": HTTP_PORT, "protocol": "TCP"},
            {"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"},
        ],
        "livenessProbe": {
            "httpGet": {"path": "/ping", "port": "http", "scheme": "HTTP"},
            "initialDelaySeconds": 5,
            "periodSeconds": 10,
            "timeoutSeconds": 2,
            "failureThreshold": 3,
        },
        "readinessProbe": {
            "httpGet": {"path": "/ready", "port": "http", "scheme": "HTTP"},
            "periodSeconds": 5,
            "timeoutSeconds": 2,
            "failureThreshold": 3,
        },
        "resources": spec.resources.to_json(),
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": RUN_AS_ID,
            "runAsGroup": RUN_AS_ID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }


def workload_manifests(spec: ProxySpec, *, route: Manifest) -> dict[str, Manifest]:
    """The proxy's objects by construct id, in creation order, ``route`` after the Service.

    ``route`` is the target's object serving ``/oauth2`` to browsers (an Ingress for
    ingress-nginx, an HTTPRoute for Envoy Gateway).
    """
    sealed.verify(spec)
    labels = proxy_labels(spec)
    selector = _selector(spec)

    def make(kind: str, api_version: str, body: dict[str, Any]) -> Manifest:
        return manifest(
            api_version=api_version,
            kind=kind,
            name=spec.name,
            namespace=spec.namespace,
            labels=labels,
            body=body,
        )

    pod_spec: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "containers": [_container(spec)],
        "volumes": [spec.secret._volume()],
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS_ID,
            "runAsGroup": RUN_AS_ID,
            "fsGroup": RUN_AS_ID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    if spec.max_replicas > 1:
        pod_spec["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector},
            }
        ]
    objects = {
        "Deployment": make(
            "Deployment",
            "apps/v1",
            {
                "spec": {
                    # With an autoscaler, no replicas: every apply would reset its count.
                    **({} if spec.autoscaling else {"replicas": spec.replicas}),
                    "selector": {"matchLabels": selector},
                    "template": {"metadata": {"labels": labels}, "spec": pod_spec},
                }
            },
        ),
        "Service": make(
            "Service",
            "v1",
            {
                "spec": {
                    "type": "ClusterIP",
                    "selector": selector,
                    "ports": [
                        {
                            "name": "http",
                            "port": SERVICE_PORT,
                            "targetPort": "http",
                            "protocol": "TCP",
                        },
                        {
                            "name": "metrics",
                            "port": METRICS_PORT,
                            "targetPort": "metrics",
                            "protocol": "TCP",
                        },
                    ],
                }
            },
        ),
        route["kind"]: route,
    }
    if spec.network_policy:
        objects["NetworkPolicy"] = make(
            "NetworkPolicy",
            "networking.k8s.io/v1",
            {
                "spec": {
                    "podSelector": {"matchLabels": selector},
                    "policyTypes": ["Ingress"],
                    "ingress": [
                        {
                            "from": [
                                {
                                    "namespaceSelector": {
                                        "matchLabels": {
                                            "kubernetes.io/metadata.name": (spec.peer_namespace)
                                        }
                                    }
                                }
                            ],
                            "ports": [{"port": "http", "protocol": "TCP"}],
                        },
                        *_metrics_rule(spec.metrics_namespace),
                    ],
                }
            },
        )
    # With an autoscaler ``replicas`` is its minimum: minAvailable 1 never blocks a drain
    # while the autoscaler holds the proxy at its minimum of two or more.
    if spec.replicas > 1:
        objects["PodDisruptionBudget"] = make(
            "PodDisruptionBudget",
            "policy/v1",
            {"spec": {"minAvailable": 1, "selector": {"matchLabels": selector}}},
        )
    if spec.autoscaling is not None:
        objects["HorizontalPodAutoscaler"] = make(
            "HorizontalPodAutoscaler", "autoscaling/v2", hpa_body(spec.autoscaling, spec.name)
        )
    if spec.monitoring is not None:
        kind = spec.monitoring.kind.value
        objects[kind] = manifest(
            api_version="monitoring.coreos.com/v1",
            kind=kind,
            name=spec.name,
            namespace=spec.namespace,
            labels={**labels, **spec.monitoring.labels},
            body=monitor_body(spec.monitoring, namespace=spec.namespace, selector=selector),
        )
        if spec.alerts is not None:
            objects["PrometheusRule"] = manifest(
                api_version="monitoring.coreos.com/v1",
                kind="PrometheusRule",
                name=spec.name,
                namespace=spec.namespace,
                labels={**labels, **spec.alerts.labels},
                body=rule_body(
                    spec.alerts, spec.monitoring, name=spec.name, namespace=spec.namespace
                ),
            )
    return objects
