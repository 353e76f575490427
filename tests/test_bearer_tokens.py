"""Bearer tokens for API clients: pinned issuers and audiences, the flags, the headers."""

from __future__ import annotations

import cdk8s
import pytest
from hypothesis import given
from hypothesis import strategies as st

from oauth_ingress_construct import (
    BearerTokens,
    ConfigurationError,
    EnvoyGateway,
    GatewayRef,
    OAuth2Proxy,
    ProtectedApp,
    Provider,
    ServiceRef,
)
from oauth_ingress_construct._core.provider import PUBLIC_ISSUERS
from oauth_ingress_construct._core.workload import resolve_proxy
from oauth_ingress_construct._targets.envoy_gateway import HEADERS_TO_EXT_AUTH

ISSUER = "https://login.example.com"
OIDC = Provider.oidc(issuer_url=ISSUER)
GW = GatewayRef("eg", "infra", section_name="https")


def _args(bearer: BearerTokens | None, provider: Provider = OIDC) -> tuple[str, ...]:
    spec = resolve_proxy(
        name="sso", namespace="auth", host="auth.example.com", provider=provider,
        bearer_tokens=bearer, allow_any_account=True,
    )  # fmt: skip
    return spec.args


def _refused(match: str, build) -> str:
    with pytest.raises(ConfigurationError, match=match) as raised:
        build()
    return str(raised.value)


# ---------------------------------------------------------------------------------------
# The flags
# ---------------------------------------------------------------------------------------


def test_default_off_no_bearer_flag():
    assert not [a for a in _args(None) if "jwt" in a or "audience" in a]


def test_emits_the_flags_of_oauth2_proxy_v7_15_3():
    args = _args(
        BearerTokens(
            audiences=["app-api", "api://0d6d5a7e-1111-4c5b-b112-36a304b66dad"],
            extra_issuers=[
                ("https://ci.example.com/", "app-api"),
                ("https://idp.corp", "urn:ci:app"),
            ],
        )
    )
    tail = args[args.index("--skip-jwt-bearer-tokens=true") :]
    assert tail == (
        "--skip-jwt-bearer-tokens=true",
        "--oidc-extra-audience=app-api",
        "--oidc-extra-audience=api://0d6d5a7e-1111-4c5b-b112-36a304b66dad",
        # oauth2-proxy splits issuer=audience at the first '=' (validation/options.go 132-140)
        "--extra-jwt-issuers=https://ci.example.com/=app-api",
        "--extra-jwt-issuers=https://idp.corp=urn:ci:app",
    )


def test_client_id_only_for_the_providers_own_issuer():
    assert _args(BearerTokens())[-1] == "--skip-jwt-bearer-tokens=true"


def test_github_and_google_need_extra_issuers_and_take_no_audiences():
    for provider in (Provider.github(org="acme"), Provider.google(hosted_domain="example.com")):
        msg = _refused("audiences", lambda p=provider: _args(BearerTokens(audiences=["a"]), p))
        assert "extra_issuers" in msg
        _refused("extra_issuers", lambda p=provider: _args(BearerTokens(), p))
        args = _args(BearerTokens(extra_issuers=[("https://ci.example.com", "api")]), provider)
        assert "--extra-jwt-issuers=https://ci.example.com=api" in args
        assert not [a for a in args if a.startswith("--oidc-extra-audience")]


# ---------------------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "audience", ["*", "", " ", "a,b", "api*", "a b", "-x", "x" * 256, None, 3, "a\n"]
)
def test_refuses_a_wildcard_empty_or_unsplittable_audience(audience):
    msg = _refused("audiences", lambda: BearerTokens(audiences=[audience]))
    assert "no wildcard" in msg
    msg = _refused(
        "extra_issuers audience", lambda: BearerTokens(extra_issuers=[(ISSUER, audience)])
    )
    assert "no wildcard" in msg


@pytest.mark.parametrize(
    "issuer",
    [
        "http://idp.example.com",
        "https://localhost/realms/x",
        "https://127.0.0.1",
        "https://[::1]:8443",
        "https://169.254.169.254",
        "https://idp.example.com?x=1",
        "https://user@idp.example.com",
        "https://idp.example.com/a=b",
        "idp.example.com",
        "",
    ],
)
def test_refuses_an_issuer_not_https_or_on_the_pod(issuer):
    _refused("extra_issuers issuer", lambda: BearerTokens(extra_issuers=[(issuer, "api")]))


@pytest.mark.parametrize("row", PUBLIC_ISSUERS, ids=lambda r: r.issuer)
def test_refuses_every_public_issuer_whatever_the_audience(row):
    msg = _refused("public issuer", lambda: BearerTokens(extra_issuers=[(row.issuer, "api")]))
    assert row.why in msg
    under = row.issuer + "/V2.0/"  # a path under it, in another case
    _refused("public issuer", lambda: BearerTokens(extra_issuers=[(under, "api")]))


def test_refuses_a_provider_on_a_public_issuer():
    public = Provider.oidc(issuer_url="https://token.actions.githubusercontent.com")
    msg = _refused("bearer_tokens", lambda: _args(BearerTokens(audiences=["api"]), public))
    assert "public issuer" in msg
    _refused("bearer_tokens", lambda: _args(BearerTokens(), Provider.gitlab(groups=["acme"])))
    common = Provider.entra_id(tenant_id="common")
    _refused("bearer_tokens", lambda: _args(BearerTokens(audiences=["api"]), common))


def test_refuses_duplicates_and_the_providers_own_issuer_as_an_extra_one():
    _refused("audiences", lambda: BearerTokens(audiences=["a", "a"]))
    pair = ("https://ci.example.com", "a")
    _refused("extra_issuers", lambda: BearerTokens(extra_issuers=[pair, list(pair)]))
    msg = _refused(
        "extra_issuers", lambda: _args(BearerTokens(extra_issuers=[(ISSUER + "/", "a")]))
    )
    assert "audiences" in msg


@pytest.mark.parametrize(
    "value", ["https://ci.example.com=a", ("https://ci.example.com",), "ab", {"a": "b"}]
)
def test_refuses_what_is_not_a_pair(value):
    _refused("extra_issuers", lambda: BearerTokens(extra_issuers=[value]))


def test_refuses_bearer_tokens_on_an_app_of_a_shared_proxy():
    chart = cdk8s.Chart(cdk8s.App(), "c", namespace="apps")
    proxy = OAuth2Proxy(chart, "Sso", host="auth.example.com", provider=OIDC)
    msg = _refused(
        "bearer_tokens",
        lambda: ProtectedApp(
            chart, "App", host="app.example.com", backend=ServiceRef("app", 80), proxy=proxy,
            bearer_tokens=BearerTokens(),
        ),
    )  # fmt: skip
    assert "shared OAuth2Proxy" in msg


_SAFE = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,40}", fullmatch=True)


@given(audience=_SAFE)
def test_property_a_plain_audience_is_emitted_as_given(audience):
    assert f"--oidc-extra-audience={audience}" in _args(BearerTokens(audiences=[audience]))


@given(audience=st.text(max_size=20))
def test_property_an_audience_is_accepted_only_if_plain(audience):
    import re

    plain = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,254}", audience) is not None
    if not plain:
        _refused("extra_issuers audience", lambda: BearerTokens(extra_issuers=[(ISSUER, audience)]))
    else:
        BearerTokens(extra_issuers=[(ISSUER, audience)])
        assert "*" not in audience
        assert "," not in audience


# ---------------------------------------------------------------------------------------
# Envoy Gateway
# ---------------------------------------------------------------------------------------


def _security_policies(bearer: BearerTokens | None) -> dict[str, list[str]]:
    chart = cdk8s.Chart(cdk8s.App(), "c", namespace="apps")
    ProtectedApp(
        chart, "App", host="app.example.com", backend=ServiceRef("app", 80), provider=OIDC,
        api_paths=["/api/"], controller=EnvoyGateway(gateway=GW), bearer_tokens=bearer,
    )  # fmt: skip
    return {
        o["metadata"]["name"]: o["spec"]["extAuth"]["headersToExtAuth"]
        for o in chart.to_json()
        if o["kind"] == "SecurityPolicy"
    }


def test_envoy_lists_no_authorization_envoy_always_sends_it_to_the_check():
    # Envoy adds Authorization to every HTTP check (ext_authz.proto, allowed_headers note 1;
    # observed in tests/test_envoy_behaviour.py): bearer tokens change no SecurityPolicy
    assert _security_policies(None) == {n: list(HEADERS_TO_EXT_AUTH) for n in ("app", "app-api")}
    assert _security_policies(BearerTokens(audiences=["app-api"])) == _security_policies(None)


def test_envoy_client_traffic_policy_never_removes_a_clients_authorization():
    chart = cdk8s.Chart(cdk8s.App(), "c", namespace="apps")
    ProtectedApp(
        chart, "App", host="app.example.com", backend=ServiceRef("app", 80), provider=OIDC,
        controller=EnvoyGateway(gateway=GW), bearer_tokens=BearerTokens(),
    )  # fmt: skip
    (policy,) = [o for o in chart.to_json() if o["kind"] == "ClientTrafficPolicy"]
    removed = policy["spec"]["headers"]["earlyRequestHeaders"]["remove"]
    assert "authorization" not in [h.lower() for h in removed]


@given(
    row=st.sampled_from(PUBLIC_ISSUERS),
    port=st.sampled_from(["", ":443"]),
    tail=st.lists(st.from_regex(r"[A-Za-z0-9_-]{1,8}", fullmatch=True), max_size=3),
    slash=st.booleans(),
)
def test_property_every_spelling_of_a_public_issuer_is_refused(row, port, tail, slash):
    scheme, _, rest = row.issuer.partition("://")
    host, _, path = rest.partition("/")
    url = f"{scheme}://{host}{port}" + "".join("/" + p for p in [*path.split("/"), *tail] if p)
    url += "/" if slash else ""
    _refused("public issuer", lambda: BearerTokens(extra_issuers=[(url, "api")]))
    provider = Provider.oidc(issuer_url=url)
    _refused("public issuer", lambda: _args(BearerTokens(audiences=["api"]), provider))
