"""ProtectedApp's authorization and identity options: their annotations, and refusals.

Per-app authorization rides on the query of the app's ``auth-url`` (oauth2-proxy answers
403 there, never a redirect); identity reaches the backend through
``auth-response-headers``.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml

from oauth_ingress_construct import (
    DEFAULT_RESPONSE_HEADERS,
    ConfigurationError,
    IngressNginx,
    OAuth2Proxy,
    ProtectedApp,
    Provider,
    RiskLevel,
    ServiceRef,
)
from oauth_ingress_construct._targets.ingress_nginx import ANNOTATION_RISK

from .conftest import annotations, find, synth

OIDC = Provider.oidc(issuer_url="https://login.example.com/realms/main")
CLUSTER_AUTH = "http://access.apps.svc.cluster.local:80/oauth2/auth"


def _shared_app(chart, *, proxy_kwargs: dict[str, Any] | None = None, **kwargs: Any):
    access = OAuth2Proxy(
        chart, "Access", host="access.example.com", provider=OIDC, **(proxy_kwargs or {})
    )
    ProtectedApp(
        chart,
        "App",
        host="app.example.com",
        backend=ServiceRef("app", 80),
        proxy=access,
        **kwargs,
    )
    objects = synth(chart)
    return objects, annotations(find(objects, "Ingress", "app"))


def test_without_restrictions_the_auth_url_has_no_query(chart):
    _, ann = _shared_app(chart)
    assert ann["auth-url"] == CLUSTER_AUTH


def test_allowed_groups_ride_on_the_auth_url_query(chart):
    _, ann = _shared_app(chart, allowed_groups=["/ops", "platform:admins"])
    assert ann["auth-url"] == CLUSTER_AUTH + "?allowed_groups=/ops,platform:admins"


def test_allowed_email_domains_ride_on_the_auth_url_query(chart):
    _, ann = _shared_app(chart, allowed_email_domains=["example.com"])
    assert ann["auth-url"] == CLUSTER_AUTH + "?allowed_email_domains=example.com"


def test_groups_and_domains_combine_in_one_query(chart):
    _, ann = _shared_app(
        chart, allowed_groups=["ops", "dev"], allowed_email_domains=["example.org"]
    )
    assert ann["auth-url"] == (
        CLUSTER_AUTH + "?allowed_groups=ops,dev&allowed_email_domains=example.org"
    )


# ingress-nginx's auth-url validator (parser.URLWithNginxVariableRegex, v1.15): letters,
# digits, - . _ ~ / : , space ? & = $. The query values we emit must stay inside it.
_INGRESS_NGINX_AUTH_URL = re.compile(r"[-._~a-zA-Z0-9/:, ,:?&=$]*")


def test_every_auth_url_we_emit_passes_ingress_nginx_annotation_validation(chart):
    _, ann = _shared_app(
        chart,
        allowed_groups=["/org/ops", "platform:admins", "team_a.b~c"],
        allowed_email_domains=["example.org", "sub.example.com"],
    )
    assert _INGRESS_NGINX_AUTH_URL.fullmatch(ann["auth-url"])


def test_every_example_auth_url_passes_ingress_nginx_annotation_validation():
    dist = Path(__file__).resolve().parent.parent / "dist"
    urls = [
        doc["metadata"]["annotations"]["nginx.ingress.kubernetes.io/auth-url"]
        for path in sorted(dist.glob("*.k8s.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc and "nginx.ingress.kubernetes.io/auth-url" in doc["metadata"].get("annotations", {})
    ]
    assert len(urls) >= 7
    assert [u for u in urls if not _INGRESS_NGINX_AUTH_URL.fullmatch(u)] == []


def test_restrictions_apply_per_app_and_leave_the_shared_proxy_unchanged(chart):
    access = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    ProtectedApp(
        chart,
        "Admin",
        host="admin.example.com",
        backend=ServiceRef("admin", 80),
        proxy=access,
        allowed_groups=["admins"],
    )
    ProtectedApp(
        chart, "Wiki", host="wiki.example.com", backend=ServiceRef("wiki", 80), proxy=access
    )
    objects = synth(chart)
    assert annotations(find(objects, "Ingress", "admin"))["auth-url"].endswith(
        "?allowed_groups=admins"
    )
    assert "?" not in annotations(find(objects, "Ingress", "wiki"))["auth-url"]
    args = find(objects, "Deployment", "access")["spec"]["template"]["spec"]["containers"][0][
        "args"
    ]
    assert not any(a.startswith("--allowed-group") for a in args)


def test_restrictions_also_work_with_the_apps_own_proxy_and_public_auth_url(chart):
    ProtectedApp(
        chart,
        "App",
        host="app.example.com",
        backend=ServiceRef("app", 80),
        provider=OIDC,
        allowed_groups=["ops"],
        public_auth_url=True,
    )
    ann = annotations(find(synth(chart), "Ingress", "app"))
    assert ann["auth-url"] == "https://app.example.com/oauth2/auth?allowed_groups=ops"


def test_public_auth_url_goes_through_the_proxy_host(chart):
    _, ann = _shared_app(chart, public_auth_url=True)
    assert ann["auth-url"] == "https://access.example.com/oauth2/auth"
    assert ann["auth-signin"] == "https://access.example.com/oauth2/start"


#: Every identity header oauth2-proxy v7.15.3 can put in its auth answer but Authorization,
#: written out here from its source (legacy_options.go getResponseHeaders,
#: getXAuthRequestHeaders, getXAuthRequestAccessTokenHeader; oauthproxy.go
#: addHeadersForProxying), apart from the package's own table.
EVERY_IDENTITY_HEADER = [
    "X-Auth-Request-User",
    "X-Auth-Request-Email",
    "X-Auth-Request-Preferred-Username",
    "X-Auth-Request-Groups",
    "X-Auth-Request-Access-Token",
    "GAP-Auth",
]


def test_identity_headers_reach_the_backend_by_default(chart):
    _, ann = _shared_app(chart)
    assert DEFAULT_RESPONSE_HEADERS == (
        "X-Auth-Request-User",
        "X-Auth-Request-Email",
        "X-Auth-Request-Groups",
    )
    listed = ann["auth-response-headers"].split(",")
    assert listed[:3] == list(DEFAULT_RESPONSE_HEADERS)
    assert sorted(listed) == sorted(EVERY_IDENTITY_HEADER)


def test_response_headers_come_first_and_every_other_identity_header_follows(chart):
    _, ann = _shared_app(
        chart, response_headers=["X-Auth-Request-Email", "X-Auth-Request-Preferred-Username"]
    )
    assert ann["auth-response-headers"].split(",") == [
        "X-Auth-Request-Email",
        "X-Auth-Request-Preferred-Username",
        "X-Auth-Request-User",
        "X-Auth-Request-Groups",
        "X-Auth-Request-Access-Token",
        "GAP-Auth",
    ]


@pytest.mark.parametrize(
    "headers",
    [[], ["X-Auth-Request-User"], ["x-auth-request-groups", "X-Auth-Request-Groups"]],
)
def test_every_identity_header_is_set_from_the_answer_whatever_response_headers_is(chart, headers):
    # ingress-nginx overwrites a listed header with the answer's value, or drops it when
    # the answer has none: so no client-sent identity header reaches the backend
    # (tests/test_nginx_behaviour.py shows it on real nginx)
    _, ann = _shared_app(chart, response_headers=headers)
    listed = ann["auth-response-headers"].split(",")
    assert sorted(listed) == sorted(EVERY_IDENTITY_HEADER)
    assert len(listed) == len(set(listed))


def test_fails_on_an_x_auth_request_header_nothing_sets(chart):
    with pytest.raises(
        ConfigurationError,
        match=r"^response_headers must be an identity header oauth2-proxy v7.15.3 sets, one "
        r"of \['X-Auth-Request-User', .*got 'X-Auth-Request-Team'$",
    ):
        _shared_app(chart, response_headers=["X-Auth-Request-Team"])


@pytest.mark.parametrize("header", ["X-Auth-Request-Access-Token", "x-auth-request-access-token"])
def test_fails_on_the_access_token_header_which_nothing_sets(chart, header):
    # oauth2-proxy sets it only with --pass-access-token (legacy_options.go lines 270-272),
    # which extra_args refuses: the backend would never get a value
    with pytest.raises(
        ConfigurationError,
        match=r"^response_headers must be without X-Auth-Request-Access-Token: oauth2-proxy "
        r"sets it only with --pass-access-token",
    ):
        _shared_app(chart, response_headers=["X-Auth-Request-User", header])


def test_pass_authorization_header_adds_authorization_from_a_shared_proxy(chart):
    objects, ann = _shared_app(
        chart,
        proxy_kwargs={"set_authorization_header": True},
        pass_authorization_header=True,
    )
    listed = ann["auth-response-headers"].split(",")
    assert listed[:3] == list(DEFAULT_RESPONSE_HEADERS)
    assert listed[-1] == "Authorization"
    args = find(objects, "Deployment", "access")["spec"]["template"]["spec"]["containers"][0][
        "args"
    ]
    assert "--set-authorization-header=true" in args


def test_fails_on_pass_authorization_header_with_a_provider_without_id_token(chart):
    # GitHub redeems with ProviderData.Redeem (providers/provider_default.go): the session
    # holds no ID token, oauth2-proxy sends no Authorization, and the client's own would
    # reach the backend where Envoy Gateway copies the answer's header only when present
    with pytest.raises(
        ConfigurationError,
        match=r"^pass_authorization_header must be False with the 'github' provider: it "
        r"issues no ID token",
    ):
        ProtectedApp(
            chart,
            "App",
            host="app.example.com",
            backend=ServiceRef("app", 80),
            provider=Provider.github(org="example"),
            pass_authorization_header=True,
        )
    assert synth(chart) == []


def test_fails_on_set_authorization_header_with_a_provider_without_id_token(chart):
    with pytest.raises(
        ConfigurationError,
        match=r"^set_authorization_header must be False with the 'github' provider: it "
        r"issues no ID token",
    ):
        OAuth2Proxy(
            chart,
            "Access",
            host="access.example.com",
            provider=Provider.github(org="example"),
            set_authorization_header=True,
        )
    assert synth(chart) == []


@pytest.mark.parametrize(
    ("provider", "issues"),
    [
        (Provider.github(org="example"), False),
        (Provider.google(hosted_domain="example.com"), True),
        (Provider.gitlab(groups=["g"]), True),
        (Provider.entra_id(tenant_id="contoso.onmicrosoft.com"), True),
        (Provider.keycloak_oidc(issuer_url="https://kc.example.com/realms/x"), True),
        (OIDC, True),
    ],
)
def test_which_providers_issue_an_id_token(provider, issues):
    assert provider.issues_id_token is issues


def test_pass_authorization_header_turns_it_on_in_the_apps_own_proxy(chart):
    ProtectedApp(
        chart,
        "App",
        host="app.example.com",
        backend=ServiceRef("app", 80),
        provider=OIDC,
        pass_authorization_header=True,
    )
    objects = synth(chart)
    args = find(objects, "Deployment", "app-oauth2-proxy")["spec"]["template"]["spec"][
        "containers"
    ][0]["args"]
    assert "--set-authorization-header=true" in args
    assert annotations(find(objects, "Ingress", "app"))["auth-response-headers"].endswith(
        ",Authorization"
    )


def test_without_pass_authorization_header_no_token_is_passed(chart):
    _, ann = _shared_app(chart, proxy_kwargs={"set_authorization_header": True})
    assert "Authorization" not in ann["auth-response-headers"].split(",")


def test_proxy_buffer_size_for_large_tokens(chart):
    _, ann = _shared_app(chart, proxy_buffer_size="16k")
    assert ann["proxy-buffer-size"] == "16k"


def test_no_proxy_buffer_size_by_default(chart):
    _, ann = _shared_app(chart)
    assert "proxy-buffer-size" not in ann


def test_no_auth_cache_by_default(chart):
    _, ann = _shared_app(chart)
    assert not [k for k in ann if k.startswith("auth-cache")]


@pytest.mark.parametrize(
    ("duration", "emitted"),
    [
        (None, "30s"),
        (1, "1s"),
        ("45s", "45s"),
        ("2m", "120s"),
        ("1m30s", "90s"),
        ("1h", "3600s"),
        (datetime.timedelta(minutes=5), "300s"),
    ],
)
def test_auth_cache_key_covers_the_credentials_and_the_auth_url(chart, duration, emitted):
    _, ann = _shared_app(
        chart, allowed_groups=["ops"], auth_cache=True, auth_cache_duration=duration
    )
    assert ann["auth-cache-duration"] == f"202 401 403 {emitted}"
    digest = hashlib.sha256(ann["auth-url"].encode()).hexdigest()[:16]
    assert ann["auth-cache-key"] == "${http_cookie}-${http_authorization}-" + digest
    assert "allowed_groups=ops" in ann["auth-url"]


def test_auth_cache_keys_differ_between_apps_and_authorization_queries(chart):
    _, ops = _shared_app(chart, allowed_groups=["ops"], auth_cache=True)
    chart2 = cdk8s.Chart(cdk8s.App(), "t2", namespace="apps", disable_resource_name_hashes=True)
    _, dev = _shared_app(chart2, allowed_groups=["dev"], auth_cache=True)
    assert ops["auth-cache-key"] != dev["auth-cache-key"]


def test_auth_cache_is_admitted_at_the_controllers_default_risk_level(chart):
    """auth-cache-key and auth-cache-duration are Medium (authreq main.go l.90-125 of
    v1.15.1); the default annotations-risk-level from v1.12 is High."""
    for key in ("auth-cache-key", "auth-cache-duration"):
        assert ANNOTATION_RISK[key] is RiskLevel.MEDIUM
    _, ann = _shared_app(chart, auth_cache=True, controller=IngressNginx(version="1.12.0"))
    assert "auth-cache-key" in ann


# --- refusals -------------------------------------------------------------------------------


def test_fails_pass_authorization_header_when_the_shared_proxy_does_not_set_it(chart):
    access = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    with pytest.raises(
        ConfigurationError,
        match=r"pass_authorization_header must be False, or the proxy 'access' created with "
        r"set_authorization_header=True \(else there is no header to pass\), got True",
    ):
        ProtectedApp(
            chart,
            "App",
            host="app.example.com",
            backend=ServiceRef("app", 80),
            proxy=access,
            pass_authorization_header=True,
        )
    assert [o["kind"] for o in synth(chart) if o["kind"] == "Ingress"] == ["Ingress"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"allowed_groups": ["ops,admins"]}, r"allowed_groups must be a group name .*'ops,admins'"),
        ({"allowed_groups": ["a&b"]}, r"allowed_groups must be a group name .*got 'a&b'"),
        ({"allowed_groups": ["ops\n"]}, r"allowed_groups must be a group name"),
        (
            {"allowed_groups": ["admins@example.com"]},
            r"allowed_groups must be a group name .*"
            r"ingress-nginx's annotation validation refuses '@'.*got 'admins@example.com'",
        ),
        ({"allowed_emails": ["jane"]}, r"allowed_emails must be an e-mail address .*got 'jane'"),
        (
            {"allowed_emails": ["jane@example.com&x=1"]},
            r"allowed_emails must be an e-mail address",
        ),
        (
            {"allowed_emails": ["jane@example.com"]},
            r"allowed_emails must be empty: ingress-nginx's annotation validation \(on by default "
            r"since v1.12\) refuses the '@' of an address in auth-url and would reject the whole "
            r"Ingress; restrict with allowed_email_domains or allowed_groups.*"
            r"got 'jane@example.com'",
        ),
        (
            {"allowed_email_domains": ["example.com?x"]},
            r"allowed_email_domains must be a DNS name .*got 'example.com\?x'",
        ),
        (
            {"response_headers": ["X-Auth Request"]},
            r"response_headers must be an HTTP header name .*got 'X-Auth Request'",
        ),
        ({"response_headers": "X-Auth-Request-User"}, r"response_headers must be a list"),
        (
            {"pass_authorization_header": "yes"},
            r"pass_authorization_header must be True or False, got 'yes'",
        ),
        ({"public_auth_url": 1}, r"public_auth_url must be True or False, got 1"),
        ({"proxy_buffer_size": "16 k"}, r"proxy_buffer_size must be an nginx size .*'16 k'"),
        ({"proxy_buffer_size": "0k"}, r"proxy_buffer_size must be an nginx size .*'0k'"),
        ({"proxy_buffer_size": 16}, r"proxy_buffer_size must be an nginx size .*got 16"),
        ({"auth_cache": "yes"}, r"^auth_cache must be True or False, got 'yes'$"),
        (
            {"auth_cache_duration": "30s"},
            r"^auth_cache_duration must be unset unless auth_cache=True, got '30s'$",
        ),
        *(
            (
                {"auth_cache": True, "auth_cache_duration": bad},
                r"^auth_cache_duration must be a duration from 1s to 60m in whole seconds: "
                r"seconds as an int, a datetime.timedelta, or a string such as '30s', '2m' or "
                rf"'1m30s', got {re.escape(repr(bad))}$",
            )
            for bad in (
                0,
                3601,
                "2h",
                "61m",
                "0s",
                "500ms",
                "30",
                "30 s",
                "1h1s",
                "",
                True,
                1.5,
                datetime.timedelta(milliseconds=1500),
                datetime.timedelta(hours=2),
                "30s;",
                "${http_cookie}",
            )
        ),
    ],
)
def test_fails_on_bad_authorization_options_and_writes_nothing(chart, kwargs, message):
    with pytest.raises(ConfigurationError, match=message):
        ProtectedApp(
            chart,
            "App",
            host="app.example.com",
            backend=ServiceRef("app", 80),
            provider=OIDC,
            **kwargs,
        )
    assert synth(chart) == []


def test_fails_when_the_app_host_is_not_under_the_cookie_domain_naming_both_hosts(chart):
    access = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    with pytest.raises(
        ConfigurationError,
        match=r"'app.example.org' is not under the cookie domain '.example.com' of proxy "
        r"'access' \(sign-in host 'access.example.com'\)",
    ):
        ProtectedApp(
            chart, "App", host="app.example.org", backend=ServiceRef("app", 80), proxy=access
        )
