"""How ingress-nginx turns Ingress paths into nginx locations, and when two collide.

A pure model of ingress-nginx controller v1.15.1, for Prefix and Exact paths of the plain
form :func:`~.validation.check_path` admits (no regex, no rewrite):

1. Paths of one host are gathered into one server (``internal/ingress/controller/
   controller.go`` lines 811-852). A path equal to one already there *with the same
   pathType* is not added again: the first Ingress wins and the other is silently dropped
   ("same type means overlap in the path definition"); the same path with a different type
   is kept ("Same paths but different types are allowed", line 822).
2. ``updateServerLocations`` (``internal/ingress/controller/location.go`` lines 34-88)
   rewrites every Prefix path other than ``/``: it is normalised to end in ``/``
   (``normalizePrefixPath``, lines 90-100), and an extra Exact location for the path as
   written is added, unless an Exact location of that very path already exists (line 67).
   An ``ImplementationSpecific`` path, and a Prefix path of an Ingress with ``use-regex``
   or ``rewrite-target``, is left as written (lines 55-63).
3. The template renders an Exact location as ``location = "<path>"`` and any other as
   ``location "<path>"`` (``internal/ingress/controller/template/template.go``
   ``buildLocation``, lines 523-539); its auth sub-location is keyed by path and pathType
   too (``buildAuthLocation``, lines 556-575).

So Prefix ``/api`` and Prefix ``/api/`` both become ``location "/api/"``: nginx refuses the
duplicate, ``nginx -t`` fails and the controller stops applying *any* later change. Exact
``/`` next to Prefix ``/``, or Exact ``/api`` next to Prefix ``/api``, is fine.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .validation import ConfigurationError

__all__ = [
    "NginxLocation",
    "PathCollision",
    "find_location_collisions",
    "nginx_locations",
    "server_locations",
]

_ROOT = "/"


@dataclass(frozen=True, order=True)
class NginxLocation:
    """One ``location`` block as ingress-nginx writes it: ``exact`` is the ``=`` modifier."""

    path: str
    exact: bool

    def __str__(self) -> str:
        return f'location {"= " if self.exact else ""}"{self.path}"'


def _type_name(path_type: object) -> str:
    # Accept the package's PathType enum or the Kubernetes string, without importing _app.
    # ImplementationSpecific: only from Ingresses the package reads (a user's own), never
    # emitted; the package's own path types are checked as PathType before they get here.
    value = path_type.value if isinstance(path_type, enum.Enum) else path_type
    if value not in ("Prefix", "Exact", "ImplementationSpecific"):
        raise ConfigurationError(f"path_type must be 'Prefix' or 'Exact', got {path_type!r}")
    return str(value)


def _normalize_prefix(path: str) -> str:
    return path if path == _ROOT or path.endswith("/") else path + "/"


def nginx_locations(
    path: str, path_type: object, *, exact_paths: Iterable[str] = ()
) -> frozenset[NginxLocation]:
    """The nginx locations ingress-nginx makes of one Ingress path on its server.

    ``exact_paths`` are the Exact paths of the whole server (all Ingresses of the host):
    a Prefix path that has an Exact twin gets no extra exact location.
    """
    kind = _type_name(path_type)
    if kind == "Exact":
        return frozenset({NginxLocation(path, exact=True)})
    if kind == "ImplementationSpecific":
        return frozenset({NginxLocation(path, exact=False)})
    if path == _ROOT:
        return frozenset({NginxLocation(_ROOT, exact=False)})
    prefix = NginxLocation(_normalize_prefix(path), exact=False)
    if path in set(exact_paths):
        return frozenset({prefix})
    return frozenset({prefix, NginxLocation(path, exact=True)})


@dataclass(frozen=True)
class PathCollision:
    """Two distinct Ingress paths of one host that ingress-nginx turns into one location."""

    first: tuple[str, str]
    second: tuple[str, str]
    location: NginxLocation

    def describe(self) -> str:
        """One line for an error message."""
        (p1, t1), (p2, t2) = self.first, self.second
        return (
            f"{t1} path {p1!r} and {t2} path {p2!r} both become nginx `{self.location}` in "
            "ingress-nginx (Prefix paths are normalised to end in '/' and get an exact "
            "location too); nginx refuses the duplicate and the controller stops reloading"
        )


def server_locations(
    paths: Sequence[tuple[str, object]],
) -> dict[tuple[str, str], frozenset[NginxLocation]]:
    """The locations of every distinct ``(path, pathType)`` of one server (host)."""
    pairs = [(p, _type_name(t)) for p, t in paths]
    exact = {p for p, t in pairs if t == "Exact"}
    return {pair: nginx_locations(*pair, exact_paths=exact) for pair in dict.fromkeys(pairs)}


def find_location_collisions(
    first: Sequence[tuple[str, object]],
    second: Sequence[tuple[str, object]] = (),
) -> list[PathCollision]:
    """Collisions between distinct paths of one host.

    With only ``first``: collisions among its paths. With ``second`` too: collisions between
    a path of ``first`` and one of ``second`` (each side's own collisions are not repeated;
    check each alone for those). Both sides count for the server's Exact paths.

    An identical ``(path, pathType)`` pair is left to the route-ownership check, which must
    refuse it: ingress-nginx keeps the first and drops the other, and when the same path
    with the other type was added before them it keeps both (the loop of controller.go
    stops at the first same-path location, lines 817-826), a duplicate location again.
    """
    a = [(p, _type_name(t)) for p, t in first]
    b = [(p, _type_name(t)) for p, t in second]
    locations = server_locations([*a, *b])
    pairs = (
        [(x, y) for i, x in enumerate(dict.fromkeys(a)) for y in list(dict.fromkeys(a))[i + 1 :]]
        if not b
        else [(x, y) for x in dict.fromkeys(a) for y in dict.fromkeys(b)]
    )
    found = []
    for x, y in pairs:
        if x == y:
            continue
        for location in sorted(locations[x] & locations[y]):
            found.append(PathCollision(first=x, second=y, location=location))
    return found
