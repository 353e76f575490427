"""Identity providers for oauth2-proxy, as typed named constructors."""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from .sealed import sealed_value, warns_when_checked
from .validation import (
    check_email_domain,
    check_group,
    check_host,
    check_list,
    check_proxy_flag,
    check_url,
    fail,
    plain,
)
from .warnings import warn_user

__all__ = [
    "PUBLIC_ISSUERS",
    "InsecureIssuerWarning",
    "Provider",
    "PublicIssuer",
    "check_account_restriction",
    "effective_email_domains",
    "public_issuer",
]

_UUID_OR_NAME = r"^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$"
_SCOPE = r"^[A-Za-z0-9:._/-]{1,128}$"
_CLAIM = r"^[A-Za-z0-9:._/-]{1,128}$"
_GH_NAME = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,99})$"
_GH_REPO = r"^[A-Za-z0-9-]{1,100}/[A-Za-z0-9._-]{1,100}$"
_GH_TEAM = r"^[A-Za-z0-9_-]{1,100}$"
# OAuth client ids as identity providers issue them: Google "<n>-<id>.apps.googleusercontent
# .com", Entra GUIDs, GitHub "Iv1.<hex>" / "Ov23<...>", GitLab hex, Keycloak client names.
_CLIENT_ID = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,254}$"


class InsecureIssuerWarning(UserWarning):
    """A provider was built with ``allow_http_issuer=True``: tokens travel unencrypted.

    Only for a lab issuer on a trusted network; never in production.
    """


def _match(argument: str, value: object, pattern: str, allowed: str) -> str:
    # fullmatch: with re.match a trailing newline would slip past the final "$".
    text = plain(value)
    if not isinstance(text, str) or not re.fullmatch(pattern, text):
        fail(argument, value, allowed)
    return text


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


def _issuer(argument: str, value: object, allow_http: bool) -> str:
    if not isinstance(allow_http, bool):
        fail("allow_http_issuer", allow_http, "True or False")
    return check_url(argument, value, schemes=("https", "http") if allow_http else ("https",))


def _flag_value(pattern: str, allowed: str) -> Callable[[str, str], str]:
    return lambda argument, value: _match(argument, value, pattern, allowed)


#: The flags a Provider may contribute, with the check of their value. The named
#: constructors write only these; a Provider built directly is held to the same table.
_PROVIDER_FLAGS: Mapping[str, Callable[[str, str], str]] = {
    "provider": _flag_value(r"[a-z.-]{1,32}", "a provider type"),
    "oidc-issuer-url": lambda a, v: check_url(a, v, schemes=("https", "http")),
    "scope": lambda a, v: " ".join(_scopes(a, v.split(" "))),
    "oidc-groups-claim": _flag_value(_CLAIM, "a claim name such as 'groups'"),
    "oidc-email-claim": _flag_value(_CLAIM, "a claim name such as 'email'"),
    "allowed-role": check_group,
    "github-org": _flag_value(_GH_NAME, "a GitHub organization name"),
    "github-team": _flag_value(_GH_TEAM, "a GitHub team slug"),
    "github-repo": _flag_value(_GH_REPO, "a repository as owner/name"),
    "gitlab-group": check_group,
    "gitlab-project": check_group,
}


def _split(arg: str) -> tuple[str, str]:
    name, _, value = arg[2:].partition("=")
    return name, value


def _provider_arg(argument: str, value: object) -> str:
    text = plain(value)
    if not isinstance(text, str) or not text.startswith("--") or "=" not in text:
        fail(argument, value, "a provider flag '--name=value'")
    name, flag_value = _split(text)
    check = _PROVIDER_FLAGS.get(name)
    if check is None:
        fail(
            argument,
            text,
            "a flag a provider sets (--" + ", --".join(sorted(_PROVIDER_FLAGS)) + "); other "
            "oauth2-proxy flags go to OAuth2Proxy's typed arguments or extra_args",
        )
    if name != "scope":  # the one flag whose value holds spaces: the scopes, each checked
        check_proxy_flag(argument, text)
    check(f"{argument} --{name}", flag_value)
    return text


#: Provider types this package builds (of oauth2-proxy v7.15.3's, ``pkg/apis/options/
#: providers.go`` lines 152-200), each with a named constructor. Other types are not
#: offered: several (facebook, linkedin, bitbucket, ...) admit anyone with an account, and
#: their restriction flags are not modelled here.
_TYPES = frozenset({"oidc", "keycloak-oidc", "entra-id", "github", "gitlab", "google"})
#: Types that find their endpoints by OIDC discovery at ``--oidc-issuer-url``.
_ISSUER_TYPES = frozenset({"oidc", "keycloak-oidc", "entra-id", "gitlab"})

#: Flags that restrict who may sign in at a public identity provider.
_RESTRICTING_FLAGS = frozenset(
    {"github-org", "github-team", "github-repo", "gitlab-group", "gitlab-project"}
)


@dataclass(frozen=True)
class PublicIssuer:
    """An OIDC issuer where anyone can get an account (or any tenant's users can sign in).

    ``issuer`` is matched as a prefix of whole path segments: ``https://gitlab.com`` also
    covers ``https://gitlab.com/`` and a path under it.
    """

    issuer: str
    why: str
    source: str


#: Public, multi-tenant OIDC issuers: an oidc (or gitlab) provider pointing at one admits the
#: whole world unless something restricts who signs in (``check_account_restriction``).
#: Each row says why, and where the issuer is documented.
PUBLIC_ISSUERS: tuple[PublicIssuer, ...] = (
    PublicIssuer(
        "https://accounts.google.com",
        "any Google account, free to create",
        "https://developers.google.com/identity/openid-connect/openid-connect#discovery",
    ),
    PublicIssuer(
        "https://gitlab.com",
        "any gitlab.com account, free to create",
        "https://docs.gitlab.com/integration/openid_connect_provider/",
    ),
    PublicIssuer(
        "https://appleid.apple.com",
        "any Apple Account",
        "https://developer.apple.com/documentation/sign_in_with_apple/"
        "authenticating-users-with-sign-in-with-apple",
    ),
    PublicIssuer(
        "https://token.actions.githubusercontent.com",
        "signs a token for any workflow of any GitHub repository",
        "https://docs.github.com/en/actions/security-for-github-actions/"
        "security-hardening-your-deployments/about-security-hardening-with-openid-connect",
    ),
    *(
        PublicIssuer(
            f"https://login.microsoftonline.com/{tenant}",
            why,
            "https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc"
            "#find-your-apps-openid-configuration-document-uri",
        )
        for tenant, why in (
            ("common", "any work, school or personal Microsoft account"),
            ("organizations", "any work or school account of any Entra ID tenant"),
            ("consumers", "any personal Microsoft account"),
            # the tenant id behind 'consumers': the same issuer by another name
            ("9188040d-6c67-4c5b-b112-36a304b66dad", "any personal Microsoft account"),
        )
    ),
    PublicIssuer(
        "https://slack.com",
        "any user of any Slack workspace (the workspace is a claim, team_id, not the issuer)",
        "https://api.slack.com/authentication/sign-in-with-slack",
    ),
    PublicIssuer(
        "https://www.linkedin.com/oauth",
        "any LinkedIn member, free to join",
        "https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/"
        "sign-in-with-linkedin-v2",
    ),
    PublicIssuer(
        "https://id.twitch.tv/oauth2",
        "any Twitch account, free to create",
        "https://dev.twitch.tv/docs/authentication/getting-tokens-oidc/",
    ),
)


def _segments(url: str) -> tuple[str, int, tuple[str, ...]] | None:
    """(host, port, path segments) of an https URL, by parsing: case, default port, slashes."""
    try:
        parts = urlsplit(url)
        port = parts.port or 443
    except ValueError:
        return None
    host = (parts.hostname or "").rstrip(".")
    # path segments without regard to case: Entra ID reads its tenant names and GUIDs so,
    # and a wrongly cased path of another issuer fails discovery anyway
    return host, port, tuple(seg.lower() for seg in parts.path.split("/") if seg)


def public_issuer(url: str) -> PublicIssuer | None:
    """The row of :data:`PUBLIC_ISSUERS` that ``url`` is (or is under), if any."""
    seen = _segments(url)
    if seen is None:
        return None
    host, port, path = seen
    for row in PUBLIC_ISSUERS:
        known = _segments(row.issuer)
        assert known is not None
        if (host, port) == known[:2] and path[: len(known[2])] == known[2]:
            return row
    return None


@sealed_value
@warns_when_checked
@dataclass(frozen=True)
class Provider:
    """An identity provider and the oauth2-proxy flags that select it.

    Build one with a named constructor (``Provider.oidc(...)``, ``Provider.github(...)``,
    ...); each validates its own settings, and a Provider built directly (or through
    ``dataclasses.replace``) is held to the same checks. ``args`` are the oauth2-proxy
    command-line flags the provider contributes, in a stable order; ``email_domains`` the
    e-mail domains it restricts sign-in to (``Provider.google(hosted_domain=...)``).

    Every named constructor takes ``client_id=``: the OAuth client id, which is public (it
    travels in every redirect to the identity provider), written as a plain value. Default:
    - read from the proxy's Secret (``ProxySecret.client_id_key``).
    """

    name: str
    args: tuple[str, ...]
    email_domains: tuple[str, ...] = ()
    allow_http_issuer: bool = False
    client_id: str | None = None

    def __post_init__(self) -> None:
        if self.client_id is not None:
            client_id = _match(
                "client_id",
                self.client_id,
                _CLIENT_ID,
                "an OAuth client id: letters, digits, '.', '_', ':', '@' and '-', at most 255",
            )
            object.__setattr__(self, "client_id", client_id)
        # ``args`` become oauth2-proxy's command line verbatim: each must be a provider flag
        # of the pinned release with a value of its type, and --provider must name the type.
        name = _match("Provider.name", self.name, r"[a-z.-]{1,32}", "a provider type")
        if name not in _TYPES:
            fail(
                "Provider.name",
                name,
                "a provider type this package builds: " + ", ".join(sorted(_TYPES)),
            )
        if not isinstance(self.allow_http_issuer, bool):
            fail("Provider.allow_http_issuer", self.allow_http_issuer, "True or False")
        args = check_list("Provider.args", self.args, _provider_arg)
        names = [_split(a)[0] for a in args]
        if names.count("provider") != 1 or f"--provider={name}" not in args:
            fail("Provider.args", args, f"exactly one '--provider={name}' among the flags")
        for single in ("oidc-issuer-url", "scope", "oidc-groups-claim", "oidc-email-claim"):
            if names.count(single) > 1:
                fail("Provider.args", args, f"--{single} given at most once")
        if (name in _ISSUER_TYPES) != ("oidc-issuer-url" in names):
            fail(
                "Provider.args",
                args,
                "one --oidc-issuer-url for the types that use discovery (oidc, keycloak-oidc, "
                "entra-id, gitlab) and none for the others",
            )
        for arg in args:
            flag, value = _split(arg)
            if flag == "oidc-issuer-url":
                _issuer("Provider.args", value, self.allow_http_issuer)
        domains = check_list("Provider.email_domains", self.email_domains, check_email_domain)
        if "*" in domains:
            fail("Provider.email_domains", domains, "domains the provider restricts to, not '*'")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "args", args)
        object.__setattr__(self, "email_domains", domains)
        if self.allow_http_issuer:
            warn_user(
                InsecureIssuerWarning(
                    f"Provider {name!r} allows a plain-http issuer: ID tokens and keys travel "
                    "unencrypted and can be forged on the way. Only for a lab issuer"
                )
            )

    def _values(self, flag: str) -> list[str]:
        return [value for name, value in map(_split, self.args) if name == flag]

    @property
    def public(self) -> bool:
        """Whether anyone can get an account at this provider.

        GitHub, Google, gitlab.com, and public OIDC issuers such as accounts.google.com or
        Entra ID's ``common``.
        """
        if self.name in ("github", "google"):
            return True
        return any(public_issuer(url) is not None for url in self._values("oidc-issuer-url"))

    @property
    def issues_id_token(self) -> bool:
        """Whether the provider's sessions hold an ID token (``Authorization: Bearer ...``).

        oauth2-proxy v7.15.3: GitHub redeems with ``ProviderData.Redeem``
        (``providers/provider_default.go`` lines 51-107), which keeps only the access token;
        Google keeps the ``id_token`` of its answer (``providers/google.go`` ``Redeem``,
        lines 194-244); oidc, keycloak-oidc, entra-id and gitlab (built on ``OIDCProvider``,
        ``providers/gitlab.go`` line 24) redeem through ``OIDCProvider.createSession``
        (``providers/oidc.go`` lines 240-250: the ID token is mandatory at redeem).
        """
        return self.name != "github"

    @property
    def restricted(self) -> bool:
        """Whether the provider itself narrows who signs in (org, team, group, domain...)."""
        return bool(self.email_domains) or any(
            _split(a)[0] in _RESTRICTING_FLAGS for a in self.args
        )

    @classmethod
    def oidc(
        cls,
        *,
        issuer_url: str,
        scopes: Sequence[str] | None = None,
        groups_claim: str | None = None,
        email_claim: str | None = None,
        allow_http_issuer: bool = False,
        client_id: str | None = None,
    ) -> Provider:
        """A generic OpenID Connect provider, found by discovery at ``issuer_url``.

        :param issuer_url: the issuer, ``https://``.
        :param scopes: Default: - oauth2-proxy's default, ``openid email profile``.
        :param groups_claim: Default: - ``groups``.
        :param email_claim: Default: - ``email``.
        :param allow_http_issuer: Default: ``False``. ``True`` also accepts an ``http://``
            issuer, for a lab issuer only, with an :class:`InsecureIssuerWarning`.
        """
        base = cls._oidc_family(
            "oidc", issuer_url, scopes, groups_claim, email_claim, allow_http_issuer, warn=False
        )
        return dataclasses.replace(base, client_id=client_id)

    @classmethod
    def keycloak_oidc(
        cls,
        *,
        issuer_url: str,
        scopes: Sequence[str] | None = None,
        groups_claim: str | None = None,
        allowed_roles: Sequence[str] = (),
        allow_http_issuer: bool = False,
        client_id: str | None = None,
    ) -> Provider:
        """Keycloak through OIDC (``https://<keycloak>/realms/<realm>``).

        :param allowed_roles: realm roles, or ``<client>:<role>`` client roles, of which
            the user needs one. Default: - no role restriction.
        :param allow_http_issuer: as for :meth:`oidc`. Default: ``False``.
        """
        roles = check_list("allowed_roles", allowed_roles, check_group)
        base = cls._oidc_family(
            "keycloak-oidc", issuer_url, scopes, groups_claim, None, allow_http_issuer, warn=False
        )
        extra = (f"--allowed-role={r}" for r in roles)
        return cls(
            name=base.name,
            args=(*base.args, *extra),
            allow_http_issuer=base.allow_http_issuer,
            client_id=client_id,
        )

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
        base = cls._oidc_family("entra-id", issuer, scopes, None, None, False)
        return dataclasses.replace(base, client_id=client_id)

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
        allow_http_issuer: bool = False,
        client_id: str | None = None,
    ) -> Provider:
        """GitLab (gitlab.com or self-managed), optionally restricted to groups or projects.

        :param issuer_url: Default: - ``https://gitlab.com``.
        :param groups: group paths such as ``my-org/platform``. Default: - no group check.
        :param projects: project paths such as ``my-org/app``. Default: - no project check.
        :param allow_http_issuer: as for :meth:`oidc`. Default: ``False``.
        """
        url = _issuer("issuer_url", issuer_url, allow_http_issuer)
        args = ["--provider=gitlab", f"--oidc-issuer-url={url}"]
        args += [f"--gitlab-group={g}" for g in check_list("groups", groups, check_group)]
        args += [f"--gitlab-project={p}" for p in check_list("projects", projects, check_group)]
        return cls(
            name="gitlab",
            args=tuple(args),
            allow_http_issuer=allow_http_issuer,
            client_id=client_id,
        )

    @classmethod
    def google(cls, *, hosted_domain: str | None = None, client_id: str | None = None) -> Provider:
        """Google accounts, optionally only those of a Google Workspace domain.

        oauth2-proxy v7.15.3 has no hosted-domain flag (its Google flags are
        ``--google-group`` and the service-account ones, ``legacy_options.go`` lines
        641-647); a Workspace domain is enforced through ``--email-domain``, which Google
        fills with the account's verified address.

        :param hosted_domain: the Workspace domain, e.g. ``example.com``; the proxy's
            ``email_domains`` then default to it. Default: - any Google account (restrict
            with ``email_domains`` or ``allowed_groups`` on the proxy).
        """
        domains: tuple[str, ...] = ()
        if hosted_domain is not None:
            domains = (check_host("hosted_domain", hosted_domain, wildcard=False),)
        return cls(
            name="google", args=("--provider=google",), email_domains=domains, client_id=client_id
        )

    @classmethod
    def _oidc_family(  # noqa: PLR0917 - a private helper of the named constructors
        cls,
        name: str,
        issuer_url: str,
        scopes: Sequence[str] | None,
        groups_claim: str | None,
        email_claim: str | None,
        allow_http_issuer: bool,
        *,
        warn: bool = True,
    ) -> Provider:
        url = _issuer("issuer_url", issuer_url, allow_http_issuer)
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
        if not warn:  # the caller builds the final value, which warns
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", InsecureIssuerWarning)
                return cls(name=name, args=tuple(args), allow_http_issuer=allow_http_issuer)
        return cls(name=name, args=tuple(args), allow_http_issuer=allow_http_issuer)


def effective_email_domains(
    provider: Provider, email_domains: Sequence[str] | None
) -> tuple[str, ...]:
    """The proxy's ``--email-domain`` values: the user's, else the provider's, else ``*``.

    With both, each of the user's domains must lie within one of the provider's (a Google
    Workspace ``hosted_domain`` cannot be widened by ``email_domains``).
    """
    if email_domains is None:
        return provider.email_domains or ("*",)
    domains = check_list("email_domains", email_domains, check_email_domain)
    if "*" in domains and len(domains) > 1:
        # oauth2-proxy v7.15.3 admits any address once '*' is among the domains
        # (validator.go newValidatorImpl, lines 80-101: allowAll overrides the domain check)
        fail(
            "email_domains",
            list(domains),
            "either ['*'] (any address) or the domains to admit: next to '*', oauth2-proxy "
            "admits every address, so the other domains restrict nothing",
        )
    for domain in domains:
        bare = domain.removeprefix(".")
        if provider.email_domains and not any(
            bare == d or bare.endswith("." + d) for d in provider.email_domains
        ):
            fail(
                "email_domains",
                domain,
                f"within the provider's hosted domain {list(provider.email_domains)!r} "
                "(or leave email_domains unset to use it)",
            )
    return domains


def check_account_restriction(
    provider: Provider,
    *,
    email_domains: Sequence[str],
    restricted_elsewhere: bool,
    allow_any_account: object,
    argument: str = "allow_any_account",
) -> None:
    """Refuse a public identity provider that would let anyone with an account in.

    GitHub, Google, gitlab.com and public OIDC issuers hand out accounts to anyone; without
    an organization, team, group, project or e-mail domain restriction, and without the
    explicit ``allow_any_account=True``, the proxy would admit the whole world.
    """
    if not isinstance(allow_any_account, bool):
        fail(argument, allow_any_account, "True or False")
    if allow_any_account or not provider.public or provider.restricted or restricted_elsewhere:
        return
    if "*" not in email_domains:
        return
    fail(
        argument,
        allow_any_account,
        f"True to let anyone with a {provider.name!r} account sign in (a public identity "
        "provider, and neither the provider nor email_domains nor allowed_groups restricts "
        "who gets in); otherwise restrict it: an organization/team/repo, GitLab groups or "
        "projects, a Google hosted_domain, email_domains or allowed_groups",
    )
