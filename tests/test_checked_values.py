"""What reaches the manifests is what was checked (``_core.sealed``).

The value objects are frozen dataclasses checked in ``__post_init__``; a subclass can skip
those checks or override what the manifests are made with, and ``object.__setattr__``
changes a field after them. Each value object is checked again, as a fresh instance of
exactly its class, when a construct resolves its arguments; the resolved specs are sealed
and compared again when their objects are emitted. The Pulumi front end gives the same
answers: ``tests/test_pulumi.py`` runs the same cases there.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from collections.abc import Callable
from typing import Any

import cdk8s
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oauth_ingress_construct import (
    ConfigurationError,
    EnvoyGateway,
    IngressNginx,
    InsecureIssuerWarning,
    Provider,
    ProxyResources,
    ProxySecret,
    ServiceRef,
    Sessions,
)
from oauth_ingress_construct._core import sealed
from oauth_ingress_construct._core.inventory import Inventory
from oauth_ingress_construct._core.workload import workload_manifests
from oauth_ingress_construct._targets import TARGETS

from . import strategies as s
from .checked_cases import (
    CASES,
    GW,
    bad_value,
    build_cdk8s,
    changed,
    expected_message,
    unchecked,
)
from .conftest import synth


@pytest.mark.parametrize("how", ["subclass", "changed"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_fails_on_a_value_object_that_skipped_or_outlived_its_checks(chart, case, how):
    expected = expected_message(case)
    with pytest.raises(ConfigurationError) as raised:
        build_cdk8s(chart, case, bad_value(case, how))
    assert str(raised.value) == expected
    assert synth(chart) == []


# --------------------------------------------------------------------------------------------
# A subclass's overrides never reach the manifests: the fresh instance has none.
# --------------------------------------------------------------------------------------------


class HostPathSecret(ProxySecret):
    """Mounts the node's root instead of the Secret."""

    def _volume(self) -> dict[str, Any]:
        return {"name": "oauth2-proxy-secrets", "hostPath": {"path": "/"}}


class SnippetFriendly(IngressNginx):
    """Claims its controller takes snippet annotations, and skips the annotation check."""

    @property
    def accepts_snippets(self) -> bool:
        return True

    def check_annotations(self, annotations: Any, *, argument: str) -> None:
        return None


class NotPublic(Provider):
    """Passes GitHub off as a private identity provider (no account restriction needed)."""

    @property
    def public(self) -> bool:
        return False


#: The ConfigMap intercepts errors on every server; its stock v1.15 defaults refuse snippets.
INTERCEPTING = {"version": "1.15.1", "custom_http_errors": [503]}

#: (id, argument, the subclass's value, the plain value of the same fields).
OVERRIDES = [
    ("secret-volume", "secret", lambda: HostPathSecret(name="sso"), lambda: ProxySecret("sso")),
    (
        "controller-snippets",
        "controller",
        lambda: SnippetFriendly(**INTERCEPTING),
        lambda: IngressNginx(**INTERCEPTING),
    ),
]


@pytest.mark.parametrize(("argument", "tricky", "plain"), [o[1:] for o in OVERRIDES],
                         ids=[o[0] for o in OVERRIDES])  # fmt: skip
def test_a_subclass_override_never_reaches_the_manifests(argument, tricky, plain):
    def outcome(value: Any) -> Any:
        chart = cdk8s.Chart(cdk8s.App(), "Chart", namespace="apps")
        args = {"controller": IngressNginx(), argument: value}
        try:
            s.protected_app(chart, pass_through_401=True, **args)
        except ConfigurationError as error:
            return str(error)
        return synth(chart)

    result = outcome(tricky())
    assert result == outcome(plain())
    assert "hostPath" not in json.dumps(result)
    assert "snippet" not in json.dumps(result) or isinstance(result, str)


def test_a_subclass_cannot_pass_a_public_provider_off_as_private(chart):
    with pytest.raises(ConfigurationError, match=r"^allow_any_account must be True to let anyone"):
        s.protected_app(chart, provider=NotPublic(name="github", args=("--provider=github",)))
    assert synth(chart) == []


def test_a_checks_warning_is_given_again_only_for_a_value_that_skipped_or_changed(chart):
    with pytest.warns(InsecureIssuerWarning):
        lab = Provider.oidc(issuer_url="http://lab.example.com", allow_http_issuer=True)
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        s.oauth2_proxy(chart, provider=lab)
    assert not [w for w in again if issubclass(w.category, InsecureIssuerWarning)]
    # Built without its checks, it never warned: the re-check does.
    skipped = unchecked(Provider, name="oidc", args=lab.args, allow_http_issuer=True)
    with pytest.warns(InsecureIssuerWarning, match="allows a plain-http issuer") as record:
        s.protected_app(chart, host="lab.example.com", provider=skipped)
    assert {w.filename for w in record} == {s.__file__}  # the user's line, past the package


# --------------------------------------------------------------------------------------------
# Changed after resolve: the next emit from the sealed spec refuses it.
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prop", "field", "value", "was"),
    [
        ("secret", "name", "other", "proxy"),
        ("sessions", "args", ("--upstream=http://evil.example.com",), ()),
    ],
)
def test_fails_when_a_shared_proxys_checked_value_changed_before_the_next_app(
    chart, prop, field, value, was
):
    proxy = s.oauth2_proxy(chart)
    before = synth(chart)
    changed(getattr(proxy, prop), **{field: value})
    with pytest.raises(ConfigurationError) as raised:
        s.protected_app(chart, proxy=proxy, provider=None)
    cls = type(getattr(proxy, prop)).__name__
    assert str(raised.value).startswith(
        f"{cls}.{field} must be the value it had when it was checked ({was!r})"
    )
    assert synth(chart) == before


# --------------------------------------------------------------------------------------------
# The seal itself.
# --------------------------------------------------------------------------------------------


def _proxy_spec():
    return TARGETS.resolve_proxy_on(
        None, name="sso", namespace="auth", host="sso.example.com", provider=s.OIDC
    )[1]


def test_a_spec_holds_plain_values_and_is_refused_once_changed():
    spec = _proxy_spec()
    sealed.verify(spec)
    changed(spec, replicas=2.0)  # equal to 2, but emitted as 2.0
    with pytest.raises(ConfigurationError, match=r"^ProxySpec.replicas must be the value it had"):
        workload_manifests(spec, route={})
    changed(spec, replicas=2)
    workload_manifests(spec, route=TARGETS.proxy_route(spec, None, Inventory(), lambda: "x"))


def test_a_spec_built_without_the_checks_is_refused():
    spec = dataclasses.replace(_proxy_spec(), host="evil.example.net")
    with pytest.raises(ConfigurationError, match=r"^ProxySpec: not a checked value"):
        workload_manifests(spec, route={})


def test_a_snapshot_admits_no_foreign_type():
    class Str(str):
        pass

    spec = _proxy_spec()
    with pytest.raises(ConfigurationError, match=r"a value of type .*Str .* reached a checked"):
        sealed.seal(changed(spec, host=Str("sso.example.com")))


# --------------------------------------------------------------------------------------------
# Property: any field of any value object, changed to a hostile value after its checks.
# --------------------------------------------------------------------------------------------


def _emit_proxy(**kwargs: Any) -> None:
    controller, spec = TARGETS.resolve_proxy_on(
        kwargs.pop("controller", None),
        name="sso",
        namespace="auth",
        host="sso.example.com",
        **{"provider": s.OIDC, **kwargs},
    )
    route = TARGETS.proxy_route(spec, controller, Inventory(), lambda: "proxy")
    workload_manifests(spec, route=route)


def _emit_app(**kwargs: Any) -> None:
    controller, spec = TARGETS.resolve_app_on(
        kwargs.pop("controller", None),
        None,
        name="app",
        namespace="apps",
        host="app.example.com",
        proxy=None,
        **{"backend": ServiceRef("app", 80), "provider": s.OIDC, **kwargs},
    )
    TARGETS.plan_app(spec, controller)


#: Each value object's factory and how the core takes it (as a front end does).
VALUES: dict[str, tuple[Callable[[], Any], Callable[[Any], None]]] = {
    "Provider": (lambda: Provider.github(org="example"), lambda v: _emit_proxy(provider=v)),
    "Sessions": (
        lambda: Sessions.redis(url="redis://redis:6379", password_secret="sessions"),
        lambda v: _emit_proxy(sessions=v),
    ),
    "ProxySecret": (lambda: ProxySecret(name="sso"), lambda v: _emit_proxy(secret=v)),
    "ProxyResources": (ProxyResources, lambda v: _emit_proxy(resources=v)),
    "ServiceRef": (lambda: ServiceRef("app", 80), lambda v: _emit_app(backend=v)),
    "IngressNginx": (
        lambda: IngressNginx(version="1.11.0", allow_snippet_annotations=True),
        lambda v: _emit_app(controller=v),
    ),
    "EnvoyGateway": (
        lambda: EnvoyGateway(gateway=GW, envoy_version="1.36.1"),
        lambda v: _emit_app(controller=v),
    ),
}


@st.composite
def hostile_change(draw: st.DrawFn) -> tuple[str, str, Any]:
    """A value object's name, one of its fields, and a hostile value of the field's shape."""
    name = draw(st.sampled_from(sorted(VALUES)))
    value = VALUES[name][0]()
    field = draw(st.sampled_from([f.name for f in dataclasses.fields(value) if f.init]))
    current = getattr(value, field)
    if isinstance(current, str):
        return name, field, draw(s.spliced(st.just(current)))
    if isinstance(current, tuple) and current and isinstance(current[0], str):
        at = draw(st.integers(min_value=0, max_value=len(current) - 1))
        item = draw(s.spliced(st.just(current[at])))
        return name, field, (*current[:at], item, *current[at + 1 :])
    return name, field, draw(s.HOSTILE_FRAGMENT)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(hostile_change())
def test_any_field_changed_to_a_hostile_value_after_its_checks_is_refused(change):
    name, field, hostile = change
    make, emit = VALUES[name]
    value = make()
    for how in ("changed", "subclass"):
        if how == "changed":
            candidate = changed(make(), **{field: hostile})
        else:
            fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value) if f.init}
            candidate = unchecked(type(value), **{**fields, field: hostile})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(ConfigurationError):
                emit(candidate)
