"""What a target is, and the one place ``controller=`` picks it, for every front end.

A target (ingress-nginx, Envoy Gateway, ...) is one module under ``_targets`` that builds
one object implementing :class:`Target`; ``_targets/__init__.py`` registers it in a
:class:`Targets` table. A front end hands ``controller=`` to that table and gets back what it
needs, with the claims made in its :class:`Inventory`: the proxy's mode and its ``/oauth2``
route, the app's plan, its own objects and the objects shared by the program. A front end
only wraps the manifests into its own objects (cdk8s ``ApiObject`` s, Pulumi resources); it
decides nothing about them and never names a target.

The flow is resolve -> plan -> emit: ``_core.workload.resolve_proxy`` and
``_core.appspec.resolve_app`` check the target-neutral arguments (in the target's
:meth:`Target.proxy_mode`), :meth:`Target.plan_app` checks the target's own arguments and
decides the app's objects, and :class:`AppTarget` hands them over.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Generic, Protocol, TypeVar, cast

from . import sealed
from .appspec import AppSpec, resolve_app
from .inventory import Inventory, Owner, Requirement
from .manifests import Manifest
from .sealed import recheck, sealed_value
from .validation import ConfigurationError, fail
from .workload import ProxyMode, ProxySpec, resolve_proxy

__all__ = [
    "AppPlan",
    "AppTarget",
    "PassThroughStrategy",
    "RouteClaim",
    "Target",
    "TargetArguments",
    "Targets",
]

#: The arguments of a proxy (and of an app, for its own proxy) that decide the target's mode.
_MODE_OPTIONS = ("ingress_class_name", "tls_secret_name", "ingress_controller_namespace")
_APP_MODE_OPTIONS = ("ingress_class_name", "tls_secret_name")

#: A Gateway route claim: ((Gateway, listener or ``None`` for all), host, path match).
RouteClaim = tuple[tuple[str, str | None], str, str]


@sealed_value
class PassThroughStrategy(enum.Enum):
    """How ``ProtectedApp(pass_through_401=True)`` keeps a backend's 401 from becoming a sign-in."""

    #: The seed's fix: ``server-snippet: proxy_intercept_errors off;``. Host-wide, one per
    #: host, needs snippet annotations enabled (risk level Critical). Defeats interception
    #: switched on in the http block (ConfigMap ``custom-http-errors``).
    SERVER_SNIPPET = "server-snippet"
    #: ``configuration-snippet: proxy_intercept_errors off;`` in the protected locations only.
    #: Same reach as the server-snippet, smaller blast radius; needs snippets enabled.
    CONFIGURATION_SNIPPET = "configuration-snippet"
    #: The snippet-free annotation ``disable-proxy-intercept-errors: "true"`` (v1.10+).
    #: Only undoes the interception that the Ingress's own ``custom-http-errors`` switches on.
    DISABLE_INTERCEPT_ANNOTATION = "disable-proxy-intercept-errors"
    #: Nothing to emit: the controller never intercepts the protected location's errors.
    #: Always the case on Envoy Gateway (ext_authz never sees a backend's response) unless
    #: a BackendTrafficPolicy overrides 401, which is refused there.
    NONE_NEEDED = "none-needed"


@dataclass(frozen=True)
class TargetArguments:
    """An app's arguments that only its target judges, handed to :meth:`Target.plan_app`.

    Each target refuses what it cannot honour; the defaults are the constructs'.
    """

    pass_through_401: bool = False
    pass_through_401_strategy: PassThroughStrategy | None = None
    custom_http_errors: Sequence[int] = ()
    public_auth_url: bool = False
    proxy_buffer_size: str | None = None
    auth_cache: bool = False
    auth_cache_duration: object = None

    def keywords(self) -> dict[str, Any]:
        """The arguments as keywords of a target module's ``plan_app``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


class AppPlan(Protocol):
    """A target's plan of one app: every choice made, its objects not built yet."""

    @property
    def strategy(self) -> PassThroughStrategy | None:
        """The pass-through strategy in effect, or ``None`` without ``pass_through_401``."""


class Target(Protocol):
    """One kind of controller: what a target module implements.

    ``controller`` arguments are the target's own description (``description``), or
    ``None`` for the default target.
    """

    @property
    def name(self) -> str:
        """The target's name in messages ("ingress-nginx")."""

    @property
    def description(self) -> type:
        """The class of the controller descriptions that pick this target."""

    @property
    def spelling(self) -> str:
        """How a user spells its description, for messages ("IngressNginx(...)")."""

    def proxy_mode(
        self,
        controller: Any,  # noqa: ANN401 - the target's own description
        *,
        ingress_class_name: str = "nginx",
        tls_secret_name: str | None = None,
        ingress_controller_namespace: str = "ingress-nginx",
    ) -> ProxyMode | None:
        """What oauth2-proxy needs on the target; refuses settings the target cannot honour."""

    def proxy_route(
        self,
        proxy: ProxySpec,
        controller: Any,  # noqa: ANN401 - the target's own description
        inventory: Inventory,
        owner: Owner,
        proxy_owner: Owner,
    ) -> Manifest:
        """The proxy's ``/oauth2`` route, its match claimed in ``inventory``."""

    def proxy_outputs(
        self,
        proxy: ProxySpec,
        controller: Any,  # noqa: ANN401 - the target's own description
    ) -> dict[str, Any]:
        """The target's stack outputs of a proxy (Pulumi)."""

    def plan_app(
        self,
        app: AppSpec,
        controller: Any,  # noqa: ANN401 - the target's own description
        arguments: TargetArguments,
    ) -> AppTarget:
        """Check the app's target arguments and decide its objects."""

    def app_manifests(self, app: AppSpec, plan: Any) -> dict[str, Manifest]:  # noqa: ANN401
        """The app's own objects by construct id, in creation order, for ``plan``."""

    def claim_app(
        self,
        inventory: Inventory,
        app: AppSpec,
        plan: Any,  # noqa: ANN401 - the target's own plan
        owner: Owner,
        proxy: Owner | None,
    ) -> None:
        """Claim the app's routes in ``inventory`` (``proxy``: its shared proxy's owner)."""

    def foreign_route_conflicts(
        self, inventory: Inventory, obj: Manifest, theirs: str
    ) -> list[str]:
        """Why a user's route in the program collides with one claimed in ``inventory``.

        ``obj``: the user's object, named ``theirs`` in messages; ``[]`` also for objects
        the target does not route by.
        """


@dataclass(frozen=True)
class AppTarget:
    """An app's plan on its target, and the objects it emits there."""

    target: Target
    plan: AppPlan
    #: The app's own objects by construct id, in creation order.
    objects: dict[str, Manifest]
    #: The keys of :attr:`objects` whose manifest names the app's backend Service.
    backend_objects: tuple[str, ...]
    #: The target's stack outputs of the app (Pulumi).
    outputs: dict[str, Any]
    #: Objects the program emits once, by the first app that needs them.
    shared: dict[str, Manifest] = field(default_factory=dict)
    #: The route matches of shared objects, claimed by the app that emits them.
    shared_claims: Mapping[str, RouteClaim] = field(default_factory=dict)
    #: Shared objects that are policies attached to a target another policy of their kind
    #: must not share (``Inventory.claim_policy``), with the fix for a user's such policy.
    policy_fixes: Mapping[str, str] = field(default_factory=dict)
    #: Policies the user provides in place of ours, with what they must contain
    #: (``Inventory.expect_policy``).
    expected_policies: tuple[tuple[Manifest, Requirement], ...] = ()
    #: The keys of :attr:`shared` emitted once per program, whatever the cluster (the
    #: others once per inventory, i.e. per cluster).
    program_wide: frozenset[str] = frozenset()

    @property
    def strategy(self) -> PassThroughStrategy | None:
        """The pass-through strategy in effect, or ``None`` without ``pass_through_401``."""
        return self.plan.strategy

    def manifests(self, app: AppSpec) -> dict[str, Manifest]:
        """The app's own objects for ``app`` (the same plan; a backend known later, say).

        Both must still be what was checked (``_core.sealed``): this runs later than the
        checks (a Pulumi backend Service resolving).
        """
        sealed.verify(app)
        sealed.verify(self.plan)
        return self.target.app_manifests(app, self.plan)

    def claim(self, inventory: Inventory, app: AppSpec, owner: Owner, proxy: Owner | None) -> None:
        """Claim the app's routes (and ``server-snippet``) in ``inventory``.

        ``proxy``: the owner of the shared proxy the app signs in through, if any.
        """
        if self.plan.strategy is PassThroughStrategy.SERVER_SNIPPET:
            inventory.claim_server_snippet(app.host, owner)
        self.target.claim_app(inventory, app, self.plan, owner, proxy)
        for policy, requirement in self.expected_policies:
            inventory.expect_policy(policy, requirement, owner)

    def claim_shared(self, inventory: Inventory, owner: Owner) -> dict[str, Manifest]:
        """The shared objects this app emits: those no app of the program emitted yet."""
        emitted = {}
        for key, obj in self.shared.items():
            meta = obj["metadata"]
            if (
                key in self.shared_claims
                and inventory.shared_claimed(obj["kind"], meta["namespace"], meta["name"])
                and not inventory.gateway_route_served(*self.shared_claims[key])
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
            # what two claimers must agree on: all of it, but a route's listener, which the
            # route claims judge (a route on a whole Gateway serves each of its listeners)
            same = obj
            if key in self.shared_claims:
                same = {**obj, "spec": {**obj["spec"], "parentRefs": None}}
            if inventory.claim_shared(
                obj["kind"],
                meta["namespace"],
                meta["name"],
                owner,
                same,
                program_wide=key in self.program_wide,
            ):
                if key in self.shared_claims:
                    inventory.claim_gateway_route(
                        *self.shared_claims[key], owner, what="sign-in route (/oauth2)"
                    )
                if key in self.policy_fixes:
                    inventory.claim_policy(obj, self.policy_fixes[key], owner)
                emitted[key] = obj
        return emitted


#: What ``controller=`` accepts, once every target is registered.
C = TypeVar("C")


class Targets(Generic[C]):
    """The registered targets: ``controller=`` picks one, once, for every front end.

    ``default`` serves ``controller=None``; each target serves the descriptions of its
    ``description`` class; ``C`` is the union of what they accept.
    """

    def __init__(self, default: Target, *others: Target) -> None:
        self._default = default
        self._all = (default, *others)

    def pick(self, controller: object) -> Target:
        """The target of ``controller`` (a description, or ``None`` for the default)."""
        if controller is None:
            return self._default
        for target in self._all:
            if isinstance(controller, target.description):
                return target
        spellings = ", ".join(t.spelling for t in self._all)
        return fail("controller", controller, f"{spellings} or None ({self._default.name})")

    def check(self, controller: object) -> C:
        """``controller`` checked again as its target's own description (every front end's).

        A fresh instance of exactly the description's class (``_core.sealed.recheck``), so a
        subclass or a field changed after construction never reaches the objects.
        """
        target = self.pick(controller)
        if controller is None:
            return cast("C", None)
        return cast("C", recheck(target.description, "controller", controller, target.spelling))

    def app_controller(self, controller: object, proxy: tuple[object, str] | None = None) -> Any:  # noqa: ANN401 - a registered description
        """The app's checked ``controller``.

        With a shared proxy (its controller and name): the same target as the proxy's.
        """
        target = self.pick(controller)
        if proxy is not None:
            proxy_target = self.pick(proxy[0])
            if proxy_target is not target:
                raise ConfigurationError(
                    f"controller: the app targets {target.name}, but its proxy {proxy[1]!r} "
                    f"serves {proxy_target.name}; an app and its proxy must use the same kind "
                    f"of controller. Pass the proxy's controller ({proxy_target.spelling}) to "
                    f"the app, or controller={target.spelling} to the proxy too"
                )
        return self.check(controller)

    def foreign_route_conflicts(
        self, inventory: Inventory, obj: Manifest, theirs: str
    ) -> list[str]:
        """Why a route of the user's in the program collides with ours, by every target."""
        return [m for t in self._all for m in t.foreign_route_conflicts(inventory, obj, theirs)]

    def proxy_mode(
        self,
        controller: object,
        *,
        ingress_class_name: str = "nginx",
        tls_secret_name: str | None = None,
        ingress_controller_namespace: str = "ingress-nginx",
    ) -> ProxyMode | None:
        """What oauth2-proxy needs on the target (``None``: nothing beyond the defaults)."""
        return self.pick(controller).proxy_mode(
            controller,
            ingress_class_name=ingress_class_name,
            tls_secret_name=tls_secret_name,
            ingress_controller_namespace=ingress_controller_namespace,
        )

    def resolve_proxy_on(
        self,
        controller: object,
        **options: Any,  # noqa: ANN401 - resolve_proxy's keyword arguments, typed there
    ) -> tuple[C, ProxySpec]:
        """Check ``controller``, then the proxy's arguments (``resolve_proxy``'s) in its mode.

        ``options`` are ``resolve_proxy``'s keyword arguments but ``mode``, which the target
        decides from them.
        """
        checked = self.check(controller)
        mode = self.proxy_mode(checked, **{k: options[k] for k in _MODE_OPTIONS if k in options})
        return checked, resolve_proxy(**options, mode=mode)

    def resolve_app_on(
        self,
        controller: object,
        shared: tuple[object, str] | None,
        **options: Any,  # noqa: ANN401 - resolve_app's keyword arguments, typed there
    ) -> tuple[C, AppSpec]:
        """Check ``controller``, then the app's target-neutral arguments (``resolve_app``'s).

        ``shared``: the shared proxy's controller and name, which must be of the same target.
        An app's own proxy gets the target's mode.
        """
        checked = self.app_controller(controller, shared)
        mode = None
        if options.get("proxy") is None:
            mode = self.proxy_mode(
                checked, **{k: options[k] for k in _APP_MODE_OPTIONS if k in options}
            )
        return checked, resolve_app(**options, proxy_mode=mode)

    def proxy_route(
        self,
        proxy: ProxySpec,
        controller: object,
        inventory: Inventory,
        owner: Owner,
        *,
        proxy_owner: Owner | None = None,
    ) -> Manifest:
        """The target's ``/oauth2`` route for the proxy, its match claimed in ``inventory``.

        ``proxy_owner``: the owner of the proxy for the route-conflict message. Default: -
        ``owner`` (the proxy claims its own route).
        """
        sealed.verify(proxy)
        return self.pick(controller).proxy_route(
            proxy, controller, inventory, owner, owner if proxy_owner is None else proxy_owner
        )

    def proxy_outputs(self, proxy: ProxySpec, controller: object) -> dict[str, Any]:
        """The target's stack outputs of a proxy (Pulumi)."""
        return self.pick(controller).proxy_outputs(proxy, controller)

    def plan_app(
        self,
        app: AppSpec,
        controller: object,
        *,
        pass_through_401: bool = False,
        pass_through_401_strategy: PassThroughStrategy | None = None,
        custom_http_errors: Sequence[int] = (),
        public_auth_url: bool = False,
        proxy_buffer_size: str | None = None,
        auth_cache: bool = False,
        auth_cache_duration: object = None,
    ) -> AppTarget:
        """Check the app's target arguments and decide its objects.

        Each target refuses the arguments it cannot honour. ``app`` must still be what was
        checked; the plan is sealed for later emits (``AppTarget.manifests``).
        """
        sealed.verify(app)
        arguments = TargetArguments(
            pass_through_401=pass_through_401,
            pass_through_401_strategy=pass_through_401_strategy,
            custom_http_errors=custom_http_errors,
            public_auth_url=public_auth_url,
            proxy_buffer_size=proxy_buffer_size,
            auth_cache=auth_cache,
            auth_cache_duration=auth_cache_duration,
        )
        planned = self.pick(controller).plan_app(app, controller, arguments)
        sealed.seal(planned.plan)
        return planned
