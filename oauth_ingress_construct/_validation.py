"""The one validation layer every user-supplied string passes before it reaches a manifest.

Each check either returns the (possibly normalised) value or raises
:class:`ConfigurationError` naming the argument as the user typed it, showing the value
with ``repr`` and saying what is allowed. The character sets are deliberately narrow:
annotation values become nginx configuration in ingress-nginx and proxy settings become
command-line arguments of oauth2-proxy, so nothing that nginx or a shell-less argv could
interpret (newlines, ``;``, ``{``, ``}``, quotes, backslashes, ``$``, whitespace, control
characters) ever gets through.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import NoReturn
from urllib.parse import urlsplit

__all__ = [
    "ConfigurationError",
    "check_dns_label",
    "check_dns_subdomain",
    "check_email",
    "check_email_domain",
    "check_group",
    "check_header_name",
    "check_host",
    "check_http_status_codes",
    "check_int",
    "check_list",
    "check_path",
    "check_secret_key",
    "check_url",
    "fail",
]


class ConfigurationError(ValueError):
    """A construct argument was refused; the message names it, shows it and says the fix."""


def fail(argument: str, value: object, allowed: str) -> NoReturn:
    """Raise :class:`ConfigurationError` in the package's one message format."""
    raise ConfigurationError(f"{argument} must be {allowed}, got {value!r}")


def _require_str(argument: str, value: object) -> str:
    if not isinstance(value, str):
        fail(argument, value, "a string")
    return value


_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_LABEL_RE = re.compile(rf"^{_LABEL}$")
_SUBDOMAIN_RE = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_HOST_RE = re.compile(rf"^(?:\*\.)?{_LABEL}(?:\.{_LABEL})+$")


def check_dns_label(argument: str, value: object) -> str:
    """A Kubernetes object name of the DNS-1123 label kind (Service, namespace): <= 63 chars."""
    text = _require_str(argument, value)
    if len(text) > 63 or not _LABEL_RE.match(text):
        fail(
            argument,
            value,
            "a DNS-1123 label: at most 63 lower-case letters, digits and '-', "
            "starting and ending with a letter or digit",
        )
    return text


def check_dns_subdomain(argument: str, value: object) -> str:
    """A Kubernetes object name of the DNS-1123 subdomain kind (Secret, Ingress): <= 253 chars."""
    text = _require_str(argument, value)
    if len(text) > 253 or not _SUBDOMAIN_RE.match(text):
        fail(
            argument,
            value,
            "a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 "
            "characters, each part starting and ending with a letter or digit",
        )
    return text


def check_host(argument: str, value: object, *, wildcard: bool = True) -> str:
    """A fully qualified host name as an Ingress rule accepts it (no scheme, port or path)."""
    text = _require_str(argument, value)
    allowed = (
        "a fully qualified lower-case DNS name without scheme, port or path, "
        "such as 'app.example.com'" + (" or '*.example.com'" if wildcard else "")
    )
    if len(text) > 253 or not _HOST_RE.match(text):
        fail(argument, value, allowed)
    if text.startswith("*.") and not wildcard:
        fail(argument, value, allowed)
    return text


_PATH_RE = re.compile(r"^/[A-Za-z0-9._~/-]*$")


def check_path(argument: str, value: object) -> str:
    """An HTTP path for an Ingress rule: plain characters only, no ``..`` or ``//``."""
    text = _require_str(argument, value)
    if (
        len(text) > 1024
        or not _PATH_RE.match(text)
        or "//" in text
        or any(part in {".", ".."} for part in text.split("/"))
    ):
        fail(
            argument,
            value,
            "an absolute path such as '/' or '/api' made of letters, digits and "
            "'.', '_', '~', '-', '/' (no '..' or '.' segments, no '//', no regex "
            "or nginx syntax)",
        )
    return text


_SECRET_KEY_RE = re.compile(r"^[-._a-zA-Z0-9]+$")


def check_secret_key(argument: str, value: object) -> str:
    """A key inside a Kubernetes Secret."""
    text = _require_str(argument, value)
    if len(text) > 253 or not _SECRET_KEY_RE.match(text) or text in {".", ".."}:
        fail(argument, value, "a Secret key made of letters, digits, '-', '_' and '.'")
    return text


_HEADER_RE = re.compile(r"^[A-Za-z0-9-]{1,128}$")


def check_header_name(argument: str, value: object) -> str:
    """An HTTP header name (letters, digits and '-')."""
    text = _require_str(argument, value)
    if not _HEADER_RE.match(text):
        fail(argument, value, "an HTTP header name made of letters, digits and '-'")
    return text


_URL_PATH_RE = re.compile(r"^[A-Za-z0-9._~/-]*$")
_URL_QUERY_RE = re.compile(r"^[A-Za-z0-9._~=&,:@/-]*$")


def check_url(
    argument: str,
    value: object,
    *,
    schemes: tuple[str, ...] = ("https",),
    query: bool = False,
) -> str:
    """An absolute URL with a DNS host, optional port and a plain path.

    ``query`` allows a query string of plain characters (no ``%``, ``$`` or quotes).
    Fragments and user info are never allowed.
    """
    text = _require_str(argument, value)
    allowed = (
        f"an absolute {' or '.join(schemes)} URL with a DNS host, an optional port and "
        "a path of letters, digits and '.', '_', '~', '-', '/'"
        + (" (a plain query string is allowed)" if query else " (no query string)")
    )
    if len(text) > 2048 or any(ch.isspace() or ord(ch) < 0x20 for ch in text):
        fail(argument, value, allowed)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        fail(argument, value, allowed)
    host = parts.hostname or ""
    if (
        parts.scheme not in schemes
        or parts.username is not None
        or parts.password is not None
        or parts.fragment
        or "#" in text
        or not _SUBDOMAIN_RE.match(host)
        or parts.netloc != (host if port is None else f"{host}:{port}")
        or (port is not None and not 0 < port < 65536)
        or not _URL_PATH_RE.match(parts.path)
        or "//" in parts.path
        or any(seg in {".", ".."} for seg in parts.path.split("/"))
        or (parts.query and not query)
        or ("?" in text and not query)
        or not _URL_QUERY_RE.match(parts.query)
    ):
        fail(argument, value, allowed)
    return text


_EMAIL_RE = re.compile(rf"^[A-Za-z0-9._+-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")


def check_email(argument: str, value: object) -> str:
    """An e-mail address of plain characters."""
    text = _require_str(argument, value)
    if len(text) > 254 or not _EMAIL_RE.match(text):
        fail(argument, value, "an e-mail address such as 'jane@example.com'")
    return text


def check_email_domain(argument: str, value: object) -> str:
    """An e-mail domain for oauth2-proxy: a DNS name, or ``*`` for any domain."""
    text = _require_str(argument, value)
    if text != "*" and (len(text) > 253 or not _HOST_RE.match(text.removeprefix("."))):
        fail(argument, value, "a DNS name such as 'example.com', or '*' for any domain")
    return text


_GROUP_RE = re.compile(r"^[A-Za-z0-9._~:@/-]{1,256}$")


def check_group(argument: str, value: object) -> str:
    """A group name as identity providers send it (``admins``, ``/org/team``, ``org:team``)."""
    text = _require_str(argument, value)
    if not _GROUP_RE.match(text):
        fail(
            argument,
            value,
            "a group name made of letters, digits and '.', '_', '~', ':', '@', '/', '-' "
            "(no spaces or commas)",
        )
    return text


def check_int(argument: str, value: object, *, low: int, high: int) -> int:
    """An integer (not a bool) in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        fail(argument, value, f"an integer from {low} to {high}")
    return value


def check_http_status_codes(argument: str, values: Iterable[object]) -> tuple[int, ...]:
    """HTTP error codes as ingress-nginx's ``custom-http-errors`` accepts them (400-599)."""
    codes = tuple(check_int(argument, v, low=400, high=599) for v in _as_list(argument, values))
    return tuple(sorted(set(codes)))


def _as_list(argument: str, values: object) -> list[object]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        fail(argument, values, "a list")
    return list(values)


def check_list(
    argument: str, values: object, check: Callable[[str, object], str]
) -> tuple[str, ...]:
    """Apply ``check(argument, item)`` to every item of a list (a bare string is refused)."""
    return tuple(check(argument, v) for v in _as_list(argument, values))
