"""A corpus of known-bad inputs, shaped after real ingress-nginx advisories, fed to every
argument it could reach. Each must be refused with :class:`ConfigurationError` naming that
argument, and the failed construct must leave nothing behind in the chart.

- CVE-2021-25742: snippet annotations used to read the controller's service-account token
  with ``alias``, ``*_by_lua*`` and ``include`` directives;
- CVE-2025-24514 (IngressNightmare): a quote-and-brace break-out of ``auth-url`` into the
  surrounding nginx configuration;
- CVE-2025-15566: header injection through ``auth-proxy-set-headers`` header names with
  spaces or colons;
- and the usual neighbours: hosts with schemes or ports, paths with ``..`` or regex
  metacharacters under ``Prefix``, flags split by newlines or spaces into extra
  oauth2-proxy arguments, and ``$`` nginx variables.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import cdk8s
import pytest

from oauth_ingress_construct import ConfigurationError, OAuth2Proxy, ProtectedApp, ServiceRef

from . import strategies as s
from .conftest import annotations, find, synth

SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"

#: CVE-2021-25742: directives smuggled into nginx configuration.
SNIPPETS = (
    f"x;\nalias {SERVICE_ACCOUNT}/;",
    "x;}\nlocation /leak { alias /etc/; }",
    f"x;\ncontent_by_lua_block {{ ngx.say(io.open('{SERVICE_ACCOUNT}/token'):read('*a')) }}",
    "x\naccess_by_lua_file /tmp/evil.lua;",
    "x;\ninclude /etc/nginx/nginx.conf;",
    "x;\nload_module /tmp/evil.so;",
)

#: CVE-2025-24514: break out of the quoted auth-url value, close the block, open another.
AUTH_URL_BREAKOUTS = (
    'x"; }\nserver { listen 9999; location / { return 200 "pwned"; } }\n#',
    "x'}; ssl_engine /tmp/evil.so; #",
    "x#;\n}}}\nlocation /pwn { return 200; }\n#",
    'x" \\"',
)

#: nginx variables, expanded at request time wherever nginx reads the value.
NGINX_VARIABLES = ("$host", "$http_authorization", "${request_uri}", "a$remote_addr", "$1")

#: CVE-2025-15566: header names with spaces, colons, CR/LF or directives.
HEADER_NAMES = (
    "X-Auth-Request-User: admin",
    "X Auth",
    "Host:evil.example.com",
    "X-A\r\nX-Injected: 1",
    "X-A;proxy_set_header Host evil.example.com",
    "X-A,X-B: 1",
    "X-A\n",
)

#: Hosts with a scheme, port, path, user info, or that are not DNS names at all.
HOSTS = (
    "https://app.example.com",
    "http://app.example.com",
    "app.example.com:443",
    "app.example.com:8443",
    "//app.example.com",
    "app.example.com/oauth2",
    "user:pw@app.example.com",
    "10.0.0.1",
    "[::1]",
    "app.example.com.",
    "APP.example.com",
    "app.example.com\n",
    "*.*.example.com",
)

#: Paths with traversal or regex syntax, where ``Prefix`` promises a plain prefix.
PATHS = (
    "/a/../b",
    "/..",
    "/api/..;/admin",
    "/api/.*",
    "/api(/|$)(.*)",
    "/[a-z]+",
    "/a{1,3}",
    "/api|/admin",
    "/^admin",
    "/a?b",
    "/a*",
    "/a\\b",
    "/~user",
    "/%2e%2e/",
    "/v1.0",
    "//admin",
    "api",
)

#: Flags that would become further oauth2-proxy arguments, or carry shell/nginx syntax.
FLAGS = (
    "--skip-auth-regex=.*\n--upstream=http://evil.example.com",
    "--cookie-domain=x\n--whitelist-domain=*",
    "--a=b --skip-jwt-bearer-tokens=true",
    "--a=b\t--c=d",
    "--a=b\r--c=d",
    "-v",
    "--a=$(id)",
    "--a=`id`",
    "--a=${HOME}",
    "--a='b'",
)

#: URLs that smuggle a host, a scheme, syntax or variables.
URLS = (
    "https://login.example.com/#;}}}\nlocation /pwn { return 200; }",
    'https://login.example.com/";}',
    "https://login.example.com/$request_uri",
    "https://login.example.com/?next=$host",
    "https://evil.example.com@login.example.com",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "https://login.example.com/../admin",
    "https://login.example.com:99999",
    "https://login.example.com\n",
    "redis://user:password@redis:6379",
)

#: Fed to every string argument: nothing here is acceptable anywhere.
EVERYWHERE = (*SNIPPETS, *AUTH_URL_BREAKOUTS, *NGINX_VARIABLES, "x\x00", "x\u202e", "x y")

SPECIFIC: dict[str, tuple[str, ...]] = {
    "ProtectedApp.host": HOSTS,
    "OAuth2Proxy.host": HOSTS,
    "OAuth2Proxy.cookie_domain": HOSTS,
    "Provider.google.hosted_domain": HOSTS,
    "ProtectedApp.paths": PATHS,
    "ProtectedApp.response_headers": HEADER_NAMES,
    "OAuth2Proxy.extra_args": FLAGS,
    "Provider.args": FLAGS,
    "Provider.oidc.issuer_url": URLS,
    "Provider.gitlab.issuer_url": URLS,
    "Sessions.redis.url": URLS,
    "Sessions.redis_sentinel.urls": URLS,
    "Sessions.redis_cluster.urls": URLS,
}

CASES = [
    pytest.param(argument, value, id=f"{argument.id}[{i}]")
    for argument in s.ARGUMENTS
    for i, value in enumerate((*EVERYWHERE, *SPECIFIC.get(argument.id, ())))
]


def test_every_specific_corpus_names_a_known_argument():
    assert set(SPECIFIC) <= {a.id for a in s.ARGUMENTS}


@pytest.mark.parametrize(("argument", "value"), CASES)
def test_fails_on_known_bad_input_naming_the_argument_and_adding_nothing(
    chart: cdk8s.Chart, argument: s.Argument, value: str
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        argument.make(chart, [value] if argument.is_list else value)
    message = str(raised.value)
    assert message.startswith((argument.label + " ", argument.label + ":")), message
    if argument.redacted and "@" in value:
        assert "<redacted>" in message
        assert "password" not in message.rsplit(", got ", maxsplit=1)[-1]
    else:
        assert repr(value) in message, message
    assert synth(chart) == []


def _kinds_and_names(objects: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((o["kind"], o["metadata"]["name"]) for o in objects)


@pytest.mark.parametrize("value", [*SNIPPETS, *AUTH_URL_BREAKOUTS, *NGINX_VARIABLES])
def test_fails_on_bad_input_leaving_the_rest_of_the_chart_unchanged(chart, value):
    s.protected_app(chart, host="good.example.com", name="good")
    before = _kinds_and_names(synth(chart))

    with pytest.raises(ConfigurationError, match=r"^allowed_groups must be"):
        ProtectedApp(
            chart,
            "Bad",
            host="bad.example.com",
            backend=ServiceRef("bad", 80),
            provider=s.OIDC,
            allowed_groups=["ok", value],
        )

    assert _kinds_and_names(synth(chart)) == before
    assert [c.node.id for c in chart.node.children] == ["App"]


def test_fails_half_way_through_the_tree_and_rolls_back_everything(chart):
    """A clash found after objects were added still leaves nothing of the failed construct.

    The app ``web`` gets its own proxy ``web-oauth2-proxy``: its Deployment and Service are
    created, then its Ingress clashes with the existing app's Ingress of that name.
    """
    s.protected_app(chart, host="existing.example.com", name="web-oauth2-proxy")
    before = _kinds_and_names(synth(chart))

    with pytest.raises(ConfigurationError, match=r"^name: a Ingress named 'web-oauth2-proxy'"):
        ProtectedApp(
            chart,
            "Web",
            name="web",
            host="web.example.com",
            backend=ServiceRef("web", 80),
            provider=s.OIDC,
        )

    assert _kinds_and_names(synth(chart)) == before
    assert [c.node.id for c in chart.node.children] == ["App"]
    # The names the failed construct had claimed are free again: the same proxy now gets
    # past its Deployment and Service and stops only at the Ingress that really exists.
    with pytest.raises(ConfigurationError, match=r"^name: a Ingress named 'web-oauth2-proxy'"):
        OAuth2Proxy(
            chart, "Retry", name="web-oauth2-proxy", host="web.example.com", provider=s.OIDC
        )
    assert _kinds_and_names(synth(chart)) == before


@pytest.mark.parametrize("port", [0, -1, 65536, "80", "80; rm -rf /", 80.5, True, None])
def test_fails_on_bad_ports(chart, port):
    with pytest.raises(ConfigurationError, match=r"^ServiceRef\.port must be an integer"):
        s.protected_app(chart, backend=ServiceRef("app", port))
    assert synth(chart) == []


@pytest.mark.parametrize("replicas", [0, 101, "2", "2\n", 2.0, False])
def test_fails_on_bad_replicas(chart, replicas):
    with pytest.raises(ConfigurationError, match=r"^replicas must be an integer"):
        s.oauth2_proxy(chart, replicas=replicas)
    assert synth(chart) == []


@pytest.mark.parametrize("code", [401.0, "401", "401;", 200, 600, None])
def test_fails_on_bad_custom_http_errors(chart, code):
    with pytest.raises(ConfigurationError, match=r"^custom_http_errors must be an integer"):
        s.protected_app(chart, custom_http_errors=[code])
    assert synth(chart) == []


SYNTH_SCRIPT = """
import sys
import cdk8s
from oauth_ingress_construct import Provider, ProtectedApp, ServiceRef
app = cdk8s.App(outdir=sys.argv[1])
chart = cdk8s.Chart(app, "hostile")
ProtectedApp(
    chart, "Good", host="good.example.com", backend=ServiceRef("good", 80),
    provider=Provider.oidc(issuer_url="https://login.example.com"),
)
ProtectedApp(
    chart, "Bad", host='x"; }\\nserver { listen 9999; }\\n#', backend=ServiceRef("bad", 80),
    provider=Provider.oidc(issuer_url="https://login.example.com"),
)
app.synth()
"""


def test_an_app_that_raised_writes_no_partial_output(tmp_path: Path) -> None:
    """As under ``cdk8s synth``: the app program fails before anything is written."""
    outdir = tmp_path / "dist"
    result = subprocess.run(
        [sys.executable, "-c", SYNTH_SCRIPT, str(outdir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "ConfigurationError: host must be" in result.stderr
    assert not outdir.exists() or not any(outdir.iterdir())


# --- Issue 10: the second round, one section per class ------------------------------------
# New names are imported inside the tests, so that each test fails on its own (not the whole
# module) on code without them.


def _proxy_args(objects: list[dict[str, Any]]) -> list[str]:
    deployments = [o for o in objects if o["kind"] == "Deployment"]
    assert len(deployments) == 1
    args: list[str] = deployments[0]["spec"]["template"]["spec"]["containers"][0]["args"]
    return args


# Class 1: extra_args is an allow-list. Each of these passes the character check (one argv
# item, plain characters) and must still be refused: auth exemptions, widened trust, skipped
# verification, relaxed cookies, second upstreams, config files, moved paths, secrets,
# unknown flags, flags without their value, values of the wrong type.
UNSAFE_EXTRA_ARGS = (
    "--skip-auth-regex=/api/.*",
    "--skip-auth-route=GET=/admin",
    "--skip-auth-preflight=true",
    "--skip-auth-preflight",
    "--trusted-ip=0.0.0.0/0",
    "--ping-user-agent=curl/8.0",
    "--skip-jwt-bearer-tokens=true",
    "--bearer-token-login-fallback=true",
    "--extra-jwt-issuers=https://evil.example.com=aud",
    "--oidc-extra-audience=other-client",
    "--ssl-insecure-skip-verify=true",
    "--ssl-upstream-insecure-skip-verify",
    "--insecure-oidc-skip-issuer-verification=true",
    "--insecure-oidc-allow-unverified-email=true",
    "--insecure-oidc-skip-nonce=true",
    "--redis-insecure-skip-tls-verify=true",
    "--cookie-secure=false",
    "--cookie-httponly=false",
    "--cookie-samesite=none",
    "--cookie-domain=.com",
    "--whitelist-domain=.evil.example.net",
    "--upstream=http://evil.example.com",
    "--pass-host-header=false",
    "--config=/etc/oauth2-proxy.cfg",
    "--alpha-config=/etc/alpha.yaml",
    "--authenticated-emails-file=/etc/emails",
    "--htpasswd-file=/etc/htpasswd",
    "--custom-templates-dir=/tmp",
    "--proxy-prefix=/auth",
    "--ping-path=/oauth2/auth",
    "--ready-path=/oauth2/auth",
    "--client-secret=s3cr3t",
    "--github-token=ghp_abc",
    "--jwt-key=abc",
    "--signature-key=sha256:abc",
    "--basic-auth-password=pw",
    "--google-service-account-json=/etc/sa.json",
    "--show-debug-on-error=true",
    "--version",
    "--config-test",
    "--no-such-flag=1",
    "--google-hosted-domain=example.com",
    "--cookie-name",
    "--cookie-expire",
    "--cookie-expire=forever",
    "--cookie-expire=0s",
    "--cookie-refresh=200h",
    "--code-challenge-method=plain",
    "--prompt=evil",
    "--skip-provider-button=yes",
    "--oidc-jwks-url=http://keys.example.com/jwks",
    "--login-url=https://169.254.169.254/login",
    "--oidc-enabled-signing-alg=none",
    "--oidc-enabled-signing-alg=RS256,HS256",
    "--skip-oidc-discovery=true",
    "--google-group=admins@example.com",
)


@pytest.mark.parametrize("extra", UNSAFE_EXTRA_ARGS)
def test_fails_on_extra_args_outside_the_allow_list(chart: cdk8s.Chart, extra: str) -> None:
    with pytest.raises(ConfigurationError, match=r"^extra_args"):
        s.oauth2_proxy(chart, extra_args=[extra])
    assert synth(chart) == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("--skip-auth-route=GET=/admin", r"it exempts requests from authentication"),
        ("--client-secret=s3cr3t", r"it carries a secret"),
        ("--ssl-insecure-skip-verify=true", r"switches off TLS or token verification"),
        ("--config=/etc/x.cfg", r"it reads a file"),
        ("--upstream=http://evil.example.com", r"auth-only"),
        ("--proxy-prefix=/auth", r"moves the proxy's own endpoints"),
        ("--no-such-flag=1", r"not one, and oauth2-proxy exits at start-up"),
        ("--cookie-name", r"the flag needs a value"),
        ("--allowed-group=admins", r"with the allowed_groups argument"),
        ("--cookie-expire=1h", r"given once"),
    ],
)
def test_fails_on_extra_args_saying_why_or_what_to_use(
    chart: cdk8s.Chart, extra: str, message: str
) -> None:
    extras = [extra, extra] if message == r"given once" else [extra]
    with pytest.raises(ConfigurationError, match=message):
        s.oauth2_proxy(chart, extra_args=extras)
    assert synth(chart) == []


#: One valid value for every flag of the allow-list (the test below checks it covers all).
ALLOWED_SAMPLES = {
    "api-route": "/api/",
    "cookie-name": "_sso",
    "cookie-expire": "12h",
    "cookie-refresh": "1h",
    "cookie-httponly": "true",
    "cookie-samesite": "lax",
    "cookie-csrf-per-request": "true",
    "cookie-csrf-per-request-limit": "5",
    "cookie-csrf-expire": "15m",
    "cookie-csrf-samesite": "lax",
    "skip-provider-button": None,
    "force-json-errors": "true",
    "encode-state": "true",
    "provider-display-name": "Example",
    "approval-prompt": "auto",
    "prompt": "select_account",
    "code-challenge-method": "S256",
    "acr-values": "urn:mace:incommon:iap:silver",
    "user-id-claim": "sub",
    "oidc-enabled-signing-alg": "RS256,ES256",
    "skip-claims-from-profile-url": "true",
    "prefer-email-to-user": "true",
    "skip-oidc-discovery": "true",
    "oidc-jwks-url": "https://login.example.com/keys",
    "login-url": "https://login.example.com/authorize",
    "redeem-url": "https://login.example.com/token",
    "profile-url": "https://login.example.com/userinfo",
    "validate-url": "https://login.example.com/userinfo",
    "github-user": "alice,bob",
    "google-group": "admins@example.com",
    "google-admin-email": "admin@example.com",
    "google-target-principal": "sa@example.iam.gserviceaccount.com",
    "google-use-application-default-credentials": "true",
    "entra-id-allowed-tenant": "contoso.onmicrosoft.com",
    "entra-id-federated-token-auth": "true",
    "auth-logging": "false",
    "standard-logging": "true",
    "request-logging": "false",
    "errors-to-info-log": "true",
    "logging-local-time": "false",
    "exclude-logging-path": "/ping,/ready",
    "request-id-header": "X-Request-Id",
    "real-client-ip-header": "X-Real-IP",
}


def test_the_allowed_samples_cover_the_whole_allow_list() -> None:
    from oauth_ingress_construct._core.flags import EXTRA_FLAGS

    assert set(ALLOWED_SAMPLES) == set(EXTRA_FLAGS)


def test_every_allowed_flag_passes_with_a_value_of_its_type(chart: cdk8s.Chart) -> None:
    """Over-refusal check: the whole allow-list in one proxy, emitted as given."""
    extras = [f"--{k}" if v is None else f"--{k}={v}" for k, v in ALLOWED_SAMPLES.items()]
    s.oauth2_proxy(chart, extra_args=extras)
    args = _proxy_args(synth(chart))
    assert args[-len(extras) :] == extras


# Class 12: every flag the package writes is a flag of the pinned oauth2-proxy.
def _every_option_proxy_args() -> list[list[str]]:
    from oauth_ingress_construct import Provider, Sessions

    providers = [
        Provider.oidc(
            issuer_url="https://login.example.com",
            scopes=["openid", "email"],
            groups_claim="groups",
            email_claim="mail",
        ),
        Provider.keycloak_oidc(
            issuer_url="https://kc.example.com/realms/x", scopes=["openid"], allowed_roles=["a"]
        ),
        Provider.entra_id(tenant_id="contoso.onmicrosoft.com", scopes=["openid"]),
        Provider.github(org="example", team="platform", repo="example/app"),
        Provider.gitlab(groups=["g"], projects=["g/p"]),
        Provider.google(hosted_domain="example.com"),
    ]
    sessions = [
        Sessions.cookie(),
        Sessions.cookie(minimal=True),
        Sessions.redis(url="rediss://redis:6380/0"),
        Sessions.redis_sentinel(master_name="m", urls=["redis://s-0:26379", "redis://s-1:26379"]),
        Sessions.redis_cluster(urls=["redis://r-0:6379"]),
    ]
    results = []
    for i, provider in enumerate(providers):
        for j, store in enumerate(sessions):
            chart = cdk8s.Chart(cdk8s.App(), f"c{i}{j}", namespace="apps")
            OAuth2Proxy(
                chart,
                "Proxy",
                host="auth.example.com",
                provider=provider,
                sessions=store,
                allowed_groups=["admins"],
                set_authorization_header=not store.minimal_cookie and provider.issues_id_token,
                trusted_proxy_ips=["10.0.0.0/8"],
                extra_args=["--cookie-expire=12h"],
            )
            results.append(_proxy_args(synth(chart)))
    return results


def test_every_flag_the_package_writes_is_known_to_the_pinned_oauth2_proxy() -> None:
    import yaml

    from oauth_ingress_construct._core.flags import KNOWN_FLAGS, check_known_args

    arg_lists = _every_option_proxy_args()
    dist = Path(__file__).resolve().parent.parent / "dist"
    for path in sorted(dist.glob("*.k8s.yaml")):
        for obj in yaml.safe_load_all(path.read_text()):
            labels = (obj or {}).get("metadata", {}).get("labels", {})
            if (
                obj["kind"] == "Deployment"
                and labels.get("app.kubernetes.io/name") == "oauth2-proxy"
            ):
                arg_lists.append(obj["spec"]["template"]["spec"]["containers"][0]["args"])
    assert len(arg_lists) > 30
    for args in arg_lists:
        check_known_args("args", args)
        for arg in args:
            assert arg[2:].split("=", 1)[0] in KNOWN_FLAGS, arg


def test_google_hosted_domain_is_enforced_with_a_flag_oauth2_proxy_knows(
    chart: cdk8s.Chart,
) -> None:
    from oauth_ingress_construct import Provider

    s.oauth2_proxy(chart, provider=Provider.google(hosted_domain="example.com"))
    args = _proxy_args(synth(chart))
    assert "--email-domain=example.com" in args
    assert "--email-domain=*" not in args
    assert not any(a.startswith("--google-hosted-domain") for a in args)


def test_fails_when_email_domains_widen_the_google_hosted_domain(chart: cdk8s.Chart) -> None:
    from oauth_ingress_construct import Provider

    with pytest.raises(ConfigurationError, match=r"^email_domains must be within the provider"):
        s.oauth2_proxy(
            chart, provider=Provider.google(hosted_domain="example.com"), email_domains=["*"]
        )
    assert synth(chart) == []


# Class 2 and 15: every way to build a value type runs the same checks; fields read-only.
def _bad_value_objects() -> list[Any]:
    import dataclasses

    from oauth_ingress_construct import (
        IngressNginx,
        Provider,
        ProxyResources,
        ProxySecret,
        Sessions,
    )

    oidc = Provider.oidc(issuer_url="https://login.example.com")
    redis = Sessions.redis(url="redis://redis:6379")
    issuer = "--oidc-issuer-url=https://login.example.com"
    return [
        lambda: Provider(name="oidc", args=("--provider=oidc", issuer, "--skip-auth-regex=.*")),
        lambda: Provider(name="oidc", args=("--provider=oidc", issuer, "--client-secret=x")),
        lambda: Provider(name="oidc", args=("--provider=oidc", "--oidc-issuer-url=http://x.io")),
        lambda: Provider(name="github", args=("--provider=oidc",)),
        lambda: Provider(name="facebook", args=("--provider=facebook",)),
        lambda: Provider(name="github", args=("--provider=github", "--upstream=http://e.io")),
        lambda: dataclasses.replace(oidc, args=(*oidc.args, "--trusted-ip=0.0.0.0/0")),
        lambda: dataclasses.replace(oidc, name="google"),
        lambda: Sessions(store="cookie", args=("--upstream=http://evil.example.com",)),
        lambda: Sessions(store="redis", args=("--redis-password=pw",)),
        lambda: Sessions(store="redis", args=("--session-store-type=redis",)),
        lambda: dataclasses.replace(
            redis,
            args=("--session-store-type=redis", "--redis-connection-url=redis://169.254.1.1"),
        ),
        lambda: dataclasses.replace(redis, args=(*redis.args, "--skip-auth-regex=.*")),
        lambda: dataclasses.replace(ServiceRef("app", 80), port=0),
        lambda: dataclasses.replace(ProxySecret(name="sso"), name="SSO"),
        lambda: dataclasses.replace(ProxyResources(), cpu_request="2", cpu_limit="1"),
        lambda: dataclasses.replace(IngressNginx(), version="latest"),
    ]


@pytest.mark.parametrize("index", range(17))
def test_fails_on_value_types_built_directly_or_replaced(index: int) -> None:
    with pytest.raises(ConfigurationError):
        _bad_value_objects()[index]()


def test_value_types_replaced_with_good_values_still_work() -> None:
    import dataclasses

    from oauth_ingress_construct import Provider, ProxySecret

    assert dataclasses.replace(ServiceRef("app", 80), port=81).port == 81
    assert dataclasses.replace(ProxySecret(name="sso"), name="sso-2").name == "sso-2"
    oidc = Provider.oidc(issuer_url="https://login.example.com")
    assert dataclasses.replace(oidc).args == oidc.args


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: ServiceRef("app", 80), "port"),
        (lambda: __import__("oauth_ingress_construct").ProxySecret(name="sso"), "name"),
        (__import__("oauth_ingress_construct").Sessions.cookie, "args"),
        (lambda: s.OIDC, "args"),
        (lambda: __import__("oauth_ingress_construct").ProxyResources(), "cpu_limit"),
        (lambda: __import__("oauth_ingress_construct").IngressNginx(), "version"),
    ],
)
def test_fails_on_assigning_a_field_of_a_value_type(make: Any, field: str) -> None:
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(make(), field, "x")


# Class 5: only identity headers are copied from the auth answer.
@pytest.mark.parametrize(
    "header",
    [
        "Content-Length",
        "Transfer-Encoding",
        "Connection",
        "Host",
        "Upgrade",
        "Content-Type",
        "X-Forwarded-For",
        "X-Forwarded-Host",
        "X-Original-URL",
        "Cookie",
        "Authorization",
        "Location",
        "X-Auth-Request",
        "X-Auth-Request-",
    ],
)
def test_fails_on_response_headers_that_frame_or_route(chart: cdk8s.Chart, header: str) -> None:
    with pytest.raises(ConfigurationError, match=r"^response_headers must be an identity header"):
        s.protected_app(chart, response_headers=["X-Auth-Request-User", header])
    assert synth(chart) == []


def test_identity_headers_pass_and_authorization_comes_with_its_flag(chart: cdk8s.Chart) -> None:
    headers = ["X-Auth-Request-User", "X-Auth-Request-Preferred-Username", "x-auth-request-email"]
    s.protected_app(chart, response_headers=headers, pass_authorization_header=True)
    ingress = find(synth(chart), "Ingress", "app")
    # the app's headers first (in the table's spelling), then every other identity header
    # (overwritten or removed, never the client's), Authorization last
    assert annotations(ingress)["auth-response-headers"].split(",") == [
        "X-Auth-Request-User",
        "X-Auth-Request-Preferred-Username",
        "X-Auth-Request-Email",
        "X-Auth-Request-Groups",
        "X-Auth-Request-Access-Token",
        "GAP-Auth",
        "Authorization",
    ]


# Class 6: what is checked is what is emitted; str/int subclasses and enums are normalised.
class LyingStr(str):
    __slots__ = ()

    def __str__(self) -> str:
        return "evil.example.net"

    def __format__(self, spec: str) -> str:
        return "evil.example.net"

    def __repr__(self) -> str:
        return "'evil.example.net'"


class LyingInt(int):
    def __str__(self) -> str:
        return "1; evil"

    def __format__(self, spec: str) -> str:
        return "1; evil"

    def __repr__(self) -> str:
        return "1; evil"


def test_str_subclasses_are_emitted_as_the_value_that_was_checked(chart: cdk8s.Chart) -> None:
    import enum

    class Size(str, enum.Enum):
        BIG = "16k"

    s.protected_app(
        chart,
        host=LyingStr("app.example.com"),
        name=LyingStr("app"),
        paths=[LyingStr("/api")],
        allowed_groups=[LyingStr("admins")],
        response_headers=[LyingStr("X-Auth-Request-User")],
        proxy_buffer_size=Size.BIG,
        tls_secret_name=LyingStr("app-tls"),
    )
    text = cdk8s.Testing.synth(chart)
    dump = repr(text)
    assert "evil" not in dump
    ingress = find(list(text), "Ingress", "app")
    assert ingress["spec"]["rules"][0]["host"] == "app.example.com"
    assert type(ingress["spec"]["rules"][0]["host"]) is str
    assert annotations(ingress)["proxy-buffer-size"] == "16k"


def test_int_subclasses_and_int_enums_are_emitted_as_plain_numbers(chart: cdk8s.Chart) -> None:
    import enum
    import http

    class Replicas(enum.IntEnum):
        TWO = 2

    s.oauth2_proxy(chart, replicas=Replicas.TWO)
    s.protected_app(
        chart,
        backend=ServiceRef("app", LyingInt(8080)),
        custom_http_errors=[http.HTTPStatus.SERVICE_UNAVAILABLE, LyingInt(404)],
    )
    objects = synth(chart)
    assert find(objects, "Deployment", "proxy")["spec"]["replicas"] == 2
    ingress = find(objects, "Ingress", "app")
    assert annotations(ingress)["custom-http-errors"] == "404,503"
    port = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"]
    assert port == {"number": 8080}
    assert "evil" not in repr(objects)


def test_value_types_hold_plain_values() -> None:
    from oauth_ingress_construct import ProxySecret

    ref = ServiceRef(LyingStr("app"), LyingInt(80))
    assert type(ref.name) is str
    assert type(ref.port) is int
    assert (ref.name, ref.port) == ("app", 80)
    secret = ProxySecret(name=LyingStr("sso"), client_id_key=LyingStr("id"))
    assert type(secret.name) is str
    assert type(secret.client_id_key) is str


# Class 7: sizes.
@pytest.mark.parametrize("size", ["1k", "3k", "4095", "2m", "1025k", "9999999", "0", "16K"])
def test_fails_on_proxy_buffer_sizes_nginx_cannot_use(chart: cdk8s.Chart, size: str) -> None:
    with pytest.raises(ConfigurationError, match=r"^proxy_buffer_size must be an nginx size"):
        s.protected_app(chart, proxy_buffer_size=size)
    assert synth(chart) == []


@pytest.mark.parametrize("size", ["4k", "4096", "16k", "128k", "1024k", "1m"])
def test_proxy_buffer_sizes_nginx_accepts_pass(chart: cdk8s.Chart, size: str) -> None:
    s.protected_app(chart, proxy_buffer_size=size)
    assert annotations(find(synth(chart), "Ingress", "app"))["proxy-buffer-size"] == size


def test_size_checks_refuse_above_the_api_server_limits() -> None:
    from oauth_ingress_construct._core.validation import check_annotations_size, check_object_size

    key = "nginx.ingress.kubernetes.io/x"
    check_annotations_size("annotations", {key: "a" * (256 * 1024 - len(key))})
    with pytest.raises(ConfigurationError, match=r"^annotations must be at most 262144 bytes"):
        check_annotations_size("annotations", {key: "a" * (256 * 1024 - len(key) + 1)})
    small = {"kind": "ConfigMap", "data": {"a": "b" * 1_000_000}}
    check_object_size("objects", small)
    with pytest.raises(ConfigurationError, match=r"^objects must be at most 1572864 bytes"):
        check_object_size("objects", {"kind": "ConfigMap", "data": {"a": "b" * 1_600_000}})


# Class 9: URLs.
@pytest.mark.parametrize(
    "url",
    [
        "http://login.example.com",
        "HTTPS://login.example.com",
        "Https://login.example.com",
        "https://169.254.169.254/latest",
        "https://169.254.0.1",
        "https://metadata.google.internal/computeMetadata",
        "https://metadata/computeMetadata",
        "https://100.100.100.200/latest",
        "https://2852039166/",
        "https://0xa9fea9fe/",
        "https://169.254.43518/",
        "https://0.0.0.0/",
        "https://224.0.0.1/",
    ],
)
def test_fails_on_issuer_urls_that_are_not_plain_https(chart: cdk8s.Chart, url: str) -> None:
    from oauth_ingress_construct import Provider

    with pytest.raises(ConfigurationError, match=r"^issuer_url must be"):
        s.protected_app(chart, provider=Provider.oidc(issuer_url=url))
    assert synth(chart) == []


def test_a_lab_issuer_over_http_needs_an_explicit_warned_opt_in(chart: cdk8s.Chart) -> None:
    from oauth_ingress_construct import InsecureIssuerWarning, Provider

    with pytest.warns(InsecureIssuerWarning, match=r"plain-http issuer"):
        provider = Provider.oidc(issuer_url="http://keycloak.lab.internal", allow_http_issuer=True)
    s.protected_app(chart, provider=provider)
    assert "--oidc-issuer-url=http://keycloak.lab.internal" in _proxy_args(synth(chart))


@pytest.mark.parametrize(
    "url", ["https://10.0.0.5/realms/x", "https://login.example.com:8443/realms/x"]
)
def test_private_and_ported_https_issuers_pass(chart: cdk8s.Chart, url: str) -> None:
    from oauth_ingress_construct import Provider

    s.protected_app(chart, provider=Provider.oidc(issuer_url=url))
    assert f"--oidc-issuer-url={url}" in _proxy_args(synth(chart))


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://localhost/realms/x", "a loopback name"),
        ("https://localhost./realms/x", "a loopback name"),
        ("https://LOCALHOST/realms/x", "a loopback name"),
        ("https://keycloak.localhost/realms/x", "a loopback name"),
        ("https://localhost.localdomain/", "a loopback name"),
        ("https://127.0.0.1/realms/x", r"a loopback address \(127.0.0.1\)"),
        ("https://127.0.0.2:8443/realms/x", r"a loopback address \(127.0.0.2\)"),
        ("https://127.1/", r"a loopback address \(127.0.0.1\)"),
        ("https://2130706433/", r"a loopback address \(127.0.0.1\)"),
        ("https://0x7f000001/", r"a loopback address \(127.0.0.1\)"),
        ("https://0177.0.0.1/", r"a loopback address \(127.0.0.1\)"),
        ("https://127.0.0.1./", r"a loopback address \(127.0.0.1\)"),
        ("https://[::1]/realms/x", r"a loopback address \(::1\)"),
        ("https://[::ffff:127.0.0.1]/", r"a loopback address \(127.0.0.1\)"),
        ("https://0/", r"the unspecified address \(0.0.0.0\)"),
        ("https://[::]/", r"the unspecified address \(::\)"),
        ("https://[fe80::1]/", r"a link-local address \(fe80::1\)"),
    ],
)
def test_fails_on_an_issuer_on_the_proxys_own_pod(chart: cdk8s.Chart, url: str, why: str) -> None:
    from oauth_ingress_construct import Provider

    with pytest.raises(
        ConfigurationError,
        match=rf"^issuer_url must be a URL of a service the proxy can reach from its pod: "
        rf"'[^']*' is {why}",
    ):
        s.protected_app(chart, provider=Provider.oidc(issuer_url=url))
    assert synth(chart) == []


def test_fails_on_a_loopback_issuer_given_as_a_provider_flag() -> None:
    from oauth_ingress_construct import Provider

    with pytest.raises(ConfigurationError, match=r"'127.0.0.1' is a loopback address"):
        Provider(name="oidc", args=("--provider=oidc", "--oidc-issuer-url=https://127.0.0.1"))


@pytest.mark.parametrize(
    "url", ["redis://localhost:6379", "redis://127.0.0.1:6379", "rediss://[::1]:6380"]
)
def test_fails_on_redis_on_the_proxys_own_pod(chart: cdk8s.Chart, url: str) -> None:
    from oauth_ingress_construct import Sessions

    with pytest.raises(ConfigurationError, match=r"^url must be a URL of a service the proxy"):
        s.oauth2_proxy(chart, sessions=Sessions.redis(url=url))


def test_fails_on_redis_on_a_link_local_address(chart: cdk8s.Chart) -> None:
    from oauth_ingress_construct import Sessions

    with pytest.raises(ConfigurationError, match=r"^url must be"):
        s.oauth2_proxy(chart, sessions=Sessions.redis(url="redis://169.254.169.254:6379"))


# Class 10: public suffixes.
@pytest.mark.parametrize("domain", [".co.uk", "co.uk", ".github.io", ".herokuapp.com", ".x0.com"])
def test_fails_on_a_cookie_domain_that_is_a_public_suffix(chart: cdk8s.Chart, domain: str) -> None:
    host = "access." + domain.removeprefix(".")
    with pytest.raises(ConfigurationError, match=r"^cookie_domain must be a domain you own"):
        s.oauth2_proxy(chart, host=host, cookie_domain=domain)
    assert synth(chart) == []


@pytest.mark.parametrize(
    ("host", "cookie_domain"),
    [
        ("access.example.com", ".example.com"),
        ("example.com", ".example.com"),
        ("access.example.co.uk", ".example.co.uk"),
        ("example.co.uk", ".example.co.uk"),
        ("my-team.github.io", ".my-team.github.io"),
        ("myapp.herokuapp.com", ".myapp.herokuapp.com"),
    ],
)
def test_the_derived_cookie_domain_is_never_a_public_suffix(
    chart: cdk8s.Chart, host: str, cookie_domain: str
) -> None:
    proxy = s.oauth2_proxy(chart, host=host)
    assert proxy.cookie_domain == cookie_domain
    args = _proxy_args(synth(chart))
    assert f"--cookie-domain={cookie_domain}" in args
    assert f"--whitelist-domain={cookie_domain}" in args


# Class 11: public identity providers are not open by default.
@pytest.mark.parametrize(
    "issuer",
    [
        "https://slack.com",
        "https://slack.com/",
        "https://www.linkedin.com/oauth",
        "https://id.twitch.tv/oauth2",
        "https://appleid.apple.com",
        "https://accounts.google.com:443",
        "https://login.microsoftonline.com/Common/v2.0",
        "https://login.microsoftonline.com/9188040D-6C67-4C5B-B112-36A304B66DAD/v2.0",
    ],
)
def test_fails_on_every_public_issuer_of_the_table_open_to_any_account(
    chart: cdk8s.Chart, issuer: str
) -> None:
    from oauth_ingress_construct import Provider

    with pytest.raises(ConfigurationError, match=r"^allow_any_account must be True to let anyone"):
        s.protected_app(chart, provider=Provider.oidc(issuer_url=issuer))
    assert synth(chart) == []


@pytest.mark.parametrize(
    "issuer",
    [
        "https://slack.company.example",  # a host that only starts like one
        "https://gitlab.company.com",
        "https://www.linkedin.com/oauthx",  # a path segment that only starts like one
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0",
        "https://slack.com:8443",  # another port: another service
    ],
)
def test_issuers_that_only_look_like_public_ones_need_no_opt_in(
    chart: cdk8s.Chart, issuer: str
) -> None:
    from oauth_ingress_construct import Provider

    assert not Provider.oidc(issuer_url=issuer).public
    s.protected_app(chart, provider=Provider.oidc(issuer_url=issuer))


def test_the_public_issuer_table_gives_why_and_a_source_for_each_row() -> None:
    from oauth_ingress_construct import Provider
    from oauth_ingress_construct._core.provider import PUBLIC_ISSUERS, public_issuer

    assert len({row.issuer for row in PUBLIC_ISSUERS}) == len(PUBLIC_ISSUERS)
    for row in PUBLIC_ISSUERS:
        assert row.issuer.startswith("https://")
        assert row.why
        assert row.source.startswith("https://"), row
        assert public_issuer(row.issuer) is row
        assert Provider.oidc(issuer_url=row.issuer).public
    assert "https://slack.com" in {row.issuer for row in PUBLIC_ISSUERS}


def _public_providers() -> list[Any]:
    from oauth_ingress_construct import Provider

    return [
        Provider.github(),
        Provider.google(),
        Provider.gitlab(),
        Provider.oidc(issuer_url="https://accounts.google.com"),
        Provider.oidc(issuer_url="https://gitlab.com"),
        Provider.oidc(issuer_url="https://token.actions.githubusercontent.com"),
        Provider.entra_id(tenant_id="common"),
        Provider.entra_id(tenant_id="organizations"),
        Provider.oidc(issuer_url="https://login.microsoftonline.com/consumers/v2.0"),
    ]


@pytest.mark.parametrize("index", range(9))
def test_fails_on_a_public_provider_open_to_any_account(chart: cdk8s.Chart, index: int) -> None:
    provider = _public_providers()[index]
    with pytest.raises(ConfigurationError, match=r"^allow_any_account must be True to let anyone"):
        OAuth2Proxy(chart, "Proxy", host="auth.example.com", provider=provider)
    with pytest.raises(ConfigurationError, match=r"^allow_any_account must be True to let anyone"):
        s.protected_app(chart, provider=provider)
    assert synth(chart) == []


@pytest.mark.parametrize("index", range(9))
def test_a_public_provider_passes_restricted_or_explicitly_open(
    chart: cdk8s.Chart, index: int
) -> None:
    provider = _public_providers()[index]
    OAuth2Proxy(chart, "Open", host="open.example.com", provider=provider, allow_any_account=True)
    OAuth2Proxy(chart, "Domains", host="d.example.com", provider=provider, email_domains=["a.io"])
    OAuth2Proxy(chart, "Groups", host="g.example.com", provider=provider, allowed_groups=["x"])
    s.protected_app(chart, provider=provider, allowed_groups=["admins"])
    assert len([o for o in synth(chart) if o["kind"] == "Deployment"]) == 4


def test_restricted_public_providers_and_private_issuers_need_no_opt_in(
    chart: cdk8s.Chart,
) -> None:
    from oauth_ingress_construct import Provider

    for i, provider in enumerate(
        [
            Provider.github(org="example"),
            Provider.github(repo="example/app"),
            Provider.gitlab(groups=["example"]),
            Provider.gitlab(issuer_url="https://gitlab.example.com"),
            Provider.google(hosted_domain="example.com"),
            Provider.entra_id(tenant_id="contoso.onmicrosoft.com"),
            Provider.oidc(issuer_url="https://login.example.com"),
        ]
    ):
        OAuth2Proxy(chart, f"P{i}", host=f"p{i}.example.com", provider=provider)
    OAuth2Proxy(
        chart,
        "Users",
        host="u.example.com",
        provider=Provider.github(),
        extra_args=["--github-user=alice"],
    )
    assert len(synth(chart)) > 0


# Class 13: strings YAML readers take for numbers.
@pytest.mark.parametrize("value", ["0o17", "0X1F", "0B101", "0x1f", "0b101", "0o1_7", "-0o17"])
def test_fails_on_names_that_yaml_reads_as_numbers(chart: cdk8s.Chart, value: str) -> None:
    for kwargs in ({"namespace": value.lower()}, {"name": value.lower()}):
        with pytest.raises(ConfigurationError, match=r"YAML readers do not take for a number"):
            s.protected_app(chart, **kwargs)
    with pytest.raises(ConfigurationError, match=r"YAML readers do not take for a number"):
        __import__("oauth_ingress_construct").ProxySecret(name="sso", client_id_key=value)
    assert synth(chart) == []


def test_numeric_looking_names_that_cdk8s_quotes_pass_and_read_back_as_strings() -> None:
    import yaml

    app = cdk8s.App()
    chart = cdk8s.Chart(app, "n", namespace="123", disable_resource_name_hashes=True)
    from oauth_ingress_construct import ProxySecret

    s.protected_app(chart, secret=ProxySecret(name="1e3", client_id_key="0777"))
    for obj in yaml.safe_load_all(app.synth_yaml()):
        assert obj["metadata"]["namespace"] == "123"
        if obj["kind"] == "Deployment":
            env = obj["spec"]["template"]["spec"]["containers"][0]["env"]
            assert {e["valueFrom"]["secretKeyRef"]["name"] for e in env} == {"1e3"}
            assert "0777" in {e["valueFrom"]["secretKeyRef"]["key"] for e in env}


# Class 14: limits of nginx and Linux.
def test_fails_on_an_auth_url_too_long_for_nginx(chart: cdk8s.Chart) -> None:
    groups = [f"group-{i:03d}-{'x' * 30}" for i in range(100)]
    with pytest.raises(ConfigurationError, match=r"^allowed_groups must be at most 4000 bytes"):
        s.protected_app(chart, allowed_groups=groups)
    assert synth(chart) == []


def test_an_auth_url_just_under_the_limit_passes(chart: cdk8s.Chart) -> None:
    groups = [f"group-{i:03d}-{'x' * 30}" for i in range(90)]
    s.protected_app(chart, allowed_groups=groups)
    url = annotations(find(synth(chart), "Ingress", "app"))["auth-url"]
    assert 3500 < len(url) <= 4000


def test_fails_on_a_proxy_flag_longer_than_linux_accepts(chart: cdk8s.Chart) -> None:
    paths = ",".join(f"/p{i:06d}" for i in range(16_000))
    with pytest.raises(ConfigurationError, match=r"MAX_ARG_STRLEN"):
        s.oauth2_proxy(chart, extra_args=[f"--exclude-logging-path={paths}"])
    assert synth(chart) == []


# Class 3 (within one app): paths as ingress-nginx merges them.
@pytest.mark.parametrize(
    ("paths", "path_type"),
    [
        (["/api", "/api/"], "PREFIX"),
        (["/", "/api", "/api/"], "PREFIX"),
    ],
)
def test_fails_on_paths_that_become_one_nginx_location(
    chart: cdk8s.Chart, paths: list[str], path_type: str
) -> None:
    from oauth_ingress_construct import PathType

    with pytest.raises(ConfigurationError, match=r"^paths must be paths that stay distinct"):
        s.protected_app(chart, paths=paths, path_type=PathType[path_type])
    assert synth(chart) == []


# ... and against its own proxy's /oauth2, which is the proxy's whatever nginx makes of it
# (tests/test_wiring.py covers every path under /oauth2 on both targets).
@pytest.mark.parametrize("paths", [["/oauth2/"], ["/", "/oauth2/"]])
def test_fails_on_paths_the_own_proxy_serves(chart: cdk8s.Chart, paths: list[str]) -> None:
    with pytest.raises(ConfigurationError, match=r"^paths must be a path outside '/oauth2'"):
        s.protected_app(chart, paths=paths)
    assert synth(chart) == []


@pytest.mark.parametrize(
    ("paths", "path_type"),
    [
        (["/", "/api", "/api2"], "PREFIX"),
        (["/api", "/api/"], "EXACT"),
        (["/", "/oauth", "/oauth2x"], "PREFIX"),
    ],
)
def test_paths_that_stay_distinct_pass(
    chart: cdk8s.Chart, paths: list[str], path_type: str
) -> None:
    from oauth_ingress_construct import PathType

    s.protected_app(chart, paths=paths, path_type=PathType[path_type])
    ingress = find(synth(chart), "Ingress", "app")
    assert [p["path"] for p in ingress["spec"]["rules"][0]["http"]["paths"]] == paths


@pytest.mark.parametrize(("size", "loads"), [(4000, True), (4094, True), (4095, False)])
def test_nginx_reads_an_auth_url_of_the_limit_and_refuses_4096_byte_parameters(
    tmp_path: Path, size: int, loads: bool
) -> None:
    """The 4000-byte limit against real nginx, as ingress-nginx writes auth-url (quoted)."""
    url = "http://a.example.com/" + "x" * (size - 21)
    assert len(url) == size
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/pid; error_log {tmp_path}/error.log;\nevents {{}}\n"
        "http { access_log off; server { listen 127.0.0.1:18081;\n"
        f'location / {{ set $target "{url}"; return 200; }} }} }}\n'
    )
    result = subprocess.run(
        ["nginx", "-t", "-q", "-p", str(tmp_path), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert (result.returncode == 0) is loads, result.stderr
    if not loads:
        assert "too long parameter" in result.stderr
