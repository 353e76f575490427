"""What the ingress-nginx target knows about hand-written Ingresses and ConfigMaps.

These functions are what ``oauth-ingress doctor`` reads a cluster with; the behaviour suite
(``tests/test_doctor_nginx.py``) checks their verdicts against real nginx.
"""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oauth_ingress_construct import IngressNginx, RiskLevel
from oauth_ingress_construct._targets.ingress_nginx import (
    ANNOTATION_RISK,
    CONTROLLER_ANNOTATION_RISK,
    Backend401,
    admission,
    interception,
    parse_configmap_http_errors,
    parse_go_bool,
    parse_ingress_http_errors,
    parse_risk_level,
    signin_keeps_original_url,
    snippet_intercept,
)
from tests.nginx_model import PARSER_RISK

SEED = {
    "auth-url": "https://access.example.com/oauth2/auth",
    "auth-signin": "https://access.example.com/oauth2/start?rd=$scheme://$host$request_uri",
    "server-snippet": "# keep the backend's 401\nproxy_intercept_errors off;\n",
}
OFF = "proxy_intercept_errors off;"


def test_the_full_risk_table_agrees_with_the_package_table_and_the_model():
    assert dict(ANNOTATION_RISK) == {k: CONTROLLER_ANNOTATION_RISK[k] for k in ANNOTATION_RISK}
    assert {k: CONTROLLER_ANNOTATION_RISK[k] for k in PARSER_RISK} == dict(PARSER_RISK)
    snippets = {k for k in CONTROLLER_ANNOTATION_RISK if k.endswith("-snippet")}
    assert snippets == {
        "auth-snippet",
        "configuration-snippet",
        "modsecurity-snippet",
        "server-snippet",
        "stream-snippet",
    }
    assert all(CONTROLLER_ANNOTATION_RISK[k] is RiskLevel.CRITICAL for k in snippets)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Critical", RiskLevel.CRITICAL),
        ("critical", RiskLevel.CRITICAL),
        ("HIGH", RiskLevel.HIGH),
        ("Medium", RiskLevel.MEDIUM),
        ("Low", RiskLevel.LOW),
        ("Crtical", RiskLevel.LOW),  # a typo is Low in the controller, not the default High
        ("", RiskLevel.LOW),
    ],
)
def test_risk_level_is_read_as_the_controller_reads_it(text, level):
    assert parse_risk_level(text) is level


def test_go_booleans():
    assert [parse_go_bool(v) for v in ("true", "True", "1", "t", "false", "0", "yes", "")] == [
        True,
        True,
        True,
        True,
        False,
        False,
        None,
        None,
    ]


def test_configmap_codes_are_trimmed_and_junk_skipped():
    assert parse_configmap_http_errors("404, 503,,x,401") == (404, 503, 401)
    assert parse_configmap_http_errors("") == ()


def test_ingress_codes_with_spaces_depend_on_the_version():
    old, new = IngressNginx(version="1.11.5"), IngressNginx(version="1.15.1")
    assert parse_ingress_http_errors("404, 503", old) is None
    assert parse_ingress_http_errors("404, 503", new) == (404, 503)
    assert parse_ingress_http_errors("404,503", old) == (404, 503)
    assert parse_ingress_http_errors("404, 503", IngressNginx(version="1.12.6")) == (404, 503)
    assert parse_ingress_http_errors("404, 503", IngressNginx(version="1.13.1")) is None


def test_seed_on_stock_v1_15_is_refused_whole_for_its_snippet():
    verdict = admission(IngressNginx(), SEED)
    assert verdict.refused_annotation == "server-snippet"
    assert "Critical" in (verdict.refused or "")
    assert verdict.kept == {}


def test_seed_on_v1_11_keeps_all_but_the_snippet():
    verdict = admission(IngressNginx(version="1.11.5"), SEED)
    assert verdict.refused is None
    assert set(verdict.kept) == {"auth-url", "auth-signin"}
    assert [k for k, _ in verdict.dropped] == ["server-snippet"]


def test_a_risky_annotation_the_package_never_emits_refuses_too():
    verdict = admission(IngressNginx(), {"auth-url": "http://a", "auth-snippet": "x"})
    assert verdict.refused_annotation == "auth-snippet"


def test_percent_in_auth_url_refuses_the_ingress_and_in_auth_signin_drops_it():
    encoded = "https://a.example.com/oauth2/start?rd=https%3A%2F%2Fapp"
    refused = admission(IngressNginx(), {"auth-url": encoded})
    assert refused.refused_annotation == "auth-url"
    kept = admission(IngressNginx(), {"auth-url": "http://a.b/oauth2/auth", "auth-signin": encoded})
    assert kept.refused is None
    assert "auth-signin" not in kept.kept
    # no value validation before v1.9.1
    assert "auth-signin" in admission(IngressNginx(version="1.9.0"), {"auth-signin": encoded}).kept


def _outcome(controller: IngressNginx, **annotations: str) -> Backend401:
    base = {"auth-url": "http://a.b/oauth2/auth", "auth-signin": "https://a.b/oauth2/start"}
    kept = admission(controller, {**base, **annotations}).kept
    return interception(controller, kept).backend_401


def test_interception_follows_the_domain_table():
    snippets = IngressNginx(
        allow_snippet_annotations=True, annotations_risk_level=RiskLevel.CRITICAL
    )
    cm = IngressNginx(
        allow_snippet_annotations=True,
        annotations_risk_level=RiskLevel.CRITICAL,
        custom_http_errors=(404, 503),
    )
    assert _outcome(snippets) is Backend401.PASSES
    assert _outcome(cm) is Backend401.SIGN_IN
    assert _outcome(cm, **{"server-snippet": OFF}) is Backend401.PASSES
    assert _outcome(snippets, **{"custom-http-errors": "404"}) is Backend401.SIGN_IN
    assert (
        _outcome(snippets, **{"custom-http-errors": "404", "server-snippet": OFF})
        is Backend401.SIGN_IN
    )
    assert (
        _outcome(snippets, **{"custom-http-errors": "404", "configuration-snippet": OFF})
        is Backend401.CONFIG_FAILS
    )
    assert _outcome(cm, **{"configuration-snippet": OFF}) is Backend401.PASSES
    disable = {"custom-http-errors": "404", "disable-proxy-intercept-errors": "true"}
    assert _outcome(snippets, **disable) is Backend401.PASSES
    assert _outcome(cm, **disable) is Backend401.SIGN_IN


def test_a_commented_out_directive_is_not_a_directive():
    assert snippet_intercept("# proxy_intercept_errors off;\n") == []
    assert snippet_intercept("proxy_intercept_errors  off ;") == [False]
    assert snippet_intercept("more_set_headers x;proxy_intercept_errors on;") == [True]


@pytest.mark.parametrize(
    ("signin", "keeps"),
    [
        ("https://a.b/oauth2/start", True),
        ("https://a.b/oauth2/start?rd=$scheme://$host$escaped_request_uri", True),
        ("https://a.b/oauth2/start?rd=$scheme://$host$request_uri", False),
        ("https://a.b/oauth2/start?rd=https://a.b/home", None),
        ("https://a.b/oauth2/start?x=1", True),
    ],
)
def test_signin_keeps_the_original_url(signin, keeps):
    assert signin_keeps_original_url(signin) is keeps


def test_advisories_are_data_and_warnings_alike():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        affected = IngressNginx(version="1.14.2", custom_http_errors=(401,))
    assert len(affected.auth_advisories()) == 1
    assert "CVE-2026-24513" in affected.auth_advisories()[0]
    assert IngressNginx(version="1.14.3", custom_http_errors=(401,)).auth_advisories() == []


@given(st.text(max_size=200))
def test_readers_never_raise_on_any_text(text):
    parse_configmap_http_errors(text)
    parse_ingress_http_errors(text, IngressNginx())
    parse_risk_level(text)
    parse_go_bool(text)
    snippet_intercept(text)
    signin_keeps_original_url(text)
    verdict = admission(IngressNginx(), {"auth-url": text, "custom-http-errors": text})
    interception(IngressNginx(), verdict.kept)
