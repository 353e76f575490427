"""The identity headers oauth2-proxy can put in its auth answer: one table, for every target.

A backend behind the proxy trusts these headers to say who the user is, so a client must
never be able to send its own: each target overwrites or removes every one of them on every
request, whatever the app asked to receive (ingress-nginx: ``auth-response-headers`` lists
them all, and an empty value removes the client's header; Envoy Gateway: a
``ClientTrafficPolicy`` removes them before ext_authz runs).

Sources, oauth2-proxy v7.15.3:

- ``pkg/apis/options/legacy_options.go`` ``getResponseHeaders`` (lines 265-285):
  ``--set-xauthrequest`` adds ``X-Auth-Request-User``, ``-Email``, ``-Preferred-Username``
  and ``-Groups`` (``getXAuthRequestHeaders``, lines 409-458), and
  ``X-Auth-Request-Access-Token`` with ``--pass-access-token`` (lines 270-272, 460-472);
  ``--set-basic-auth`` and ``--set-authorization-header`` add ``Authorization`` (lines
  275-281: ``Basic ...`` of the user, or ``Bearer <ID token>``, ``getAuthorizationHeader``
  lines 380-393);
- ``oauthproxy.go`` ``addHeadersForProxying`` (lines 1306-1316): ``GAP-Auth`` (the user's
  e-mail, else the user name) on every authenticated answer, for ``AuthOnly`` and ``Proxy``;
- ``pkg/header/injector.go`` ``newClaimInjector`` (lines 80-116): a header whose claim is
  empty is not added (a user without groups gets no ``X-Auth-Request-Groups``).

``--pass-access-token`` and ``--set-basic-auth`` are refused in ``extra_args`` (``flags``),
so a proxy of this package never sets ``X-Auth-Request-Access-Token`` and sets
``Authorization`` only with ``set_authorization_header=True``.
"""

from __future__ import annotations

from collections.abc import Sequence

from .validation import check_list, check_response_header, fail

__all__ = [
    "AUTHORIZATION",
    "IDENTITY_HEADERS",
    "XAUTH_HEADERS",
    "check_response_headers",
    "forwarded_headers",
]

#: The ``X-Auth-Request-*`` headers oauth2-proxy v7.15.3 can set, and when (see the module
#: docstring for the source lines). ``True``: every proxy of this package sets it (it always
#: runs with ``--set-xauthrequest``), when the user's claim is not empty.
XAUTH_HEADERS: dict[str, bool] = {
    "X-Auth-Request-User": True,
    "X-Auth-Request-Email": True,
    "X-Auth-Request-Preferred-Username": True,
    "X-Auth-Request-Groups": True,
    # only with --pass-access-token, which extra_args refuses
    "X-Auth-Request-Access-Token": False,
}

#: Every identity header oauth2-proxy v7.15.3 can set in its auth answer, other than
#: ``Authorization``: what no client may send to a protected backend.
IDENTITY_HEADERS: tuple[str, ...] = (*XAUTH_HEADERS, "GAP-Auth")

#: The ID token (``Bearer``), with ``set_authorization_header=True``. A client's own
#: ``Authorization`` (an API client's token) reaches the backend unless the app asked for
#: the proxy's with ``pass_authorization_header=True``: then it is always the proxy's, or
#: removed.
AUTHORIZATION = "Authorization"

_BY_LOWER = {h.lower(): h for h in XAUTH_HEADERS}


def check_response_headers(argument: str, values: Sequence[str]) -> tuple[str, ...]:
    """The app's ``response_headers``: headers the proxy sets, spelled as in the table.

    Each must be an ``X-Auth-Request-*`` header a proxy of this package sets (matched
    without regard to case, as HTTP does; repeats are dropped): a header nothing sets never
    carries a value, so an app relying on it would read nothing, or a client's forgery
    where a target does not remove it.
    """
    headers: list[str] = []
    for value in check_list(argument, values, check_response_header):
        name = _BY_LOWER.get(value.lower())
        if name is None:
            fail(
                argument,
                value,
                "an identity header oauth2-proxy v7.15.3 sets, one of "
                f"{[h for h, set_ in XAUTH_HEADERS.items() if set_]}: nothing sets another "
                "X-Auth-Request-* header, so the backend would never get a value",
            )
        if not XAUTH_HEADERS[name]:
            fail(
                argument,
                value,
                f"without {name}: oauth2-proxy sets it only with --pass-access-token, which "
                "this package does not set (the proxy runs auth-only), so the backend would "
                "never get a value",
            )
        if name not in headers:
            headers.append(name)
    return tuple(headers)


def forwarded_headers(response_headers: Sequence[str]) -> tuple[str, ...]:
    """What the backend request takes from the auth answer on a target that can only set.

    ``response_headers`` (the app's, ``Authorization`` last when it asked for it) followed
    by every other identity header of :data:`IDENTITY_HEADERS`: a header set from an answer
    that lacks it is removed, so no client-sent identity header survives.
    """
    wanted = [h for h in response_headers if h != AUTHORIZATION]
    rest = [h for h in IDENTITY_HEADERS if h not in wanted]
    authorization = [AUTHORIZATION] if AUTHORIZATION in response_headers else []
    return (*wanted, *rest, *authorization)
