"""Every warning of the package points at the user's own line, not at the package."""

from __future__ import annotations

import cdk8s
import pytest

from oauth_ingress_construct import (
    ControllerAdvisoryWarning,
    IngressNginx,
    NamespaceFallbackWarning,
    ProtectedApp,
    Provider,
    ServiceRef,
    SnippetAnnotationWarning,
)

OIDC = Provider.oidc(issuer_url="https://login.example.com/realms/main")


def test_snippet_warning_points_at_the_protected_app_line(chart):
    with pytest.warns(SnippetAnnotationWarning) as record:
        ProtectedApp(
            chart,
            "Web",
            host="www.example.com",
            backend=ServiceRef("web", 80),
            provider=OIDC,
            pass_through_401=True,
        )
    assert [w.filename for w in record] == [__file__]


def test_advisory_warning_points_at_the_controller_line():
    with pytest.warns(ControllerAdvisoryWarning) as record:
        IngressNginx(version="1.13.6", custom_http_errors=[401])
    assert [w.filename for w in record] == [__file__]


def test_namespace_fallback_warning_points_at_the_construct_line():
    chart = cdk8s.Chart(cdk8s.App(), "no-namespace")
    with pytest.warns(NamespaceFallbackWarning) as record:
        ProtectedApp(
            chart, "Web", host="www.example.com", backend=ServiceRef("web", 80), provider=OIDC
        )
    assert {w.filename for w in record} == {__file__}
