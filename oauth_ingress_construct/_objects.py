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

from ._inventory import Inventory, Owner
from ._manifests import Manifest

__all__ = ["api_object", "building", "chart_namespace", "chart_of", "inventory"]


def api_object(
    scope: constructs.Construct, id: str, obj: Manifest, owner: Owner
) -> cdk8s.ApiObject:
    """``obj`` as an ``ApiObject`` child ``id`` of ``scope``; its name claimed app-wide."""
    metadata = obj["metadata"]
    inventory(scope).claim_name(obj["kind"], metadata["namespace"], metadata["name"], owner)
    api = cdk8s.ApiObject(
        scope, id, api_version=obj["apiVersion"], kind=obj["kind"], metadata=metadata
    )
    api.add_json_patch(
        *(
            cdk8s.JsonPatch.add(f"/{key}", value)
            for key, value in obj.items()
            if key not in ("apiVersion", "kind", "metadata")
        )
    )
    return api


# Facts that never change once a construct exists (its chart, a chart's namespace, the app's
# inventory) are remembered on the Python objects, so each costs one jsii call per construct
# at most instead of one or two per use.
_CHART_ATTR = "_oauth_ingress_construct_chart"
_NAMESPACE_ATTR = "_oauth_ingress_construct_namespace"
_INVENTORY_ATTR = "_oauth_ingress_construct_registry"
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


def inventory(scope: constructs.Construct) -> Inventory:
    """The inventory of the app (root construct) that holds ``scope``.

    One jsii call for a construct not seen before (its chart), none after; the inventory
    itself lives on the root, so every chart of an app shares it.
    """
    found: Inventory | None = getattr(scope, _INVENTORY_ATTR, None)
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
            found = Inventory()
            setattr(root, _INVENTORY_ATTR, found)
        setattr(holder, _INVENTORY_ATTR, found)
    setattr(scope, _INVENTORY_ATTR, found)
    return found


@contextmanager
def building(
    construct: constructs.Construct, scope: constructs.Construct, id: str
) -> Iterator[Inventory]:
    """Add ``construct`` to ``scope`` as ``id``; if the block raises, remove it and its claims.

    So a construct that fails half-way leaves nothing in the tree to synthesize.
    """
    found = inventory(scope)
    with found.transaction():
        try:
            constructs.Construct.__init__(construct, scope, id)
            yield found
        except BaseException:
            scope.node.try_remove_child(id)
            raise
