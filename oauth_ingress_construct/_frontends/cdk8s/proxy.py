"""OAuth2Proxy for cdk8s: the oauth2-proxy workload and its /oauth2 route in a chart."""

from __future__ import annotations

from collections.abc import Sequence

import cdk8s
import constructs

from oauth_ingress_construct._core.appspec import check_covers
from oauth_ingress_construct._core.bearer import BearerTokens
from oauth_ingress_construct._core.manifests import kebab_case
from oauth_ingress_construct._core.operations import Alerts, Autoscaling, Monitoring
from oauth_ingress_construct._core.provider import Provider
from oauth_ingress_construct._core.refs import ProxySecret
from oauth_ingress_construct._core.sessions import Sessions
from oauth_ingress_construct._core.signature import visible_signature
from oauth_ingress_construct._core.workload import (
    DEFAULT_METRICS_NAMESPACE,
    DEFAULT_PROXY_IMAGE,
    ProxyResources,
    ProxySpec,
    workload_manifests,
)
from oauth_ingress_construct._targets import TARGETS, Controller
from oauth_ingress_construct._targets.envoy_gateway import EnvoyGateway
from oauth_ingress_construct._targets.ingress_nginx import IngressNginx

from .objects import api_object, building, resolve_namespace

__all__ = ["DEFAULT_PROXY_IMAGE", "OAuth2Proxy", "ProxyResources"]


@visible_signature
class OAuth2Proxy(constructs.Construct):
    """oauth2-proxy serving sign-in for one host, shareable by several ``ProtectedApp`` s.

    Creates (names in brackets; ``<name>`` defaults to the id in kebab case):

    - ``Deployment`` [<name>]: auth-only oauth2-proxy (``--upstream=static://202``) on
      ``0.0.0.0:4180``, metrics on 44180, probes on ``/ping`` and ``/ready``, the client
      and cookie secrets read from files of the Secret mounted read-only (a Redis
      password, with Redis ``sessions``, through ``secretKeyRef``: oauth2-proxy reads it
      from no file), the client id from the provider's ``client_id`` else the Secret, a
      hardened pod (uid/gid 65532, read-only, no capabilities);
    - ``Service`` [<name>]: port 80 -> ``http`` (4180) and 44180 -> ``metrics``;
    - ``Ingress`` [<name>]: ``https://<host>/oauth2`` -> the Service, where browsers sign in;
      with ``controller=EnvoyGateway(...)`` an ``HTTPRoute`` [<name>] on the Gateway
      instead, and oauth2-proxy runs in the mode Envoy needs (``--upstream=static://200``,
      ``--skip-provider-button=true``, ``--redirect-url=/oauth2/callback``: the callback
      comes back on each app's own host);
    - ``NetworkPolicy`` [<name>] (unless ``network_policy=False``): only the ingress
      controller's namespace (the Envoy proxies' namespace on Envoy Gateway) reaches port
      4180, only ``metrics_namespace`` port 44180;
    - ``PodDisruptionBudget`` [<name>] when ``replicas > 1`` (with ``autoscaling``, when
      ``min_replicas > 1``): ``minAvailable: 1``;
    - ``HorizontalPodAutoscaler`` [<name>] with ``autoscaling``; the Deployment then has no
      ``replicas``;
    - ``ServiceMonitor`` or ``PodMonitor`` [<name>] with ``monitoring``: the metrics port of
      exactly the proxy's pods;
    - ``PrometheusRule`` [<name>] with ``alerts``: proxy down, 5xx ratio, latency.

    :param host: the host browsers use for ``/oauth2/*``, e.g. ``access.example.com``.
    :param provider: the identity provider, e.g. ``Provider.oidc(issuer_url=...)``.
    :param secret: Default: - ``ProxySecret(name=<name>)``: a Secret named like the proxy,
        with the Helm chart's keys ``client-secret``, ``cookie-secret`` (and ``client-id``
        when the provider has no ``client_id``).
    :param shared: Default: ``True`` - sign-in is shared by every app under ``cookie_domain``
        (cookie, ``--whitelist-domain`` and ``--cookie-domain`` derived); ``False`` - only
        apps on ``host`` itself may use this proxy, with a host-only cookie.
    :param cookie_domain: Default: - the parent domain of ``host`` (``access.example.com``
        -> ``.example.com``) when ``shared``; none otherwise.
    :param name: Default: - the construct id in kebab case (``"Auth"`` -> ``auth``).
    :param namespace: Default: - the chart's namespace, else ``default``; always written
        into the objects, since the in-cluster ``auth-url`` needs it.
    :param replicas: Default: - ``2``, with a PodDisruptionBudget and a spread over nodes;
        with ``autoscaling``, refused (the autoscaler sets the number of pods).
    :param autoscaling: ``Autoscaling(min_replicas=..., max_replicas=...,
        cpu_utilization=...)``: a HorizontalPodAutoscaler (``autoscaling/v2``) on the
        pods' CPU use in percent of ``resources.cpu_request`` (which must be above zero,
        and the target reachable below ``cpu_limit``). Default: - a fixed ``replicas``.
    :param image: Default: :data:`DEFAULT_PROXY_IMAGE`.
    :param resources: Default: - ``ProxyResources()``.
    :param email_domains: Default: - the provider's hosted domain
        (``Provider.google(hosted_domain=...)``), else ``("*",)``: any user the identity
        provider lets in. Never empty: oauth2-proxy does not start without one; ``"*"`` only
        alone (next to it, other domains restrict nothing).
    :param allowed_groups: Default: - no group restriction on the proxy.
    :param set_authorization_header: Default: ``False``. ``True`` sends the ID token to apps
        that ask for ``pass_authorization_header``; refused for a provider that issues no ID
        token (GitHub).
    :param trusted_proxy_ips: the ingress controller's pod CIDRs (``--trusted-proxy-ip``).
        Default: - oauth2-proxy trusts every peer's ``X-Forwarded-*`` headers; the
        NetworkPolicy then limits the peers to the controller's namespace.
    :param tls_secret_name: Default: - no ``tls`` section; the controller's default
        certificate serves ``host``. ingress-nginx only (on Envoy Gateway TLS is the
        Gateway listener's).
    :param ingress_class_name: Default: ``"nginx"``. ingress-nginx only.
    :param network_policy: Default: ``True``.
    :param ingress_controller_namespace: Default: ``"ingress-nginx"``. ingress-nginx only
        (on Envoy Gateway: ``EnvoyGateway(envoy_namespace=...)``).
    :param controller: the target. Default: - ingress-nginx, undescribed.
        ``EnvoyGateway(...)`` serves ``/oauth2`` through a Gateway; the apps that use
        this proxy must target Envoy Gateway too. On Envoy Gateway ``extra_args`` may not
        hold ``--cookie-refresh`` (the refreshed cookie never reaches the client).
    :param metrics_namespace: the namespace whose pods may scrape the metrics port (44180),
        matched by its ``kubernetes.io/metadata.name`` label, which the API server sets to
        the namespace's name. Default: ``"monitoring"``, where kube-prometheus installs and
        where kube-prometheus-stack usually runs. ``None``: no pod reaches the metrics port
        (refused with ``monitoring`` unless ``network_policy=False``).
    :param monitoring: ``Monitoring(kind=MonitorKind.SERVICE_MONITOR | POD_MONITOR,
        interval=..., labels=...)``: a prometheus-operator ServiceMonitor or PodMonitor
        for the metrics port. Default: - nothing scrapes the proxy.
    :param alerts: ``Alerts(error_ratio=0.05, latency_seconds=0.5, duration="5m",
        labels=...)``: a PrometheusRule (proxy down, 5xx ratio, 99th percentile latency);
        needs ``monitoring``. Default: - no alerts.
    :param sessions: Default: - ``Sessions.cookie()``: sessions live in the encrypted
        cookie. ``Sessions.redis(...)``, ``.redis_sentinel(...)`` or ``.redis_cluster(...)``
        keep them in Redis, the password read from a Secret.
    :param extra_args: further oauth2-proxy flags, ``--name=value``, from an allow-list of
        flags that are safe behind ingress-nginx, each value checked by type (the table is
        ``_core.flags.EXTRA_FLAGS``, from oauth2-proxy v7.15.3's own flag definitions). Flags the
        construct sets are refused naming the argument to use; unsafe and unknown flags are
        refused saying why. Default: - none.
    :param allow_any_account: Default: ``False`` - a public identity provider (GitHub,
        Google, gitlab.com, a public OIDC issuer) must be restricted by the provider
        (organization, team, groups, hosted domain), ``email_domains`` or
        ``allowed_groups``; ``True`` lets anyone with an account there sign in.
    :param bearer_tokens: ``BearerTokens(audiences=[...], extra_issuers=[(issuer,
        audience), ...])``: API clients may send ``Authorization: Bearer <JWT>`` of a pinned
        issuer and audience instead of a session cookie. Default: - ``None``, no bearer
        tokens.
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
        monitoring: Monitoring | None = None,
        alerts: Alerts | None = None,
        sessions: Sessions | None = None,
        extra_args: Sequence[str] = (),
        controller: IngressNginx | EnvoyGateway | None = None,
        allow_any_account: bool = False,
        bearer_tokens: BearerTokens | None = None,
    ) -> None:
        # Everything is checked before anything is added to the tree: an OAuth2Proxy that
        # raised leaves nothing behind to synthesize.
        controller, spec = TARGETS.resolve_proxy_on(
            controller,
            name=name if name is not None else kebab_case(id),
            namespace=resolve_namespace(scope, namespace, what=f"OAuth2Proxy {id!r}"),
            host=host,
            provider=provider,
            secret=secret,
            shared=shared,
            cookie_domain=cookie_domain,
            replicas=replicas,
            autoscaling=autoscaling,
            image=image,
            resources=resources,
            email_domains=email_domains,
            allowed_groups=allowed_groups,
            set_authorization_header=set_authorization_header,
            trusted_proxy_ips=trusted_proxy_ips,
            tls_secret_name=tls_secret_name,
            ingress_class_name=ingress_class_name,
            network_policy=network_policy,
            ingress_controller_namespace=ingress_controller_namespace,
            metrics_namespace=metrics_namespace,
            monitoring=monitoring,
            alerts=alerts,
            sessions=sessions,
            extra_args=extra_args,
            allow_any_account=allow_any_account,
            bearer_tokens=bearer_tokens,
        )
        self._attach(scope, id, spec, controller)

    def _attach(
        self, scope: constructs.Construct, id: str, spec: ProxySpec, controller: Controller
    ) -> None:
        """Join the tree as ``id`` of ``scope`` with the objects of ``spec``."""
        with building(self, scope, id) as found:
            self._spec = spec
            self._controller = controller

            def owner() -> str:
                return f"OAuth2Proxy {self.node.path!r}"

            self._owner = owner
            self._inventory = found
            route = TARGETS.proxy_route(spec, controller, found, owner)
            objects = workload_manifests(spec, route=route)
            made = {
                key: api_object(self, key, obj, claims=found, owner=owner)
                for key, obj in objects.items()
            }
            self._deployment = made["Deployment"]
            self._service = made["Service"]
            self._ingress = made.get("Ingress")
            self._http_route = made.get("HTTPRoute")
            self._network_policy = made.get("NetworkPolicy")
            self._pod_disruption_budget = made.get("PodDisruptionBudget")
            self._horizontal_pod_autoscaler = made.get("HorizontalPodAutoscaler")
            self._monitor = made.get("ServiceMonitor") or made.get("PodMonitor")
            self._prometheus_rule = made.get("PrometheusRule")

    @property
    def deployment(self) -> cdk8s.ApiObject:
        """The oauth2-proxy ``Deployment`` (an ``ApiObject``: patch with ``add_json_patch``)."""
        return self._deployment

    @property
    def service(self) -> cdk8s.ApiObject:
        """The oauth2-proxy ``Service``."""
        return self._service

    @property
    def ingress(self) -> cdk8s.ApiObject | None:
        """The ``Ingress`` serving ``https://<host>/oauth2`` to browsers (ingress-nginx)."""
        return self._ingress

    @property
    def http_route(self) -> cdk8s.ApiObject | None:
        """The ``HTTPRoute`` serving ``/oauth2`` on the Gateway (Envoy Gateway), else ``None``."""
        return self._http_route

    @property
    def controller(self) -> IngressNginx | EnvoyGateway | None:
        """The target this proxy serves (``None``: ingress-nginx, undescribed)."""
        return self._controller

    @property
    def network_policy(self) -> cdk8s.ApiObject | None:
        """The ``NetworkPolicy``, or ``None`` with ``network_policy=False``."""
        return self._network_policy

    @property
    def pod_disruption_budget(self) -> cdk8s.ApiObject | None:
        """The ``PodDisruptionBudget``, or ``None`` with one replica."""
        return self._pod_disruption_budget

    @property
    def horizontal_pod_autoscaler(self) -> cdk8s.ApiObject | None:
        """The ``HorizontalPodAutoscaler``, or ``None`` without ``autoscaling``."""
        return self._horizontal_pod_autoscaler

    @property
    def monitor(self) -> cdk8s.ApiObject | None:
        """The ``ServiceMonitor`` or ``PodMonitor``, or ``None`` without ``monitoring``."""
        return self._monitor

    @property
    def prometheus_rule(self) -> cdk8s.ApiObject | None:
        """The ``PrometheusRule``, or ``None`` without ``alerts``."""
        return self._prometheus_rule

    @property
    def host(self) -> str:
        """The host browsers sign in on."""
        return self._spec.host

    @property
    def name(self) -> str:
        """The name of the proxy's objects."""
        return self._spec.name

    @property
    def namespace(self) -> str:
        """The namespace of the proxy's objects."""
        return self._spec.namespace

    @property
    def secret(self) -> ProxySecret:
        """The Secret the proxy reads its credentials from."""
        return self._spec.secret

    @property
    def shared(self) -> bool:
        """Whether apps on other hosts under ``cookie_domain`` may sign in through it."""
        return self._spec.shared

    @property
    def cookie_domain(self) -> str | None:
        """The cookie domain, or ``None`` for a host-only cookie."""
        return self._spec.cookie_domain

    @property
    def replicas(self) -> int:
        """The number of oauth2-proxy pods (with ``autoscaling``: its minimum)."""
        return self._spec.replicas

    @property
    def set_authorization_header(self) -> bool:
        """Whether the proxy sends the ID token as ``Authorization``."""
        return self._spec.set_authorization_header

    @property
    def ingress_class_name(self) -> str:
        """The ingress class of the ``/oauth2`` Ingress."""
        return self._spec.ingress_class_name

    @property
    def sessions(self) -> Sessions:
        """Where sessions are kept."""
        return self._spec.sessions

    @property
    def cluster_auth_url(self) -> str:
        """``auth-url`` through the in-cluster Service (no hairpin through the load balancer)."""
        return self._spec.cluster_auth_url

    @property
    def public_auth_url(self) -> str:
        """``auth-url`` through the public host, as in the ingress-nginx docs."""
        return self._spec.public_auth_url

    @property
    def signin_url(self) -> str:
        """``auth-signin`` without ``rd``: ingress-nginx appends the escaped request URL."""
        return self._spec.signin_url

    def covers(self, argument: str, host: str) -> None:
        """Refuse an app host whose browser would not get this proxy's cookie."""
        check_covers(self._spec, argument, host)


class _OwnProxy(OAuth2Proxy):
    """The proxy a ``ProtectedApp`` makes for itself, from a spec its arguments resolved."""

    def __init__(
        self, scope: constructs.Construct, id: str, spec: ProxySpec, controller: Controller
    ) -> None:
        self._attach(scope, id, spec, controller)
