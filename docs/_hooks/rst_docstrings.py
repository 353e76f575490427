"""A griffe extension for the API reference: the code's reST docstrings as Markdown.

The docstrings use Sphinx roles (``:class:`X```, ``:func:`x```) and double backticks, and
name objects as ``[<name>]``; Markdown would drop the roles' text and take ``<name>`` for an
HTML tag. This turns roles and double backticks into code spans and escapes ``<``/``>``
outside code spans. Nothing else of the docstring changes.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|attr|data|mod|exc|obj):`~?\.?([^`]+)`")
_DOUBLE = re.compile(r"``(.+?)``", re.DOTALL)
_CODE = re.compile(r"(`[^`]*`)")


def markdown(text: str) -> str:
    """``text`` (reST-flavoured) as Markdown with the same words."""
    text = _ROLE.sub(r"`\1`", text)
    text = _DOUBLE.sub(lambda m: "`" + m.group(1).replace("`", "") + "`", text)
    pieces = _CODE.split(text)
    return "".join(
        piece if piece.startswith("`") else piece.replace("<", "&lt;").replace(">", "&gt;")
        for piece in pieces
    )


class RstDocstrings(griffe.Extension):
    """Rewrite every docstring of the loaded objects with :func:`markdown`."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:  # noqa: ANN401
        """Rewrite ``obj``'s docstring, once it is loaded."""
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
