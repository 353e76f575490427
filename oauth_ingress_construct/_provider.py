"""Identity providers for oauth2-proxy, as typed named constructors."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ._validation import (
    check_group,
    check_host,
    check_list,
    check_proxy_flag,
    check_url,
    fail,
)

__all__ = ["Provider"]

_UUID_OR_NAME = r"^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$"
_SCOPE = r"^[A-Za-z0-9:._/-]{1,128}$"
_CLAIM = r"^[A-Za-z0-9:._/-]{1,128}$"
_GH_NAME = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,99})$"
_GH_REPO = r"^[A-Za-z0-9-]{1,100}/[A-Za-z0-9._-]{1,100}$"
_GH_TEAM = r"^[A-Za-z0-9_-]{1,100}$"


_NAME = r"^[a-z0-9][a-z0-9-]{0,62}$"
# OAuth client ids as identity providers issue them: Google "<n>-<id>.apps.googleusercontent
# .com", Entra GUIDs, GitHub "Iv1.<hex>" / "Ov23<...>", GitLab hex, Keycloak client names.
_CLIENT_ID = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,254}$"


def _match(argument: str, value: object, pattern: str, allowed: str) -> str:
    # fullmatch: with re.match a trailing newline would slip past the final "$".
    if not isinstance(value, str) or not re.fullmatch(pattern, value):
        fail(argument, value, allowed)
    return value


def _provider_arg(argument: str, value: object) -> str:
    # ``--scope`` is the one flag whose value holds spaces: the scopes, each checked.
    if isinstance(value, str) and value.startswith("--scope="):
        scopes = value.removeprefix("--scope=").split(" ")
        if all(re.fullmatch(_SCOPE, scope) for scope in scopes):
            return value
        fail(argument, value, "'--scope=' followed by OAuth scopes separated by single spaces")
    return check_proxy_flag(argument, value)


def _scopes(argument: str, scopes: Sequence[str] | None) -> tuple[str, ...]:
    if scopes is None:
        return ()
    values = check_list(
        argument,
        scopes,
        lambda a, v: _match(a, v, _SCOPE, "an OAuth scope such as 'openid' or 'email'"),
    )
    if not values:
        fail(argument, scopes, "a non-empty list of scopes, or None for the provider's default")
    return values


@dataclass(frozen=True)
class Provider:
    """An identity provider and the oauth2-proxy flags that select it.

    Build one with a named constructor (``Provider.oidc(...)``, ``Provider.github(...)``,
    ...); each validates its own settings. ``args`` are the oauth2-proxy command-line
    flags the provider contributes, in a stable order.

    Every named constructor takes ``client_id=``: the OAuth client id, which is public (it
    travels in every redirect to the identity provider), written as a plain value. Default:
    - read from the proxy's Secret (``ProxySecret.client_id_key``).
    """

    name: str
    args: tuple[str, ...]
    client_id: str | None = None

    def __post_init__(self) -> None:
        if self.client_id is not None:
            _match(
                "client_id",
                self.client_id,
                _CLIENT_ID,
                "an OAuth client id: letters, digits, '.', '_', ':', '@' and '-', at most 255",
            )
        # The named constructors build valid values; this guards direct construction,
        # since ``args`` become oauth2-proxy's command line verbatim.
        _match("Provider.name", self.name, _NAME, "an oauth2-proxy provider name such as 'oidc'")
        args = check_list("Provider.args", self.args, _provider_arg)
        object.__setattr__(self, "args", args)

    @classmethod
    def oidc(
        cls,
        *,
        issuer_url: str,
        scopes: Sequence[str] | None = None,
        groups_claim: str | None = None,
        email_claim: str | None = None,
        client_id: str | None = None,
    ) -> Provider:
        """A generic OpenID Connect provider, found by discovery at ``issuer_url``.

        :param issuer_url: the issuer, ``https://`` (``http://`` only for local testing).
        :param scopes: Default: - oauth2-proxy's default, ``openid email profile``.
        :param groups_claim: Default: - ``groups``.
        :param email_claim: Default: - ``email``.
        """
        base = cls._oidc_family("oidc", issuer_url, scopes, groups_claim, email_claim)
        return cls(name=base.name, args=base.args, client_id=client_id)

    @classmethod
    def keycloak_oidc(
        cls,
        *,
        issuer_url: str,
        scopes: Sequence[str] | None = None,
        groups_claim: str | None = None,
        allowed_roles: Sequence[str] = (),
        client_id: str | None = None,
    ) -> Provider:
        """Keycloak through OIDC (``https://<keycloak>/realms/<realm>``).

        :param allowed_roles: realm roles, or ``<client>:<role>`` client roles, of which
            the user needs one. Default: - no role restriction.
        """
        base = cls._oidc_family("keycloak-oidc", issuer_url, scopes, groups_claim, None)
        roles = check_list("allowed_roles", allowed_roles, check_group)
        extra = (f"--allowed-role={r}" for r in roles)
        return cls(name=base.name, args=(*base.args, *extra), client_id=client_id)

    @classmethod
    def entra_id(
        cls,
        *,
        tenant_id: str,
        scopes: Sequence[str] | None = None,
        client_id: str | None = None,
    ) -> Provider:
        """Microsoft Entra ID (formerly Azure AD), issuer derived from the tenant.

        :param tenant_id: the directory (tenant) id, a GUID or a verified domain name.
        :param scopes: Default: - ``openid email profile``.
        """
        tenant = _match(
            "tenant_id",
            tenant_id,
            _UUID_OR_NAME,
            "a tenant GUID or domain such as 'contoso.onmicrosoft.com'",
        )
        issuer = f"https://login.microsoftonline.com/{tenant}/v2.0"
        base = cls._oidc_family("entra-id", issuer, scopes, None, None)
        return cls(name=base.name, args=base.args, client_id=client_id)

    @classmethod
    def github(
        cls,
        *,
        org: str | None = None,
        team: str | None = None,
        repo: str | None = None,
        client_id: str | None = None,
    ) -> Provider:
        """GitHub, optionally restricted to an organization, a team of it, or a repository.

        :param org: Default: - any GitHub user (restrict with email domains or ``repo``).
        :param team: team slug inside ``org``. Default: - every member of ``org``.
        :param repo: ``owner/name``; users need access to it. Default: - no repository check.
        """
        args = ["--provider=github"]
        if org is not None:
            args.append(
                f"--github-org={_match('org', org, _GH_NAME, 'a GitHub organization name')}"
            )
        if team is not None:
            if org is None:
                fail("team", team, "used together with org (a team belongs to an organization)")
            args.append(f"--github-team={_match('team', team, _GH_TEAM, 'a GitHub team slug')}")
        if repo is not None:
            args.append(
                f"--github-repo={_match('repo', repo, _GH_REPO, 'a repository as owner/name')}"
            )
        return cls(name="github", args=tuple(args), client_id=client_id)

    @classmethod
    def gitlab(
        cls,
        *,
        issuer_url: str = "https://gitlab.com",
        groups: Sequence[str] = (),
        projects: Sequence[str] = (),
        client_id: str | None = None,
    ) -> Provider:
        """GitLab (gitlab.com or self-managed), optionally restricted to groups or projects.

        :param issuer_url: Default: - ``https://gitlab.com``.
        :param groups: group paths such as ``my-org/platform``. Default: - no group check.
        :param projects: project paths such as ``my-org/app``. Default: - no project check.
        """
        url = check_url("issuer_url", issuer_url, schemes=("https", "http"))
        args = ["--provider=gitlab", f"--oidc-issuer-url={url}"]
        args += [f"--gitlab-group={g}" for g in check_list("groups", groups, check_group)]
        args += [f"--gitlab-project={p}" for p in check_list("projects", projects, check_group)]
        return cls(name="gitlab", args=tuple(args), client_id=client_id)

    @classmethod
    def google(cls, *, hosted_domain: str | None = None, client_id: str | None = None) -> Provider:
        """Google accounts, optionally only those of a Google Workspace domain.

        :param hosted_domain: Default: - any Google account (restrict with email domains).
        """
        args = ["--provider=google"]
        if hosted_domain is not None:
            domain = check_host("hosted_domain", hosted_domain, wildcard=False)
            args.append(f"--google-hosted-domain={domain}")
        return cls(name="google", args=tuple(args), client_id=client_id)

    @classmethod
    def _oidc_family(
        cls,
        name: str,
        issuer_url: str,
        scopes: Sequence[str] | None,
        groups_claim: str | None,
        email_claim: str | None,
    ) -> Provider:
        url = check_url("issuer_url", issuer_url, schemes=("https", "http"))
        args = [f"--provider={name}", f"--oidc-issuer-url={url}"]
        scope_list = _scopes("scopes", scopes)
        if scope_list:
            args.append(f"--scope={' '.join(scope_list)}")
        if groups_claim is not None:
            claim = _match("groups_claim", groups_claim, _CLAIM, "a claim name such as 'groups'")
            args.append(f"--oidc-groups-claim={claim}")
        if email_claim is not None:
            claim = _match("email_claim", email_claim, _CLAIM, "a claim name such as 'email'")
            args.append(f"--oidc-email-claim={claim}")
        return cls(name=name, args=tuple(args))
