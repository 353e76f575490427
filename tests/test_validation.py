"""Unit tests of each check of the validation layer, without a chart.

Every refusal is a :class:`ConfigurationError` whose message starts with the argument name,
shows the value with ``repr`` and says what is allowed.
"""

from __future__ import annotations

import re

import pytest

from oauth_ingress_construct import ConfigurationError, Provider
from oauth_ingress_construct._core.validation import (
    check_cidr,
    check_cookie_domain,
    check_dns_label,
    check_dns_subdomain,
    check_email,
    check_email_domain,
    check_group,
    check_header_name,
    check_host,
    check_http_status_codes,
    check_int,
    check_list,
    check_path,
    check_proxy_flag,
    check_request_within_limit,
    check_secret_key,
    check_service_name,
    check_url,
    fail,
)


def refused(argument: str, value: object) -> str:
    """The start of the message for ``value`` refused as ``argument``, as a regex."""
    return f"^{re.escape(argument)} must be .*, got {re.escape(repr(value))}$"


# --- the error type and message format ---------------------------------------------------


def test_configuration_error_is_a_value_error():
    assert issubclass(ConfigurationError, ValueError)


def test_fails_with_argument_allowed_and_repr_of_the_value():
    with pytest.raises(ConfigurationError) as raised:
        fail("host", "a\nb", "a DNS name")
    assert str(raised.value) == "host must be a DNS name, got 'a\\nb'"


@pytest.mark.parametrize(
    "check",
    [
        check_dns_label,
        check_dns_subdomain,
        check_host,
        check_cookie_domain,
        check_path,
        check_secret_key,
        check_header_name,
        check_url,
        check_email,
        check_email_domain,
        check_group,
        check_cidr,
        check_proxy_flag,
        check_service_name,
    ],
)
@pytest.mark.parametrize("value", [None, 42, b"app", ["app"]])
def test_fails_on_non_strings(check, value):
    with pytest.raises(ConfigurationError, match=refused("arg", value)):
        check("arg", value)


@pytest.mark.parametrize(
    ("check", "valid"),
    [
        (check_dns_label, "app"),
        (check_dns_subdomain, "app"),
        (check_host, "app.example.com"),
        (check_path, "/api"),
        (check_secret_key, "client-id"),
        (check_header_name, "X-Auth-Request-User"),
        (check_email, "jane@example.com"),
        (check_email_domain, "example.com"),
        (check_group, "admins"),
        (check_proxy_flag, "--skip-provider-button=true"),
    ],
)
@pytest.mark.parametrize("suffix", ["\n", "\r\n", "\x00"])
def test_fails_on_a_trailing_newline_after_a_valid_value(check, valid, suffix):
    # re.match(r"^...$") accepts "value\n": every check must use fullmatch.
    assert check("arg", valid) == valid
    with pytest.raises(ConfigurationError, match=refused("arg", valid + suffix)):
        check("arg", valid + suffix)


# --- Kubernetes names ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["a", "app", "my-app-2", "0", "a" * 63])
def test_dns_label_accepts(value):
    assert check_dns_label("name", value) == value


@pytest.mark.parametrize(
    "value", ["", "App", "my_app", "-app", "app-", "a.b", "a" * 64, "app;", "app ", "ápp"]
)
def test_fails_on_bad_dns_label(value):
    with pytest.raises(ConfigurationError, match=refused("name", value)):
        check_dns_label("name", value)


@pytest.mark.parametrize("value", ["a", "tls", "example-com-tls", "a.b.c", "a" * 63 + ".b"])
def test_dns_subdomain_accepts(value):
    assert check_dns_subdomain("tls_secret_name", value) == value


@pytest.mark.parametrize(
    "value", ["", "TLS", "a..b", ".a", "a.", "a_b", "a" * 64, "a/b", "a;b", ("a." * 127) + "ab"]
)
def test_fails_on_bad_dns_subdomain(value):
    with pytest.raises(ConfigurationError, match=refused("tls_secret_name", value)):
        check_dns_subdomain("tls_secret_name", value)


# --- hosts and domains --------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["app.example.com", "a.b", "x-1.example.io", "123.example.com", "*.example.com"]
)
def test_host_accepts(value):
    assert check_host("host", value) == value


@pytest.mark.parametrize(
    "value",
    [
        "https://app.example.com",
        "app.example.com:8443",
        "app.example.com/path",
        "user@app.example.com",
        "App.example.com",
        "localhost",
        "10.0.0.1",
        "app.example.com.",
        "*.*.example.com",
        "a.*.example.com",
        "*",
        "app..example.com",
        "-app.example.com",
        "app-.example.com",
        "app.example.com;",
        "app.example.com\nalias",
        "app.exa mple.com",
        "\u0430pp.example.com",  # Cyrillic a
        ("a" * 64) + ".example.com",
        ".".join(["a" * 63] * 4) + ".com",
    ],
)
def test_fails_on_bad_host(value):
    with pytest.raises(ConfigurationError, match=refused("host", value)):
        check_host("host", value)


def test_fails_on_a_wildcard_host_where_wildcards_are_not_allowed():
    with pytest.raises(ConfigurationError, match=r"host must be .*got '\*\.example\.com'"):
        check_host("host", "*.example.com", wildcard=False)


@pytest.mark.parametrize(
    ("value", "expected"), [("example.com", ".example.com"), (".example.com", ".example.com")]
)
def test_cookie_domain_accepts_with_or_without_the_dot(value, expected):
    assert check_cookie_domain("cookie_domain", value) == expected


@pytest.mark.parametrize(
    "value",
    ["", ".", "..example.com", "*.example.com", ".com", "example.com:443", "a b.com", "10.0.0.1"],
)
def test_fails_on_bad_cookie_domain(value):
    with pytest.raises(ConfigurationError, match=refused("cookie_domain", value)):
        check_cookie_domain("cookie_domain", value)


@pytest.mark.parametrize("value", ["*", "example.com", ".example.com", "mail.example.org"])
def test_email_domain_accepts(value):
    assert check_email_domain("email_domains", value) == value


@pytest.mark.parametrize("value", ["", "**", "*.example.com", "@example.com", "com", "a;b.com"])
def test_fails_on_bad_email_domain(value):
    with pytest.raises(ConfigurationError, match=refused("email_domains", value)):
        check_email_domain("email_domains", value)


# --- paths --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["/", "/api", "/api/", "/api/v1", "/a_b-c/D9"])
def test_path_accepts(value):
    assert check_path("paths", value) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "api",
        "/a/../b",
        "/..",
        "/./a",
        "/v1.0",  # '.' is a regex metacharacter once any Ingress of the host uses use-regex
        "/~user",
        "//a",
        "/a//b",
        "/api/.*",
        "/api(/|$)(.*)",
        "/api$",
        "/a{1,3}",
        "/a+",
        "/a?b",
        "/a#b",
        "/a%2e%2e/b",
        "/a;b",
        "/a b",
        "/a\n",
        "/a\\b",
        '/a"',
        "/" + "a" * 1024,
    ],
)
def test_fails_on_bad_path(value):
    with pytest.raises(ConfigurationError, match=refused("paths", value)):
        check_path("paths", value)


# --- headers, keys, groups, e-mails -------------------------------------------------------


@pytest.mark.parametrize("value", ["X-Auth-Request-User", "Authorization", "x-a-1"])
def test_header_name_accepts(value):
    assert check_header_name("response_headers", value) == value


@pytest.mark.parametrize(
    "value",
    ["", "X-User: admin", "X User", "X_User", "X-A,X-B", "X-A\r\nX-B: 1", "X-A;", "A" * 129],
)
def test_fails_on_bad_header_name(value):
    with pytest.raises(ConfigurationError, match=refused("response_headers", value)):
        check_header_name("response_headers", value)


@pytest.mark.parametrize("value", ["client-id", "cookie_secret", "a.b", "A1"])
def test_secret_key_accepts(value):
    assert check_secret_key("ProxySecret.client_id_key", value) == value


@pytest.mark.parametrize("value", ["", ".", "..", "a/b", "a b", "a;b", "k" * 254])
def test_fails_on_bad_secret_key(value):
    with pytest.raises(ConfigurationError, match=refused("ProxySecret.client_id_key", value)):
        check_secret_key("ProxySecret.client_id_key", value)


@pytest.mark.parametrize("value", ["admins", "/org/team", "org:team", "a@b", "team_a.b~c"])
def test_group_accepts(value):
    assert check_group("allowed_groups", value) == value


@pytest.mark.parametrize("value", ["", "a b", "a,b", "a;b", "a$b", "a\nb", "g" * 257, "a'b"])
def test_fails_on_bad_group(value):
    with pytest.raises(ConfigurationError, match=refused("allowed_groups", value)):
        check_group("allowed_groups", value)


@pytest.mark.parametrize("value", ["jane@example.com", "j.doe+tag@mail.example.org"])
def test_email_accepts(value):
    assert check_email("allowed_emails", value) == value


@pytest.mark.parametrize(
    "value", ["", "jane", "@example.com", "jane@", "jane@localhost", "a b@x.com", "a@b@x.com"]
)
def test_fails_on_bad_email(value):
    with pytest.raises(ConfigurationError, match=refused("allowed_emails", value)):
        check_email("allowed_emails", value)


# --- URLs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "https://login.example.com",
        "https://login.example.com/realms/main",
        "https://keycloak:8443/realms/main",
        "https://login.example.com/a_b~c-d.e/",
    ],
)
def test_url_accepts(value):
    assert check_url("issuer_url", value) == value


def test_url_accepts_http_only_when_allowed():
    assert check_url("issuer_url", "http://k", schemes=("https", "http")) == "http://k"
    with pytest.raises(ConfigurationError, match=refused("issuer_url", "http://k")):
        check_url("issuer_url", "http://k")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "login.example.com",
        "ftp://login.example.com",
        "javascript:alert(1)",
        "https://",
        "https://user:pw@login.example.com",
        "https://evil.example.com@login.example.com",
        "https://login.example.com/#frag",
        "https://login.example.com/?a=b",
        "https://login.example.com:0",
        "https://login.example.com:99999",
        "https://login.example.com:port",
        "https://LOGIN.example.com",
        "https://[::1]/",
        "https://login.example.com/a/../b",
        "https://login.example.com//a",
        "https://login.example.com/a b",
        "https://login.example.com/a\n",
        'https://x.example.com/"};',
        "https://x.example.com/$host",
        "https://x.example.com/%2e%2e",
        "https://x.example.com/a;b",
        "https://x.example.com/" + "a" * 2048,
    ],
)
def test_fails_on_bad_url(value):
    with pytest.raises(ConfigurationError, match=refused("issuer_url", value)):
        check_url("issuer_url", value)


def test_url_query_only_when_allowed():
    url = "https://x.example.com/p?a=b&c=d,e"
    assert check_url("url", url, query=True) == url
    with pytest.raises(ConfigurationError, match=refused("url", url)):
        check_url("url", url)
    with pytest.raises(ConfigurationError, match=refused("url", url + "$x")):
        check_url("url", url + "$x", query=True)


# --- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 80, 65535])
def test_int_accepts(value):
    assert check_int("port", value, low=1, high=65535) == value


@pytest.mark.parametrize("value", [0, -1, 65536, True, False, 80.0, "80", None, 2**70])
def test_fails_on_bad_int(value):
    with pytest.raises(ConfigurationError, match=refused("port", value)):
        check_int("port", value, low=1, high=65535)


def test_http_status_codes_are_sorted_and_deduplicated():
    assert check_http_status_codes("custom_http_errors", [503, 404, 503]) == (404, 503)


@pytest.mark.parametrize("value", [399, 600, "404", True, 404.0])
def test_fails_on_bad_http_status_code(value):
    with pytest.raises(ConfigurationError, match=refused("custom_http_errors", value)):
        check_http_status_codes("custom_http_errors", [value])


# --- lists --------------------------------------------------------------------------------


def test_list_applies_the_check_to_every_item_and_returns_a_tuple():
    assert check_list("allowed_groups", ["a", "b"], check_group) == ("a", "b")
    assert check_list("allowed_groups", ("a",), check_group) == ("a",)
    assert check_list("allowed_groups", [], check_group) == ()


@pytest.mark.parametrize(
    "value",
    [
        "admins",  # a bare string would be a list of characters
        b"admins",
        {"a", "b"},  # a set's order changes from run to run: output must not
        frozenset({"a"}),
        {"a": 1},
        (g for g in ["a"]),
        None,
        3,
    ],
)
def test_fails_on_a_non_list(value):
    with pytest.raises(ConfigurationError, match=r"^allowed_groups must be a list, got "):
        check_list("allowed_groups", value, check_group)


def test_fails_on_the_first_bad_item_showing_that_item():
    with pytest.raises(ConfigurationError, match=refused("allowed_groups", "b c")):
        check_list("allowed_groups", ["a", "b c", "d e"], check_group)


# --- IP networks and proxy flags ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("10.1.2.3/8", "10.0.0.0/8"),
        ("192.168.1.1", "192.168.1.1/32"),
        ("fd00::/8", "fd00::/8"),
        ("::1", "::1/128"),
    ],
)
def test_cidr_accepts_and_normalises(value, expected):
    assert check_cidr("trusted_proxy_ips", value) == expected


@pytest.mark.parametrize(
    "value",
    ["", "10.0.0.0/33", "10.0.0", "256.0.0.1", "fe80::1%eth0", " 10.0.0.1", "10.0.0.1\n", "a"],
)
def test_fails_on_bad_cidr(value):
    with pytest.raises(ConfigurationError, match=refused("trusted_proxy_ips", value)):
        check_cidr("trusted_proxy_ips", value)


@pytest.mark.parametrize(
    "value",
    ["--skip-provider-button", "--cookie-expire=12h0m0s", "--x=a,b:c/d@e*f+g=h", "--a="],
)
def test_proxy_flag_accepts(value):
    assert check_proxy_flag("extra_args", value) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "-v",
        "skip-provider-button",
        "--Skip",
        "--a=b --upstream=http://evil",
        "--a=b\n--upstream=http://evil",
        "--a='b'",
        '--a="b"',
        "--a=$SECRET",
        "--a=${SECRET}",
        "--a=b;c",
        "--a=b\\c",
        "--a=b{c}",
        "--a=%41",
        "--",
        "--=x",
    ],
)
def test_fails_on_bad_proxy_flag(value):
    with pytest.raises(ConfigurationError, match=refused("extra_args", value)):
        check_proxy_flag("extra_args", value)


# --- Provider: direct construction is validated too ---------------------------------------


def test_provider_direct_construction_accepts_what_the_named_constructors_build():
    built = Provider.oidc(issuer_url="https://x.example.com", scopes=["openid", "email"])
    assert Provider(name=built.name, args=built.args) == built
    assert "--scope=openid email" in built.args


def test_provider_direct_construction_turns_a_list_into_a_tuple():
    args = ["--provider=oidc", "--oidc-issuer-url=https://login.example.com"]
    assert Provider(name="oidc", args=args).args == tuple(args)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["", "OIDC", "oidc\n", "oidc;", "a b", None])
def test_fails_on_bad_provider_name(name):
    with pytest.raises(ConfigurationError, match=refused("Provider.name", name)):
        Provider(name=name, args=())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "arg",
    [
        "--provider=oidc\n--upstream=http://evil",
        "--scope=openid  email",
        "--scope=openid email ",
        "--scope=openid\temail",
        "--scope=",
        "--scope=a;b",
        "--a=b c",
        "provider=oidc",
    ],
)
def test_fails_on_bad_provider_args(arg):
    with pytest.raises(ConfigurationError, match=r"^Provider.args"):
        Provider(name="oidc", args=("--provider=oidc", arg))


def test_fails_on_provider_args_given_as_a_string():
    with pytest.raises(ConfigurationError, match=r"^Provider.args must be a list"):
        Provider(name="oidc", args="--a=b")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Provider.oidc(issuer_url="https://x.example.com", scopes=[]), r"^scopes must"),
        (lambda: Provider.oidc(issuer_url="https://x.example.com", scopes="openid"), r"^scopes"),
        (
            lambda: Provider.oidc(issuer_url="https://x.example.com", scopes=["openid email"]),
            refused("scopes", "openid email"),
        ),
        (
            lambda: Provider.oidc(issuer_url="https://x.example.com", groups_claim="groups\n"),
            refused("groups_claim", "groups\n"),
        ),
        (
            lambda: Provider.oidc(issuer_url="https://x.example.com", email_claim="e mail"),
            refused("email_claim", "e mail"),
        ),
        (
            lambda: Provider.keycloak_oidc(
                issuer_url="https://x.example.com", allowed_roles=["admin role"]
            ),
            refused("allowed_roles", "admin role"),
        ),
        (lambda: Provider.entra_id(tenant_id="contoso/x"), refused("tenant_id", "contoso/x")),
        (lambda: Provider.entra_id(tenant_id="-x"), refused("tenant_id", "-x")),
        (lambda: Provider.github(org="my org"), refused("org", "my org")),
        (lambda: Provider.github(org="o", team="t\n"), refused("team", "t\n")),
        (lambda: Provider.github(repo="no-slash"), refused("repo", "no-slash")),
        (lambda: Provider.github(repo="a/b/c"), refused("repo", "a/b/c")),
        (lambda: Provider.gitlab(groups=["a b"]), refused("groups", "a b")),
        (lambda: Provider.gitlab(projects=["p;q"]), refused("projects", "p;q")),
        (lambda: Provider.gitlab(issuer_url="gitlab.com"), refused("issuer_url", "gitlab.com")),
        (
            lambda: Provider.google(hosted_domain="*.example.com"),
            refused("hosted_domain", "*.example.com"),
        ),
    ],
)
def test_fails_on_bad_provider_settings(make, message):
    with pytest.raises(ConfigurationError, match=message):
        make()


@pytest.mark.parametrize(
    "provider",
    [
        Provider.oidc(issuer_url="https://x.example.com", groups_claim="roles", email_claim="upn"),
        Provider.keycloak_oidc(issuer_url="https://k.example.com/realms/r", allowed_roles=["a:b"]),
        Provider.entra_id(tenant_id="00000000-0000-0000-0000-000000000000"),
        Provider.entra_id(tenant_id="contoso.onmicrosoft.com"),
        Provider.github(org="example", team="platform", repo="example/app.js"),
        Provider.gitlab(groups=["org/platform"], projects=["org/app"]),
        Provider.google(hosted_domain="example.com"),
    ],
)
def test_valid_providers_emit_one_flag_per_argument(provider):
    for arg in provider.args:
        assert arg.startswith("--")
        assert "\n" not in arg
        assert " " not in arg or arg.startswith("--scope=")


# --- Service names ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["a", "app", "my-app-2", "a" * 63])
def test_service_name_accepts(value):
    assert check_service_name("ServiceRef.name", value) == value


@pytest.mark.parametrize("value", ["", "0", "1app", "-app", "app-", "App", "a.b", "a" * 64, "a\n"])
def test_fails_on_bad_service_name(value):
    # The API server refuses these Service names; no schema check would.
    with pytest.raises(ConfigurationError, match=refused("ServiceRef.name", value)):
        check_service_name("ServiceRef.name", value)


# --- resource requests within limits ------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "limit"),
    [("20m", "500m"), ("500m", "0.5"), ("1", "1000m"), ("64Mi", "128Mi"), ("1Gi", "1024Mi")],
)
def test_request_within_limit_accepts(request_, limit):
    assert check_request_within_limit("ProxyResources.cpu_request", request_, limit) == request_


@pytest.mark.parametrize(
    ("request_", "limit"),
    [("501m", "0.5"), ("2", "1"), ("129Mi", "128Mi"), ("1G", "1Mi"), ("1.5Gi", "1536M")],
)
def test_fails_on_a_request_above_its_limit(request_, limit):
    with pytest.raises(
        ConfigurationError,
        match=rf"^ProxyResources\.cpu_request must be at most the limit '{re.escape(limit)}'.*"
        rf", got '{re.escape(request_)}'$",
    ):
        check_request_within_limit("ProxyResources.cpu_request", request_, limit)


def test_fails_on_proxy_resources_with_a_request_above_the_limit():
    from oauth_ingress_construct import ProxyResources

    with pytest.raises(ConfigurationError, match=r"^ProxyResources\.memory_request must be"):
        ProxyResources(memory_request="256Mi", memory_limit="128Mi")
    assert ProxyResources(cpu_request="1", cpu_limit="1").cpu_request == "1"


# --- issue 10: the flag tables, the path model, normalisation -----------------------------


def test_every_known_flag_is_allowed_managed_or_refused_with_a_reason():
    from oauth_ingress_construct._core.flags import (
        EXTRA_FLAGS,
        KNOWN_FLAGS,
        MANAGED_FLAGS,
        OAUTH2_PROXY_VERSION,
        UNSAFE_FLAGS,
    )

    assert OAUTH2_PROXY_VERSION == "v7.15.3"
    assert len(KNOWN_FLAGS) == 172
    tables = [set(EXTRA_FLAGS), set(MANAGED_FLAGS), set(UNSAFE_FLAGS)]
    assert set().union(*tables) == set(KNOWN_FLAGS)
    assert sum(len(t) for t in tables) == len(KNOWN_FLAGS)  # disjoint
    assert {t for t, _ in KNOWN_FLAGS.values()} == {
        "Bool", "Duration", "Int", "String", "StringSlice"
    }  # fmt: skip


def test_the_image_default_is_the_version_of_the_flag_table():
    from oauth_ingress_construct import DEFAULT_PROXY_IMAGE
    from oauth_ingress_construct._core.flags import OAUTH2_PROXY_VERSION

    assert f":{OAUTH2_PROXY_VERSION}@" in DEFAULT_PROXY_IMAGE


@pytest.mark.parametrize(
    ("path", "path_type", "exact_paths", "expected"),
    [
        ("/", "Prefix", (), {'location "/"'}),
        ("/", "Exact", (), {'location = "/"'}),
        ("/api", "Prefix", (), {'location "/api/"', 'location = "/api"'}),
        ("/api/", "Prefix", (), {'location "/api/"', 'location = "/api/"'}),
        ("/api", "Prefix", ("/api",), {'location "/api/"'}),
        ("/api", "Exact", (), {'location = "/api"'}),
    ],
)
def test_nginx_locations_follow_ingress_nginx(path, path_type, exact_paths, expected):
    from oauth_ingress_construct._core.paths import nginx_locations

    locations = nginx_locations(path, path_type, exact_paths=exact_paths)
    assert {str(loc) for loc in locations} == expected


@pytest.mark.parametrize(
    ("first", "second", "collide"),
    [
        ([("/", "Exact")], [("/", "Prefix")], False),
        ([("/api", "Exact")], [("/api", "Prefix")], False),
        ([("/api", "Prefix")], [("/api/", "Prefix")], True),
        ([("/api/", "Exact")], [("/api/", "Prefix")], False),
        ([("/api", "Prefix")], [("/api/", "Exact")], False),
        ([("/oauth2/", "Prefix")], [("/oauth2", "Prefix")], True),
        ([("/api", "Prefix"), ("/api/", "Prefix")], [], True),
        ([("/api", "Prefix"), ("/api", "Exact"), ("/api/", "Prefix")], [], True),
    ],
)
def test_find_location_collisions(first, second, collide):
    from oauth_ingress_construct import PathType
    from oauth_ingress_construct._core.paths import find_location_collisions

    assert bool(find_location_collisions(first, second)) is collide
    typed = [(p, PathType(t)) for p, t in first]
    assert bool(find_location_collisions(typed, second)) is collide


def test_plain_turns_subclasses_into_built_ins():
    import enum

    from oauth_ingress_construct._core.validation import plain

    class S(str, enum.Enum):
        A = "a"

    class I(enum.IntEnum):  # noqa: E742
        ONE = 1

    assert type(plain(S.A)) is str
    assert plain(S.A) == "a"
    assert type(plain(I.ONE)) is int
    assert plain(I.ONE) == 1
    assert plain(True) is True
    assert plain(1.5) == 1.5
