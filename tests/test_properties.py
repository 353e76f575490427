"""Property-based tests: valid input always works, hostile input is always refused cleanly.

(a) Random valid configurations synthesize, and every object validates against the strict
    Kubernetes 1.28 schemas and the newest ones ``kubernetes_validate`` bundles; annotation
    values and oauth2-proxy arguments never carry nginx or argv syntax.
(b) A hostile fragment spliced into a valid value of any string argument is refused with
    :class:`ConfigurationError` naming that argument, never any other exception.
(c) Synthesis is deterministic: the same input in two Apps gives byte-identical YAML.

Each test runs a fixed number of examples, derandomized (the same examples on every run, so
CI is reproducible) and with an explicit deadline. Run with
``pytest tests/test_properties.py --hypothesis-show-statistics`` to see the counts.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cdk8s
import kubernetes_validate
import kubernetes_validate.utils
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from oauth_ingress_construct import (
    ConfigurationError,
    NamespaceFallbackWarning,
    OAuth2Proxy,
    PathType,
    ProtectedApp,
    Provider,
    ProxyResources,
    ServiceRef,
    SnippetAnnotationWarning,
)
from oauth_ingress_construct._targets.ingress_nginx import SNIPPET_LINE

from . import strategies as s
from .conftest import synth
from .kube_names import check_names

# Random controller descriptions include ones affected by CVE-2026-24513: the warning is
# expected there (tests/test_pass_through.py checks it) and says nothing about validity.
pytestmark = [
    pytest.mark.filterwarnings("ignore::oauth_ingress_construct.ControllerAdvisoryWarning"),
    pytest.mark.usefixtures("cached_schemas"),
]

#: Example counts per property; with ``derandomize`` the same examples run every time.
VALID_EXAMPLES = 150
DETERMINISM_EXAMPLES = 60
HOSTILE_EXAMPLES_PER_ARGUMENT = 60

SCHEMA_VERSIONS = ("1.28.0", kubernetes_validate.latest_version())
PREFIX = "nginx.ingress.kubernetes.io/"
#: What nginx (or a shell-less argv) could interpret, in any value the package emits.
NGINX_SYNTAX = re.compile(r"""[\s;{}"'`\\$#]|[\x00-\x1f\x7f]""")

COMMON = {
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


# --- (a) valid configurations -------------------------------------------------------------


@dataclass(frozen=True)
class AppConfig:
    name: str
    host: str
    backend: ServiceRef
    kwargs: dict[str, Any]


@dataclass(frozen=True)
class ProxyConfig:
    name: str
    host: str
    kwargs: dict[str, Any]


@dataclass(frozen=True)
class Config:
    namespace: str | None
    shared_proxy: ProxyConfig | None
    apps: tuple[AppConfig, ...] = field(default=())


@st.composite
def app_options(draw: st.DrawFn, *, own_proxy: bool, authorization_available: bool) -> dict:
    controller = draw(s.CONTROLLER)
    pass_through = draw(st.booleans())
    provider = draw(s.PROVIDER) if own_proxy else None
    if provider is not None:  # the own proxy sends the ID token only if there is one
        authorization_available = provider.issues_id_token
    options: dict[str, Any] = {
        # Paths that stay distinct nginx locations ('/a' and '/a/' as Prefix do not), and
        # none under the own proxy's '/oauth2'.
        "paths": draw(
            st.lists(
                s.PATH.filter(lambda p: not p.startswith("/oauth2")),
                min_size=1,
                max_size=3,
                unique_by=lambda p: p.rstrip("/") or "/",
            )
        ),
        "path_type": draw(st.sampled_from(PathType)),
        "tls_secret_name": draw(st.none() | s.SUBDOMAIN_NAME),
        "ingress_class_name": draw(st.sampled_from(["nginx", "nginx-internal", "ingress.a"])),
        "pass_through_401": pass_through,
        "controller": controller,
        "custom_http_errors": draw(s.HTTP_ERRORS),
        "public_auth_url": draw(st.booleans()),
        "allowed_groups": draw(s.lists(s.APP_GROUP)),
        "allowed_email_domains": draw(s.lists(s.APP_EMAIL_DOMAIN)),
        "response_headers": draw(s.lists(s.RESPONSE_HEADER)),
        "pass_authorization_header": authorization_available and draw(st.booleans()),
        "proxy_buffer_size": draw(st.none() | s.BUFFER_SIZE),
    }
    if draw(st.booleans()):
        options["auth_cache"] = True
        options["auth_cache_duration"] = draw(
            st.none() | s.AUTH_CACHE_DURATION | st.integers(min_value=1, max_value=3600)
        )
    if provider is not None:
        options["provider"] = provider
        restricted = options["allowed_groups"] or options["allowed_email_domains"]
        if s.needs_opt_in(provider) and not restricted:
            options["allow_any_account"] = True
    return options


@st.composite
def proxy_options(draw: st.DrawFn) -> dict[str, Any]:
    provider = draw(s.PROVIDER)
    options = {
        "provider": provider,
        "replicas": draw(st.integers(min_value=1, max_value=4)),
        "image": draw(s.IMAGE),
        "resources": ProxyResources(
            cpu_request=draw(st.sampled_from(["10m", "20m", "0.1"])),
            cpu_limit=draw(st.sampled_from(["500m", "1", "2"])),
            memory_request=draw(st.sampled_from(["32Mi", "64Mi"])),
            memory_limit=draw(st.sampled_from(["128Mi", "1Gi"])),
        ),
        # '*' alone or not at all: next to other domains it voids them (refused)
        "email_domains": draw(
            st.lists(s.EMAIL_DOMAIN, min_size=1, max_size=2, unique=True).filter(
                lambda d: d == ["*"] or "*" not in d
            )
        ),
        "allowed_groups": draw(s.lists(s.GROUP)),
        # only where the provider issues an ID token to send (GitHub does not: refused)
        "set_authorization_header": provider.issues_id_token and draw(st.booleans()),
        "trusted_proxy_ips": draw(s.lists(s.CIDR)),
        "tls_secret_name": draw(st.none() | s.SUBDOMAIN_NAME),
        "network_policy": draw(st.booleans()),
        "ingress_controller_namespace": draw(s.LABEL),
        "extra_args": draw(s.extra_args_lists()),
    }
    if provider.email_domains:  # a Google hosted domain: the proxy's domains default to it
        options["email_domains"] = None
    if s.needs_opt_in(provider) and "*" in (options["email_domains"] or ["*"]):
        options["allow_any_account"] = not options["allowed_groups"]
    return options


@st.composite
def configs(draw: st.DrawFn) -> Config:
    """One chart: optionally a shared proxy, and one to three apps (own proxy or shared)."""
    domain = draw(s.DOMAIN)
    shared = None
    if draw(st.sampled_from([True, False])):
        kwargs = draw(proxy_options())
        kwargs["namespace"] = draw(st.none() | s.LABEL.map(lambda n: "auth-" + n))
        shared = ProxyConfig(name="shared-" + draw(s.LABEL), host=f"auth.{domain}", kwargs=kwargs)
    labels = draw(
        st.lists(s.LABEL.filter(lambda x: x != "auth"), min_size=1, max_size=3, unique=True)
    )
    apps = []
    for i, label in enumerate(labels):
        use_shared = shared is not None and draw(st.sampled_from([True, True, False]))
        if use_shared:
            assert shared is not None
            wildcard = i == 0 and draw(st.booleans())
            host = f"*.{domain}" if wildcard else f"{label}.{domain}"
            authorization = bool(shared.kwargs["set_authorization_header"])
        else:
            host = f"{label}.own-{domain}"
            authorization = True
        options = draw(app_options(own_proxy=not use_shared, authorization_available=authorization))
        apps.append(
            AppConfig(
                name=f"a{i}-{label}",
                host=host,
                backend=ServiceRef(draw(s.SERVICE_NAME), draw(s.PORT)),
                kwargs=options,
            )
        )
    return Config(namespace=draw(st.none() | s.LABEL), shared_proxy=shared, apps=tuple(apps))


def build(config: Config) -> tuple[cdk8s.App, cdk8s.Chart, list[ProtectedApp]]:
    """The configuration in a fresh App."""
    app = cdk8s.App()
    chart = cdk8s.Chart(app, "props", namespace=config.namespace, disable_resource_name_hashes=True)
    proxy = None
    with warnings.catch_warnings():
        # generated configurations leave the namespace out on purpose (the `default` fallback)
        warnings.simplefilter("ignore", NamespaceFallbackWarning)
        if config.shared_proxy is not None:
            p = config.shared_proxy
            proxy = OAuth2Proxy(chart, "Shared", host=p.host, name=p.name, **p.kwargs)
    apps = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SnippetAnnotationWarning)
        warnings.simplefilter("ignore", NamespaceFallbackWarning)
        for a in config.apps:
            uses_shared = "provider" not in a.kwargs
            protected = ProtectedApp(
                chart,
                a.name,
                name=a.name,
                host=a.host,
                backend=a.backend,
                proxy=proxy if uses_shared else None,
                **a.kwargs,
            )
            apps.append(protected)
    return app, chart, apps


def _check_annotations(obj: dict[str, Any]) -> None:
    for key, value in obj["metadata"].get("annotations", {}).items():
        assert key.startswith(PREFIX), key
        if key.endswith("-snippet"):
            # The only nginx text emitted is the package's own.
            lines = [line for line in value.splitlines() if not line.startswith("#")]
            assert lines == [SNIPPET_LINE], value
        elif key == PREFIX + "auth-cache-key":
            # nginx variables, but only these: the package's own fixed key
            assert re.fullmatch(r"\$\{http_cookie\}-\$\{http_authorization\}-[0-9a-f]{16}", value)
        elif key == PREFIX + "auth-cache-duration":
            assert re.fullmatch(r"202 401 403 [1-9][0-9]{0,3}s", value), value
        else:
            assert not NGINX_SYNTAX.search(value), (key, value)


def _check_args(obj: dict[str, Any]) -> None:
    for container in obj["spec"]["template"]["spec"]["containers"]:
        for arg in container["args"]:
            assert arg.startswith("--"), arg
            # One flag per argument; only --scope holds (single) spaces, between scopes.
            parts = arg.removeprefix("--scope=").split(" ") if arg.startswith("--scope=") else [arg]
            assert all(part and not NGINX_SYNTAX.search(part) for part in parts), arg


@settings(max_examples=VALID_EXAMPLES, deadline=2000, **COMMON)
@given(config=configs())
def test_valid_configurations_synthesize_and_validate_strictly(config: Config) -> None:
    _, chart, apps = build(config)
    # What the examples cover, shown by --hypothesis-show-statistics.
    for protected, a in zip(apps, config.apps, strict=True):
        strategy = protected.pass_through_strategy
        event(f"pass-through: {strategy.value if strategy else 'off'}")
        own = "provider" in a.kwargs
        shared = config.shared_proxy
        provider = a.kwargs["provider"] if own or shared is None else shared.kwargs["provider"]
        event(f"provider: {provider.name}")
        event("proxy: own" if own else "proxy: shared")
    objects = synth(chart)

    proxies = sum(1 for a in config.apps if "provider" in a.kwargs) + bool(config.shared_proxy)
    ingresses = [o for o in objects if o["kind"] == "Ingress"]
    assert len(ingresses) == len(config.apps) + proxies
    assert sum(o["kind"] == "Deployment" for o in objects) == proxies
    check_names(objects)  # every name, namespace and label: as the API server accepts them
    for obj in objects:
        for version in SCHEMA_VERSIONS:
            kubernetes_validate.validate(obj, version, strict=True)
        if obj["kind"] == "Ingress":
            _check_annotations(obj)
        if obj["kind"] == "Deployment":
            _check_args(obj)


def test_schema_versions_are_1_28_and_the_newest_bundled() -> None:
    newest = kubernetes_validate.utils.all_versions()[-1]
    assert ("1.28.0", newest) == SCHEMA_VERSIONS
    assert tuple(int(x) for x in newest.split(".")[:2]) > (1, 28)


# --- (b) hostile strings ------------------------------------------------------------------


@st.composite
def hostile(draw: st.DrawFn, argument: s.Argument) -> tuple[Any, str]:
    """A value for ``argument`` with one hostile string in it, and that string."""
    if argument.is_list:
        items, bad = draw(s.spliced_list(argument.valid))
        return items, bad
    bad = draw(s.spliced(argument.valid))
    return bad, bad


@pytest.mark.parametrize("argument", s.ARGUMENTS, ids=lambda a: a.id)
@settings(max_examples=HOSTILE_EXAMPLES_PER_ARGUMENT, deadline=1000, **COMMON)
@given(data=st.data())
def test_hostile_strings_are_refused_naming_the_argument(
    argument: s.Argument, data: st.DataObject
) -> None:
    value, bad = data.draw(hostile(argument), label="value")
    app = cdk8s.App()
    chart = cdk8s.Chart(app, "hostile", namespace="apps", disable_resource_name_hashes=True)
    with pytest.raises(ConfigurationError) as raised:
        argument.make(chart, value)
    message = str(raised.value)
    assert message.startswith((argument.label + " ", argument.label + ":")), message
    if not (argument.redacted and "<redacted>" in message):
        assert repr(bad) in message, message
    assert synth(chart) == []


@pytest.mark.parametrize("argument", s.ARGUMENTS, ids=lambda a: a.id)
def test_valid_base_values_are_accepted(argument: s.Argument) -> None:
    """The hostile test's refusals come from the splice: the unspliced values pass."""

    @settings(max_examples=5, deadline=1000, **COMMON)
    @given(value=argument.valid)
    def accepted(value: str) -> None:
        app = cdk8s.App()
        chart = cdk8s.Chart(app, "ok", namespace="apps", disable_resource_name_hashes=True)
        if argument.refuses_all:
            with pytest.raises(ConfigurationError, match=f"^{argument.label} must be"):
                argument.make(chart, [value] if argument.is_list else value)
        else:
            argument.make(chart, [value] if argument.is_list else value)

    accepted()


# --- (c) determinism ----------------------------------------------------------------------


@settings(max_examples=DETERMINISM_EXAMPLES, deadline=3000, **COMMON)
@given(config=configs())
def test_synthesis_is_deterministic(config: Config) -> None:
    first, _, _ = build(config)
    second, _, _ = build(config)
    assert first.synth_yaml() == second.synth_yaml()


SCRIPT = """
import warnings
import cdk8s
from oauth_ingress_construct import *
warnings.simplefilter("ignore")
app = cdk8s.App()
chart = cdk8s.Chart(app, "c", namespace="apps", disable_resource_name_hashes=True)
access = OAuth2Proxy(
    chart, "Access", host="access.example.com",
    provider=Provider.gitlab(groups=["b/x", "a/y", "c"], projects=["p/q", "m/n"]),
    email_domains=["b.example.com", "a.example.com"], allowed_groups=["z", "y", "x"],
    trusted_proxy_ips=["10.2.0.0/16", "10.1.0.0/16"],
    extra_args=["--prompt=login", "--cookie-name=_b"],
)
ProtectedApp(
    chart, "Web", host="web.example.com", backend=ServiceRef("web", 80), proxy=access,
    paths=["/b", "/a"], allowed_groups=["g2", "g1"], custom_http_errors=[503, 404, 500],
    response_headers=["X-Auth-Request-User", "X-Auth-Request-Email"], pass_through_401=True,
    controller=IngressNginx(custom_http_errors=[502, 404], disable_proxy_intercept_errors=True),
)
print(app.synth_yaml(), end="")
"""


def test_synthesis_is_identical_across_processes_and_hash_seeds() -> None:
    """Same input, same bytes, whatever the string hash seed (no set order leaks out)."""
    root = Path(__file__).resolve().parent.parent
    outputs = {
        subprocess.run(
            [sys.executable, "-c", SCRIPT],
            cwd=root,
            env={
                **os.environ,
                "PYTHONHASHSEED": seed,
                "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "18,20",
            },
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
    assert "kind: Deployment" in outputs.pop()


# --- (d) issue 10: one property per class of bad input ------------------------------------
# Each runs a fixed, derandomized number of examples.

CLASS_EXAMPLES = 60


def _refusal(make: Any) -> ConfigurationError | None:
    """The ConfigurationError ``make()`` raises, or ``None`` when it passes."""
    try:
        make()
    except ConfigurationError as error:
        return error
    return None


def _chart() -> cdk8s.Chart:
    return cdk8s.Chart(cdk8s.App(), "p", namespace="apps", disable_resource_name_hashes=True)


def _deployment_args(objects: list[dict[str, Any]]) -> list[str]:
    (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
    args: list[str] = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    return args


# Class 1 and 12: any known (or unknown) flag with any value, through extra_args.
@settings(max_examples=CLASS_EXAMPLES * 3, deadline=2000, **COMMON)
@given(extras=st.lists(st.one_of(s.ANY_FLAG, s.EXTRA_ARG), min_size=1, max_size=3))
def test_extra_args_pass_only_allowed_flags_with_typed_values(extras: list[str]) -> None:
    from oauth_ingress_construct._core.flags import EXTRA_FLAGS, check_known_args

    chart = _chart()
    error = _refusal(lambda: s.oauth2_proxy(chart, extra_args=extras))
    if error is not None:
        assert str(error).startswith("extra_args"), error
        assert synth(chart) == []
        event("refused")
        return
    event("accepted")
    args = _deployment_args(synth(chart))
    assert args[-len(extras) :] == extras
    for extra in extras:
        assert extra[2:].split("=", 1)[0] in EXTRA_FLAGS, extra
    check_known_args("args", args)


# Class 1 and 2: the same flags through a Provider or Sessions built directly.
@settings(max_examples=CLASS_EXAMPLES * 2, deadline=2000, **COMMON)
@given(extra=s.ANY_FLAG, store=st.sampled_from(["cookie", "redis"]))
def test_value_types_built_directly_hold_only_their_own_flags(extra: str, store: str) -> None:
    from oauth_ingress_construct import Provider, Sessions

    provider_flags = {
        "provider", "oidc-issuer-url", "scope", "oidc-groups-claim", "oidc-email-claim",
        "allowed-role", "github-org", "github-team", "github-repo", "gitlab-group",
        "gitlab-project",
    }  # fmt: skip
    name = extra[2:].split("=", 1)[0]
    base = ("--provider=keycloak-oidc", f"--oidc-issuer-url={s.ISSUER}")
    error = _refusal(lambda: Provider(name="keycloak-oidc", args=(*base, extra)))
    if error is None:
        event("provider accepted")
        assert name in provider_flags - {"provider", "oidc-issuer-url"}
    else:
        assert str(error).startswith("Provider."), error
    args = () if store == "cookie" else s.REDIS_ARGS
    error = _refusal(lambda: Sessions(store=store, args=(*args, extra)))
    if error is None:
        event("sessions accepted")
        assert name in {"session-cookie-minimal", "redis-connection-url"}
    else:
        assert str(error).startswith("Sessions."), error


# Class 2 and 15: dataclasses.replace with a spliced hostile value on any field.
@settings(max_examples=CLASS_EXAMPLES, deadline=2000, **COMMON)
@given(data=st.data())
def test_replace_runs_the_checks_on_every_value_type(data: st.DataObject) -> None:
    import dataclasses

    from oauth_ingress_construct import IngressNginx, ProxySecret

    target = data.draw(
        st.sampled_from(
            [
                (ServiceRef("app", 80), "name", s.SERVICE_NAME),
                (ProxySecret(name="sso"), "name", s.SUBDOMAIN_NAME),
                (ProxySecret(name="sso"), "client_secret_key", s.SECRET_KEY),
                (ProxyResources(), "memory_limit", s.QUANTITY),
                (IngressNginx(), "version", s.VERSION),
                (s.OIDC, "name", st.just("oidc")),
                (s.OIDC, "args", st.just("--provider=oidc").map(lambda a: (a,))),
            ]
        )
    )
    value, field_name, valid = target
    bad = data.draw(s.spliced(valid.map(str)))
    with pytest.raises(ConfigurationError):
        dataclasses.replace(value, **{field_name: bad})


# Class 6: wrapping any valid value in a str subclass that lies changes nothing emitted.
# Left out: a cdk8s-plus Service's name (cdk8s-plus's own API), and Provider.name, which the
# strategy itself formats into '--provider=...' before the package sees it.
LYING_ARGUMENTS = [
    a
    for a in s.ARGUMENTS
    if a.id not in {"ProtectedApp.backend", "Provider.name"} and not a.refuses_all
]


@pytest.mark.parametrize("argument", LYING_ARGUMENTS, ids=lambda a: a.id)
@settings(max_examples=3, deadline=3000, **COMMON)
@given(data=st.data())
def test_lying_str_subclasses_emit_exactly_the_plain_value(
    argument: s.Argument, data: st.DataObject
) -> None:
    value = data.draw(argument.valid, label="value")
    wrapped: Any = [s.LyingStr(value)] if argument.is_list else s.LyingStr(value)
    plain: Any = [value] if argument.is_list else value
    lying_chart, plain_chart = _chart(), _chart()
    argument.make(lying_chart, wrapped)
    argument.make(plain_chart, plain)
    assert synth(lying_chart) == synth(plain_chart)


@settings(max_examples=CLASS_EXAMPLES, deadline=3000, **COMMON)
@given(
    port=s.PORT,
    replicas=st.integers(min_value=1, max_value=5),
    codes=st.lists(st.integers(min_value=400, max_value=599), max_size=3),
    kind=st.sampled_from(["lying", "intenum"]),
)
def test_int_subclasses_and_int_enums_emit_plain_numbers(
    port: int, replicas: int, codes: list[int], kind: str
) -> None:
    import enum

    def wrap(n: int) -> int:
        if kind == "lying":
            return s.LyingInt(n)
        return enum.IntEnum("N", {"V": n}).V  # type: ignore[no-any-return]

    lying_chart, plain_chart = _chart(), _chart()
    for chart, f in ((lying_chart, wrap), (plain_chart, int)):
        s.oauth2_proxy(chart, replicas=f(replicas))
        s.protected_app(
            chart, backend=ServiceRef("app", f(port)), custom_http_errors=[f(c) for c in codes]
        )
    assert synth(lying_chart) == synth(plain_chart)


# Class 3: the path model against real nginx. Every pair of Prefix/Exact paths whose
# locations the model says are distinct loads in nginx; every pair it says collide fails.
@st.composite
def path_pairs(draw: st.DrawFn) -> tuple[tuple[str, str], tuple[str, str]]:
    """Two routes of one host: unrelated, or the same path with or without its '/'."""
    path = draw(s.PATH.filter(lambda p: p != "/"))
    twin = path[:-1] if path.endswith("/") else path + "/"
    pick = draw(st.sampled_from(["twin", "twin", "twin", "same", "other", "oauth2"]))
    other = {"twin": twin, "same": path, "other": draw(s.PATH), "oauth2": "/oauth2"}[pick]
    kinds = st.sampled_from(["Prefix", "Prefix", "Exact"])
    return (path, draw(kinds)), (other, draw(kinds))


@settings(max_examples=60, deadline=None, **COMMON)
@given(pair=path_pairs())
def test_path_collisions_match_what_nginx_refuses(
    pair: tuple[tuple[str, str], tuple[str, str]],
) -> None:
    first, second = pair
    from oauth_ingress_construct._core.paths import find_location_collisions, server_locations

    if first == second:
        return  # one route, merged by ingress-nginx; the route-ownership check refuses it
    collisions = find_location_collisions([first], [second])
    locations = [loc for locs in server_locations([first, second]).values() for loc in locs]
    event("collision" if collisions else "distinct")
    assert bool(collisions) == (len(locations) != len(set(locations)))
    assert _nginx_accepts(locations) == (not collisions)


def _nginx_accepts(locations: list[Any]) -> bool:
    import tempfile

    blocks = "\n".join(f"{loc} {{ return 200; }}" for loc in locations)
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(
            f"pid {tmp}/pid; error_log {tmp}/error.log;\nevents {{}}\n"
            f"http {{ access_log off; server {{ listen 127.0.0.1:18080;\n{blocks}\n}} }}\n"
        )
        result = subprocess.run(
            ["nginx", "-t", "-q", "-p", tmp, "-c", str(conf)],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    assert result.returncode == 0 or "duplicate location" in result.stderr, result.stderr
    return result.returncode == 0


# Class 5: any header name is accepted only as an identity header the proxy sets.
@settings(max_examples=CLASS_EXAMPLES, deadline=2000, **COMMON)
@given(header=st.one_of(s.HEADER, s.RESPONSE_HEADER, s.IDENTITY_SHAPED_HEADER))
def test_response_headers_pass_only_identity_headers_the_proxy_sets(header: str) -> None:
    chart = _chart()
    settable = header.lower() in {h.lower() for h in s.SETTABLE_IDENTITY_HEADERS}
    error = _refusal(lambda: s.protected_app(chart, response_headers=[header]))
    event("accepted" if error is None else "refused")
    if error is not None:
        assert str(error).startswith("response_headers must be"), error
        assert not settable, header
        return
    assert settable, header


# Class 7 and 14: any number of groups: refused naming the argument, or an auth-url nginx
# reads.
@settings(max_examples=CLASS_EXAMPLES // 2, deadline=3000, **COMMON)
@given(count=st.integers(min_value=0, max_value=400), width=st.integers(1, 40))
def test_auth_url_stays_within_nginx_parameter_size(count: int, width: int) -> None:
    chart = _chart()
    groups = [f"g{i}-{'x' * width}" for i in range(count)]
    error = _refusal(lambda: s.protected_app(chart, allowed_groups=groups))
    if error is not None:
        assert str(error).startswith("allowed_groups must be at most 4000 bytes"), error
        event("refused")
        return
    ingress = next(
        o for o in synth(chart) if o["kind"] == "Ingress" and o["metadata"]["name"] == "app"
    )
    assert len(ingress["metadata"]["annotations"][PREFIX + "auth-url"].encode()) <= 4000


# Class 9: hosts of issuer URLs in numeric or metadata forms.
@settings(max_examples=CLASS_EXAMPLES, deadline=2000, **COMMON)
@given(
    host=st.one_of(
        st.ip_addresses(v=4).map(str),
        st.integers(min_value=0, max_value=2**32 - 1).map(str),
        st.integers(min_value=0, max_value=2**32 - 1).map(hex),
        st.sampled_from(["metadata.google.internal", "169.254.169.254", "169.254.1"]),
    ),
    scheme=st.sampled_from(["https", "HTTPS", "http"]),
)
def test_issuer_urls_refuse_link_local_numeric_and_insecure_forms(host: str, scheme: str) -> None:
    import ipaddress

    from oauth_ingress_construct import Provider

    url = f"{scheme}://{host}/realms/x"
    error = _refusal(lambda: Provider.oidc(issuer_url=url))
    if error is not None:
        assert str(error).startswith("issuer_url must be"), error
        event("refused")
        return
    address = ipaddress.IPv4Address(host)  # only a dotted IPv4 address gets through
    assert scheme == "https"
    assert not (address.is_link_local)
    assert not (address.is_unspecified)
    assert not (address.is_multicast)
    assert not address.is_reserved


# Class 10: hosts under public suffixes: the shared cookie never covers a public suffix.
@settings(max_examples=CLASS_EXAMPLES, deadline=2000, **COMMON)
@given(host=s.HOST_UNDER_SUFFIX)
def test_the_shared_cookie_domain_is_never_a_public_suffix(host: str) -> None:
    from oauth_ingress_construct._core.validation import is_public_suffix

    chart = _chart()
    holder: list[Any] = []
    error = _refusal(lambda: holder.append(s.oauth2_proxy(chart, host=host)))
    if error is not None:
        assert str(error).startswith(("host must be", "host ")), error
        event("refused")
        return
    domain = holder[0].cookie_domain
    assert domain is not None
    assert not is_public_suffix(domain)
    assert ("." + host).endswith(domain)


# Class 11: a public provider never admits everyone without the opt-in.
@settings(max_examples=CLASS_EXAMPLES, deadline=2000, **COMMON)
@given(
    provider=st.one_of(
        s.PROVIDER,
        st.sampled_from(["github", "google", "gitlab"]).map(
            lambda name: getattr(__import__("oauth_ingress_construct").Provider, name)()
        ),
    ),
    groups=s.lists(s.GROUP, max_size=1),
)
def test_public_providers_are_never_open_without_the_opt_in(provider: Any, groups: list) -> None:
    chart = _chart()
    error = _refusal(lambda: s.oauth2_proxy(chart, provider=provider, allowed_groups=groups))
    if error is not None:
        assert str(error).startswith("allow_any_account must be True"), error
        assert s.needs_opt_in(provider)
        assert not groups
        event("refused")
        return
    assert not s.needs_opt_in(provider) or groups
    event("accepted")


# Class 13: names YAML readers would take for numbers are refused; accepted ones read back
# as the same strings (PyYAML, a YAML 1.1 reader) and never unquoted in Go's integer syntax.
GO_INT = re.compile(r"[-+]?(0[xX]_?[0-9a-fA-F_]+|0[bB]_?[01_]+|0[oO]_?[0-7_]+|[0-9_]+)")


@settings(max_examples=CLASS_EXAMPLES, deadline=2000, **COMMON)
@given(value=s.NUMBER_LIKE)
def test_number_like_names_are_refused_or_quoted(value: str) -> None:
    import yaml

    app = cdk8s.App()
    chart = cdk8s.Chart(app, "y", disable_resource_name_hashes=True)
    error = _refusal(lambda: s.protected_app(chart, namespace=value))
    if error is not None:
        assert str(error).startswith("namespace must be"), error
        event("refused")
        return
    text = app.synth_yaml()
    for line in text.splitlines():
        key, _, scalar = line.strip().partition(": ")
        if key == "namespace":
            assert scalar.startswith('"') or not GO_INT.fullmatch(scalar), line
    for obj in yaml.safe_load_all(text):
        assert obj["metadata"]["namespace"] == value


# Issue 18, item 8: an --api-route sends a request without a session a 401 instead of the
# sign-in. Any pattern of the allowed characters is accepted only when a page it does not
# name never matches it (else every browser would get 401), compiles for Go, and, on Envoy
# Gateway, does not match the check path prefix.
def _pages_of(letter: str, length: int) -> list[str]:
    """Every URI of '/' and ``letter`` up to ``length`` characters after its first '/'."""
    pages = ["/"]
    for _ in range(length):
        pages += [p + c for p in pages if len(p) == len(pages[-1]) for c in ("/", letter)]
    return pages


@settings(max_examples=CLASS_EXAMPLES * 4, deadline=None, **COMMON)
@given(pattern=st.text(alphabet="/.*+-_~aZ9", max_size=10).map(lambda t: "/" + t))
def test_an_api_route_is_accepted_only_when_it_names_its_pages(pattern: str) -> None:
    from oauth_ingress_construct._core.flags import check_extra_args, check_mode_rules
    from oauth_ingress_construct._targets.envoy_gateway import CHECK_PATH_PREFIX, FLAG_RULES

    extra = f"--api-route={pattern}"
    error = _refusal(lambda: check_extra_args("extra_args", [extra]))
    # the pages: made of '/' and a letter the pattern does not hold, so it names none of them
    pages = _pages_of("q", len(pattern) + 1)
    if error is not None:
        message = str(error)
        if "two quantifiers in a row" in message:
            event("refused: Go cannot compile it")
            assert re.search(r"[*+]{2}", pattern)
        else:
            event("refused: matches pages it does not name")
            assert "names the API it selects" in message, message
            assert any(re.search(pattern, page) for page in pages), pattern
        return
    event("accepted")
    assert not re.search(r"[*+]{2}", pattern)
    assert not any(re.search(pattern, page) for page in pages), pattern
    on_envoy = _refusal(lambda: check_mode_rules("extra_args", [extra], FLAG_RULES))
    assert (on_envoy is None) == (re.search(pattern, CHECK_PATH_PREFIX + "/") is None)


# Class 15: an issuer on the proxy's own pod (loopback, unspecified, link-local), in any
# form a resolver reads as such, is refused; it is judged by parsing, not by its text.
def _inet_aton_form(draw: st.DrawFn, address: int) -> str:
    """``address`` as glibc inet_aton reads it: 1 to 4 parts, each decimal, hex or octal."""
    parts = draw(st.integers(min_value=1, max_value=4))
    octets = address.to_bytes(4, "big")
    values = [*octets[: parts - 1], int.from_bytes(octets[parts - 1 :], "big")]
    spelled = []
    for value in values:
        style = draw(st.sampled_from(["dec", "hex", "oct"]))
        if style == "hex":
            spelled.append(draw(st.sampled_from(["0x", "0X"])) + format(value, "x"))
        elif style == "oct" and value:
            spelled.append("0" + format(value, "o"))
        else:
            spelled.append(str(value))
    return ".".join(spelled)


@st.composite
def own_pod_hosts(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["ipv4", "ipv6", "name"]))
    if kind == "ipv4":
        network = draw(st.sampled_from([(0x7F000000, 24), (0x00000000, 0), (0xA9FE0000, 16)]))
        base, bits = network
        address = base + draw(st.integers(min_value=0, max_value=(1 << bits) - 1))
        host = _inet_aton_form(draw, address)
    elif kind == "ipv6":
        # no trailing dot after a bracketed address
        return (
            "["
            + draw(
                st.sampled_from(
                    ["::1", "0:0:0:0:0:0:0:1", "::", "::ffff:127.0.0.1", "fe80::1", "FE80::abcd"]
                )
            )
            + "]"
        )
    else:
        labels = draw(st.lists(s.LABEL, max_size=2))
        name = ".".join([*labels, draw(st.sampled_from(["localhost", "LocalHost"]))])
        host = name
    return host + draw(st.sampled_from(["", "."]))


@settings(max_examples=CLASS_EXAMPLES, deadline=2000, **COMMON)
@given(host=own_pod_hosts(), port=st.none() | s.PORT)
def test_an_issuer_on_the_proxys_own_pod_is_refused_in_any_form(
    host: str, port: int | None
) -> None:
    from oauth_ingress_construct._core.validation import own_pod_reason

    url = f"https://{host}{'' if port is None else f':{port}'}/realms/x"
    assert own_pod_reason(host.removeprefix("[").removesuffix("]")) is not None, host
    with pytest.raises(ConfigurationError) as raised:
        Provider.oidc(issuer_url=url)
    assert str(raised.value).startswith("issuer_url must be a URL of a service the proxy"), url


@settings(max_examples=CLASS_EXAMPLES, deadline=2000, **COMMON)
@given(host=s.DOMAIN)
def test_dns_names_outside_localhost_are_not_the_proxys_own_pod(host: str) -> None:
    from oauth_ingress_construct._core.validation import own_pod_reason

    assert (own_pod_reason(host) is None) == (not host.endswith("localhost")), host
