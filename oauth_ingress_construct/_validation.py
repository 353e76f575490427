r"""The one validation layer every user-supplied string passes before it reaches a manifest.

Each check either returns the (possibly normalised) value or raises
:class:`ConfigurationError` naming the argument as the user typed it, showing the value
with ``repr`` and saying what is allowed. The character sets are deliberately narrow:
annotation values become nginx configuration in ingress-nginx and proxy settings become
command-line arguments of oauth2-proxy, so nothing that nginx or a shell-less argv could
interpret (newlines, ``;``, ``{``, ``}``, quotes, backslashes, ``$``, whitespace, control
characters) ever gets through.

Every pattern is applied with ``re.fullmatch``: a bare ``$`` also matches before a trailing
newline, so ``re.match(r"^[a-z]+$", "app\n")`` succeeds; ``fullmatch`` does not.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from typing import NoReturn
from urllib.parse import urlsplit

__all__ = [
    "ConfigurationError",
    "check_cidr",
    "check_cookie_domain",
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
    "check_proxy_flag",
    "check_quantity",
    "check_request_within_limit",
    "check_secret_key",
    "check_service_name",
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
    if len(text) > 63 or not _LABEL_RE.fullmatch(text):
        fail(
            argument,
            value,
            "a DNS-1123 label: at most 63 lower-case letters, digits and '-', "
            "starting and ending with a letter or digit",
        )
    return text


_DNS1035_RE = re.compile(r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")


def check_service_name(argument: str, value: object) -> str:
    """A Service name: a DNS-1035 label (a DNS-1123 label that starts with a letter).

    The API server refuses other Service names, which no schema check catches.
    """
    text = _require_str(argument, value)
    if not _DNS1035_RE.fullmatch(text):
        fail(
            argument,
            value,
            "a DNS-1123 label that starts with a letter, as Service names are (DNS-1035): at "
            "most 63 lower-case letters, digits and '-', ending with a letter or digit",
        )
    return text


def check_dns_subdomain(argument: str, value: object) -> str:
    """A Kubernetes object name of the DNS-1123 subdomain kind (Secret, Ingress): <= 253 chars."""
    text = _require_str(argument, value)
    if len(text) > 253 or not _SUBDOMAIN_RE.fullmatch(text):
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
    if len(text) > 253 or not _HOST_RE.fullmatch(text) or _is_ip_address(text):
        fail(argument, value, allowed)
    if text.startswith("*.") and not wildcard:
        fail(argument, value, allowed)
    return text


def _is_ip_address(text: str) -> bool:
    # Kubernetes refuses an IP address as an Ingress host ("must be a DNS name").
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def check_cookie_domain(argument: str, value: object) -> str:
    """A cookie domain: a DNS name, with or without the leading ``.``; returned with it."""
    text = _require_str(argument, value)
    host = text.removeprefix(".")
    if (
        len(host) > 253
        or not _HOST_RE.fullmatch(host)
        or host.startswith("*.")
        or _is_ip_address(host)
    ):
        fail(
            argument,
            value,
            "a parent domain of the host such as '.example.com' or 'example.com' "
            "(no wildcard, scheme, port or path)",
        )
    return "." + host


# ingress-nginx's own check of Prefix and Exact paths (``strict-validate-path-type``, on by
# default from v1.12): ``^/[[:alnum:]_\-/]*$``. A '.' is a regex metacharacter once any
# Ingress of the host sets ``use-regex``, so it is refused too.
_PATH_RE = re.compile(r"/[A-Za-z0-9_/-]*")


def check_path(argument: str, value: object) -> str:
    """An HTTP path for a ``Prefix`` or ``Exact`` Ingress rule: plain characters, no ``//``."""
    text = _require_str(argument, value)
    if len(text) > 1024 or not _PATH_RE.fullmatch(text) or "//" in text:
        fail(
            argument,
            value,
            "an absolute path such as '/' or '/api/v1' made of letters, digits and "
            "'_', '-', '/' (no '..' segments, no '.' or '//', no regex or nginx syntax: "
            "ingress-nginx refuses anything else in Prefix and Exact paths)",
        )
    return text


_SECRET_KEY_RE = re.compile(r"^[-._a-zA-Z0-9]+$")


def check_secret_key(argument: str, value: object) -> str:
    """A key inside a Kubernetes Secret."""
    text = _require_str(argument, value)
    if len(text) > 253 or not _SECRET_KEY_RE.fullmatch(text) or text in {".", ".."}:
        fail(argument, value, "a Secret key made of letters, digits, '-', '_' and '.'")
    return text


_HEADER_RE = re.compile(r"^[A-Za-z0-9-]{1,128}$")


def check_header_name(argument: str, value: object) -> str:
    """An HTTP header name (letters, digits and '-')."""
    text = _require_str(argument, value)
    if not _HEADER_RE.fullmatch(text):
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
        or not _SUBDOMAIN_RE.fullmatch(host)
        or parts.netloc != (host if port is None else f"{host}:{port}")
        or (port is not None and not 0 < port < 65536)
        or not _URL_PATH_RE.fullmatch(parts.path)
        or "//" in parts.path
        or any(seg in {".", ".."} for seg in parts.path.split("/"))
        or (parts.query and not query)
        or ("?" in text and not query)
        or not _URL_QUERY_RE.fullmatch(parts.query)
    ):
        fail(argument, value, allowed)
    return text


_EMAIL_RE = re.compile(rf"^[A-Za-z0-9._+-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")


def check_email(argument: str, value: object) -> str:
    """An e-mail address of plain characters."""
    text = _require_str(argument, value)
    if len(text) > 254 or not _EMAIL_RE.fullmatch(text):
        fail(argument, value, "an e-mail address such as 'jane@example.com'")
    return text


def check_email_domain(argument: str, value: object) -> str:
    """An e-mail domain for oauth2-proxy: a DNS name, or ``*`` for any domain."""
    text = _require_str(argument, value)
    host = text.removeprefix(".")
    if text != "*" and (len(host) > 253 or not _HOST_RE.fullmatch(host) or "*" in host):
        fail(
            argument,
            value,
            "a DNS name such as 'example.com' (or '.example.com' for its subdomains), "
            "or '*' for any domain",
        )
    return text


_GROUP_RE = re.compile(r"^[A-Za-z0-9._~:@/-]{1,256}$")


def check_group(argument: str, value: object) -> str:
    """A group name as identity providers send it (``admins``, ``/org/team``, ``org:team``)."""
    text = _require_str(argument, value)
    if not _GROUP_RE.fullmatch(text):
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
    # A set or a generator is refused: a set's order changes between runs (hash
    # randomisation), and output must be byte-identical for the same input.
    if isinstance(values, (str, bytes, bytearray)) or not isinstance(values, Sequence):
        fail(argument, values, "a list")
    return list(values)


def check_list(
    argument: str, values: object, check: Callable[[str, object], str]
) -> tuple[str, ...]:
    """Apply ``check(argument, item)`` to every item of a list (a bare string is refused)."""
    return tuple(check(argument, v) for v in _as_list(argument, values))


def check_cidr(argument: str, value: object) -> str:
    """An IPv4 or IPv6 address or CIDR, returned normalised (``10.0.0.1/8`` -> ``10.0.0.0/8``)."""
    allowed = "an IP address or CIDR such as '10.0.0.0/8' or 'fd00::/8'"
    text = _require_str(argument, value)
    if "%" in text:  # an IPv6 zone id ('fe80::1%eth0') is not a network
        fail(argument, value, allowed)
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        fail(argument, value, allowed)


#: One oauth2-proxy flag: ``--name`` or ``--name=value``, the value of plain characters.
_PROXY_FLAG_RE = re.compile(r"--[a-z0-9][a-z0-9-]*(?:=[A-Za-z0-9._~:/@,*+=-]*)?")


def check_proxy_flag(argument: str, value: object) -> str:
    """One oauth2-proxy command-line flag, ``--flag-name=value``, that stays one argument."""
    if not isinstance(value, str) or not _PROXY_FLAG_RE.fullmatch(value):
        fail(
            argument,
            value,
            "one oauth2-proxy flag per item, as '--flag-name=value' with no spaces, quotes, "
            "'$' or ';' (secrets belong in the Secret, not in flags)",
        )
    return value


#: A Kubernetes quantity as this package accepts it: a decimal number and a unit suffix.
_QUANTITY_RE = re.compile(r"([0-9]+(?:\.[0-9]+)?)(m|Ki|Mi|Gi|k|M|G)?")
_SUFFIX = {
    None: Fraction(1),
    "m": Fraction(1, 1000),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "Ki": Fraction(2**10),
    "Mi": Fraction(2**20),
    "Gi": Fraction(2**30),
}


def check_quantity(argument: str, value: object) -> str:
    """A Kubernetes quantity such as ``"100m"``, ``"0.5"``, ``"64Mi"`` or ``"1Gi"``."""
    if not isinstance(value, str) or not _QUANTITY_RE.fullmatch(value):
        fail(argument, value, "a Kubernetes quantity such as '100m', '0.5', '64Mi' or '1Gi'")
    return value


def _quantity_value(argument: str, text: str) -> Fraction:
    match = _QUANTITY_RE.fullmatch(check_quantity(argument, text))
    assert match is not None
    return Fraction(match.group(1)) * _SUFFIX[match.group(2)]


def check_request_within_limit(argument: str, request: str, limit: str) -> str:
    """A resource request no larger than its limit (the API server refuses the Pod otherwise).

    Both must be quantities (:func:`check_quantity`); the request is returned.
    """
    if _quantity_value(argument, request) > _quantity_value(argument, limit):
        fail(argument, request, f"at most the limit {limit!r} (a request above it is refused)")
    return request
