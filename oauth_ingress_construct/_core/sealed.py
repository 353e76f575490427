"""What reaches the manifests is what was checked: value objects re-checked, specs sealed.

The value objects (``Provider``, ``Sessions``, ``ServiceRef``, ``ProxySecret``,
``ProxyResources``, ``GatewayRef``, ``EnvoyGateway``, ``IngressNginx``) are frozen
dataclasses checked in ``__post_init__``. Frozen is a convention, not a guarantee:
``object.__setattr__`` changes a field after the checks, and a subclass can skip them (or
override a method the manifests are made with). Two steps close that class:

- :func:`recheck`, at resolve time: the value as a *fresh instance of exactly the base
  class*, built from the fields stored on it and checked again by the class's own
  ``__post_init__``, which normalises every field to plain built-ins. A subclass's
  overrides and a field changed before resolve never get further.
- :func:`seal` / :func:`verify`, at emit time: a resolved spec (``ProxySpec``, ``AppSpec``)
  or plan is sealed with a snapshot of every value it holds, and each emit compares the
  snapshot again. A snapshot admits only plain built-ins (``str``, ``int``, ``bool``,
  ``float``, ``None``, ``tuple``, ``dict``), registered enums and registered classes of
  exactly their type, so a spec that holds anything else is refused too. Between resolve
  and emit a spec can change only through ``object.__setattr__`` on it or on a value object
  a property hands out (``OAuth2Proxy.secret``, ``ProtectedApp.controller``...): a later
  emit from it (a Pulumi backend Service resolving, the next app sharing a proxy) is refused.
"""

from __future__ import annotations

import dataclasses
import enum
import warnings
from typing import TypeVar

from .validation import ConfigurationError, fail
from .warnings import warn_user

__all__ = ["recheck", "seal", "sealed_value", "verify", "warns_when_checked"]

T = TypeVar("T")

#: The classes a snapshot admits, exactly (no subclass), with the names of their fields.
_FIELDS: dict[type, tuple[str, ...]] = {}
#: The enums a snapshot admits (members compare by identity).
_ENUMS: set[type] = set()
#: The classes whose checks may warn (``warns=True``): only their re-check records warnings,
#: so re-checking the others never touches the process-wide warning filters.
_WARNS: set[type] = set()
#: Where the seal is kept on a sealed value (not a field: ``dataclasses.replace`` drops it).
_SEAL = "_oauth_ingress_construct_sealed"
_ATOMS = (int, bool, float, type(None))


class _Dict:
    """Marks a dict's snapshot (a dict and a tuple of pairs emit differently)."""


def sealed_value(cls: type[T]) -> type[T]:
    """Register a frozen dataclass or an enum as admitted in snapshots (a class decorator)."""
    if isinstance(cls, type) and issubclass(cls, enum.Enum):
        _ENUMS.add(cls)
    else:
        _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    return cls


def warns_when_checked(cls: type[T]) -> type[T]:
    """Mark a value class whose checks may give a warning (a class decorator)."""
    _WARNS.add(cls)
    return cls


def recheck(cls: type[T], argument: str, value: object, allowed: str) -> T:
    """``value`` as a fresh ``cls`` (exactly), from its stored fields, checked again.

    Refuses a value that is not a ``cls`` (``fail(argument, value, allowed)``). The fields
    are read from the instance's own ``__dict__``, past any property or ``__getattribute__``
    of a subclass; ``cls``'s ``__post_init__`` checks and normalises them. Warnings the
    checks give (an http issuer, a controller advisory) were given when ``value`` was built;
    they are given again only if ``value`` is of a subclass or changed since.
    """
    if not isinstance(value, cls):
        fail(argument, value, allowed)
    state = object.__getattribute__(value, "__dict__")
    init = [f.name for f in dataclasses.fields(cls) if f.init]  # type: ignore[arg-type]
    missing = [name for name in init if name not in state]
    if missing:
        fail(argument, value, f"{allowed} built by its constructor (no {', '.join(missing)})")
    fields = {name: state[name] for name in init}
    if cls not in _WARNS:
        return cls(**fields)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fresh = cls(**fields)
    if caught and (type(value) is not cls or fresh != value):
        for warning in caught:
            warn_user(warning.message)  # type: ignore[arg-type]
    return fresh


def _snapshot(value: object) -> object:
    kind = type(value)
    if kind is str:
        return value
    if kind in _ATOMS:
        return (kind, value)
    if kind is tuple:
        return tuple(map(_snapshot, value))  # type: ignore[call-overload]
    names = _FIELDS.get(kind)
    if names is not None:
        state = value.__dict__
        return (kind, *(_snapshot(state[name]) for name in names))
    if kind is dict:
        items = value.items()  # type: ignore[attr-defined]
        return (_Dict, *((_snapshot(k), _snapshot(v)) for k, v in items))
    if kind in _ENUMS:
        return value
    raise ConfigurationError(
        f"a value of type {kind.__module__}.{kind.__qualname__} ({value!r}) reached a "
        "checked spec; only the package's checked values may. Pass the package's own value "
        "types (Provider, ServiceRef, ...), not subclasses of them or other objects"
    )


def seal(value: T) -> T:
    """Record what ``value`` (a registered dataclass) holds now, once it has been checked."""
    object.__setattr__(value, _SEAL, _snapshot(value))
    return value


def verify(value: object) -> None:
    """Refuse ``value`` unless it holds exactly what it held when :func:`seal` was called."""
    state = object.__getattribute__(value, "__dict__")
    before = state.get(_SEAL)
    if before is None or type(value) not in _FIELDS:
        raise ConfigurationError(
            f"{type(value).__name__}: not a checked value (built without the package's "
            "checks); build it through the package's constructs"
        )
    now = _snapshot(value)
    if now != before:
        path, was, got = _difference(before, now, type(value).__name__)
        fail(
            path,
            got,
            f"the value it had when it was checked ({was!r}): it was changed afterwards, "
            "which frozen values never are (object.__setattr__?). Build a new value with "
            "the settings you want instead",
        )


def _render(snapshot: object) -> object:
    """A snapshot back as a readable value, for messages."""
    if isinstance(snapshot, tuple) and snapshot:
        head = snapshot[0]
        if head in _ATOMS:
            return snapshot[1]
        if head is _Dict:
            return {_render(k): _render(v) for k, v in snapshot[1:]}
        if head in _FIELDS:
            names = _FIELDS[head]
            pairs = zip(names, snapshot[1:], strict=True)
            fields = ", ".join(f"{n}={_render(v)!r}" for n, v in pairs)
            return f"{head.__name__}({fields})"
        return tuple(map(_render, snapshot))
    return snapshot


def _difference(before: object, now: object, path: str) -> tuple[str, object, object]:
    """The innermost ``Class.field`` path where two snapshots differ, and both values."""
    if (
        isinstance(before, tuple)
        and isinstance(now, tuple)
        and before
        and now
        and before[0] is now[0]
        and before[0] in _FIELDS
    ):
        names = _FIELDS[before[0]]
        for name, old, new in zip(names, before[1:], now[1:], strict=True):
            if old != new:
                inner = f"{before[0].__name__}.{name}"
                return _difference(old, new, inner)
    return path, _render(before), _render(now)
