"""ProtectedApp for cdk8s: an app's Ingress behind oauth2-proxy through ingress-nginx."""

from __future__ import annotations

import datetime
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import cdk8s
import constructs

from oauth_ingress_construct._core.appspec import (
    DEFAULT_RESPONSE_HEADERS,
    PathType,
    service_backend,
)
from oauth_ingress_construct._core.bearer import BearerTokens
from oauth_ingress_construct._core.manifests import kebab_case
from oauth_ingress_construct._core.provider import Provider
from oauth_ingress_construct._core.refs import ProxySecret, ServiceRef
from oauth_ingress_construct._core.sessions import Sessions
from oauth_ingress_construct._core.signature import visible_signature
from oauth_ingress_construct._core.target import PassThroughStrategy
from oauth_ingress_construct._core.validation import fail
from oauth_ingress_construct._targets import TARGETS
from oauth_ingress_construct._targets.envoy_gateway import EnvoyGateway
from oauth_ingress_construct._targets.ingress_nginx import IngressNginx

from .objects import api_object, building, chart_namespace, inventory, resolve_namespace
from .proxy import OAuth2Proxy, _OwnProxy

if TYPE_CHECKING:
    import cdk8s_plus_28 as kplus


__all__ = ["DEFAULT_RESPONSE_HEADERS", "PathType", "ProtectedApp"]


def _as_kplus_service(backend: object) -> kplus.Service | None:
    """``backend`` if it is a cdk8s-plus-28 ``Service``, else ``None``.

    cdk8s-plus-28 is looked up, not imported: a program that never imported it cannot hold
    one of its Services, and ``import oauth_ingress_construct`` stays ~0.2 s faster for
    programs that only use ``ServiceRef``.
    """
    module = sys.modules.get("cdk8s_plus_28")
    if module is not None and isinstance(backend, module.Service):
        return backend  # type: ignore[no-any-return]
    return None


def _backend_ref(
    backend: kplus.Service | ServiceRef, backend_port: int | None, namespace: str
) -> ServiceRef:
    """The backend in the core's terms: a Service of the app's namespace, by name and port."""
    if isinstance(backend, ServiceRef):
        if backend_port is not None:
            fail("backend_port", backend_port, "unset when backend is a ServiceRef (it has a port)")
        return backend
    service = _as_kplus_service(backend)
    if service is None:
        fail("backend", backend, "a cdk8s_plus_28.Service or a ServiceRef(name, port)")
    ports = [int(p.port) for p in service.ports]
    service_ns = service.metadata.namespace or chart_namespace(service)
    return service_backend(service.name, ports, backend_port, service_ns, namespace)


@visible_signature
class ProtectedApp(constructs.Construct):
    """A web app served by ingress-nginx or Envoy Gateway, with sign-in through oauth2-proxy.

    Creates the app's ``Ingress`` [<name>] for ``host`` with the ``auth-url`` and
    ``auth-signin`` annotations, and, unless ``proxy=`` shares an existing one, its own
    :class:`OAuth2Proxy` [<name>-oauth2-proxy] serving ``/oauth2`` on the same host
    (Deployment, Service, Ingress, NetworkPolicy, PodDisruptionBudget).

    With ``controller=EnvoyGateway(...)``, instead of the Ingress: an ``HTTPRoute``
    [<name>] on the Gateway and a ``SecurityPolicy`` [<name>] whose ``extAuth.http`` asks
    the proxy about every request; once per app host, when the proxy signs in on another
    host, an ``HTTPRoute`` [<proxy>.<host>; for a wildcard or very long host
    <proxy>.<host, dots as dashes>-<hash>] in the proxy's namespace for ``/oauth2`` on the
    app's host; a ``ReferenceGrant``
    [<namespace>.<name>] in the proxy's namespace when the proxy is in another namespace;
    and, once per Gateway listener in the program, a ``ClientTrafficPolicy`` removing
    client-sent identity headers (unless ``client_traffic_policy=False``).

    With ``public_paths``: an ``Ingress`` (Envoy Gateway: ``HTTPRoute``) [<name>-public]
    serving them without any check. With ``api_paths``: an ``Ingress`` (Envoy Gateway:
    ``HTTPRoute`` and ``SecurityPolicy``) [<name>-api] checking them without a redirect.

    :param host: the app's host, e.g. ``app.example.com`` (``*.example.com`` only with a
        shared ``proxy``).
    :param backend: a ``cdk8s_plus_28.Service`` from the same app, or ``ServiceRef(name, port)``.
    :param backend_port: Default: - the Service's only port (required if it has several).
    :param proxy: a shared :class:`OAuth2Proxy`. Default: - a proxy of its own on ``host``,
        built from ``provider`` and ``secret``.
    :param provider: the identity provider for the app's own proxy (not with ``proxy``).
    :param secret: Default: - ``ProxySecret(name="<name>-oauth2-proxy")`` (not with ``proxy``).
    :param name: Default: - the construct id in kebab case (``"ExampleProtectedApp"`` ->
        ``example-protected-app``).
    :param namespace: Default: - the chart's namespace, else ``default``.
    :param paths: Default: ``("/",)``.
    :param path_type: Default: ``PathType.PREFIX``.
    :param public_paths: paths served with no check at all (health checks, webhooks, a
        login page's assets), through an ``Ingress`` [<name>-public] without auth
        annotations, or on Envoy Gateway an ``HTTPRoute`` [<name>-public] without a
        SecurityPolicy. A Prefix path's trailing ``/`` is dropped (``/static/`` serves
        ``/static`` too, never a redirect). Refused: a path also in ``paths``, a path under
        ``/oauth2``, paths ingress-nginx would merge with the app's. Default: - none.
    :param public_path_type: Default: ``PathType.EXACT`` - each public path answers that
        path only.
    :param allow_public_root: ``True`` admits a Prefix ``/`` in ``public_paths`` (every
        path of the host not routed more specifically is public), with a
        ``PublicRootWarning``. Default: ``False``.
    :param api_paths: paths checked like ``paths`` where a client without a session (or
        not allowed) gets ``401``/``403``, never a redirect to sign in, and the backend's
        own 401 reaches the client: an ``Ingress`` [<name>-api] with ``auth-url`` but no
        ``auth-signin``; on Envoy Gateway an ``HTTPRoute`` and ``SecurityPolicy``
        [<name>-api], with ``--api-route`` derived on the app's own proxy (a shared proxy
        must have ``--api-route`` patterns covering them: they hold for all its apps). The
        session cookie works there as on ``paths`` (a browser's XHR). Refused like
        ``public_paths``' conflicts. Default: - none.
    :param api_path_type: Default: ``PathType.PREFIX``.
    :param ingress_class_name: Default: ``"nginx"``.
    :param tls_secret_name: Default: - no ``tls`` section; the controller's default
        certificate serves ``host``.
    :param pass_through_401: Default: ``False`` - a backend's own 401 may be turned into a
        redirect to sign-in where the controller intercepts errors. ``True`` makes sure the
        client gets the backend's 401, body and ``WWW-Authenticate`` header.
    :param pass_through_401_strategy: Default: - chosen from ``controller``: the least risky
        strategy that works there; without ``controller``, the ``server-snippet`` fix.
    :param controller: the target. Default: - ingress-nginx, not described; the seed's
        ``server-snippet`` is emitted for ``pass_through_401`` and no controller checks are
        made. ``IngressNginx(...)`` describes the ingress-nginx controller;
        ``EnvoyGateway(...)`` targets a Gateway of Envoy Gateway (a shared ``proxy`` must
        target Envoy Gateway too). On Envoy Gateway a backend's 401 always reaches the
        client unless the description has ``response_override_401=True``; the
        ingress-nginx settings (``ingress_class_name``, ``tls_secret_name``,
        ``custom_http_errors``, ``public_auth_url``, ``proxy_buffer_size``, ``auth_cache``,
        ``auth_cache_duration``, ``pass_through_401_strategy``) and per-app ``allowed_groups`` /
        ``allowed_email_domains`` are refused there, each with the fix.
    :param custom_http_errors: the Ingress's ``custom-http-errors``. Default: - none.
    :param public_auth_url: Default: ``False`` - ``auth-url`` is the proxy's in-cluster
        Service URL; ``True`` uses ``https://<proxy host>/oauth2/auth``.
    :param allowed_groups: Default: - any user the proxy lets in. Users outside get 403.
    :param allowed_emails: Default: - no per-app e-mail restriction. Refused when given:
        ingress-nginx's annotation validation rejects the ``@`` of an address in
        ``auth-url``; restrict with ``allowed_email_domains`` or ``allowed_groups``.
    :param allowed_email_domains: Default: - no per-app domain restriction.
    :param response_headers: the identity headers of the auth answer the backend relies
        on: ``X-Auth-Request-User``, ``-Email``, ``-Preferred-Username``, ``-Groups`` (any
        case; oauth2-proxy skips a header whose claim is empty). Whatever this says, no
        identity header oauth2-proxy can set (these, ``X-Auth-Request-Access-Token``,
        ``GAP-Auth``) ever reaches the backend with a client's value: on ingress-nginx
        ``auth-response-headers`` lists them all (the backend also receives the proxy's value
        of those not asked for, or none), on Envoy Gateway the ClientTrafficPolicy removes
        them and only these are copied. Default: :data:`DEFAULT_RESPONSE_HEADERS`
        (``X-Auth-Request-User``, ``-Email``, ``-Groups``).
    :param pass_authorization_header: Default: ``False``: a client's own ``Authorization``
        (an API client's token) reaches the backend untouched. ``True`` passes the proxy's
        ``Authorization: Bearer <ID token>`` instead, always overwriting or removing the
        client's; the proxy needs ``set_authorization_header=True``, and a provider that
        issues ID tokens (not GitHub).
    :param proxy_buffer_size: the Ingress's ``proxy-buffer-size`` (e.g. ``"16k"``), for
        identity providers with large tokens. Default: - the controller's (4k).
    :param auth_cache: Default: ``False`` - every request is checked by oauth2-proxy.
        ``True`` lets ingress-nginx reuse oauth2-proxy's answer (202, 401, 403) for
        ``auth_cache_duration`` (annotations ``auth-cache-key``, ``auth-cache-duration``,
        risk level Medium). The key is the whole ``Cookie`` header, the ``Authorization``
        header and the ``auth-url`` with its authorization query, under the controller's own
        host and location prefix: a cached answer is reused only for the same credentials on
        the same app, and no answer carrying ``Set-Cookie`` is stored. The cost: a signed-out,
        expired or revoked session keeps being admitted for up to ``auth_cache_duration``.
        Refused on Envoy Gateway.
    :param auth_cache_duration: how long an answer is reused, 1 s to 1 h: seconds as an
        ``int``, a ``datetime.timedelta`` or a string such as ``"30s"`` or ``"2m"``
        (only with ``auth_cache=True``). Default: - 30 seconds.
    :param sessions: where the app's own proxy keeps sessions (not with ``proxy``; a
        shared proxy has its own). Default: - ``Sessions.cookie()``.
    :param allow_any_account: for the app's own proxy (not with ``proxy``). Default:
        ``False`` - a public identity provider (GitHub, Google, gitlab.com, a public OIDC
        issuer) must be restricted by the provider, ``allowed_groups`` or
        ``allowed_email_domains``; ``True`` lets anyone with an account there in.
    :param bearer_tokens: for the app's own proxy (not with ``proxy``; give a shared
        ``OAuth2Proxy`` its own): ``BearerTokens(...)``, API clients may send
        ``Authorization: Bearer <JWT>`` of a pinned issuer and audience. Default: - ``None``.
    """

    def __init__(
        self,
        scope: constructs.Construct,
        id: str,
        *,
        host: str,
        backend: kplus.Service | ServiceRef,
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
    ) -> None:
        # Everything is checked before the construct joins the tree.
        app_namespace = resolve_namespace(scope, namespace, what=f"ProtectedApp {id!r}")
        if proxy is not None and not isinstance(proxy, OAuth2Proxy):
            fail("proxy", proxy, "an OAuth2Proxy")
        controller, spec = TARGETS.resolve_app_on(
            controller,
            None if proxy is None else (proxy.controller, proxy.name),
            name=name if name is not None else kebab_case(id),
            namespace=app_namespace,
            host=host,
            backend=_backend_ref(backend, backend_port, app_namespace),
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
        if proxy is not None:
            inventory(scope).check_proxy_here(
                proxy._inventory,
                proxy._owner,
                "Make the app and its proxy in charts of one cdk8s App (an App is applied to "
                "one cluster), or give the app a proxy of its own (provider=)",
            )
        with building(self, scope, id) as found:
            self._spec = spec
            self._controller = controller
            self._pass_through_strategy = target.strategy

            def owner() -> str:
                return f"ProtectedApp {self.node.path!r}"

            target.claim(found, spec, owner, None if proxy is None else proxy._owner)
            self._proxy = (
                proxy
                if proxy is not None
                else _OwnProxy(self, "OAuth2Proxy", spec.proxy, controller)
            )
            objects = {**target.objects, **target.claim_shared(found, owner)}
            made = {
                key: api_object(self, key, obj, claims=found, owner=owner)
                for key, obj in objects.items()
            }
            self._ingress = made.get("Ingress")
            self._http_route = made.get("HTTPRoute")
            self._security_policy = made.get("SecurityPolicy")

    @property
    def host(self) -> str:
        """The app's host."""
        return self._spec.host

    @property
    def name(self) -> str:
        """The name of the app's own objects (its Ingress, or HTTPRoute and SecurityPolicy)."""
        return self._spec.name

    @property
    def namespace(self) -> str:
        """The namespace of the app's objects."""
        return self._spec.namespace

    @property
    def pass_through_strategy(self) -> PassThroughStrategy | None:
        """The pass-through strategy in effect, or ``None`` without ``pass_through_401``.

        On Envoy Gateway ``NONE_NEEDED``: ext_authz never touches a backend's response.
        """
        return self._pass_through_strategy

    @property
    def proxy(self) -> OAuth2Proxy:
        """The :class:`OAuth2Proxy` this app signs in through (its own or the shared one)."""
        return self._proxy

    @property
    def ingress(self) -> cdk8s.ApiObject | None:
        """The app's ``Ingress`` (a ``cdk8s.ApiObject``; patch it with ``add_json_patch``).

        ``None`` on Envoy Gateway.
        """
        return self._ingress

    @property
    def http_route(self) -> cdk8s.ApiObject | None:
        """The app's ``HTTPRoute`` on Envoy Gateway, else ``None``."""
        return self._http_route

    @property
    def security_policy(self) -> cdk8s.ApiObject | None:
        """The app's Envoy Gateway ``SecurityPolicy`` (ext_authz), else ``None``."""
        return self._security_policy

    @property
    def controller(self) -> IngressNginx | EnvoyGateway | None:
        """The target (``None``: ingress-nginx, undescribed)."""
        return self._controller
