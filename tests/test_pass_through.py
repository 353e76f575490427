"""pass_through_401 per controller setup: what ProtectedApp emits, and what it refuses.

What nginx then does with these annotations is shown in test_nginx_behaviour.py; here the
intent is pinned: the strategy chosen for each setup, the exact 401-related annotations, and
one ``test_fails_...`` per refusal with the message checked (it must name the fix).
"""

from __future__ import annotations

import warnings

import pytest

from oauth_ingress_construct import (
    ConfigurationError,
    ControllerAdvisoryWarning,
    IngressNginx,
    OAuth2Proxy,
    PassThroughStrategy,
    ProtectedApp,
    Provider,
    RiskLevel,
    ServiceRef,
    SnippetAnnotationWarning,
)

from .conftest import annotations, find, synth

S = PassThroughStrategy
OIDC = Provider.oidc(issuer_url="https://login.example.com/realms/main")
OFF_SNIPPET = (
    "# Pass the backend's own 401 through instead of redirecting to sign-in\n"
    "proxy_intercept_errors off;\n"
)
SNIPPETS = {"allow_snippet_annotations": True, "annotations_risk_level": RiskLevel.CRITICAL}
PASS_THROUGH_KEYS = (
    "server-snippet",
    "configuration-snippet",
    "disable-proxy-intercept-errors",
    "custom-http-errors",
)


def _app(chart, **props):
    return ProtectedApp(
        chart,
        "Api",
        host="api.example.com",
        backend=ServiceRef("api", 8080),
        provider=OIDC,
        **props,
    )


def _pass_through_annotations(chart) -> dict[str, str]:
    ann = annotations(find(synth(chart), "Ingress", "api"))
    assert ann["auth-signin"] == "https://api.example.com/oauth2/start"
    return {k: v for k, v in ann.items() if k in PASS_THROUGH_KEYS}


# (controller, custom_http_errors, explicit strategy) -> (strategy in effect, annotations)
SETUPS = [
    pytest.param(IngressNginx(), (), None, S.NONE_NEEDED, {}, id="stock-v1.15"),
    pytest.param(
        IngressNginx(),
        (404,),
        None,
        S.DISABLE_INTERCEPT_ANNOTATION,
        {"custom-http-errors": "404", "disable-proxy-intercept-errors": "true"},
        id="stock+ingress-custom-http-errors",
    ),
    pytest.param(
        IngressNginx(),
        (),
        S.DISABLE_INTERCEPT_ANNOTATION,
        S.DISABLE_INTERCEPT_ANNOTATION,
        {"disable-proxy-intercept-errors": "true"},
        id="stock/explicit-disable-annotation",
    ),
    pytest.param(
        IngressNginx(**SNIPPETS),
        (),
        S.SERVER_SNIPPET,
        S.SERVER_SNIPPET,
        {"server-snippet": OFF_SNIPPET},
        id="snippets-allowed/explicit-server-snippet",
    ),
    pytest.param(
        IngressNginx(custom_http_errors=(404, 503), **SNIPPETS),
        (),
        None,
        S.CONFIGURATION_SNIPPET,
        {"configuration-snippet": OFF_SNIPPET},
        id="configmap-custom-http-errors+snippets",
    ),
    pytest.param(
        IngressNginx(custom_http_errors=(404, 503), **SNIPPETS),
        (503,),
        None,
        S.CONFIGURATION_SNIPPET,
        {
            "custom-http-errors": "503",
            "disable-proxy-intercept-errors": "true",
            "configuration-snippet": OFF_SNIPPET,
        },
        id="configmap+ingress-custom-http-errors+snippets",
    ),
    pytest.param(
        IngressNginx(custom_http_errors=(404, 503), **SNIPPETS),
        (503,),
        S.SERVER_SNIPPET,
        S.SERVER_SNIPPET,
        {
            "custom-http-errors": "503",
            "disable-proxy-intercept-errors": "true",
            "server-snippet": OFF_SNIPPET,
        },
        id="configmap+ingress-custom-http-errors+snippets/explicit-server-snippet",
    ),
    pytest.param(
        IngressNginx(custom_http_errors=(404,), disable_proxy_intercept_errors=True),
        (),
        None,
        S.NONE_NEEDED,
        {},
        id="configmap-custom-http-errors+configmap-disable",
    ),
    pytest.param(
        IngressNginx(custom_http_errors=(404,), disable_proxy_intercept_errors=True),
        (404,),
        None,
        S.DISABLE_INTERCEPT_ANNOTATION,
        {"custom-http-errors": "404", "disable-proxy-intercept-errors": "true"},
        id="configmap-disable+ingress-custom-http-errors",
    ),
    pytest.param(
        IngressNginx(version="1.10.0"),
        (404,),
        None,
        S.DISABLE_INTERCEPT_ANNOTATION,
        {"custom-http-errors": "404", "disable-proxy-intercept-errors": "true"},
        id="v1.10+ingress-custom-http-errors",
    ),
    pytest.param(
        IngressNginx(version="1.8.4", custom_http_errors=(404,)),
        (),
        None,
        S.CONFIGURATION_SNIPPET,
        {"configuration-snippet": OFF_SNIPPET},
        id="v1.8-configmap-custom-http-errors(snippets on by default)",
    ),
    pytest.param(
        IngressNginx(version="1.9.6", custom_http_errors=(404,), allow_snippet_annotations=True),
        (),
        None,
        S.CONFIGURATION_SNIPPET,
        {"configuration-snippet": OFF_SNIPPET},
        id="v1.9.6-configmap-custom-http-errors+snippets(risk Critical by default)",
    ),
    pytest.param(
        IngressNginx(
            version="1.9.6",
            custom_http_errors=(404,),
            disable_proxy_intercept_errors=True,
            allow_snippet_annotations=True,
        ),
        (),
        S.CONFIGURATION_SNIPPET,
        S.CONFIGURATION_SNIPPET,
        {"configuration-snippet": OFF_SNIPPET},
        id="v1.9.6-configmap-disable-is-ignored",
    ),
]


@pytest.mark.parametrize(("controller", "errors", "strategy", "want", "emitted"), SETUPS)
def test_controller_setup_chooses_the_least_risky_working_strategy(
    chart, controller, errors, strategy, want, emitted
):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a described controller never warns
        app = _app(
            chart,
            pass_through_401=True,
            pass_through_401_strategy=strategy,
            controller=controller,
            custom_http_errors=list(errors),
        )
    assert app.pass_through_strategy is want
    assert _pass_through_annotations(chart) == emitted


def test_without_controller_the_seed_server_snippet_is_kept_with_a_warning(chart):
    with pytest.warns(
        SnippetAnnotationWarning,
        match=r"'server-snippet' annotation because controller= describes no controller\. It "
        r"works only where snippet annotations are admitted.*On ingress-nginx v1\.12\+ with "
        r"default settings the whole Ingress is refused: its host is not served, and where the "
        r"admission webhook runs .* kubectl apply fails",
    ):
        app = _app(chart, pass_through_401=True)
    assert app.pass_through_strategy is S.SERVER_SNIPPET
    assert _pass_through_annotations(chart) == {"server-snippet": OFF_SNIPPET}


def test_without_controller_own_custom_http_errors_add_the_disable_annotation(chart):
    with pytest.warns(SnippetAnnotationWarning):
        app = _app(chart, pass_through_401=True, custom_http_errors=[503, 404])
    assert app.pass_through_strategy is S.SERVER_SNIPPET
    assert _pass_through_annotations(chart) == {
        "custom-http-errors": "404,503",
        "disable-proxy-intercept-errors": "true",
        "server-snippet": OFF_SNIPPET,
    }


def test_without_controller_a_snippet_free_strategy_does_not_warn(chart):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        app = _app(chart, pass_through_401=True, pass_through_401_strategy=S.NONE_NEEDED)
    assert app.pass_through_strategy is S.NONE_NEEDED
    assert _pass_through_annotations(chart) == {}


def test_configuration_snippet_without_controller_warns_too(chart):
    with pytest.warns(SnippetAnnotationWarning, match="'configuration-snippet'"):
        _app(chart, pass_through_401=True, pass_through_401_strategy=S.CONFIGURATION_SNIPPET)
    assert _pass_through_annotations(chart) == {"configuration-snippet": OFF_SNIPPET}


def test_no_pass_through_emits_nothing_about_401s(chart):
    app = _app(chart, controller=IngressNginx(custom_http_errors=(404,)))
    assert app.pass_through_strategy is None
    assert _pass_through_annotations(chart) == {}


def test_controller_defaults_are_those_of_a_current_release():
    current = IngressNginx()
    assert current.version == "1.15.1"
    assert current.snippets_allowed is False
    assert current.risk_level is RiskLevel.HIGH
    assert current.custom_http_errors == ()
    assert current.intercepts_in_http_block is False
    assert IngressNginx(version="1.11.3").risk_level is RiskLevel.CRITICAL
    assert IngressNginx(version="1.8.4").snippets_allowed is True
    assert IngressNginx(version="1.9.6").honours_disable_intercept is False
    assert IngressNginx(version="1.10.0").honours_disable_intercept is True


# --------------------------------------------------------------------------- refusals


def _refused(chart, match: str, **props) -> None:
    with pytest.raises(ConfigurationError, match=match):
        _app(chart, **props)
    assert synth(chart) == [], "a refused app must leave nothing to synthesize"


def test_fails_stock_controller_refuses_a_snippet_whole_before_dropping_it(chart):
    # the risk check runs first: on v1.12+ defaults the snippet gets the whole Ingress refused
    _refused(
        chart,
        r"'server-snippet' annotation has risk level Critical, above the annotations-risk-level "
        r"of ingress-nginx 1\.15\.1 \(allow-snippet-annotations=false.*would refuse the whole "
        r"Ingress \(its host is not served; where the admission webhook runs, kubectl apply "
        r"fails\)\. Set the ConfigMap annotations-risk-level to Critical or higher and "
        r'allow-snippet-annotations: "true", or choose a snippet-free pass_through_401_strategy',
        pass_through_401=True,
        pass_through_401_strategy=S.SERVER_SNIPPET,
        controller=IngressNginx(),
    )


def test_fails_snippets_disabled_at_risk_level_critical(chart):
    _refused(
        chart,
        r"'server-snippet' annotation would be refused by ingress-nginx 1\.15\.1 "
        r"\(allow-snippet-annotations=false.*snippet annotations are disabled \(where the "
        r"admission webhook runs, kubectl apply fails; without it the snippet is dropped and the "
        r"rest of the Ingress served, so the backend's 401 becomes a sign-in redirect\)\. "
        r'Enable them \(ConfigMap allow-snippet-annotations: "true"\)',
        pass_through_401=True,
        pass_through_401_strategy=S.SERVER_SNIPPET,
        controller=IngressNginx(annotations_risk_level=RiskLevel.CRITICAL),
    )


def test_fails_snippets_disabled_when_configmap_interception_needs_one(chart):
    _refused(
        chart,
        r"intercepts backend errors on every server \(ConfigMap custom-http-errors\).*"
        r"snippet annotation, which it refuses.*"
        r'either set its disable-proxy-intercept-errors: "true" and describe that in '
        r"controller=, or allow snippet annotations",
        pass_through_401=True,
        controller=IngressNginx(custom_http_errors=(404, 503)),
    )


def test_fails_snippets_disabled_on_an_old_controller_says_upgrade(chart):
    _refused(
        chart,
        r'upgrade it to v1\.10\+ and set its disable-proxy-intercept-errors: "true"',
        pass_through_401=True,
        controller=IngressNginx(version="1.9.6", custom_http_errors=(404,)),
    )


def test_fails_risk_level_too_low_for_an_explicit_snippet(chart):
    _refused(
        chart,
        r"'configuration-snippet' annotation has risk level Critical, above the "
        r"annotations-risk-level of ingress-nginx 1\.15\.1 .*annotations-risk-level=High.*"
        r"would refuse the whole Ingress \(its host is not served.*\)\. Set the ConfigMap "
        r"annotations-risk-level to Critical",
        pass_through_401=True,
        pass_through_401_strategy=S.CONFIGURATION_SNIPPET,
        controller=IngressNginx(allow_snippet_annotations=True),
    )


def test_fails_risk_level_too_low_when_configmap_interception_needs_a_snippet(chart):
    _refused(
        chart,
        r"annotations-risk-level=High.*which it refuses.*annotations-risk-level: Critical",
        pass_through_401=True,
        controller=IngressNginx(
            custom_http_errors=(404,),
            allow_snippet_annotations=True,
            annotations_risk_level=RiskLevel.HIGH,
        ),
    )


def test_fails_risk_level_too_low_for_auth_itself(chart):
    _refused(
        chart,
        r"^controller: the 'auth-url' annotation has risk level High, above the "
        r"annotations-risk-level .*Set the ConfigMap annotations-risk-level to High or higher",
        controller=IngressNginx(annotations_risk_level=RiskLevel.MEDIUM),
    )


@pytest.mark.parametrize("strategy", [S.NONE_NEEDED, S.DISABLE_INTERCEPT_ANNOTATION])
def test_fails_strategy_that_would_not_pass_through_configmap_interception(chart, strategy):
    _refused(
        chart,
        rf"pass_through_401_strategy={strategy}: would not pass a backend 401 through on "
        r"ingress-nginx 1\.15\.1 .*ConfigMap custom-http-errors=404,503\).*switches "
        r"interception on for every server\. Use PassThroughStrategy\.CONFIGURATION_SNIPPET",
        pass_through_401=True,
        pass_through_401_strategy=strategy,
        controller=IngressNginx(custom_http_errors=(404, 503), **SNIPPETS),
    )


def test_fails_none_needed_while_the_ingress_intercepts_itself(chart):
    _refused(
        chart,
        r"pass_through_401_strategy=PassThroughStrategy\.NONE_NEEDED: custom_http_errors on "
        r"the Ingress switches interception on in its location\. Use "
        r"PassThroughStrategy\.DISABLE_INTERCEPT_ANNOTATION",
        pass_through_401=True,
        pass_through_401_strategy=S.NONE_NEEDED,
        controller=IngressNginx(),
        custom_http_errors=[404],
    )


@pytest.mark.parametrize("strategy", [None, S.SERVER_SNIPPET, S.CONFIGURATION_SNIPPET])
def test_fails_duplicate_proxy_intercept_errors_on_an_old_controller(chart, strategy):
    # Before v1.10 nothing switches the location's own "proxy_intercept_errors on" off: a
    # server-snippet is overridden and a configuration-snippet duplicates the directive.
    _refused(
        chart,
        r"custom_http_errors=\[404\] switches interception on in the Ingress's own location "
        r"and ingress-nginx 1\.9\.6 .*no per-Ingress way to switch it off.*v1\.10\.0.*"
        r"configuration-snippet would duplicate the directive.*Drop custom_http_errors, or "
        r"upgrade the controller",
        pass_through_401=True,
        pass_through_401_strategy=strategy,
        controller=IngressNginx(version="1.9.6", **SNIPPETS),
        custom_http_errors=[404],
    )


def test_fails_two_server_snippets_on_the_same_host(chart):
    shared = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    common = {
        "host": "tools.example.com",
        "proxy": shared,
        "pass_through_401": True,
        "pass_through_401_strategy": S.SERVER_SNIPPET,
        "controller": IngressNginx(**SNIPPETS),
    }
    ProtectedApp(chart, "Wiki", backend=ServiceRef("wiki", 80), paths=["/wiki"], **common)
    with pytest.raises(
        ConfigurationError,
        match=r"host 'tools\.example\.com' already has a server-snippet from ProtectedApp "
        r"'test/Wiki'.*one server-snippet per host.*PassThroughStrategy\.CONFIGURATION_SNIPPET",
    ):
        ProtectedApp(chart, "Docs", backend=ServiceRef("docs", 80), paths=["/docs"], **common)
    names = sorted(o["metadata"]["name"] for o in synth(chart) if o["kind"] == "Ingress")
    assert names == ["access", "wiki"], "the refused app left nothing behind"


def test_two_apps_on_one_host_can_share_it_with_configuration_snippets(chart):
    shared = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    for name in ("Wiki", "Docs"):
        app = ProtectedApp(
            chart,
            name,
            host="tools.example.com",
            backend=ServiceRef(name.lower(), 80),
            paths=[f"/{name.lower()}"],
            proxy=shared,
            pass_through_401=True,
            controller=IngressNginx(custom_http_errors=(404,), **SNIPPETS),
        )
        assert app.pass_through_strategy is S.CONFIGURATION_SNIPPET


def test_fails_strategy_without_pass_through_401(chart):
    _refused(
        chart,
        r"^pass_through_401_strategy must be unset unless pass_through_401=True, got "
        r"<PassThroughStrategy\.SERVER_SNIPPET",
        pass_through_401_strategy=S.SERVER_SNIPPET,
    )


def test_fails_strategy_that_is_not_a_strategy(chart):
    _refused(
        chart,
        r"^pass_through_401_strategy must be a PassThroughStrategy or None, got 'server-snippet'",
        pass_through_401=True,
        pass_through_401_strategy="server-snippet",
        controller=IngressNginx(),
    )


def test_fails_controller_that_is_not_a_description(chart):
    _refused(
        chart,
        r"^controller must be IngressNginx\(\.\.\.\), EnvoyGateway\(gateway=GatewayRef\(\.\.\.\)\) "
        r"or None",
        controller={"version": "1.15.1"},
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"version": "latest"}, r"^version must be an ingress-nginx version such as '1\.15\.1'"),
        ({"custom_http_errors": (302,)}, r"^custom_http_errors must be"),
        ({"allow_snippet_annotations": "true"}, r"^allow_snippet_annotations must be True or"),
        ({"annotations_risk_level": "Critical"}, r"^annotations_risk_level must be a RiskLevel"),
    ],
)
def test_fails_bad_controller_description(kwargs, match):
    with pytest.raises(ConfigurationError, match=match):
        IngressNginx(**kwargs)


@pytest.mark.parametrize(
    ("version", "codes"),
    [("1.12.0", (401, 503)), ("1.13.6", (403,)), ("1.14.2", (401,))],
)
def test_warns_about_cve_2026_24513_on_affected_controllers(version, codes):
    expected = r"CVE-2026-24513.*Upgrade to v1.13.7, v1.14.3 or v1.15.0"
    with pytest.warns(ControllerAdvisoryWarning, match=expected):
        IngressNginx(version=version, custom_http_errors=codes)


@pytest.mark.parametrize(
    ("version", "codes"),
    [("1.13.7", (401,)), ("1.14.3", (403,)), ("1.15.0", (401, 403)), ("1.12.0", (404, 503))],
)
def test_no_advisory_warning_when_fixed_or_401_403_not_intercepted(version, codes):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ControllerAdvisoryWarning)
        IngressNginx(version=version, custom_http_errors=codes)
