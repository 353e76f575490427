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
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from functools import lru_cache
from typing import Any, NoReturn
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

__all__ = [
    "ConfigurationError",
    "check_annotations_size",
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
    "check_nginx_parameter",
    "check_object_size",
    "check_path",
    "check_proxy_buffer_size",
    "check_proxy_flag",
    "check_quantity",
    "check_request_within_limit",
    "check_response_header",
    "check_secret_key",
    "check_service_name",
    "check_url",
    "check_version",
    "derive_cookie_domain",
    "fail",
    "host_address",
    "is_public_suffix",
    "own_pod_reason",
    "plain",
    "version_text",
]


class ConfigurationError(ValueError):
    """A construct argument was refused; the message names it, shows it and says the fix."""


def fail(argument: str, value: object, allowed: str) -> NoReturn:
    """Raise :class:`ConfigurationError` in the package's one message format."""
    raise ConfigurationError(f"{argument} must be {allowed}, got {value!r}")


def plain(value: object) -> object:
    """``value`` as a plain built-in ``str`` or ``int`` where it is a subclass of one.

    A ``StrEnum``, an ``IntEnum``, a class overriding ``__str__``/``__format__``: each
    becomes the ``str``/``int`` it holds.

    The conversion goes through the base type's own slot (``str.__str__``, ``int.__int__``),
    so an override cannot change what is checked, and what is checked is what is emitted.
    ``bool`` (which cannot be subclassed) and every other type are returned unchanged.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__int__(value)
    return value


#: Strings that Go's ``strconv.ParseInt(s, 0, 64)`` reads as integers (prefix ``0o``, ``0x``,
#: ``0b`` in either case, ``_`` between digits) and that cdk8s's YAML writer leaves unquoted
#: (``0o17``, ``0X1F``, ``0B101``: YAML 1.1 has no such integers). kubectl's YAML reader
#: (sigs.k8s.io/yaml over go-yaml v2) resolves a plain scalar through ParseInt, so such a
#: name would reach the API server as a number. Refused in every field emitted as a whole
#: scalar (names, namespaces, hosts, Secret keys); cdk8s quotes every other number-like
#: string (``"123"``, ``"1e3"``, ``"yes"``, ``"0x1f"``), which the tests check.
_YAML_NUMBER_RE = re.compile(r"[-+]?0[oObBxX]_?[0-9a-fA-F][0-9a-fA-F_.pP+-]*")


def _require_str(argument: str, value: object) -> str:
    text = plain(value)
    if not isinstance(text, str):
        fail(argument, value, "a string")
    return text


def _require_scalar(argument: str, value: object) -> str:
    """A string emitted as a whole YAML scalar (a name, a namespace, a key)."""
    text = _require_str(argument, value)
    if _YAML_NUMBER_RE.fullmatch(text):
        fail(
            argument,
            text,
            "a string that YAML readers do not take for a number (such as '0o17' or '0X1F', "
            "which kubectl would read as an integer)",
        )
    return text


#: A release version as users write it: an optional ``v``, then two or three dot-separated
#: parts of ASCII digits (``[0-9]``, never ``\d``, which also matches other scripts' digits
#: that ``int()`` would read); no sign, ``_``, whitespace or suffix.
_VERSION_RE = re.compile(r"v?([0-9]+)\.([0-9]+)(?:\.([0-9]+))?")
#: Longer version strings are refused before any ``int()`` (leading zeros are allowed).
_MAX_VERSION_CHARS = 32


def check_version(
    argument: str, value: object, *, example: str, patch: bool = False
) -> tuple[int, int, int]:
    """A version as integers: ``"v1.8"`` -> ``(1, 8, 0)``, ``"1.037.0"`` -> ``(1, 37, 0)``.

    The one parser of every version the package reads, so versions compare as the numbers
    they spell whatever the spelling (leading zeros, a leading ``v``, a missing patch part),
    and tables are looked up with :func:`version_text` of the result. ``patch``: the patch
    part is required. ``example`` names the kind of version in the message.
    """
    text = plain(value)
    match = (
        _VERSION_RE.fullmatch(text)
        if isinstance(text, str) and len(text) <= _MAX_VERSION_CHARS
        else None
    )
    if match is None or (patch and match.group(3) is None):
        fail(argument, value, example)
    major, minor, micro = (int(part or "0") for part in match.groups())
    return (major, minor, micro)


def version_text(version: tuple[int, ...]) -> str:
    """The normalised spelling of a version: ``(1, 8, 0)`` -> ``"1.8.0"``."""
    return ".".join(str(part) for part in version)


_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_LABEL_RE = re.compile(rf"^{_LABEL}$")
_SUBDOMAIN_RE = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_HOST_RE = re.compile(rf"^(?:\*\.)?{_LABEL}(?:\.{_LABEL})+$")


def check_dns_label(argument: str, value: object) -> str:
    """A Kubernetes object name of the DNS-1123 label kind (Service, namespace): <= 63 chars."""
    text = _require_scalar(argument, value)
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
    text = _require_scalar(argument, value)
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
    text = _require_scalar(argument, value)
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
    text = _require_scalar(argument, value)
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


@lru_cache(maxsize=1)
def _public_suffix_list() -> PublicSuffixList:
    # The package's bundled snapshot of the Public Suffix List (ICANN and private
    # sections): loaded from the installed package, never from the network.
    return PublicSuffixList()


def is_public_suffix(domain: str) -> bool:
    """Whether ``domain`` is a public suffix (``co.uk``, ``github.io``, ``herokuapp.com``).

    A cookie for a public suffix, or a redirect allow-list entry for one, covers sites of
    unrelated owners. Unknown top-level labels count as public (the list's ``*`` rule).
    """
    return bool(_public_suffix_list().is_public(domain.removeprefix(".")))


def check_cookie_domain(argument: str, value: object) -> str:
    """A cookie domain: a DNS name, with or without the leading ``.``; returned with it.

    A public suffix (:func:`is_public_suffix`) is refused: the session cookie and the
    sign-in redirect allow-list would then cover every site under it.
    """
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
    if is_public_suffix(host):
        fail(
            argument,
            text,
            "a domain you own, not a public suffix (the Public Suffix List has it: the "
            "session cookie and sign-in redirects would cover every site under it); use "
            "your own domain below it, or shared=False for a host-only cookie",
        )
    return "." + host


def derive_cookie_domain(argument: str, host: str) -> str:
    """The cookie domain shared under ``host``: its parent domain, else the host itself.

    ``access.example.com`` -> ``.example.com``; ``example.com`` -> ``.example.com``;
    ``example.co.uk`` -> ``.example.co.uk`` (its parent ``co.uk`` is a public suffix).
    A host that is itself a public suffix (``github.io``) is refused.
    """
    labels = host.removeprefix("*.").split(".")
    parent = ".".join(labels[1:] if len(labels) > 2 else labels)
    if is_public_suffix(parent):
        parent = ".".join(labels)
    return check_cookie_domain(argument, parent)


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
    text = _require_scalar(argument, value)
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


#: Headers of the auth answer that may be copied into the request to the backend: the
#: identity oauth2-proxy sends with ``--set-xauthrequest`` (``X-Auth-Request-User``,
#: ``-Email``, ``-Groups``, ``-Preferred-Username``, ``-Access-Token``: pkg/middleware
#: headers of v7.15.3). A framing or routing header (``Content-Length``, ``Host``,
#: ``Transfer-Encoding``, ``Connection``, ...) copied from the auth answer would let a
#: signed-in user shape the request the backend sees.
_IDENTITY_HEADER_RE = re.compile(r"X-Auth-Request-[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*", re.IGNORECASE)


def check_response_header(argument: str, value: object) -> str:
    """An identity header of oauth2-proxy's auth answer to pass to the backend."""
    text = check_header_name(argument, value)
    if not _IDENTITY_HEADER_RE.fullmatch(text):
        fail(
            argument,
            text,
            "an identity header of oauth2-proxy's answer, 'X-Auth-Request-<Name>' such as "
            "'X-Auth-Request-User' (the ID token in 'Authorization' is passed with "
            "pass_authorization_header=True; other headers could frame or route the request)",
        )
    return text


#: Longest parameter (one token of nginx.conf) nginx reads: its configuration buffer is
#: 4096 bytes (``NGX_CONF_BUFFER``); Debian's nginx passes ``set $t "<4094 bytes>";`` and
#: refuses one byte more ("too long parameter"). ingress-nginx writes ``auth-url`` quoted as
#: one such token (``set $target "..."``, nginx.tmpl line 1123 in v1.15.1); 4000 bytes keeps
#: a margin for other templates of the same value.
MAX_NGINX_PARAMETER_BYTES = 4000


def check_nginx_parameter(argument: str, value: str) -> str:
    """Refuse a value that ingress-nginx writes as one nginx token and nginx would refuse."""
    size = len(value.encode())
    if size > MAX_NGINX_PARAMETER_BYTES:
        fail(
            argument,
            value[:80] + "...",
            f"at most {MAX_NGINX_PARAMETER_BYTES} bytes (this one has {size}; nginx refuses a "
            "parameter of 4096 bytes or more and `nginx -t` would fail): fewer groups or "
            "domains, or restrict on the proxy (allowed_groups there)",
        )
    return value


#: ``proxy-buffer-size`` bounds: below nginx's and ingress-nginx's default of 4k the auth
#: sub-request's answer headers (cookies, identity headers) no longer fit and every request
#: fails with 502; above 1m every connection reserves megabytes (ingress-nginx also uses the
#: size for ``proxy_buffers 4 <size>``, nginx.tmpl line 1079 in v1.15.1).
_BUFFER_SIZE_RE = re.compile(r"([1-9][0-9]{0,6})([km]?)")
MIN_PROXY_BUFFER_BYTES = 4 * 1024
MAX_PROXY_BUFFER_BYTES = 1024 * 1024


def check_proxy_buffer_size(argument: str, value: object) -> str:
    """An nginx size such as ``"16k"`` from 4k to 1m (see the bounds above)."""
    text = plain(value)
    match = _BUFFER_SIZE_RE.fullmatch(text) if isinstance(text, str) else None
    scale = {"": 1, "k": 1024, "m": 1024 * 1024}
    if (
        not isinstance(text, str)
        or match is None
        or not (
            MIN_PROXY_BUFFER_BYTES
            <= int(match.group(1)) * scale[match.group(2)]
            <= MAX_PROXY_BUFFER_BYTES
        )
    ):
        fail(argument, value, "an nginx size from '4k' to '1m', such as '8k' or '16k'")
    return text


#: The API server's limit on the total size of an object's annotations, keys and values
#: (apimachinery ``TotalAnnotationSizeLimitB``, 256 KiB).
MAX_ANNOTATIONS_BYTES = 256 * 1024
#: etcd's default request limit (``--max-request-bytes``, 1.5 MiB), which bounds one object.
MAX_OBJECT_BYTES = 3 * 512 * 1024


def check_annotations_size(argument: str, annotations: Mapping[str, str]) -> None:
    """Refuse annotations whose keys and values add up to more than 256 KiB."""
    total = sum(len(k.encode()) + len(v.encode()) for k, v in annotations.items())
    if total > MAX_ANNOTATIONS_BYTES:
        fail(
            argument,
            f"<annotations of {total} bytes>",
            f"at most {MAX_ANNOTATIONS_BYTES} bytes of annotations in all (the API server "
            "refuses more): fewer groups, domains or paths",
        )


def check_object_size(argument: str, manifest: Mapping[str, Any]) -> None:
    """Refuse a manifest whose JSON form exceeds 1.5 MiB (etcd's default request limit).

    JSON is larger than the protobuf the API server stores, so this errs on the safe side.
    (Client-side ``kubectl apply`` also copies the object into an annotation, which caps it
    at 256 KiB: use server-side apply for objects that large.)
    """
    size = len(json.dumps(manifest, separators=(",", ":")).encode())
    if size > MAX_OBJECT_BYTES:
        fail(
            argument,
            f"<object of {size} bytes>",
            f"at most {MAX_OBJECT_BYTES} bytes (etcd's default request limit)",
        )


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
    own = own_pod_reason(host)
    if own is not None:
        fail(
            argument,
            text,
            f"a URL of a service the proxy can reach from its pod: {host!r} is {own}, "
            "which inside the pod is the proxy's own pod (or, for a browser, the user's "
            "machine), never the service meant. Use the service's DNS name (in-cluster: "
            "'<service>.<namespace>.svc.cluster.local')",
        )
    if (
        parts.scheme not in schemes
        # urlsplit lower-cases the scheme; 'HTTPS://' would be emitted as typed
        or not text.startswith(parts.scheme + "://")
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
    if _is_metadata_or_link_local(host):
        fail(
            argument,
            text,
            "a URL of a real service: link-local addresses (169.254.0.0/16, which holds the "
            "cloud metadata endpoints), numeric host forms other than a dotted IPv4 address, "
            "unspecified, multicast and reserved addresses and metadata host names are refused",
        )
    return text


#: Names that resolve to the loopback interface: ``localhost`` and every name under it
#: (RFC 6761 section 6.3), and the aliases of Debian's and most images' ``/etc/hosts``.
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


def _inet_aton(text: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a resolver reads ``text`` as (glibc ``inet_aton``), else ``None``.

    One to four parts separated by dots, each decimal, ``0x`` hexadecimal or ``0``-prefixed
    octal; the last part fills the remaining bytes: ``127.1``, ``2130706433``,
    ``0x7f.1``, ``0177.0.0.1`` and ``0`` are all addresses.
    """
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = []
    for part in parts:
        try:
            if part[:2] in ("0x", "0X"):
                value = int(part[2:] or "0", 16)
            elif len(part) > 1 and part.startswith("0"):
                value = int(part[1:], 8)
            else:
                value = int(part, 10) if part.isdigit() else -1
        except ValueError:
            return None
        if value < 0:
            return None
        values.append(value)
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = last
    for i, value in enumerate(head):
        number += value << (8 * (3 - i))
    return ipaddress.IPv4Address(number)


def host_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a URL's host stands for, in any form a resolver accepts, else ``None``.

    ``[::1]`` and ``::1``, an IPv6 zone (``fe80::1%eth0``), a trailing dot, and the IPv4
    forms of :func:`_inet_aton`; an IPv4-mapped IPv6 address counts as its IPv4 address.
    """
    text = host.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")
    if ":" in text:
        try:
            address = ipaddress.IPv6Address(text.split("%", 1)[0])
        except ValueError:
            return None
        return address.ipv4_mapped or address
    return _inet_aton(text) if text else None


def own_pod_reason(host: str) -> str | None:
    """Why ``host`` never names another machine: loopback, link-local or unspecified.

    Judged by parsing (:func:`host_address`), so ``127.0.0.2``, ``2130706433``, ``0``,
    ``[::1]``, ``localhost.`` and ``api.localhost`` are all found; ``None`` for a host that
    may be another machine.
    """
    name = host.strip().lower().rstrip(".")
    if name in _LOOPBACK_NAMES or name.endswith(".localhost"):
        return "a loopback name"
    address = host_address(host)
    if address is None:
        return None
    if address.is_loopback:
        return f"a loopback address ({address})"
    if address.is_unspecified:
        return f"the unspecified address ({address}), which connects to the local machine"
    if address.is_link_local:
        metadata = "; 169.254.0.0/16 holds the cloud metadata endpoints" * (address.version == 4)
        return f"a link-local address ({address}{metadata})"
    return None


#: Cloud instance-metadata endpoints reachable by name or by an address outside
#: 169.254.0.0/16 (GCP's names; Alibaba Cloud's 100.100.100.200).
_METADATA_HOSTS = frozenset(
    {"metadata", "metadata.google.internal", "metadata.goog", "instance-data",
     "instance-data.ec2.internal", "100.100.100.200"}
)  # fmt: skip


def _is_metadata_or_link_local(host: str) -> bool:
    if host in _METADATA_HOSTS:
        return True
    last = host.rsplit(".", 1)[-1]
    # '2852039166', '0xa9fea9fe', '169.254.43518': resolvers read these as IPv4 addresses
    # (inet_aton); only the plain dotted form is judged, the others are refused.
    if last.isdigit() or last.startswith("0x"):
        try:
            address = ipaddress.IPv4Address(host)
        except ValueError:
            return True
        return (
            address.is_link_local
            or address.is_unspecified
            or address.is_multicast
            or address.is_reserved
        )
    return False


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
    """An integer (not a bool) in ``[low, high]``, returned as a plain ``int``."""
    number = plain(value)
    if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
        fail(argument, value, f"an integer from {low} to {high}")
    return number


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
    value = plain(value)
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
    value = plain(value)
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
