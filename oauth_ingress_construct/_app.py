"""ProtectedApp: an app's Ingress behind oauth2-proxy through ingress-nginx external auth."""

from __future__ import annotations

import enum
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import constructs

from ._controller import (
    ANNOTATION_PREFIX,
    IngressNginx,
    PassThroughStrategy,
    plan_pass_through,
)
from ._objects import api_object, chart_namespace, kebab_case, registry
from ._paths import find_location_collisions
from ._provider import Provider, check_account_restriction, effective_email_domains
from ._proxy import OAuth2Proxy, cluster_auth_url_for, public_auth_url_for, signin_url_for
from ._refs import ProxySecret, ServiceRef
from ._sessions import Sessions
from ._validation import (
    check_dns_label,
    check_dns_subdomain,
    check_email,
    check_email_domain,
    check_group,
    check_host,
    check_http_status_codes,
    check_int,
    check_list,
    check_nginx_parameter,
    check_path,
    check_proxy_buffer_size,
    check_response_header,
    check_service_name,
    fail,
)

if TYPE_CHECKING:
    import cdk8s_plus_28 as kplus

__all__ = ["DEFAULT_RESPONSE_HEADERS", "PathType", "ProtectedApp"]

#: Identity headers from oauth2-proxy's ``--set-xauthrequest`` passed on to the backend.
DEFAULT_RESPONSE_HEADERS = ("X-Auth-Request-User", "X-Auth-Request-Email", "X-Auth-Request-Groups")

#: What ingress-nginx's annotation validation (on by default since v1.12; the admission
#: webhook applies it too) accepts in ``auth-url`` (parser.URLWithNginxVariableRegex),
#: less ``$``: any other character, ``@`` or ``%`` above all, gets the whole Ingress refused.
_AUTH_URL_VALUE_RE = re.compile(r"[A-Za-z0-9._~/:-]+")


class PathType(enum.Enum):
    """How an Ingress path matches (Kubernetes ``pathType``)."""

    PREFIX = "Prefix"
    EXACT = "Exact"


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


def _backend_port(backend: kplus.Service | ServiceRef, backend_port: int | None) -> tuple[str, int]:
    if isinstance(backend, ServiceRef):
        if backend_port is not None:
            fail("backend_port", backend_port, "unset when backend is a ServiceRef (it has a port)")
        return backend.name, backend.port
    if _as_kplus_service(backend) is None:
        fail("backend", backend, "a cdk8s_plus_28.Service or a ServiceRef(name, port)")
    check_service_name("backend", backend.name)
    ports = [int(p.port) for p in backend.ports]
    if backend_port is None:
        if len(ports) != 1:
            fail(
                "backend_port",
                backend_port,
                f"one of the Service's ports {ports} (it has {len(ports)}, so say which)",
            )
        return backend.name, ports[0]
    backend_port = check_int("backend_port", backend_port, low=1, high=65535)
    if backend_port not in ports:
        fail("backend_port", backend_port, f"one of the Service's ports {ports}")
    return backend.name, backend_port


def _authorization_query(
    allowed_groups: Sequence[str],
    allowed_emails: Sequence[str],
    allowed_email_domains: Sequence[str],
) -> str:
    """The per-app authorization query of ``auth-url`` (``""`` without restrictions).

    oauth2-proxy's ``/oauth2/auth`` answers 403 to a signed-in user who does not match.
    """
    groups = check_list("allowed_groups", allowed_groups, check_group)
    emails = check_list("allowed_emails", allowed_emails, check_email)
    domains = check_list("allowed_email_domains", allowed_email_domains, check_email_domain)
    for group in groups:
        if not _AUTH_URL_VALUE_RE.fullmatch(group):
            fail(
                "allowed_groups",
                group,
                "a group name of letters, digits and '.', '_', '~', ':', '/', '-' (it "
                "travels in auth-url, where ingress-nginx's annotation validation refuses "
                "'@' and would reject the whole Ingress)",
            )
    for domain in domains:
        if not _AUTH_URL_VALUE_RE.fullmatch(domain):
            fail(
                "allowed_email_domains",
                domain,
                "a domain such as 'example.com', not '*' (it travels in auth-url, where "
                "ingress-nginx's annotation validation refuses '*' and would reject the "
                "whole Ingress; leave the list empty to allow any domain)",
            )
    if emails:
        fail(
            "allowed_emails",
            emails[0],
            "empty: ingress-nginx's annotation validation (on by default since v1.12) "
            "refuses the '@' of an address in auth-url and would reject the whole Ingress; "
            "restrict with allowed_email_domains or allowed_groups instead",
        )
    query = []
    if groups:
        query.append("allowed_groups=" + ",".join(groups))
    if domains:
        query.append("allowed_email_domains=" + ",".join(domains))
    return "?" + "&".join(query) if query else ""


class ProtectedApp(constructs.Construct):
    """A web app served by ingress-nginx, with sign-in through oauth2-proxy.

    Creates the app's ``Ingress`` [<name>] for ``host`` with the ``auth-url`` and
    ``auth-signin`` annotations, and, unless ``proxy=`` shares an existing one, its own
    :class:`OAuth2Proxy` [<name>-oauth2-proxy] serving ``/oauth2`` on the same host
    (Deployment, Service, Ingress, NetworkPolicy, PodDisruptionBudget).

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
    :param ingress_class_name: Default: ``"nginx"``.
    :param tls_secret_name: Default: - no ``tls`` section; the controller's default
        certificate serves ``host``.
    :param pass_through_401: Default: ``False`` - a backend's own 401 may be turned into a
        redirect to sign-in where the controller intercepts errors. ``True`` makes sure the
        client gets the backend's 401, body and ``WWW-Authenticate`` header.
    :param pass_through_401_strategy: Default: - chosen from ``controller``: the least risky
        strategy that works there; without ``controller``, the ``server-snippet`` fix.
    :param controller: Default: - not described; the seed's ``server-snippet`` is emitted
        for ``pass_through_401`` and no controller checks are made.
    :param custom_http_errors: the Ingress's ``custom-http-errors``. Default: - none.
    :param public_auth_url: Default: ``False`` - ``auth-url`` is the proxy's in-cluster
        Service URL; ``True`` uses ``https://<proxy host>/oauth2/auth``.
    :param allowed_groups: Default: - any user the proxy lets in. Users outside get 403.
    :param allowed_emails: Default: - no per-app e-mail restriction. Refused when given:
        ingress-nginx's annotation validation rejects the ``@`` of an address in
        ``auth-url``; restrict with ``allowed_email_domains`` or ``allowed_groups``.
    :param allowed_email_domains: Default: - no per-app domain restriction.
    :param response_headers: Default: :data:`DEFAULT_RESPONSE_HEADERS`.
    :param pass_authorization_header: Default: ``False``. ``True`` passes ``Authorization``
        (the ID token) to the backend; the proxy needs ``set_authorization_header=True``.
    :param proxy_buffer_size: the Ingress's ``proxy-buffer-size`` (e.g. ``"16k"``), for
        identity providers with large tokens. Default: - the controller's (4k).
    :param sessions: where the app's own proxy keeps sessions (not with ``proxy``; a
        shared proxy has its own). Default: - ``Sessions.cookie()``.
    :param allow_any_account: for the app's own proxy (not with ``proxy``). Default:
        ``False`` - a public identity provider (GitHub, Google, gitlab.com, a public OIDC
        issuer) must be restricted by the provider, ``allowed_groups`` or
        ``allowed_email_domains``; ``True`` lets anyone with an account there in.
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
        ingress_class_name: str = "nginx",
        tls_secret_name: str | None = None,
        pass_through_401: bool = False,
        pass_through_401_strategy: PassThroughStrategy | None = None,
        controller: IngressNginx | None = None,
        custom_http_errors: Sequence[int] = (),
        public_auth_url: bool = False,
        allowed_groups: Sequence[str] = (),
        allowed_emails: Sequence[str] = (),
        allowed_email_domains: Sequence[str] = (),
        response_headers: Sequence[str] = DEFAULT_RESPONSE_HEADERS,
        pass_authorization_header: bool = False,
        proxy_buffer_size: str | None = None,
        sessions: Sessions | None = None,
        allow_any_account: bool = False,
    ) -> None:
        # Everything is checked before the construct joins the tree.
        self.host = check_host("host", host, wildcard=proxy is not None)
        self.name = check_dns_label("name", name if name is not None else kebab_case(id))
        if proxy is None and len(self.name) > 50:
            fail(
                "name",
                self.name,
                "at most 50 characters when the app has its own proxy (its objects are "
                "named '<name>-oauth2-proxy', a DNS label of at most 63)",
            )
        if proxy is None:  # it also names the own proxy's Service '<name>-oauth2-proxy'
            check_service_name("name", self.name)
        self.namespace = check_dns_label(
            "namespace", namespace if namespace is not None else chart_namespace(scope) or "default"
        )
        service_name, service_port = _backend_port(backend, backend_port)
        if not isinstance(backend, ServiceRef):
            backend_ns = backend.metadata.namespace or chart_namespace(backend)
            if (backend_ns or "default") != self.namespace:
                fail(
                    "backend",
                    f"{backend_ns}/{service_name}",
                    f"a Service in the app's namespace {self.namespace!r} (an Ingress can only "
                    "route to Services of its own namespace)",
                )
        if proxy is not None:
            if not isinstance(proxy, OAuth2Proxy):
                fail("proxy", proxy, "an OAuth2Proxy")
            for arg, value in (("provider", provider), ("secret", secret), ("sessions", sessions)):
                if value is not None:
                    fail(arg, value, "unset when proxy= is given (the shared proxy has its own)")
            if allow_any_account is not False:
                fail(
                    "allow_any_account",
                    allow_any_account,
                    "unset when proxy= is given (the shared proxy decides who may sign in)",
                )
            proxy.covers("host", self.host)
        elif provider is not None and not isinstance(provider, Provider):
            fail("provider", provider, "a Provider, e.g. Provider.oidc(issuer_url='https://...')")
        elif provider is None:
            fail(
                "provider",
                provider,
                "a Provider for the app's own oauth2-proxy, e.g. Provider.oidc(issuer_url=...), "
                "or pass a shared proxy=OAuth2Proxy(...)",
            )
        path_list = check_list("paths", paths, check_path)
        if not path_list:
            fail("paths", paths, "at least one path, such as '/'")
        if len(set(path_list)) != len(path_list):
            fail("paths", paths, "a list without repeated paths")
        if not isinstance(path_type, PathType):
            fail("path_type", path_type, "PathType.PREFIX or PathType.EXACT")
        routes = [(p, path_type.value) for p in path_list]
        own_proxy_routes = [] if proxy is not None else [("/oauth2", "Prefix")]
        for collision in [
            *find_location_collisions(routes),
            *find_location_collisions(routes, own_proxy_routes),
        ]:
            fail(
                "paths",
                list(path_list),
                "paths that stay distinct in nginx: " + collision.describe(),
            )
        ingress_class_name = check_dns_subdomain("ingress_class_name", ingress_class_name)
        if tls_secret_name is not None:
            tls_secret_name = check_dns_subdomain("tls_secret_name", tls_secret_name)
        for arg, flag in (
            ("pass_through_401", pass_through_401),
            ("public_auth_url", public_auth_url),
            ("pass_authorization_header", pass_authorization_header),
        ):
            if not isinstance(flag, bool):
                fail(arg, flag, "True or False")
        if controller is not None and not isinstance(controller, IngressNginx):
            fail("controller", controller, "an IngressNginx(...) description, or None")
        own_errors = check_http_status_codes("custom_http_errors", custom_http_errors)
        auth_query = _authorization_query(allowed_groups, allowed_emails, allowed_email_domains)
        headers = list(check_list("response_headers", response_headers, check_response_header))
        if pass_authorization_header:
            if proxy is not None and not proxy.set_authorization_header:
                fail(
                    "pass_authorization_header",
                    pass_authorization_header,
                    f"False, or the proxy {proxy.name!r} created with "
                    "set_authorization_header=True (else there is no header to pass)",
                )
            if proxy is None and isinstance(sessions, Sessions) and sessions.minimal_cookie:
                fail(
                    "pass_authorization_header",
                    pass_authorization_header,
                    "False with sessions=Sessions.cookie(minimal=True): a minimal cookie holds "
                    "no ID token to pass",
                )
            headers.append("Authorization")
        if proxy_buffer_size is not None:
            proxy_buffer_size = check_proxy_buffer_size("proxy_buffer_size", proxy_buffer_size)
        if proxy is None:
            assert provider is not None
            check_account_restriction(
                provider,
                email_domains=effective_email_domains(provider, None),
                restricted_elsewhere=bool(auth_query),
                allow_any_account=allow_any_account,
            )

        plan = None
        if pass_through_401:
            plan = plan_pass_through(
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

        if proxy is not None:
            proxy_name, proxy_namespace, proxy_host = proxy.name, proxy.namespace, proxy.host
        else:
            proxy_name, proxy_namespace, proxy_host = (
                f"{self.name}-oauth2-proxy",
                self.namespace,
                self.host,
            )
        auth_url = (
            public_auth_url_for(proxy_host)
            if public_auth_url
            else cluster_auth_url_for(proxy_name, proxy_namespace)
        )
        auth_url = check_nginx_parameter("allowed_groups", auth_url + auth_query)
        annotations = {
            ANNOTATION_PREFIX + "auth-url": auth_url,
            ANNOTATION_PREFIX + "auth-signin": signin_url_for(proxy_host),
        }
        if headers:
            annotations[ANNOTATION_PREFIX + "auth-response-headers"] = ",".join(headers)
        if own_errors:
            annotations[ANNOTATION_PREFIX + "custom-http-errors"] = ",".join(map(str, own_errors))
        if proxy_buffer_size is not None:
            annotations[ANNOTATION_PREFIX + "proxy-buffer-size"] = proxy_buffer_size
        #: The pass-through strategy in effect, or ``None`` without ``pass_through_401``.
        self.pass_through_strategy: PassThroughStrategy | None = None
        if plan is not None:
            annotations.update(plan.annotations)
            self.pass_through_strategy = plan.strategy
        if controller is not None:
            controller.check_annotations(annotations, argument="controller")

        spec: dict[str, Any] = {
            "ingressClassName": ingress_class_name,
            "rules": [
                {
                    "host": self.host,
                    "http": {
                        "paths": [
                            {
                                "path": p,
                                "pathType": path_type.value,
                                "backend": {
                                    "service": {
                                        "name": service_name,
                                        "port": {"number": service_port},
                                    }
                                },
                            }
                            for p in path_list
                        ]
                    },
                }
            ],
        }
        if tls_secret_name is not None:
            spec["tls"] = [{"hosts": [self.host], "secretName": tls_secret_name}]

        reg = registry(scope)
        with reg.transaction(scope, id):
            super().__init__(scope, id)
            owner = f"ProtectedApp {self.node.path!r}"
            if self.pass_through_strategy is PassThroughStrategy.SERVER_SNIPPET:
                reg.claim_server_snippet(self.host, owner)
            for path in path_list:
                reg.claim_route(scope, ingress_class_name, self.host, path, owner)
            if proxy is None:
                assert provider is not None
                proxy = OAuth2Proxy(
                    self,
                    "OAuth2Proxy",
                    host=self.host,
                    provider=provider,
                    secret=secret,
                    shared=False,
                    name=proxy_name,
                    namespace=self.namespace,
                    tls_secret_name=tls_secret_name,
                    ingress_class_name=ingress_class_name,
                    set_authorization_header=pass_authorization_header,
                    sessions=sessions,
                    allow_any_account=True,  # checked above, with the app's restrictions
                )
            #: The :class:`OAuth2Proxy` this app signs in through (its own or the shared one).
            self.proxy = proxy
            #: The app's ``Ingress`` (a ``cdk8s.ApiObject``; patch it with ``add_json_patch``).
            self.ingress = api_object(
                self,
                "Ingress",
                api_version="networking.k8s.io/v1",
                kind="Ingress",
                name=self.name,
                namespace=self.namespace,
                labels={"app.kubernetes.io/instance": self.name},
                annotations=annotations,
                body={"spec": spec},
            )
