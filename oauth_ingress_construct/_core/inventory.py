"""What the objects of one program claim together: names, routes, host-wide snippets.

One :class:`Inventory` per program (a cdk8s ``App``, a Pulumi stack): two objects of the
same kind, namespace and name, or two routes that ingress-nginx would merge into one
location, would shadow each other on apply. Claims are made inside a
:meth:`Inventory.transaction`, so a construct that fails half-way takes its claims back.
Plain Python: the front ends decide what a "scope" is.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .manifests import Manifest
from .paths import find_location_collisions
from .validation import ConfigurationError

__all__ = ["Inventory", "Owner", "Requirement"]

#: Who made a claim, for error messages; computed only when a message needs it.
Owner = Callable[[], str]
#: What a user's policy lacks (a sentence with the fix), or ``None`` when it has it.
Requirement = Callable[[Manifest], "str | None"]


class Inventory:
    """Facts shared by every construct of one program, checked in O(1) per claim.

    One inventory is one cluster's view. ``label`` says which, in messages ("the default
    Kubernetes provider"). ``program`` is the table of the objects emitted once per
    *program* (:meth:`claim_shared` with ``program_wide``), shared by the inventories of one
    program that deploys to several clusters (a Pulumi program with several Kubernetes
    providers); default: this inventory's own.
    """

    def __init__(
        self,
        *,
        label: str = "this program",
        program: dict[tuple[str, str, str], tuple[Owner, Inventory]] | None = None,
    ) -> None:
        self.label = label
        self._program: dict[tuple[str, str, str], tuple[Owner, Inventory]] = (
            {} if program is None else program
        )
        self._names: dict[tuple[str, str, str], Owner] = {}
        self._server_snippets: dict[str, Owner] = {}
        #: (ingress class, host) -> {(path, pathType): (owner, its proxy's owner, what)}
        self._routes: dict[
            tuple[str, str], dict[tuple[str, str], tuple[Owner, Owner | None, str]]
        ] = {}
        #: (gateway, listener or None, host, match) -> (owner, what the match is to it)
        self._gateway_routes: dict[tuple[str, str | None, str, str], tuple[Owner, str]] = {}
        self._any_listener_routes: dict[tuple[str, str, str], tuple[Owner, str]] = {}
        self._shared: dict[tuple[str, str, str], Owner] = {}
        #: (policy group, policy kind, namespace, target group, target kind, target name)
        #: -> {target section: (policy name, fix, owner)}
        self._policies: dict[tuple[str, ...], dict[str | None, tuple[str, str, Owner]]] = {}
        #: The same key -> {target section: (requirement, owner)}: policies the user is to
        #: provide (ours are not emitted), with what they must contain.
        self._expected: dict[tuple[str, ...], dict[str | None, tuple[Requirement, Owner]]] = {}
        self._shared_objects: dict[tuple[str, str, str], object] = {}
        self._journal: list[tuple[dict[Any, Any], Hashable]] = []

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Claims made inside are taken back if the block raises."""
        mark = len(self._journal)
        try:
            yield
        except BaseException:
            while len(self._journal) > mark:
                table, key = self._journal.pop()
                table.pop(key, None)
            raise

    def _claim(self, table: dict[Any, Any], key: Hashable, owner: object) -> None:
        table[key] = owner
        self._journal.append((table, key))

    def claim_name(self, kind: str, namespace: str, name: str, owner: Owner) -> None:
        """Refuse a second object of the same kind, namespace and name."""
        other = self._names.get((kind, namespace, name))
        if other is not None:
            raise ConfigurationError(
                f"name: a {kind} named {name!r} in namespace {namespace!r} "
                f"already exists in this app, made by {other()}; applying both would "
                "overwrite one with the other. Give this construct another name= or id"
            )
        self._claim(self._names, (kind, namespace, name), owner)

    def name_owner(self, kind: str, namespace: str, name: str) -> Owner | None:
        """Who claimed the object of this kind, namespace and name, if anyone did."""
        return self._names.get((kind, namespace, name))

    def claim_server_snippet(self, host: str, owner: Owner) -> None:
        """Refuse a second ``server-snippet`` for one host."""
        other = self._server_snippets.get(host)
        if other is not None:
            raise ConfigurationError(
                f"pass_through_401: host {host!r} already has a server-snippet from {other()}; "
                "ingress-nginx allows one server-snippet per host and would drop one of them. "
                "Use pass_through_401_strategy=PassThroughStrategy.CONFIGURATION_SNIPPET on "
                "one of the apps, or describe the controller with controller="
            )
        self._claim(self._server_snippets, host, owner)

    def claim_route(
        self,
        ingress_class: str,
        host: str,
        path: str,
        owner: Owner,
        *,
        path_type: str = "Prefix",
        proxy: Owner | None = None,
        what: str = "path",
    ) -> None:
        """Refuse an Ingress path that another one of the program already serves.

        ingress-nginx merges every Ingress of a host into one server: the same path and
        type twice keeps one location and drops the other rule (and its auth annotations);
        two paths that differ but become the same nginx location (``/api`` and ``/api/``
        as Prefix, a Prefix ``/v1`` and an Exact ``/v1``...) make a duplicate location,
        ``nginx -t`` fails and the controller applies no later change (``paths``). An
        Exact and a Prefix path of the same text are fine. The check spans every chart of
        the program: charts of one cdk8s App are applied to one cluster (a program that
        targets several clusters uses one App for each). ``proxy`` is the owner of the
        OAuth2Proxy the claimant signs in through, so that the message does not suggest a
        shared proxy to two apps that already share one. ``what`` says what the path is to
        the claimant ("path", "API path", "public path", "/oauth2"), for messages about a
        user's Ingress on it (:meth:`foreign_ingress_conflicts`).
        """
        served = self._routes.setdefault((ingress_class, host), {})
        route = (path, path_type)
        other = served.get(route)
        if other is not None:
            other_owner, other_proxy, _ = other
            if proxy is not None and proxy is other_proxy:
                fix = (
                    f"Both already sign in through {proxy()}; give the apps different hosts "
                    "or paths"
                )
            else:
                fix = (
                    "Use other paths, or one shared OAuth2Proxy per host (proxy=) so /oauth2 "
                    "is served once"
                )
            raise ConfigurationError(
                f"host: {host!r} path {path!r} (ingress class {ingress_class!r}) is already "
                f"routed by {other_owner()}; ingress-nginx keeps one location per host and "
                f"path and would silently drop one of them. {fix} (charts meant for "
                "different clusters belong in different cdk8s Apps)"
            )
        for collision in find_location_collisions([route], list(served)):
            raise ConfigurationError(
                f"host: {host!r} path {path!r} (ingress class {ingress_class!r}) collides with "
                f"{served[collision.second][0]()}: {collision.describe()}; nginx -t fails on "
                "the duplicate location and the controller applies no later change. Use "
                "paths that stay distinct"
            )
        served[route] = (owner, proxy, what)
        self._journal.append((served, route))

    def foreign_ingress_conflicts(
        self,
        theirs: str,
        ingress_class: str | None,
        host: str,
        paths: Sequence[tuple[str, str]],
        *,
        regex: bool,
    ) -> list[str]:
        """Why a user's Ingress rule of the program collides with our routes, if it does.

        ``theirs`` names the user's Ingress; ``ingress_class`` is its class (``None``: it
        has none, and is judged against every class we route on the host); ``paths`` its
        ``(path, pathType)`` pairs on ``host`` (ImplementationSpecific allowed); ``regex``:
        the Ingress has ``use-regex`` or ``rewrite-target``, so ingress-nginx leaves its
        Prefix paths as written (``location.go`` line 61) and writes every location of the
        host as a case-insensitive regex prefix. Nothing is claimed: the user's objects
        are only judged against ours.
        """
        # the locations their paths become: as written in regex mode
        as_located = [
            (p, "ImplementationSpecific" if regex and t == "Prefix" else t) for p, t in paths
        ]
        found = []
        for (cls, served_host), served in self._routes.items():
            if served_host != host or ingress_class not in (None, cls) or not served:
                continue
            where = f"host {host!r} (ingress class {cls!r})"
            for path, path_type in dict.fromkeys(paths):
                other = served.get((path, path_type))
                if other is None:
                    continue
                owner, _, what = other
                found.append(
                    f"{theirs} routes {path_type} path {path!r} on {where}, the {what} of "
                    f"{owner()}: ingress-nginx keeps the location of the Ingress it "
                    "processes first (the older; of two created in the same second, the one "
                    "whose namespace/name sorts last) and silently drops the other's "
                    '("Location ... already configured", internal/ingress/controller/'
                    "controller.go lines 811-852; with the admission webhook on, the later "
                    "kubectl apply fails instead): depending on the order of the first "
                    "deploy, one of the two objects is ignored. Use another path or host "
                    "for it, or route that path through the package's arguments "
                    "(paths, api_paths, public_paths)"
                )
            for collision in find_location_collisions(as_located, list(served)):
                owner, _, what = served[collision.second]
                found.append(
                    f"{theirs} collides on {where} with the {what} {collision.second[0]!r} "
                    f"of {owner()}: {collision.describe()}; nginx -t fails on the duplicate "
                    "location and the controller applies no later change. Use paths that "
                    "stay distinct"
                )
            public = [(p, owner) for (p, _), (owner, _, w) in served.items() if w == "public path"]
            if regex and public:
                path, owner = public[0]
                found.append(
                    f"{theirs} has the use-regex or rewrite-target annotation on {where}, where "
                    f"{owner()} serves the public path {path!r}: with either, ingress-nginx "
                    'writes every location of the host as the case-insensitive regex ~* "^<path>" '
                    "(internal/ingress/controller/template/template.go enforceRegexModifier "
                    f"lines 506-519, buildLocation lines 523-539), and {path!r} would also "
                    f"answer {path.rstrip('/') + '-admin'!r} and {path.upper()!r} without any "
                    "check. Put that Ingress on another host, or drop the annotation"
                )
        return found

    def claim_gateway_route(
        self,
        listener: tuple[str, str | None],
        host: str,
        path: str,
        owner: Owner,
        *,
        what: str = "path",
    ) -> None:
        """Refuse a second HTTPRoute match for the same Gateway listener, host and path.

        ``listener`` is ``(gateway, section)``, ``section`` ``None`` for a route on the whole
        Gateway, which attaches to each of its listeners, so it overlaps them all. Gateway
        API gives a tie between routes of equal precedence to the oldest route (Gateway
        ``listeners[].allowedRoutes`` documentation, "Matching precedence"; in
        envoyproxy/gateway ``charts/gateway-crds-helm/templates/standard-gatewayapi-crds.yaml``
        line 2445 at v1.9.0): the other match is silently shadowed. ``what``: as for
        :meth:`claim_route`.
        """
        found = self.gateway_route_owner(listener, host, path)
        if found is not None:
            other = found[0]
            raise ConfigurationError(
                f"host: {host!r} path {path!r} on {_describe(listener)} is already routed by "
                f"{other()}; Gateway API keeps the oldest route for equal matches (a route on "
                "a whole Gateway attaches to each of its listeners) and would silently "
                "shadow one of them. Use other paths, or one shared OAuth2Proxy per host "
                "(proxy=) so /oauth2 is served once"
            )
        gateway, section = listener
        self._claim(self._gateway_routes, (gateway, section, host, path), (owner, what))
        if (gateway, host, path) not in self._any_listener_routes:
            self._claim(self._any_listener_routes, (gateway, host, path), (owner, what))

    def gateway_route_owner(
        self, listener: tuple[str, str | None], host: str, path: str
    ) -> tuple[Owner, str] | None:
        """Who routes this match on a listener that ``listener`` overlaps, and as what.

        The same listener, or a route on the whole Gateway; for ``listener`` on the whole
        Gateway (section ``None``), a route on any of its listeners.
        """
        gateway, section = listener
        other = self._gateway_routes.get((gateway, section, host, path))
        other = other or self._gateway_routes.get((gateway, None, host, path))
        if section is None and other is None:
            other = self._any_listener_routes.get((gateway, host, path))
        return other

    def gateway_route_served(self, listener: tuple[str, str | None], host: str, path: str) -> bool:
        """Whether a claimed route serves this match on every listener ``listener`` names."""
        gateway, section = listener
        return any(
            (gateway, s, host, path) in self._gateway_routes for s in dict.fromkeys((section, None))
        )

    def claim_shared(
        self,
        kind: str,
        namespace: str,
        name: str,
        owner: Owner,
        obj: object = None,
        *,
        program_wide: bool = False,
    ) -> bool:
        """Whether ``owner`` is the first to need this object, which several constructs share.

        The first claimer emits it (a host's ``/oauth2`` route, say); the claim is taken back
        with the transaction, so the next construct emits it then. ``obj``: the object
        itself. A later claimer that needs another object under the same kind, namespace and
        name is refused: it would otherwise silently go without its own. ``program_wide``: the
        object is emitted once per program, whatever the cluster (the ClientTrafficPolicy of
        a Gateway listener): a second inventory of the program that needs it is refused.
        """
        key = (kind, namespace, name)
        if program_wide:
            found = self._program.get(key)
            if found is None:
                self._claim(self._program, key, (owner, self))
                return True
            other, where = found
            if where is self:
                return False
            raise ConfigurationError(
                f"controller: the {kind} {namespace}/{name} is already emitted through "
                f"{where.label} (by {other()}), and this app deploys through {self.label}. "
                "A program emits it once: through two Kubernetes providers of one cluster it "
                "would be two resources of one object, each update overwriting the other and "
                "the removal of either deleting it. Deploy the apps of one Gateway through one "
                "provider; for a Gateway in another cluster use a program (stack) per cluster, "
                "or describe that Gateway with client_traffic_policy=False and apply the "
                "ClientTrafficPolicy the warning names there"
            )
        if key in self._shared:
            first, emitted = self._shared[key], self._shared_objects.get(key)
            if emitted != obj:
                raise ConfigurationError(
                    f"name: this construct needs a {kind} named {name!r} in namespace "
                    f"{namespace!r} other than the one {first()} emitted under that name; "
                    "one of them would be missing. Give one of the constructs other "
                    "arguments (the object is named from them)"
                )
            return False
        self._claim(self._shared, key, owner)
        self._shared_objects[key] = obj
        self._journal.append((self._shared_objects, key))
        return True

    def shared_claimed(self, kind: str, namespace: str, name: str) -> bool:
        """Whether some construct already emitted this shared object."""
        return (kind, namespace, name) in self._shared

    def claim_policy(self, policy: Manifest, fix: str, owner: Owner) -> None:
        """Record a policy of ours attached to its ``spec.targetRefs`` (policy attachment).

        ``fix`` says what a user whose own policy of the same kind targets the same object
        should do instead (see :meth:`foreign_policy_conflicts`).
        """
        group, kind, namespace, name = _policy_identity(policy, None)
        for target in _targets(policy):
            key = (group, kind, namespace, *target[:3])
            table = self._policies.setdefault(key, {})
            table[target[3]] = (name, fix, owner)
            self._journal.append((table, target[3]))

    def expect_policy(self, policy: Manifest, requirement: Requirement, owner: Owner) -> None:
        """Record a policy the user provides in our place, and what it must contain.

        ``policy`` is the one we would have emitted (its kind, namespace and targets);
        ``requirement`` says what is missing from a user's policy of that kind on an
        overlapping target, or ``None`` (see :meth:`foreign_policy_conflicts`).
        """
        group, kind, namespace, _ = _policy_identity(policy, None)
        for target in _targets(policy):
            table = self._expected.setdefault((group, kind, namespace, *target[:3]), {})
            table[target[3]] = (requirement, owner)
            self._journal.append((table, target[3]))

    def policy_kinds(self) -> set[tuple[str, str]]:
        """The (API group, kind) of every policy recorded (ours, or expected of the user)."""
        return {
            (key[0], key[1])
            for tables in (self._policies, self._expected)
            for key, table in tables.items()
            if table
        }

    def foreign_policy_conflicts(self, policy: Manifest, namespace: str) -> list[str]:
        """Why a policy the user adds to the program clashes with one of ours, if it does.

        Gateway API policy attachment as Envoy Gateway applies it (``internal/gatewayapi/
        clienttrafficpolicy.go`` at v1.9.0): one policy of a kind per Gateway and one per
        listener (``sectionName``); a second one for the same target is marked Conflicted
        and does nothing (lines 235-258 for a listener, 387-410 for a whole Gateway), and a
        listener's policy overrides the whole Gateway's on that listener (lines 412-446).
        So the user's policy and ours for the same object clash whichever way: the same
        target (one of the two is ignored), the user's on the whole Gateway and ours on a
        listener (theirs does not apply there), or the reverse (ours does not apply there).
        ``namespace``: the user's object's namespace when its metadata has none.
        """
        group, kind, ns, name = _policy_identity(policy, namespace)
        found = []
        for target in _targets(policy):
            table = self._policies.get((group, kind, ns, *target[:3]), {})
            section = target[3]
            where = f"{target[1]} {ns}/{target[2]}"
            for ours_section, (ours, fix, owner) in table.items():
                if ours_section == section:
                    why = (
                        f"both target {where}"
                        + (f" listener {section!r}" if section else "")
                        + "; only one policy of a kind applies to a target, the other is "
                        "marked Conflicted and does nothing"
                    )
                elif section is None:
                    why = (
                        f"theirs targets all of {where} and ours its listener "
                        f"{ours_section!r}, where ours overrides theirs: their settings do "
                        "not apply on that listener"
                    )
                elif ours_section is None:
                    why = (
                        f"ours targets all of {where} and theirs its listener {section!r}, "
                        "where theirs overrides ours: ours does not apply on that listener"
                    )
                else:
                    continue
                found.append(
                    f"the {kind} {ns}/{name} conflicts with {kind} {ns}/{ours} made by "
                    f"{owner()}: {why}. {fix}"
                )
            expected = self._expected.get((group, kind, ns, *target[:3]), {})
            for wanted_section, (requirement, owner) in expected.items():
                # theirs applies where ours would have: the same listener, or one side
                # covering the whole Gateway
                if None not in (section, wanted_section) and section != wanted_section:
                    continue
                missing = requirement(policy)
                if missing is not None:
                    found.append(
                        f"the {kind} {ns}/{name} applies on {where}"
                        + (f" listener {section!r}" if section else "")
                        + f", which {owner()} leaves to a policy of the user's: {missing}"
                    )
        return found

    def check_proxy_here(self, proxy: Inventory, proxy_owner: Owner, fix: str) -> None:
        """Refuse an app whose shared proxy deploys to another cluster (``proxy``'s inventory).

        The app's routes, policy and ``auth-url`` name the proxy's Service, which would not
        be in the app's cluster.
        """
        if proxy is not self:
            where = (
                f"deploys through {proxy.label}, and this app through {self.label}"
                if proxy.label != self.label
                else f"is in another {self.label.removeprefix('the ')} than this app"
            )
            raise ConfigurationError(
                f"proxy: {proxy_owner()} {where}: the app's auth-url or SecurityPolicy and "
                "its /oauth2 route "
                "would name a proxy Service that is not in the app's cluster, and every "
                f"request would be refused. {fix}"
            )


def _policy_identity(policy: Manifest, namespace: str | None) -> tuple[str, str, str, str]:
    """(API group, kind, namespace, name) of a policy manifest."""
    group = str(policy.get("apiVersion", "")).rpartition("/")[0]
    metadata = policy.get("metadata") or {}
    ns = metadata.get("namespace") or namespace or "default"
    return group, str(policy.get("kind", "")), str(ns), str(metadata.get("name", ""))


def _targets(policy: Manifest) -> list[tuple[str, str, str, str | None]]:
    """(group, kind, name, sectionName) of each target of a policy.

    Its ``spec.targetRefs`` items and the older single ``spec.targetRef``; a policy's
    targets are in its own namespace.
    """
    spec = policy.get("spec") or {}
    refs = list(spec.get("targetRefs") or [])
    if spec.get("targetRef"):
        refs.append(spec["targetRef"])
    return [
        (
            str(ref.get("group", "")),
            str(ref.get("kind", "")),
            str(ref.get("name", "")),
            ref.get("sectionName") or None,
        )
        for ref in refs
        if isinstance(ref, dict)
    ]


def _describe(listener: tuple[str, str | None]) -> str:
    gateway, section = listener
    return gateway if section is None else f"{gateway} listener {section!r}"
