"""Constructor signatures that ``inspect.signature``, ``help()`` and IDEs can show.

jsii's metaclass defines ``__call__(cls, *args, **kwargs)``, so ``inspect.signature`` of a
construct class reports ``(*args, **kwargs)`` instead of the keyword arguments of its
``__init__``. :func:`visible_signature` gives the class a ``__signature__`` computed from the
``__init__`` of the class it is read from, so subclasses show their own arguments.
"""

from __future__ import annotations

import inspect
from typing import TypeVar

__all__ = ["visible_signature"]

_T = TypeVar("_T", bound=type)


class _InitSignature:
    """Descriptor: on a class, the signature of its ``__init__`` without ``self``."""

    def __get__(self, instance: object, owner: type) -> inspect.Signature | None:
        if instance is not None:
            return None  # an instance is not called: inspect falls back to its own rules
        init = inspect.signature(owner.__init__)  # type: ignore[misc]
        return init.replace(
            parameters=list(init.parameters.values())[1:],
            return_annotation=inspect.Signature.empty,
        )


def visible_signature(cls: _T) -> _T:
    """Class decorator: ``inspect.signature(cls)`` shows ``cls.__init__``'s arguments."""
    cls.__signature__ = _InitSignature()  # type: ignore[attr-defined]
    return cls
