"""Warnings that point at the user's line, however deep in the package they are raised."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

__all__ = ["warn_user"]

_PACKAGE = str(Path(__file__).resolve().parent.parent)
# Frames that are not the user's: this package, jsii's runtime (its metaclass calls the
# constructs' __init__), pulumi's resource machinery, and code that dataclasses generate.
_FOREIGN = (f"{os.sep}jsii{os.sep}", f"{os.sep}pulumi{os.sep}")


def _internal(filename: str) -> bool:
    return (
        filename.startswith(_PACKAGE)
        or filename == "<string>"
        or any(part in filename for part in _FOREIGN)
    )


def warn_user(warning: Warning) -> None:
    """Issue ``warning`` attributed to the first caller outside the package."""
    frame = sys._getframe(1)
    level = 2
    while frame.f_back is not None and _internal(frame.f_code.co_filename):
        frame = frame.f_back
        level += 1
    warnings.warn(warning, stacklevel=level)
