"""Pulumi front end: ``ProtectedApp`` and ``OAuth2Proxy`` as ``pulumi.ComponentResource`` s.

Same keyword arguments, defaults and :class:`~oauth_ingress_construct.ConfigurationError` s
as the cdk8s constructs, and the same manifests: each component resolves its arguments
with the core, plans with the target ``controller=`` names (ingress-nginx by default,
``EnvoyGateway(...)`` for a Gateway of Envoy Gateway) through the same core calls as the
cdk8s constructs, and turns every manifest into one ``pulumi_kubernetes`` child resource,
parented to the component: typed where the SDK has the kind, an
``apiextensions.CustomResource`` for the Gateway API and Envoy Gateway kinds. Nothing here imports
cdk8s, constructs or jsii, so no node runtime is needed::

    import pulumi
    from oauth_ingress_construct import Provider, ServiceRef
    from oauth_ingress_construct.pulumi import OAuth2Proxy, ProtectedApp

    access = OAuth2Proxy("oauth2-proxy", namespace="apps", host="access.example.com",
                         provider=Provider.oidc(issuer_url="https://login.example.com"))
    ProtectedApp("example-protected-app", namespace="apps", host="app.example.com",
                 backend=ServiceRef("my-service", 80), proxy=access, pass_through_401=True)

Differences from the cdk8s front end, all forced by Pulumi:

- the first argument is the Pulumi resource name (``resource_name``); the Kubernetes
  ``name=`` defaults to it in kebab case, as the cdk8s constructs default to their id's;
- without a chart there is no ambient namespace: ``namespace=`` defaults to ``"default"``
  (pass it explicitly; security scanners flag ``default``);
- child resource names are ``<resource_name>-<kind in lower case>`` (an app's own proxy is
  the component ``<resource_name>-oauth2-proxy``), stable and unique in the stack;
- the program-wide checks (object names, one location per host and path, one
  ``server-snippet`` per host) hold per program run and per Kubernetes provider (cluster);
  an app and its shared proxy must deploy through the same provider;
- objects several apps share belong to what outlives each app, so removing the first app
  that needed one neither deletes nor re-creates it: a host's ``/oauth2`` route is a child
  of its proxy (``<proxy>-oauth2route-<Kubernetes name>``); the one ClientTrafficPolicy per
  Gateway listener, emitted once per program run whatever the provider, is the stack's
  (``<namespace>/<name>``, through the app's provider).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes.apiextensions as k8s_apiextensions
import pulumi_kubernetes.apps.v1 as k8s_apps_v1
import pulumi_kubernetes.autoscaling.v2 as k8s_autoscaling_v2
import pulumi_kubernetes.core.v1 as k8s_core_v1
import pulumi_kubernetes.networking.v1 as k8s_networking_v1
import pulumi_kubernetes.policy.v1 as k8s_policy_v1

from oauth_ingress_construct._core.appspec import (
    DEFAULT_RESPONSE_HEADERS,
    AppSpec,
    PathType,
    service_backend,
    with_backend,
)
from oauth_ingress_construct._core.bearer import BearerTokens
from oauth_ingress_construct._core.inventory import Inventory, Owner
from oauth_ingress_construct._core.manifests import (
    FALLBACK_NAMESPACE,
    Manifest,
    NamespaceFallbackWarning,
    kebab_case,
)
from oauth_ingress_construct._core.operations import Alerts, Autoscaling, Monitoring
from oauth_ingress_construct._core.provider import Provider
from oauth_ingress_construct._core.refs import ProxySecret, ServiceRef
from oauth_ingress_construct._core.sessions import Sessions
from oauth_ingress_construct._core.target import AppTarget, PassThroughStrategy
from oauth_ingress_construct._core.validation import check_int, fail
from oauth_ingress_construct._core.warnings import warn_user
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

__all__ = ["OAuth2Proxy", "ProtectedApp"]

#: Pulumi type tokens of the components (``<package>:<module>:<type>``).
PROXY_TYPE = "oauth-ingress-construct:index:OAuth2Proxy"
APP_TYPE = "oauth-ingress-construct:index:ProtectedApp"

#: The typed ``pulumi_kubernetes`` class of each kind the core emits; any other kind
#: becomes an ``apiextensions.CustomResource``.
_TYPED: dict[tuple[str, str], Callable[..., pulumi.CustomResource]] = {
    ("apps/v1", "Deployment"): k8s_apps_v1.Deployment,
    ("v1", "Service"): k8s_core_v1.Service,
    ("networking.k8s.io/v1", "Ingress"): k8s_networking_v1.Ingress,
    ("networking.k8s.io/v1", "NetworkPolicy"): k8s_networking_v1.NetworkPolicy,
    ("policy/v1", "PodDisruptionBudget"): k8s_policy_v1.PodDisruptionBudget,
    ("autoscaling/v2", "HorizontalPodAutoscaler"): k8s_autoscaling_v2.HorizontalPodAutoscaler,
}

_HEADER = ("apiVersion", "kind", "metadata")


def _kubernetes_resource(
    resource_name: str,
    obj: Manifest,
    opts: pulumi.ResourceOptions,
    *,
    body: Mapping[str, pulumi.Input[Any]] | None = None,
) -> pulumi.CustomResource:
    """``obj`` as one ``pulumi_kubernetes`` resource, typed where the SDK has its kind.

    The manifest's keys are Kubernetes field names (camelCase); the SDK passes keys it does
    not know as Python names through unchanged, so they reach the provider as they are.
    ``body`` replaces the manifest's body (``spec``...) where a part is an ``Output``.
    """
    fields = dict(body) if body is not None else {k: v for k, v in obj.items() if k not in _HEADER}
    typed = _TYPED.get((obj["apiVersion"], obj["kind"]))
    if typed is None:
        return k8s_apiextensions.CustomResource(
            resource_name,
            api_version=obj["apiVersion"],
            kind=obj["kind"],
            metadata=obj["metadata"],
            opts=opts,
            **fields,
        )
    return typed(resource_name, metadata=obj["metadata"], opts=opts, **fields)


# --------------------------------------------------------------------------------------------
# One inventory per program run and Kubernetes provider.
# --------------------------------------------------------------------------------------------

#: Per engine connection (a program run; each ``set_mocks`` makes a new one): the monitor,
#: kept so its ``id`` is not reused, each provider (kept likewise) with its inventory, and
#: the table of the objects emitted once per program, whatever the provider.
_INVENTORIES: dict[
    int,
    tuple[
        object,
        dict[int | None, tuple[pulumi.ProviderResource | None, Inventory]],
        dict[tuple[str, str, str], tuple[Owner, Inventory]],
    ],
] = {}


def _kubernetes_provider(opts: pulumi.ResourceOptions | None) -> pulumi.ProviderResource | None:
    """The Kubernetes provider the component's children will use (``None``: the default)."""
    if opts is None:
        return None
    provider = opts.provider
    if provider is not None and getattr(provider, "package", None) == "kubernetes":
        return provider
    providers = opts.providers
    if isinstance(providers, Mapping):
        found = providers.get("kubernetes")
        if found is not None:
            return found
    elif providers is not None:
        for candidate in providers:
            if getattr(candidate, "package", None) == "kubernetes":
                return candidate
    if opts.parent is not None:
        return opts.parent.get_provider("kubernetes:core/v1:Service")
    return None


def _describe(provider: pulumi.ProviderResource | None) -> str:
    if provider is None:
        return "the default Kubernetes provider"
    return f"the Kubernetes provider {getattr(provider, '_name', provider)!r}"


def _inventory(opts: pulumi.ResourceOptions | None) -> Inventory:
    """The inventory of the objects this program run puts into the cluster of ``opts``."""
    monitor = pulumi.runtime.settings.get_monitor()
    entry = _INVENTORIES.get(id(monitor))
    if entry is None or entry[0] is not monitor:
        entry = (monitor, {}, {})
        _INVENTORIES[id(monitor)] = entry
    provider = _kubernetes_provider(opts)
    key = None if provider is None else id(provider)
    found = entry[1].get(key)
    if found is None:
        found = (provider, Inventory(label=_describe(provider), program=entry[2]))
        entry[1][key] = found
    return found[1]


def _namespace(namespace: str | None, what: str) -> str:
    """``namespace``, else ``default`` with a :class:`NamespaceFallbackWarning`.

    Unchecked: the core checks it as the component's ``namespace`` argument.
    """
    if namespace is not None:
        return namespace
    warn_user(
        NamespaceFallbackWarning(
            f"{what}: no namespace=, so its objects go to 'default' and the in-cluster "
            "auth-url names 'default' (http://<proxy>.default.svc.cluster.local/...), "
            "whatever namespace the Kubernetes provider defaults to. Set namespace="
        )
    )
    return FALLBACK_NAMESPACE


def _claim_names(inventory: Inventory, objects: Mapping[str, Manifest], owner: Owner) -> None:
    for obj in objects.values():
        metadata = obj["metadata"]
        inventory.claim_name(obj["kind"], metadata["namespace"], metadata["name"], owner)


def _child_options(parent: pulumi.Resource, **more: Any) -> pulumi.ResourceOptions:  # noqa: ANN401
    return pulumi.ResourceOptions(parent=parent, **more)


# --------------------------------------------------------------------------------------------
# OAuth2Proxy
# --------------------------------------------------------------------------------------------


class OAuth2Proxy(pulumi.ComponentResource):
    """oauth2-proxy serving sign-in for one host, shareable by several ``ProtectedApp`` s.

    Children (Pulumi names; Kubernetes names are ``<name>``, by default ``resource_name``
    in kebab case): ``<resource_name>-deployment``, ``-service``, ``-ingress`` (serving
    ``https://<host>/oauth2``), ``-networkpolicy`` (unless ``network_policy=False``) and
    ``-poddisruptionbudget`` (when ``replicas > 1``), ``-horizontalpodautoscaler`` (with
    ``autoscaling``), ``-servicemonitor`` or ``-podmonitor`` (with ``monitoring``) and
    ``-prometheusrule`` (with ``alerts``), exactly the objects of the cdk8s
    ``OAuth2Proxy``: see its documentation for each argument and default. With
    ``controller=EnvoyGateway(...)``, ``-httproute`` (``/oauth2`` on the Gateway) instead
    of ``-ingress``.

    Outputs: ``host``, ``service_name``, ``auth_url`` (in-cluster), ``public_auth_url``,
    ``signin_url``, also readable as attributes (plain strings, known at plan time). On
    Envoy Gateway: ``host``, ``service_name``, ``http_route_name``, ``parent_ref`` (the
    Gateway, as in the HTTPRoute) and ``signin_url``.

    :param namespace: Default: ``"default"`` (there is no chart to inherit one from).
    :param opts: Pulumi resource options of the component; its children inherit the
        provider.
    """

    def __init__(
        self,
        resource_name: str,
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
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        controller, spec = TARGETS.resolve_proxy_on(
            controller,
            name=name if name is not None else kebab_case(resource_name),
            namespace=_namespace(namespace, f"OAuth2Proxy {resource_name!r}"),
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
        inventory = _inventory(opts)

        def owner() -> str:
            return f"OAuth2Proxy {resource_name!r}"

        # Claims first: a proxy that conflicts registers nothing.
        with inventory.transaction():
            route = TARGETS.proxy_route(spec, controller, inventory, owner)
            objects = workload_manifests(spec, route=route)
            _claim_names(inventory, objects, owner)
            self._build(
                resource_name,
                spec,
                controller,
                objects=objects,
                owner=owner,
                inventory=inventory,
                opts=opts,
            )

    def _build(
        self,
        resource_name: str,
        spec: ProxySpec,
        controller: Controller,
        *,
        objects: Mapping[str, Manifest],
        owner: Owner,
        inventory: Inventory,
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        super().__init__(PROXY_TYPE, resource_name, None, opts)
        self._spec = spec
        self._controller = controller
        self._owner = owner
        #: The cluster's inventory (program run and Kubernetes provider) the proxy is in.
        self._inventory = inventory
        self._resource_name = resource_name
        self._resources = {
            kind: _kubernetes_resource(f"{resource_name}-{kind.lower()}", obj, _child_options(self))
            for kind, obj in objects.items()
        }
        outputs: dict[str, Any] = {
            "host": spec.host,
            "service_name": spec.name,
            **TARGETS.proxy_outputs(spec, controller),
            "signin_url": spec.signin_url,
        }
        self.register_outputs(outputs)

    @property
    def host(self) -> str:
        """The host browsers sign in on (``/oauth2/*``)."""
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
    def cluster_auth_url(self) -> str:
        """The in-cluster ``auth-url`` (the same as :attr:`auth_url`)."""
        return self._spec.cluster_auth_url

    @property
    def service_name(self) -> str:
        """The name of the proxy's Service (and of its other objects)."""
        return self._spec.name

    @property
    def auth_url(self) -> str:
        """The in-cluster ``auth-url`` (``http://<name>.<namespace>.svc...:80/oauth2/auth``)."""
        return self._spec.cluster_auth_url

    @property
    def public_auth_url(self) -> str:
        """``https://<host>/oauth2/auth``."""
        return self._spec.public_auth_url

    @property
    def signin_url(self) -> str:
        """``auth-signin``: ``https://<host>/oauth2/start``."""
        return self._spec.signin_url

    @property
    def deployment(self) -> k8s_apps_v1.Deployment:
        """The oauth2-proxy ``Deployment``."""
        return self._resources["Deployment"]  # type: ignore[return-value]

    @property
    def service(self) -> k8s_core_v1.Service:
        """The oauth2-proxy ``Service``."""
        return self._resources["Service"]  # type: ignore[return-value]

    @property
    def ingress(self) -> k8s_networking_v1.Ingress | None:
        """The ``Ingress`` serving ``https://<host>/oauth2`` to browsers (ingress-nginx)."""
        return self._resources.get("Ingress")  # type: ignore[return-value]

    @property
    def http_route(self) -> k8s_apiextensions.CustomResource | None:
        """The ``HTTPRoute`` serving ``/oauth2`` on the Gateway (Envoy Gateway), else ``None``."""
        return self._resources.get("HTTPRoute")  # type: ignore[return-value]

    @property
    def controller(self) -> IngressNginx | EnvoyGateway | None:
        """The target this proxy serves (``None``: ingress-nginx, undescribed)."""
        return self._controller

    @property
    def network_policy(self) -> k8s_networking_v1.NetworkPolicy | None:
        """The ``NetworkPolicy``, unless ``network_policy=False``."""
        return self._resources.get("NetworkPolicy")  # type: ignore[return-value]

    @property
    def pod_disruption_budget(self) -> k8s_policy_v1.PodDisruptionBudget | None:
        """The ``PodDisruptionBudget``, when ``replicas > 1``."""
        return self._resources.get("PodDisruptionBudget")  # type: ignore[return-value]

    @property
    def horizontal_pod_autoscaler(self) -> k8s_autoscaling_v2.HorizontalPodAutoscaler | None:
        """The ``HorizontalPodAutoscaler``, with ``autoscaling``."""
        return self._resources.get("HorizontalPodAutoscaler")  # type: ignore[return-value]

    @property
    def monitor(self) -> k8s_apiextensions.CustomResource | None:
        """The ``ServiceMonitor`` or ``PodMonitor``, with ``monitoring``."""
        monitors = ("ServiceMonitor", "PodMonitor")
        return next((self._resources[k] for k in monitors if k in self._resources), None)  # type: ignore[return-value]

    @property
    def prometheus_rule(self) -> k8s_apiextensions.CustomResource | None:
        """The ``PrometheusRule``, with ``alerts``."""
        return self._resources.get("PrometheusRule")  # type: ignore[return-value]


class _OwnProxy(OAuth2Proxy):
    """The proxy a ``ProtectedApp`` makes for itself; its names were claimed by the app."""

    def __init__(
        self,
        resource_name: str,
        spec: ProxySpec,
        controller: Controller,
        *,
        objects: Mapping[str, Manifest],
        owner: Owner,
        inventory: Inventory,
        opts: pulumi.ResourceOptions,
    ) -> None:
        self._build(
            resource_name,
            spec,
            controller,
            objects=objects,
            owner=owner,
            inventory=inventory,
            opts=opts,
        )


# --------------------------------------------------------------------------------------------
# ProtectedApp
# --------------------------------------------------------------------------------------------

#: Stands in for a backend given as a Pulumi ``Service`` while the arguments are resolved;
#: the Ingress is made from the Service's real name and port once they are known, and this
#: value reaches no resource.
_PENDING_BACKEND = ServiceRef("pending-backend", 1)


def _service_backend(
    service: k8s_core_v1.Service, backend_port: int | None, namespace: str
) -> pulumi.Output[ServiceRef]:
    """The backend ``service`` as a ``ServiceRef``, checked once its name and ports are known.

    During a preview of a Service not created yet (an auto-named one) they are unknown:
    the check, and the Ingress's backend, wait for ``pulumi up``.
    """

    def resolve(args: list[Any]) -> ServiceRef:
        # Output values are dicts (typed output classes subclass dict) keyed by the
        # Kubernetes field names.
        metadata, spec = (arg if isinstance(arg, Mapping) else {} for arg in args)
        return service_backend(
            metadata.get("name"),
            [port.get("port") for port in spec.get("ports") or ()],
            backend_port,
            metadata.get("namespace"),
            namespace,
        )

    return pulumi.Output.all(service.metadata, service.spec).apply(resolve)


def _field(key: str, field: str) -> Callable[[Mapping[str, Manifest]], Any]:
    """A getter of ``objects[key][field]``."""

    def get(objects: Mapping[str, Manifest]) -> Any:  # noqa: ANN401
        return objects[key][field]

    return get


class ProtectedApp(pulumi.ComponentResource):
    """A web app served by ingress-nginx or Envoy Gateway, with sign-in through oauth2-proxy.

    Children: the app's ``Ingress`` ``<resource_name>-ingress`` (Kubernetes name ``<name>``,
    by default ``resource_name`` in kebab case) with the ``auth-url`` and ``auth-signin``
    annotations, and, unless ``proxy=`` shares an :class:`OAuth2Proxy`, its own proxy, the
    component ``<resource_name>-oauth2-proxy`` (Kubernetes objects ``<name>-oauth2-proxy``).
    Exactly the objects of the cdk8s ``ProtectedApp``: see its documentation for each
    argument and default.

    With ``controller=EnvoyGateway(...)``, instead of the Ingress: ``-httproute``,
    ``-securitypolicy`` and ``-referencegrant`` (in the proxy's namespace, when it is
    another). Made when the first app needs them, owned by what outlives it: the proxy's
    ``/oauth2`` route on the app's host, when the proxy signs in on another host (a child of
    the proxy, ``<proxy>-oauth2route-<the route's Kubernetes name>``), and the Gateway listener's
    ClientTrafficPolicy (the stack's, ``<namespace>/<name>``). The objects of the cdk8s
    ``ProtectedApp``, with its checks; ``proxy=`` must deploy through the app's Kubernetes
    provider.
    With ``public_paths``: ``-publicingress`` (Envoy Gateway: ``-publichttproute``); with
    ``api_paths``: ``-apiingress`` (Envoy Gateway: ``-apihttproute``, ``-apisecuritypolicy``).

    Outputs: ``host``, ``ingress_name``, ``proxy_host``, ``proxy_service_name``,
    ``auth_url`` (with the app's authorization query) and ``signin_url``. On Envoy
    Gateway: ``host``, ``http_route_name``, ``security_policy_name``, ``parent_ref``,
    ``client_traffic_policy_name`` (unless ``client_traffic_policy=False``),
    ``proxy_host`` and ``proxy_service_name``.

    What a Pulumi program cannot check: resources it registers itself go to the Pulumi
    engine, not through this package, so a ``ClientTrafficPolicy`` of your own for the same
    Gateway or listener as the app's (which Envoy Gateway would mark Conflicted, or let
    override ours on a listener) is not seen; the cdk8s ``ProtectedApp`` refuses it at synth.
    Give such a Gateway ``EnvoyGateway(..., client_traffic_policy=False)`` and put the
    removal of the identity headers into your policy.

    :param backend: a ``ServiceRef(name, port)``, or a ``pulumi_kubernetes.core.v1.Service``
        of the same program: its name, namespace and ports may be unknown until it exists;
        they are checked (as for a cdk8s-plus Service) when they resolve, and the Ingress
        (or HTTPRoute) depends on the Service. A Service without ``metadata.namespace`` is
        taken to be in ``default``.
    :param namespace: Default: ``"default"`` (there is no chart to inherit one from).
    :param opts: Pulumi resource options of the component; its children inherit the
        provider.
    """

    def __init__(
        self,
        resource_name: str,
        *,
        host: str,
        backend: k8s_core_v1.Service | ServiceRef,
        backend_port: int | None = None,
        proxy: OAuth2Proxy | None = None,
        provider: Provider | None = None,
        secret: ProxySecret | None = None,
        name: str | None = None,
        namespace: str | None = None,
        paths: Sequence[str] = ("/",),
        path_type: PathType = PathType.PREFIX,
        public_paths: Sequence[str] = (),
        public_path_type: PathType = PathType.EXACT,
        allow_public_root: bool = False,
        api_paths: Sequence[str] = (),
        api_path_type: PathType = PathType.PREFIX,
        ingress_class_name: str = "nginx",
        tls_secret_name: str | None = None,
        pass_through_401: bool = False,
        pass_through_401_strategy: PassThroughStrategy | None = None,
        controller: IngressNginx | EnvoyGateway | None = None,
        custom_http_errors: Sequence[int] = (),
        public_auth_url: bool = False,
        allowed_groups: Sequence[str] = (),
        allowed_emails: Sequence[str] = (),
        allowed_email_domains: Sequence[str] = (),
        response_headers: Sequence[str] = DEFAULT_RESPONSE_HEADERS,
        pass_authorization_header: bool = False,
        proxy_buffer_size: str | None = None,
        auth_cache: bool = False,
        auth_cache_duration: str | int | datetime.timedelta | None = None,
        sessions: Sessions | None = None,
        allow_any_account: bool = False,
        bearer_tokens: BearerTokens | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        app_namespace = _namespace(namespace, f"ProtectedApp {resource_name!r}")
        if proxy is not None and not isinstance(proxy, OAuth2Proxy):
            fail("proxy", proxy, "an oauth_ingress_construct.pulumi.OAuth2Proxy")
        service: k8s_core_v1.Service | None = None
        if isinstance(backend, ServiceRef):
            if backend_port is not None:
                fail(
                    "backend_port",
                    backend_port,
                    "unset when backend is a ServiceRef (it has a port)",
                )
            ref = backend
        elif isinstance(backend, k8s_core_v1.Service):
            if backend_port is not None:
                check_int("backend_port", backend_port, low=1, high=65535)
            service, ref = backend, _PENDING_BACKEND
        else:
            fail(
                "backend",
                backend,
                "a pulumi_kubernetes.core.v1.Service or a ServiceRef(name, port)",
            )
        controller, spec = TARGETS.resolve_app_on(
            controller,
            None if proxy is None else (proxy.controller, proxy.name),
            name=name if name is not None else kebab_case(resource_name),
            namespace=app_namespace,
            host=host,
            backend=ref,
            proxy=proxy._spec if proxy is not None else None,
            provider=provider,
            secret=secret,
            paths=paths,
            path_type=path_type,
            public_paths=public_paths,
            public_path_type=public_path_type,
            allow_public_root=allow_public_root,
            api_paths=api_paths,
            api_path_type=api_path_type,
            tls_secret_name=tls_secret_name,
            ingress_class_name=ingress_class_name,
            allowed_groups=allowed_groups,
            allowed_emails=allowed_emails,
            allowed_email_domains=allowed_email_domains,
            response_headers=response_headers,
            pass_authorization_header=pass_authorization_header,
            sessions=sessions,
            allow_any_account=allow_any_account,
            bearer_tokens=bearer_tokens,
        )
        target = TARGETS.plan_app(
            spec,
            controller,
            pass_through_401=pass_through_401,
            pass_through_401_strategy=pass_through_401_strategy,
            custom_http_errors=custom_http_errors,
            public_auth_url=public_auth_url,
            proxy_buffer_size=proxy_buffer_size,
            auth_cache=auth_cache,
            auth_cache_duration=auth_cache_duration,
        )
        inventory = _inventory(opts)
        if proxy is not None:
            inventory.check_proxy_here(
                proxy._inventory,
                proxy._owner,
                "Give the app the proxy's Kubernetes provider "
                "(opts=pulumi.ResourceOptions(provider=...)), or a proxy of its own (provider=)",
            )

        def owner() -> str:
            return f"ProtectedApp {resource_name!r}"

        def proxy_owner() -> str:
            return f"OAuth2Proxy {resource_name + '-oauth2-proxy'!r}"

        # Claims first, as the cdk8s construct makes them: an app that conflicts registers
        # nothing.
        with inventory.transaction():
            target.claim(inventory, spec, owner, None if proxy is None else proxy._owner)
            proxy_objects: dict[str, Manifest] = {}
            if spec.own_proxy:
                route = TARGETS.proxy_route(spec.proxy, controller, inventory, proxy_owner)
                proxy_objects = workload_manifests(spec.proxy, route=route)
                _claim_names(inventory, proxy_objects, proxy_owner)
            shared = target.claim_shared(inventory, owner)
            _claim_names(inventory, {**target.objects, **shared}, owner)
            super().__init__(APP_TYPE, resource_name, None, opts)
            self._spec = spec
            self._controller = controller
            self._pass_through_strategy = target.strategy
            self._proxy = (
                proxy
                if proxy is not None
                else _OwnProxy(
                    f"{resource_name}-oauth2-proxy",
                    spec.proxy,
                    controller,
                    objects=proxy_objects,
                    owner=proxy_owner,
                    inventory=inventory,
                    opts=_child_options(self),
                )
            )
            self._auth_url: str | None = target.outputs.get("auth_url")
            self._resources = self._app_objects(
                resource_name,
                spec=spec,
                target=target,
                objects=target.objects,
                service=service,
                backend_port=backend_port,
            )
            self._shared_resources = self._shared_objects(shared, target, opts)
        self.register_outputs(
            {
                "host": spec.host,
                "proxy_host": spec.proxy.host,
                "proxy_service_name": spec.proxy.name,
                **target.outputs,
            }
        )

    def _app_objects(
        self,
        resource_name: str,
        *,
        spec: AppSpec,
        target: AppTarget,
        objects: Mapping[str, Manifest],
        service: k8s_core_v1.Service | None,
        backend_port: int | None,
    ) -> dict[str, pulumi.CustomResource]:
        """The app's objects as children; those naming a Pulumi ``Service`` wait for it."""
        made: dict[str, pulumi.CustomResource] = {}
        if service is None:
            self._backend: pulumi.Output[ServiceRef] = pulumi.Output.from_input(spec.backend)
        else:
            self._backend = _service_backend(service, backend_port, spec.namespace)
            # The same core call, with the Service's real name and port once they resolve.
            resolved = self._backend.apply(lambda ref: target.manifests(with_backend(spec, ref)))
        for key, obj in objects.items():
            child_name = f"{resource_name}-{key.lower()}"
            if service is None or key not in target.backend_objects:
                made[key] = _kubernetes_resource(child_name, obj, _child_options(self))
                continue
            body = {f: resolved.apply(_field(key, f)) for f in obj if f not in _HEADER}
            made[key] = _kubernetes_resource(
                child_name, obj, _child_options(self, depends_on=[service]), body=body
            )
        return made

    def _shared_objects(
        self,
        shared: Mapping[str, Manifest],
        target: AppTarget,
        opts: pulumi.ResourceOptions | None,
    ) -> dict[str, pulumi.CustomResource]:
        """The objects this app is the first to need, owned by what outlives it.

        Another app may need them too: removing this one must not delete and re-create
        them, so neither their parent nor their name depends on which app came first.
        Objects of one proxy (a host's ``/oauth2`` route) are children of that proxy's
        component, named ``<proxy>-<key>-<Kubernetes name>``. Objects emitted once per
        program (a Gateway listener's ClientTrafficPolicy, whose apps may sign in through
        several proxies) belong to the stack itself, through the app's Kubernetes provider,
        named ``<namespace>/<name>`` as the Kubernetes object is (unique in the program:
        ``Inventory.claim_shared``).
        """
        made: dict[str, pulumi.CustomResource] = {}
        for key, obj in shared.items():
            meta = obj["metadata"]
            if key in target.program_wide:
                provider = _kubernetes_provider(opts)
                made[key] = _kubernetes_resource(
                    f"{meta['namespace']}/{meta['name']}",
                    obj,
                    pulumi.ResourceOptions(provider=provider),
                )
            else:
                made[key] = _kubernetes_resource(
                    f"{self._proxy._resource_name}-{key.lower()}-{meta['name']}",
                    obj,
                    _child_options(self._proxy),
                )
        return made

    @property
    def host(self) -> str:
        """The app's host."""
        return self._spec.host

    @property
    def name(self) -> str:
        """The name of the app's Ingress."""
        return self._spec.name

    @property
    def namespace(self) -> str:
        """The namespace of the app's objects."""
        return self._spec.namespace

    @property
    def backend(self) -> pulumi.Output[ServiceRef]:
        """The backend by name and port (known once a Pulumi ``Service`` backend resolves)."""
        return self._backend

    @property
    def auth_url(self) -> str | None:
        """The Ingress's ``auth-url``, with the app's authorization query.

        ``None`` on Envoy Gateway (the SecurityPolicy asks the proxy's Service itself).
        """
        return self._auth_url

    @property
    def pass_through_strategy(self) -> PassThroughStrategy | None:
        """The pass-through strategy in effect, or ``None`` without ``pass_through_401``."""
        return self._pass_through_strategy

    @property
    def proxy(self) -> OAuth2Proxy:
        """The :class:`OAuth2Proxy` this app signs in through (its own or the shared one)."""
        return self._proxy

    @property
    def ingress(self) -> k8s_networking_v1.Ingress | None:
        """The app's ``Ingress``; ``None`` on Envoy Gateway."""
        return self._resources.get("Ingress")  # type: ignore[return-value]

    @property
    def http_route(self) -> k8s_apiextensions.CustomResource | None:
        """The app's ``HTTPRoute`` on Envoy Gateway, else ``None``."""
        return self._resources.get("HTTPRoute")  # type: ignore[return-value]

    @property
    def security_policy(self) -> k8s_apiextensions.CustomResource | None:
        """The app's Envoy Gateway ``SecurityPolicy`` (ext_authz), else ``None``."""
        return self._resources.get("SecurityPolicy")  # type: ignore[return-value]

    @property
    def controller(self) -> IngressNginx | EnvoyGateway | None:
        """The target (``None``: ingress-nginx, undescribed)."""
        return self._controller
