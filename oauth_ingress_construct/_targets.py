"""The one place ``controller=`` picks the target module, for every front end.

Given the controller, these functions return what a front end needs and make the claims in
its :class:`Inventory`: the proxy's mode and its ``/oauth2`` route, the app's plan, its own
objects and the objects shared by the program. A front end only wraps the manifests into
its own objects (cdk8s ``ApiObject`` s, Pulumi resources); it decides nothing about them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import _envoy_gateway as envoy_gateway
from . import _ingress_nginx as ingress_nginx
from ._appspec import AppSpec, resolve_app
from ._envoy_gateway import Controller, EnvoyGateway, check_controller
from ._ingress_nginx import PassThroughStrategy
from ._inventory import Inventory, Owner
from ._manifests import Manifest
from ._validation import ConfigurationError
from ._workload import ProxyMode, ProxySpec, resolve_proxy

#: The arguments of a proxy (and of an app, for its own proxy) that decide the target's mode.
_MODE_OPTIONS = ("ingress_class_name", "tls_secret_name", "ingress_controller_namespace")
_APP_MODE_OPTIONS = ("ingress_class_name", "tls_secret_name")

__all__ = [
    "AppTarget",
    "app_controller",
    "plan_app",
    "proxy_mode",
    "proxy_route",
    "resolve_app_on",
    "resolve_proxy_on",
]


def app_controller(controller: object, proxy: tuple[Controller, str] | None = None) -> Controller:
    """The app's checked ``controller``.

    With a shared proxy (its controller and name): the same kind of controller as the proxy's.
    """
    checked = check_controller(controller)
    if proxy is not None:
        envoy_gateway.check_same_target(checked, *proxy)
    return checked


def proxy_mode(
    controller: Controller,
    *,
    ingress_class_name: str = "nginx",
    tls_secret_name: str | None = None,
    ingress_controller_namespace: str = "ingress-nginx",
) -> ProxyMode | None:
    """What oauth2-proxy needs on the target (``None``: the ingress-nginx mode).

    Refuses the ingress-nginx settings on Envoy Gateway.
    """
    if isinstance(controller, EnvoyGateway):
        return envoy_gateway.proxy_mode(
            controller,
            ingress_class_name=ingress_class_name,
            tls_secret_name=tls_secret_name,
            ingress_controller_namespace=ingress_controller_namespace,
        )
    return None


def resolve_proxy_on(
    controller: object,
    **options: Any,  # noqa: ANN401 - resolve_proxy's keyword arguments, typed there
) -> tuple[Controller, ProxySpec]:
    """Check ``controller``, then the proxy's arguments (``resolve_proxy``'s) in its mode.

    ``options`` are ``resolve_proxy``'s keyword arguments but ``mode``, which the target
    decides from them.
    """
    checked = check_controller(controller)
    mode = proxy_mode(checked, **{k: options[k] for k in _MODE_OPTIONS if k in options})
    return checked, resolve_proxy(**options, mode=mode)


def resolve_app_on(
    controller: object,
    shared: tuple[Controller, str] | None,
    **options: Any,  # noqa: ANN401 - resolve_app's keyword arguments, typed there
) -> tuple[Controller, AppSpec]:
    """Check ``controller``, then the app's target-neutral arguments (``resolve_app``'s).

    ``shared``: the shared proxy's controller and name, which must be of the same kind. An
    app's own proxy gets the target's mode.
    """
    checked = app_controller(controller, shared)
    mode = None
    if options.get("proxy") is None:
        mode = proxy_mode(checked, **{k: options[k] for k in _APP_MODE_OPTIONS if k in options})
    return checked, resolve_app(**options, proxy_mode=mode)


def proxy_route(
    proxy: ProxySpec,
    controller: Controller,
    inventory: Inventory,
    owner: Owner,
    *,
    proxy_owner: Owner | None = None,
) -> Manifest:
    """The target's ``/oauth2`` route for the proxy, its match claimed in ``inventory``.

    ``proxy_owner``: the owner of the proxy for the route-conflict message. Default: -
    ``owner`` (the proxy claims its own route).
    """
    if isinstance(controller, EnvoyGateway):
        claim = envoy_gateway.proxy_route_claim(proxy, controller)
        inventory.claim_gateway_route(*claim, owner)
        return envoy_gateway.proxy_route(proxy, controller)
    inventory.claim_route(
        proxy.ingress_class_name,
        proxy.host,
        "/oauth2",
        owner,
        proxy=owner if proxy_owner is None else proxy_owner,
    )
    return ingress_nginx.proxy_route(proxy)


@dataclass(frozen=True)
class AppTarget:
    """An app's plan on its target, and the objects it emits there."""

    plan: ingress_nginx.IngressPlan | envoy_gateway.GatewayPlan
    #: The app's own objects by construct id, in creation order.
    objects: dict[str, Manifest]
    #: Objects the program emits once, by the first app that needs them.
    shared: dict[str, Manifest]
    #: The route matches of shared objects, claimed by the app that emits them.
    shared_claims: Mapping[str, envoy_gateway.RouteClaim] = field(default_factory=dict)

    @property
    def strategy(self) -> PassThroughStrategy | None:
        """The pass-through strategy in effect, or ``None`` without ``pass_through_401``."""
        return self.plan.strategy

    @property
    def envoy_gateway(self) -> bool:
        """Whether the target is Envoy Gateway (else ingress-nginx)."""
        return isinstance(self.plan, envoy_gateway.GatewayPlan)

    @property
    def backend_objects(self) -> tuple[str, ...]:
        """The keys of :attr:`objects` whose manifest names the app's backend Service."""
        return ("HTTPRoute",) if self.envoy_gateway else ("Ingress",)

    def manifests(self, app: AppSpec) -> dict[str, Manifest]:
        """The app's own objects for ``app`` (the same plan; a backend known later, say)."""
        if isinstance(self.plan, envoy_gateway.GatewayPlan):
            return envoy_gateway.app_manifests(app, self.plan)
        return ingress_nginx.app_manifests(app, self.plan)

    def claim(self, inventory: Inventory, app: AppSpec, owner: Owner, proxy: Owner | None) -> None:
        """Claim the app's routes (and ``server-snippet``) in ``inventory``.

        ``proxy``: the owner of the shared proxy the app signs in through, if any.
        """
        if self.plan.strategy is PassThroughStrategy.SERVER_SNIPPET:
            inventory.claim_server_snippet(app.host, owner)
        if isinstance(self.plan, envoy_gateway.GatewayPlan):
            for claim in envoy_gateway.route_claims(app, self.plan):
                inventory.claim_gateway_route(*claim, owner)
            return
        for path in app.paths:
            inventory.claim_route(
                app.ingress_class_name,
                app.host,
                path,
                owner,
                path_type=app.path_type.value,
                proxy=proxy,
            )

    def claim_shared(self, inventory: Inventory, owner: Owner) -> dict[str, Manifest]:
        """The shared objects this app emits: those no app of the program emitted yet."""
        emitted = {}
        for key, obj in self.shared.items():
            meta = obj["metadata"]
            if inventory.claim_shared(obj["kind"], meta["namespace"], meta["name"], owner):
                if key in self.shared_claims:
                    inventory.claim_gateway_route(*self.shared_claims[key], owner)
                emitted[key] = obj
            elif key in self.shared_claims and not inventory.gateway_route_served(
                *self.shared_claims[key]
            ):
                # emitted by another app, on another listener: this one has no such route
                listener, host, path = self.shared_claims[key]
                gateway, section = listener
                where = gateway if section is None else f"{gateway} listener {section!r}"
                raise ConfigurationError(
                    f"host: {host!r}: its /oauth2 route ({path}, HTTPRoute "
                    f"{meta['name']!r}) is on another Gateway listener than {where}, which "
                    "would not route this app's sign-in callback. Put the apps of one host "
                    "on one Gateway listener, or give this app a proxy of its own"
                )
        return emitted


def plan_app(
    app: AppSpec,
    controller: Controller,
    *,
    pass_through_401: bool = False,
    pass_through_401_strategy: PassThroughStrategy | None = None,
    custom_http_errors: Sequence[int] = (),
    public_auth_url: bool = False,
    proxy_buffer_size: str | None = None,
) -> AppTarget:
    """Check the app's target arguments and decide its objects.

    Each target refuses the arguments it cannot honour.
    """
    if isinstance(controller, EnvoyGateway):
        gateway_plan = envoy_gateway.plan_app(
            app,
            controller=controller,
            pass_through_401=pass_through_401,
            pass_through_401_strategy=pass_through_401_strategy,
            custom_http_errors=custom_http_errors,
            public_auth_url=public_auth_url,
            proxy_buffer_size=proxy_buffer_size,
        )
        return AppTarget(
            plan=gateway_plan,
            objects=envoy_gateway.app_manifests(app, gateway_plan),
            shared=envoy_gateway.shared_manifests(app, gateway_plan),
            shared_claims=envoy_gateway.shared_route_claims(app, gateway_plan),
        )
    ingress_plan = ingress_nginx.plan_app(
        app,
        controller=controller,
        pass_through_401=pass_through_401,
        pass_through_401_strategy=pass_through_401_strategy,
        custom_http_errors=custom_http_errors,
        public_auth_url=public_auth_url,
        proxy_buffer_size=proxy_buffer_size,
    )
    return AppTarget(
        plan=ingress_plan, objects=ingress_nginx.app_manifests(app, ingress_plan), shared={}
    )
