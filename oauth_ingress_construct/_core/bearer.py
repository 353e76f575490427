"""Bearer tokens for API clients: which issuers and audiences the proxy accepts a JWT of.

oauth2-proxy v7.15.3 (``--skip-jwt-bearer-tokens``, ``pkg/apis/options/options.go`` line
134): a request with ``Authorization: Bearer <JWT>`` gets a session from the token when one
verifier accepts it (``oauthproxy.go`` ``buildSessionChain``, lines 411-427):

- the provider's own (``provider.CreateSessionFromToken``): its issuer, audience the client
  id or one of ``--oidc-extra-audience`` (``pkg/providers/oidc/verifier.go`` lines 31-97,
  exact string match on the ``--oidc-audience-claim`` claims, default ``aud``:
  ``pkg/apis/options/providers.go`` line 54). Only the types built with an OIDC verifier
  have one (``providers/providers.go`` ``providerRequiresOIDCProviderVerifier``, lines
  190-202): github and google have none, and ``ProviderData.CreateSessionFromToken``
  answers ``ErrNotImplemented`` (``providers/provider_default.go`` lines 150-155);
- one per ``--extra-jwt-issuers=issuer=audience`` (``pkg/validation/options.go`` lines
  55-72 and 129-169): the issuer is split at the first ``=``, and its verifier accepts the
  pair's audience and, again, every ``--oidc-extra-audience`` (line 63).

A token no verifier accepts gives no session: ``/oauth2/auth`` answers 401, and with the
default ``--bearer-token-login-fallback=true`` (options.go line 135) a page falls back to
the sign-in redirect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .provider import Provider, public_issuer
from .sealed import sealed_value
from .validation import _as_list, check_list, check_url, fail, plain

__all__ = ["BearerTokens", "bearer_args"]

#: An audience as issuers write them: a client id, a GUID, ``api://<id>``, an https URL.
#: No ``*`` (oauth2-proxy matches audiences exactly: a wildcard would only match itself and
#: reads as "any"), no ``,`` (the flags are string slices, split at commas), no spaces.
_AUDIENCE = r"[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,254}"
_AUDIENCE_FIX = (
    "an audience the tokens must carry (the 'aud' claim), e.g. a client id or "
    "'api://my-api': letters, digits and '.', '_', ':', '/', '@', '+', '-', at most 255, "
    "no wildcard and no ','"
)


def _audience(argument: str, value: object) -> str:
    text = plain(value)
    if not isinstance(text, str) or not re.fullmatch(_AUDIENCE, text):
        fail(argument, value, _AUDIENCE_FIX)
    return text


def _issuer(argument: str, value: object) -> str:
    # https only; check_url refuses a host on the pod itself (loopback, link-local),
    # user info, a query and '=' (the separator of --extra-jwt-issuers)
    url = check_url(argument, value, schemes=("https",))
    row = public_issuer(url)
    if row is not None:
        fail(argument, url, "an issuer of your own organisation, not " + _public_fix(row.why))
    return url


def _public_fix(why: str) -> str:
    return (
        f"a public issuer ({why}), where "
        "whoever asks for a token chooses or obtains its audience (a GitHub Actions or "
        "GitLab CI job asks for any 'aud', a Google service account mints an ID token for "
        "any audience), so no audience pins who holds it. Use a tenant-specific issuer, or "
        "your own (Keycloak, Dex) that federates it"
    )


def _pair(argument: str, value: object) -> tuple[str, str]:
    pair = plain(value)
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        fail(
            argument,
            value,
            "an (issuer, audience) pair, e.g. ('https://idp.example.com', 'my-api')",
        )
    return _issuer(f"{argument} issuer", pair[0]), _audience(f"{argument} audience", pair[1])


@sealed_value
@dataclass(frozen=True)
class BearerTokens:
    """API clients may send ``Authorization: Bearer <JWT>`` instead of a session cookie.

    A token is accepted when its signature, expiry and issuer verify and its audience is
    pinned: for the provider's own issuer, the OAuth client id (always, as oauth2-proxy
    does) or one of ``audiences``; for each of ``extra_issuers``, that pair's audience.
    oauth2-proxy also accepts ``audiences`` for the extra issuers (it has one list of extra
    audiences, ``--oidc-extra-audience``, for every verifier).

    :param audiences: extra audiences of the provider's own issuer. Default: - only the
        client id. Refused for github and google, whose tokens oauth2-proxy cannot verify.
    :param extra_issuers: ``(issuer, audience)`` pairs of other https issuers (found by
        OIDC discovery, or ``<issuer>/.well-known/jwks.json``). Default: - none.
    """

    audiences: tuple[str, ...] = ()
    extra_issuers: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        audiences = check_list("audiences", self.audiences, _audience)
        pairs = tuple(
            _pair("extra_issuers", v) for v in _as_list("extra_issuers", self.extra_issuers)
        )
        for argument, values in (("audiences", list(audiences)), ("extra_issuers", list(pairs))):
            repeated = [v for i, v in enumerate(values) if v in values[:i]]
            if repeated:
                fail(argument, repeated[0], "each given once")
        object.__setattr__(self, "audiences", audiences)
        object.__setattr__(self, "extra_issuers", pairs)


def bearer_args(bearer: BearerTokens, provider: Provider) -> tuple[str, ...]:
    """The oauth2-proxy flags of ``bearer`` for ``provider``, checked against it."""
    own = provider._values("oidc-issuer-url")
    if not own:  # github, google: no OIDC verifier for the provider's own tokens
        if bearer.audiences:
            fail(
                "audiences",
                list(bearer.audiences),
                f"empty with the {provider.name!r} provider: oauth2-proxy v7.15.3 builds no "
                "token verifier for it, so its own tokens are never accepted; accept tokens "
                "of another issuer with extra_issuers",
            )
        if not bearer.extra_issuers:
            fail(
                "extra_issuers",
                [],
                f"at least one (issuer, audience) pair with the {provider.name!r} provider: "
                "oauth2-proxy v7.15.3 cannot verify its own tokens, so no token would pass",
            )
    for url in own:
        row = public_issuer(url)
        if row is not None:
            fail(
                "bearer_tokens",
                bearer,
                f"None with this provider: its issuer {url!r} is " + _public_fix(row.why),
            )
    for issuer, _ in bearer.extra_issuers:
        if issuer.rstrip("/") in (u.rstrip("/") for u in own):
            fail(
                "extra_issuers",
                issuer,
                "another issuer than the provider's own: give its audiences in audiences",
            )
    return (
        "--skip-jwt-bearer-tokens=true",
        *(f"--oidc-extra-audience={a}" for a in bearer.audiences),
        *(f"--extra-jwt-issuers={i}={a}" for i, a in bearer.extra_issuers),
    )
