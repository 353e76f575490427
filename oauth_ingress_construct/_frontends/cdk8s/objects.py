"""cdk8s side of the core: manifests as ``ApiObject`` s, and the app-wide inventory.

Every object is a plain ``cdk8s.ApiObject`` whose body is set with one JSON patch: three
calls into the jsii runtime per object, against dozens for the same object built from
cdk8s-plus classes. The manifests themselves come from the core, unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import cdk8s
import constructs
import jsii

from oauth_ingress_construct._core.inventory import Inventory, Owner
from oauth_ingress_construct._core.manifests import Manifest, warn_namespace_fallback
from oauth_ingress_construct._core.validation import ConfigurationError
from oauth_ingress_construct._targets import TARGETS

__all__ = [
    "api_object",
    "building",
    "chart_namespace",
    "chart_of",
    "inventory",
    "resolve_namespace",
]


#: (API group, kind) of the user's objects that route a host's paths.
_ROUTE_KINDS = frozenset(
    {("networking.k8s.io", "Ingress"), ("gateway.networking.k8s.io", "HTTPRoute")}
)


class AppInventory(Inventory):
    """An app's :class:`Inventory`, and the ``ApiObject`` s this package made in it."""

    def __init__(self, label: str) -> None:
        super().__init__(label=label)
        self.objects: dict[int, cdk8s.ApiObject] = {}


def api_object(
    scope: constructs.Construct,
    child_id: str,
    obj: Manifest,
    *,
    claims: AppInventory,
    owner: Owner,
) -> cdk8s.ApiObject:
    """``obj`` as an ``ApiObject`` child ``child_id`` of ``scope``, claimed in ``claims``."""
    metadata = obj["metadata"]
    claims.claim_name(obj["kind"], metadata["namespace"], metadata["name"], owner)
    api = cdk8s.ApiObject(
        scope, child_id, api_version=obj["apiVersion"], kind=obj["kind"], metadata=metadata
    )
    api.add_json_patch(
        *(
            cdk8s.JsonPatch.add(f"/{key}", value)
            for key, value in obj.items()
            if key not in ("apiVersion", "kind", "metadata")
        )
    )
    claims.objects[id(api)] = api
    return api


# Facts that never change once a construct exists (its chart, a chart's namespace, the app's
# inventory) are remembered on the Python objects, so each costs one jsii call per construct
# at most instead of one or two per use.
_CHART_ATTR = "_oauth_ingress_construct_chart"
_NAMESPACE_ATTR = "_oauth_ingress_construct_namespace"
_INVENTORY_ATTR = "_oauth_ingress_construct_registry"
_CHECK_ATTR = "_oauth_ingress_construct_name_check"
_UNSET = object()


def chart_of(scope: constructs.Construct) -> cdk8s.Chart:
    """The chart that holds ``scope``."""
    chart: cdk8s.Chart | None = getattr(scope, _CHART_ATTR, None)
    if chart is None:
        chart = cdk8s.Chart.of(scope)
        setattr(scope, _CHART_ATTR, chart)
    return chart


def chart_namespace(scope: constructs.Construct) -> str | None:
    """The namespace of the chart that holds ``scope``, if it sets one."""
    chart = chart_of(scope)
    namespace = getattr(chart, _NAMESPACE_ATTR, _UNSET)
    if namespace is _UNSET:
        namespace = chart.namespace  # read-only in cdk8s: safe to remember
        setattr(chart, _NAMESPACE_ATTR, namespace)
    return namespace  # type: ignore[return-value]


def resolve_namespace(scope: constructs.Construct, namespace: str | None, *, what: str) -> str:
    """``namespace``, else the chart's, else ``default`` with a NamespaceFallbackWarning.

    Unchecked: the core checks it as the construct's ``namespace`` argument.
    """
    if namespace is not None:
        return namespace
    found = chart_namespace(scope)
    if found is not None:
        return found
    return warn_namespace_fallback(what)


@jsii.implements(constructs.IValidation)
class _NameCheck:
    """At synth: no user's object shares kind, namespace and name, or a target, with ours.

    Our own objects are checked against each other as they are made; this finds the
    user's objects, in any chart: one of the same kind, namespace and name as ours (a
    cdk8s-plus ``Deployment`` named like a proxy, say), a policy that clashes with one
    of ours on the same target (a ClientTrafficPolicy for the Gateway listener ours
    removes identity headers on), or a route (an ``Ingress``, an ``HTTPRoute``) on a host
    and path of ours, judged by the targets as our own routes are.
    """

    def __init__(self, root: constructs.IConstruct, claims: AppInventory) -> None:
        self._root = root
        self._claims = claims

    def validate(self) -> list[str]:
        errors = []
        policy_kinds = self._claims.policy_kinds()
        for node in self._root.node.find_all():
            if not isinstance(node, cdk8s.ApiObject) or id(node) in self._claims.objects:
                continue
            kind, name = node.kind, node.name
            namespace = node.metadata.namespace or chart_namespace(node) or "default"
            if (node.api_group, kind) in _ROUTE_KINDS:
                # a route of the user's: its host and paths against ours (the whole object,
                # one more jsii call, for these objects only)
                obj = node.to_json()
                obj.setdefault("metadata", {})["namespace"] = namespace
                theirs = f"the {kind} {namespace}/{name} ({node.node.path!r})"
                errors += TARGETS.foreign_route_conflicts(self._claims, obj, theirs)
            if (node.api_group, kind) in policy_kinds:
                # one of our policy kinds (Envoy Gateway's ClientTrafficPolicy): the whole
                # object, for its targets (one more jsii call, for these objects only)
                errors += self._claims.foreign_policy_conflicts(node.to_json(), namespace)
            owner = self._claims.name_owner(kind, namespace, name)
            if owner is not None:
                errors.append(
                    f"a {kind} named {name!r} in namespace {namespace!r} is made both by "
                    f"{owner()} and by {node.node.path!r}; applying both would overwrite "
                    "one with the other. Rename one of them (name= on this package's "
                    "constructs)"
                )
        return errors


def inventory(scope: constructs.Construct) -> AppInventory:
    """The inventory of the app (root construct) that holds ``scope``.

    One jsii call for a construct not seen before (its chart), none after; the inventory
    itself lives on the root, so every chart of an app shares it. Made with the root's
    synth-time name check.
    """
    found: AppInventory | None = getattr(scope, _INVENTORY_ATTR, None)
    if found is not None:
        return found
    try:
        holder: constructs.Construct = chart_of(scope)
    except RuntimeError:  # not inside a chart (the App itself, or a bare construct tree)
        holder = scope
    found = getattr(holder, _INVENTORY_ATTR, None)
    if found is None:
        root = holder.node.root
        found = getattr(root, _INVENTORY_ATTR, None)
        if found is None:
            found = AppInventory("the cdk8s App")
            check = _NameCheck(root, found)
            root.node.add_validation(check)
            setattr(root, _CHECK_ATTR, check)  # jsii holds it by reference only
            setattr(root, _INVENTORY_ATTR, found)
        setattr(holder, _INVENTORY_ATTR, found)
    setattr(scope, _INVENTORY_ATTR, found)
    return found


@contextmanager
def building(
    construct: constructs.Construct, scope: constructs.Construct, id: str
) -> Iterator[AppInventory]:
    """Add ``construct`` to ``scope`` as ``id``; if the block raises, remove it and its claims.

    So a construct that fails half-way leaves the app as it was: only what this
    construct added is removed (under the id constructs stored it by), never a
    sibling that already had the id.
    """
    found = inventory(scope)
    with found.transaction():
        try:
            constructs.Construct.__init__(construct, scope, id)
        except RuntimeError as error:
            if "There is already a Construct with name" not in str(error):
                raise
            raise ConfigurationError(
                f"id must be unique among the children of its scope, got {id!r}: "
                f"{scope.node.path or 'the app'!r} already has a child of that id. Give this "
                "construct another id"
            ) from None
        setattr(construct, _INVENTORY_ATTR, found)  # its children find it without a call
        try:
            yield found
        except BaseException:
            scope.node.try_remove_child(construct.node.id)
            raise
