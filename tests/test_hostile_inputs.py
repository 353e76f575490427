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
from .conftest import synth

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
