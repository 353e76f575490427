"""The oauth2-proxy workload: Deployment, Service, the /oauth2 Ingress and its guards."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cdk8s
import constructs

from ._flags import check_extra_args, check_known_args, restricts_accounts
from ._objects import api_object, chart_namespace, kebab_case, registry
from ._provider import Provider, check_account_restriction, effective_email_domains
from ._refs import ProxySecret
from ._sessions import Sessions
from ._validation import (
    ConfigurationError,
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
)

__all__ = ["DEFAULT_PROXY_IMAGE", "OAuth2Proxy", "ProxyResources"]

#: oauth2-proxy image used unless ``image=`` says otherwise: a pinned release, never
#: ``latest``, and its multi-platform manifest digest, so a re-pushed tag cannot change
#: what runs (the v7.15.3 digest as pinned by many independent public projects).
DEFAULT_PROXY_IMAGE = (
    "quay.io/oauth2-proxy/oauth2-proxy:v7.15.3"
    "@sha256:10a1165743a192e1940b4708fb9647027185ce11a681a1c5519b442ff7f1f561"
)
HTTP_PORT = 4180
METRICS_PORT = 44180
SERVICE_PORT = 80
#: uid and gid of the oauth2-proxy process: the image's own ``nonroot`` user (its base is
#: ``gcr.io/distroless/static:nonroot``). The Helm chart uses 2000; a uid of 10000 or more
#: cannot collide with a host account (checkov CKV_K8S_40).
RUN_AS_ID = 65532

_IMAGE_RE = re.compile(
    r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)+"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$"
)


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


class OAuth2Proxy(constructs.Construct):
    """oauth2-proxy serving sign-in for one host, shareable by several ``ProtectedApp`` s.

    Creates (names in brackets; ``<name>`` defaults to the id in kebab case):

    - ``Deployment`` [<name>]: auth-only oauth2-proxy (``--upstream=static://202``) on
      ``0.0.0.0:4180``, metrics on 44180, probes on ``/ping`` and ``/ready``, credentials
      (and a Redis password, with Redis ``sessions``) from existing Secrets through
      ``secretKeyRef``, a hardened pod (uid/gid 65532, read-only, no capabilities);
    - ``Service`` [<name>]: port 80 -> ``http`` (4180) and 44180 -> ``metrics``;
    - ``Ingress`` [<name>]: ``https://<host>/oauth2`` -> the Service, where browsers sign in;
    - ``NetworkPolicy`` [<name>] (unless ``network_policy=False``): only the ingress
      controller's namespace reaches port 4180; the metrics port stays open in-cluster;
    - ``PodDisruptionBudget`` [<name>] when ``replicas > 1``: ``minAvailable: 1``.

    :param host: the host browsers use for ``/oauth2/*``, e.g. ``access.example.com``.
    :param provider: the identity provider, e.g. ``Provider.oidc(issuer_url=...)``.
    :param secret: Default: - ``ProxySecret(name=<name>)``: a Secret named like the proxy,
        with the Helm chart's keys ``client-id``, ``client-secret``, ``cookie-secret``.
    :param shared: Default: ``True`` - sign-in is shared by every app under ``cookie_domain``
        (cookie, ``--whitelist-domain`` and ``--cookie-domain`` derived); ``False`` - only
        apps on ``host`` itself may use this proxy, with a host-only cookie.
    :param cookie_domain: Default: - the parent domain of ``host`` (``access.example.com``
        -> ``.example.com``) when ``shared``; none otherwise.
    :param name: Default: - the construct id in kebab case (``"Auth"`` -> ``auth``).
    :param namespace: Default: - the chart's namespace, else ``default``; always written
        into the objects, since the in-cluster ``auth-url`` needs it.
    :param replicas: Default: ``2``, with a PodDisruptionBudget and a spread over nodes.
    :param image: Default: :data:`DEFAULT_PROXY_IMAGE`.
    :param resources: Default: - ``ProxyResources()``.
    :param email_domains: Default: - the provider's hosted domain
        (``Provider.google(hosted_domain=...)``), else ``("*",)``: any user the identity
        provider lets in. Never empty: oauth2-proxy does not start without one.
    :param allow_any_account: Default: ``False`` - a public identity provider (GitHub,
        Google, gitlab.com, a public OIDC issuer) must be restricted by the provider
        (organization, team, groups, hosted domain), ``email_domains`` or
        ``allowed_groups``; ``True`` lets anyone with an account there sign in.
    :param allowed_groups: Default: - no group restriction on the proxy.
    :param set_authorization_header: Default: ``False``. ``True`` sends the ID token to apps
        that ask for ``pass_authorization_header``.
    :param trusted_proxy_ips: the ingress controller's pod CIDRs (``--trusted-proxy-ip``).
        Default: - oauth2-proxy trusts every peer's ``X-Forwarded-*`` headers; the
        NetworkPolicy then limits the peers to the controller's namespace.
    :param tls_secret_name: Default: - no ``tls`` section; the controller's default
        certificate serves ``host``.
    :param ingress_class_name: Default: ``"nginx"``.
    :param network_policy: Default: ``True``.
    :param ingress_controller_namespace: Default: ``"ingress-nginx"``.
    :param sessions: Default: - ``Sessions.cookie()``: sessions live in the encrypted
        cookie. ``Sessions.redis(...)``, ``.redis_sentinel(...)`` or ``.redis_cluster(...)``
        keep them in Redis, the password read from a Secret.
    :param extra_args: further oauth2-proxy flags, ``--name=value``, from an allow-list of
        flags that are safe behind ingress-nginx, each value checked by type (see
        ``_flags.EXTRA_FLAGS``). Flags the construct sets are refused naming the argument to
        use; unsafe and unknown flags are refused saying why. Default: - none.
    """

    def __init__(
        self,
        scope: constructs.Construct,
        id: str,
        *,
        host: str,
        provider: Provider,
        secret: ProxySecret | None = None,
        shared: bool = True,
        cookie_domain: str | None = None,
        name: str | None = None,
        namespace: str | None = None,
        replicas: int = 2,
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
        sessions: Sessions | None = None,
        extra_args: Sequence[str] = (),
        allow_any_account: bool = False,
    ) -> None:
        # Validate everything before anything is added to the tree: an OAuth2Proxy that
        # raised leaves nothing behind to synthesize.
        self.host = check_host("host", host, wildcard=False)
        if not isinstance(provider, Provider):
            fail("provider", provider, "a Provider, e.g. Provider.oidc(issuer_url='https://...')")
        self.name = check_service_name("name", name if name is not None else kebab_case(id))
        self.namespace = check_dns_label(
            "namespace", namespace if namespace is not None else chart_namespace(scope) or "default"
        )
        if secret is None:
            secret = ProxySecret(name=self.name)
        elif not isinstance(secret, ProxySecret):
            fail("secret", secret, "a ProxySecret(name=...) naming an existing Secret")
        self.secret = secret
        if not isinstance(shared, bool):
            fail("shared", shared, "True or False")
        self.shared = shared
        if cookie_domain is not None:
            if not shared:
                fail(
                    "cookie_domain",
                    cookie_domain,
                    "unset when shared=False (the cookie is host-only)",
                )
            cookie_domain = check_cookie_domain("cookie_domain", cookie_domain)
            if not ("." + self.host).endswith(cookie_domain):
                fail("cookie_domain", cookie_domain, f"a parent domain of host {self.host!r}")
        elif shared:
            cookie_domain = derive_cookie_domain("host", self.host)
        #: The cookie domain, or ``None`` for a host-only cookie.
        self.cookie_domain: str | None = cookie_domain
        self.replicas = check_int("replicas", replicas, low=1, high=100)
        if (
            not isinstance(image, str)
            or not _IMAGE_RE.fullmatch(image)
            or image.endswith(":latest")
            # no tag and no digest means ``latest``
            or ("@" not in image and ":" not in image.rsplit("/", 1)[-1])
        ):
            fail(
                "image", image, "an image reference pinned to a tag or digest, other than 'latest'"
            )
        if resources is None:
            resources = ProxyResources()
        elif not isinstance(resources, ProxyResources):
            fail("resources", resources, "a ProxyResources(...)")
        domains = effective_email_domains(provider, email_domains)
        groups = check_list("allowed_groups", allowed_groups, check_group)
        if not isinstance(set_authorization_header, bool):
            fail("set_authorization_header", set_authorization_header, "True or False")
        self.set_authorization_header = set_authorization_header
        trusted = check_list("trusted_proxy_ips", trusted_proxy_ips, check_cidr)
        if tls_secret_name is not None:
            tls_secret_name = check_dns_subdomain("tls_secret_name", tls_secret_name)
        self.ingress_class_name = check_dns_subdomain("ingress_class_name", ingress_class_name)
        if not isinstance(network_policy, bool):
            fail("network_policy", network_policy, "True or False")
        controller_ns = check_dns_label(
            "ingress_controller_namespace", ingress_controller_namespace
        )
        if sessions is None:
            sessions = Sessions.cookie()
        elif not isinstance(sessions, Sessions):
            fail("sessions", sessions, "a Sessions, e.g. Sessions.redis(url='redis://...')")
        #: Where sessions are kept.
        self.sessions = sessions
        minimal = sessions.minimal_cookie
        if minimal and set_authorization_header:
            fail(
                "set_authorization_header",
                set_authorization_header,
                "False with sessions=Sessions.cookie(minimal=True): a minimal cookie holds no "
                "ID token to send (oauth2-proxy refuses to start)",
            )
        extras = check_extra_args("extra_args", extra_args, minimal_cookie=minimal)
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
            "--upstream=static://202",
            "--set-xauthrequest=true",
            *provider.args,
            *(f"--email-domain={d}" for d in domains),
            *(f"--allowed-group={g}" for g in groups),
            f"--redirect-url=https://{self.host}/oauth2/callback",
            f"--whitelist-domain={cookie_domain or self.host}",
            *([f"--cookie-domain={cookie_domain}"] if cookie_domain else []),
            "--cookie-secure=true",
            "--silence-ping-logging=true",
            *(["--set-authorization-header=true"] if set_authorization_header else []),
            *(f"--trusted-proxy-ip={c}" for c in trusted),
            *sessions.args,
        ]
        args += extras
        check_known_args("args", args)

        reg = registry(scope)
        with reg.transaction(scope, id):
            super().__init__(scope, id)
            owner = f"OAuth2Proxy {self.node.path!r}"
            reg.claim_route(scope, self.ingress_class_name, self.host, "/oauth2", owner)
            self._build(
                secret=secret,
                sessions=sessions,
                image=image,
                resources=resources,
                args=args,
                tls_secret_name=tls_secret_name,
                network_policy=network_policy,
                controller_ns=controller_ns,
            )

    def _build(
        self,
        *,
        secret: ProxySecret,
        sessions: Sessions,
        image: str,
        resources: ProxyResources,
        args: list[str],
        tls_secret_name: str | None,
        network_policy: bool,
        controller_ns: str,
    ) -> None:

        labels = {
            "app.kubernetes.io/name": "oauth2-proxy",
            "app.kubernetes.io/instance": self.name,
            "app.kubernetes.io/component": "authentication-proxy",
        }
        selector = {k: labels[k] for k in ("app.kubernetes.io/name", "app.kubernetes.io/instance")}

        def make(kind: str, api_version: str, body: dict[str, Any]) -> cdk8s.ApiObject:
            return api_object(
                self,
                kind,
                api_version=api_version,
                kind=kind,
                name=self.name,
                namespace=self.namespace,
                labels=labels,
                body=body,
            )

        def env(var: str, key: str, secret_name: str = secret.name) -> dict[str, Any]:
            return {"name": var, "valueFrom": {"secretKeyRef": {"name": secret_name, "key": key}}}

        redis_secret = sessions.password_secret or secret.name
        redis_env = [
            env(var, key, redis_secret)
            for var, key in (
                ("OAUTH2_PROXY_REDIS_PASSWORD", sessions.password_key),
                ("OAUTH2_PROXY_REDIS_SENTINEL_PASSWORD", sessions.sentinel_password_key),
            )
            if key is not None
        ]

        container = {
            "name": "oauth2-proxy",
            "image": image,
            "imagePullPolicy": "IfNotPresent",
            "args": args,
            "env": [
                env("OAUTH2_PROXY_CLIENT_ID", secret.client_id_key),
                env("OAUTH2_PROXY_CLIENT_SECRET", secret.client_secret_key),
                env("OAUTH2_PROXY_COOKIE_SECRET", secret.cookie_secret_key),
                *redis_env,
            ],
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
            "resources": resources.to_json(),
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
        pod_spec: dict[str, Any] = {
            "automountServiceAccountToken": False,
            "containers": [container],
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": RUN_AS_ID,
                "runAsGroup": RUN_AS_ID,
                "fsGroup": RUN_AS_ID,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
        }
        if self.replicas > 1:
            pod_spec["topologySpreadConstraints"] = [
                {
                    "maxSkew": 1,
                    "topologyKey": "kubernetes.io/hostname",
                    "whenUnsatisfiable": "ScheduleAnyway",
                    "labelSelector": {"matchLabels": selector},
                }
            ]
        #: The oauth2-proxy ``Deployment`` (a ``cdk8s.ApiObject``: patch with ``add_json_patch``).
        self.deployment = make(
            "Deployment",
            "apps/v1",
            {
                "spec": {
                    "replicas": self.replicas,
                    "selector": {"matchLabels": selector},
                    "template": {"metadata": {"labels": labels}, "spec": pod_spec},
                }
            },
        )
        #: The oauth2-proxy ``Service``.
        self.service = make(
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
        )
        ingress_spec: dict[str, Any] = {
            "ingressClassName": self.ingress_class_name,
            "rules": [
                {
                    "host": self.host,
                    "http": {
                        "paths": [
                            {
                                "path": "/oauth2",
                                "pathType": "Prefix",
                                "backend": {
                                    "service": {"name": self.name, "port": {"name": "http"}}
                                },
                            }
                        ]
                    },
                }
            ],
        }
        if tls_secret_name is not None:
            ingress_spec["tls"] = [{"hosts": [self.host], "secretName": tls_secret_name}]
        #: The ``Ingress`` serving ``https://<host>/oauth2`` to browsers.
        self.ingress = make(
            "Ingress",
            "networking.k8s.io/v1",
            {"spec": ingress_spec},
        )
        #: The ``NetworkPolicy``, or ``None`` with ``network_policy=False``.
        self.network_policy: cdk8s.ApiObject | None = None
        if network_policy:
            self.network_policy = make(
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
                                                "kubernetes.io/metadata.name": controller_ns
                                            }
                                        }
                                    }
                                ],
                                "ports": [{"port": "http", "protocol": "TCP"}],
                            },
                            {"ports": [{"port": "metrics", "protocol": "TCP"}]},
                        ],
                    }
                },
            )
        #: The ``PodDisruptionBudget``, or ``None`` with one replica.
        self.pod_disruption_budget: cdk8s.ApiObject | None = None
        if self.replicas > 1:
            self.pod_disruption_budget = make(
                "PodDisruptionBudget",
                "policy/v1",
                {"spec": {"minAvailable": 1, "selector": {"matchLabels": selector}}},
            )

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

    def covers(self, argument: str, host: str) -> None:
        """Refuse an app host whose browser would not get this proxy's cookie."""
        if host == self.host:
            return
        if self.cookie_domain is None:
            raise ConfigurationError(
                f"{argument}: {host!r} cannot use proxy {self.name!r}, which signs in on "
                f"{self.host!r} with a host-only cookie (shared=False); the browser would never "
                "send that cookie to the app and sign-in would loop. Use a proxy with "
                "shared=True, or one per host"
            )
        if not ("." + host.removeprefix("*.")).endswith(self.cookie_domain):
            raise ConfigurationError(
                f"{argument}: {host!r} is not under the cookie domain {self.cookie_domain!r} "
                f"of proxy {self.name!r} (sign-in host {self.host!r}); the browser would not "
                "send the session cookie to the app and sign-in would loop. Put the app "
                f"under {self.cookie_domain!r}, or give it its own proxy"
            )
