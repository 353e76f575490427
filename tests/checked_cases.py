"""Value objects given with fields their checks refuse: a subclass skipping the checks, or a
field changed after them (``object.__setattr__``). Shared by ``tests/test_checked_values.py``
(cdk8s) and ``tests/test_pulumi.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cdk8s
import pytest

from oauth_ingress_construct import (
    BearerTokens,
    ConfigurationError,
    EnvoyGateway,
    GatewayRef,
    IngressNginx,
    OAuth2Proxy,
    ProtectedApp,
    Provider,
    ProxyResources,
    ProxySecret,
    ServiceRef,
    Sessions,
)

from . import strategies as s

ISSUER = "https://login.example.com"
GW = GatewayRef("eg", "infra", section_name="https")


def unchecked(cls: type, **fields: Any) -> Any:
    """An instance of a subclass of ``cls`` whose ``__post_init__`` (its checks) does nothing."""
    skipping = type(f"Unchecked{cls.__name__}", (cls,), {"__post_init__": lambda self: None})
    return skipping(**fields)


def changed(value: Any, **fields: Any) -> Any:
    """``value`` with ``fields`` set after its checks, as ``object.__setattr__`` allows."""
    for name, new in fields.items():
        object.__setattr__(value, name, new)
    return value


@dataclass(frozen=True)
class Case:
    """A value object given to a construct with fields its checks refuse."""

    id: str
    #: "proxy": an argument of OAuth2Proxy; "app": of ProtectedApp (with its own proxy).
    where: str
    argument: str
    cls: type
    good: Callable[[], Any]
    bad: dict[str, Any]
    #: Wraps the value into the argument (a GatewayRef into an EnvoyGateway).
    wrap: Callable[[Any], Any] | None = None


CASES = [
    Case(
        "provider",
        "proxy",
        "provider",
        Provider,
        lambda: Provider.oidc(issuer_url=ISSUER),
        {"args": ("--provider=oidc", f"--oidc-issuer-url={ISSUER}", "--skip-auth-regex=.*")},
    ),
    Case(
        "sessions",
        "proxy",
        "sessions",
        Sessions,
        Sessions.cookie,
        {"args": ("--upstream=http://evil.example.com",)},
    ),
    Case(
        "bearer-tokens",
        "proxy",
        "bearer_tokens",
        BearerTokens,
        lambda: BearerTokens(audiences=["my-api"]),
        {"audiences": ("*",)},
    ),
    Case("secret", "proxy", "secret", ProxySecret, lambda: ProxySecret("sso"), {"name": "a\n"}),
    Case("resources", "proxy", "resources", ProxyResources, ProxyResources, {"cpu_limit": "1;x"}),
    Case("backend", "app", "backend", ServiceRef, lambda: ServiceRef("app", 80), {"name": "app\n"}),
    Case("ingress-nginx", "app", "controller", IngressNginx, IngressNginx, {"version": "latest"}),
    Case(
        "envoy-gateway",
        "app",
        "controller",
        EnvoyGateway,
        lambda: EnvoyGateway(gateway=GW),
        {"version": "1.7.0"},  # its Envoy 1.37.0 drops the sign-in redirect's headers
    ),
    Case(
        "gateway-ref",
        "app",
        "controller",
        GatewayRef,
        lambda: GatewayRef("eg", "infra"),
        {"name": "eg\n"},
        wrap=lambda ref: EnvoyGateway(gateway=ref),
    ),
]


def bad_value(case: Case, how: str) -> Any:
    """The case's value, made bad by a subclass skipping the checks or by a later change."""
    if how == "subclass":
        good = case.good()
        fields = {f.name: getattr(good, f.name) for f in dataclasses.fields(good) if f.init}
        value = unchecked(case.cls, **{**fields, **case.bad})
        return case.wrap(value) if case.wrap else value
    value = case.wrap(case.good()) if case.wrap else case.good()
    inner = value.gateway if case.cls is GatewayRef else value
    changed(inner, **case.bad)
    return value


def expected_message(case: Case) -> str:
    """What the class itself says of those fields."""
    good = case.good()
    fields = {f.name: getattr(good, f.name) for f in dataclasses.fields(good) if f.init}
    with pytest.raises(ConfigurationError) as raised:
        case.cls(**{**fields, **case.bad})
    return str(raised.value)


def construct_args(case: Case, value: Any) -> dict[str, Any]:
    """Keyword arguments of the case's construct (the same for both front ends)."""
    if case.where == "proxy":
        return {"host": "auth.example.com", "provider": s.OIDC, "namespace": "auth",
                case.argument: value}  # fmt: skip
    return {"host": "app.example.com", "backend": ServiceRef("app", 80), "provider": s.OIDC,
            "namespace": "apps", case.argument: value}  # fmt: skip


def build_cdk8s(chart: cdk8s.Chart, case: Case, value: Any) -> Any:
    cls = OAuth2Proxy if case.where == "proxy" else ProtectedApp
    return cls(chart, "Construct", **construct_args(case, value))
