"""What one cdk8s App holds together: conflicts across charts, and clean rollback.

Charts of one App are applied to one cluster: two routes for one class, host and path, or
two objects of one kind, namespace and name, would shadow or overwrite each other there.
A construct that is refused leaves the app exactly as it was, and a corrected retry works.
"""

from __future__ import annotations

import cdk8s
import cdk8s_plus_28 as kplus
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oauth_ingress_construct import (
    ConfigurationError,
    OAuth2Proxy,
    ProtectedApp,
    Provider,
    ServiceRef,
)
from oauth_ingress_construct._core.appspec import MAX_PATHS

OIDC = Provider.oidc(issuer_url="https://login.example.com/realms/main")


def _app_with_charts(*namespaces: str) -> tuple[cdk8s.App, list[cdk8s.Chart]]:
    app = cdk8s.App()
    charts = [
        cdk8s.Chart(app, f"chart-{i}", namespace=ns, disable_resource_name_hashes=True)
        for i, ns in enumerate(namespaces)
    ]
    return app, charts


def test_fails_when_two_charts_of_one_app_route_the_same_host_and_path():
    _, (staging, production) = _app_with_charts("staging", "production")
    ProtectedApp(
        staging, "Web", host="www.example.com", backend=ServiceRef("web", 80), provider=OIDC
    )
    with pytest.raises(
        ConfigurationError,
        match=(
            r"host: 'www\.example\.com' path '/' \(ingress class 'nginx'\) is already routed "
            r"by ProtectedApp 'chart-0/Web'.*different cdk8s Apps"
        ),
    ):
        ProtectedApp(
            production, "Web", host="www.example.com", backend=ServiceRef("web", 80), provider=OIDC
        )
    assert production.node.try_find_child("Web") is None


def test_the_same_route_in_two_apps_is_allowed():
    for env in ("staging", "production"):
        _, (chart,) = _app_with_charts(env)
        ProtectedApp(
            chart, "Web", host="www.example.com", backend=ServiceRef("web", 80), provider=OIDC
        )
        assert len(chart.to_json()) == 6


@pytest.mark.parametrize("with_chart", [True, False], ids=["chart", "app"])
def test_fails_on_a_shared_proxy_of_another_app(with_chart):
    # Each App is applied to its own cluster: the proxy's Service is not in the app's.
    (proxy_chart,) = _app_with_charts("auth")[1]
    proxy = OAuth2Proxy(proxy_chart, "Access", host="access.example.com", provider=OIDC)
    app, (chart,) = _app_with_charts("apps")
    with pytest.raises(
        ConfigurationError,
        match=r"^proxy: OAuth2Proxy 'chart-0/Access' is in another cdk8s App than this app: "
        r".* Make the app and its proxy in charts of one cdk8s App",
    ):
        ProtectedApp(
            chart if with_chart else app,
            "App",
            host="app.example.com",
            backend=ServiceRef("app", 80),
            proxy=proxy,
            namespace="apps",
        )
    assert app.synth_yaml() == ""


@pytest.mark.parametrize("user_first", [True, False])
def test_fails_when_a_users_cdk8s_plus_deployment_has_the_proxys_name(user_first):
    _, (chart,) = _app_with_charts("apps")

    def user() -> None:
        kplus.Deployment(
            chart,
            "UserSso",
            metadata=cdk8s.ApiObjectMetadata(name="sso"),
            containers=[kplus.ContainerProps(image="nginx:1.27")],
        )

    if user_first:
        user()
    OAuth2Proxy(chart, "Sso", host="access.example.com", provider=OIDC)
    if not user_first:
        user()
    with pytest.raises(
        RuntimeError,
        match=(
            r"a Deployment named 'sso' in namespace 'apps' is made both by "
            r"OAuth2Proxy 'chart-0/Sso' and by 'chart-0/UserSso/Resource'"
        ),
    ):
        cdk8s.Testing.synth(chart)


def test_fails_when_a_users_object_in_another_chart_has_the_proxys_name():
    app, (ours, theirs) = _app_with_charts("apps", "apps")
    OAuth2Proxy(ours, "Sso", host="access.example.com", provider=OIDC)
    # A plain ApiObject without a namespace: its chart's namespace applies.
    cdk8s.ApiObject(theirs, "Mine", api_version="v1", kind="Service", metadata={"name": "sso"})
    with pytest.raises(
        RuntimeError,
        match=r"a Service named 'sso' in namespace 'apps' is made both by OAuth2Proxy 'chart-0/",
    ):
        app.synth_yaml()


def test_a_users_object_of_the_same_name_in_another_namespace_is_fine():
    app, (ours, theirs) = _app_with_charts("apps", "tools")
    OAuth2Proxy(ours, "Sso", host="access.example.com", provider=OIDC)
    cdk8s.ApiObject(theirs, "Mine", api_version="v1", kind="Service", metadata={"name": "sso"})
    assert app.synth_yaml().count("name: sso\n") >= 2


def test_fails_on_a_duplicate_id_and_keeps_the_existing_app():
    app, (chart,) = _app_with_charts("apps")
    ProtectedApp(chart, "Web", host="www.example.com", backend=ServiceRef("web", 80), provider=OIDC)
    before = app.synth_yaml()
    with pytest.raises(
        ConfigurationError,
        match=r"id must be unique among the children of its scope, got 'Web'",
    ):
        ProtectedApp(
            chart,
            "Web",
            name="w2",
            host="w2.example.com",
            backend=ServiceRef("w", 80),
            provider=OIDC,
        )
    assert app.synth_yaml() == before
    # The failed construct claimed nothing: the same arguments under a new id work.
    ProtectedApp(
        chart, "Web2", name="w2", host="w2.example.com", backend=ServiceRef("w", 80), provider=OIDC
    )


def test_fails_on_a_duplicate_proxy_id_and_keeps_the_existing_proxy():
    app, (chart,) = _app_with_charts("apps")
    OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    before = app.synth_yaml()
    with pytest.raises(ConfigurationError, match=r"got 'Access'"):
        OAuth2Proxy(chart, "Access", name="other", host="other.example.com", provider=OIDC)
    assert app.synth_yaml() == before


def test_a_refused_app_whose_id_holds_a_slash_leaves_nothing_and_a_retry_works():
    app, (chart,) = _app_with_charts("apps")
    ProtectedApp(chart, "Web", host="www.example.com", backend=ServiceRef("web", 80), provider=OIDC)
    before = app.synth_yaml()
    with pytest.raises(ConfigurationError, match=r"already routed"):
        # constructs stores "team/api" as "team--api": the rollback must find it there.
        ProtectedApp(
            chart,
            "team/api",
            name="api",
            host="www.example.com",
            backend=ServiceRef("api", 80),
            provider=OIDC,
        )
    assert app.synth_yaml() == before
    ProtectedApp(
        chart,
        "team/api",
        name="api",
        host="api.example.com",
        backend=ServiceRef("api", 80),
        provider=OIDC,
    )
    assert app.synth_yaml().count("kind: Ingress\n") == 4


def test_public_attributes_are_read_only(chart):
    proxy = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    app = ProtectedApp(
        chart, "Web", host="www.example.com", backend=ServiceRef("web", 80), proxy=proxy
    )
    for obj, attribute, value in (
        (proxy, "host", "evil.example.org"),
        (proxy, "cookie_domain", ".org"),
        (proxy, "name", "x"),
        (proxy, "deployment", None),
        (app, "host", "evil.example.org"),
        (app, "proxy", None),
        (app, "ingress", None),
        (app, "pass_through_strategy", None),
    ):
        with pytest.raises(AttributeError):
            setattr(obj, attribute, value)
    assert proxy.host == "access.example.com"


# Sequences of apps over several charts of one App, some of them conflicting: every refused
# app leaves the synthesized output exactly as it was before it.
_hosts = st.sampled_from(["a.example.com", "b.example.com", "www.example.com"])
_paths = st.sampled_from([["/"], ["/api"], ["/", "/api"], ["/v1"]])
_step = st.tuples(
    st.integers(0, 2),  # chart
    _hosts,
    _paths,
    st.booleans(),  # own proxy or the shared one
    st.sampled_from(["App", "team/app", "App"]),  # ids, some repeated, one with '/'
)


@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(steps=st.lists(_step, min_size=1, max_size=5))
def test_refused_apps_never_change_the_app(steps):
    app, charts = _app_with_charts("apps", "apps", "tools")
    shared = OAuth2Proxy(charts[0], "Access", host="access.example.com", provider=OIDC)
    for i, (chart_no, host, paths, own, id_) in enumerate(steps):
        before = app.synth_yaml()
        try:
            ProtectedApp(
                charts[chart_no],
                id_,
                name=f"app{i}",
                host=host,
                backend=ServiceRef("web", 80),
                paths=paths,
                **({"provider": OIDC} if own else {"proxy": shared}),
            )
        except ConfigurationError:
            assert app.synth_yaml() == before


def test_fails_on_an_object_above_the_api_servers_size_limit():
    from oauth_ingress_construct._core.manifests import manifest

    with pytest.raises(ConfigurationError, match=r"Deployment 'big' must be at most 1572864 bytes"):
        manifest(
            api_version="apps/v1",
            kind="Deployment",
            name="big",
            namespace="apps",
            body={"spec": {"note": "x" * (1536 * 1024)}},
        )
    with pytest.raises(ConfigurationError, match=r"the annotations of Ingress 'big' must be"):
        manifest(
            api_version="networking.k8s.io/v1",
            kind="Ingress",
            name="big",
            namespace="apps",
            annotations={"example.com/a": "x" * (256 * 1024)},
            body={},
        )


def test_fails_on_more_paths_than_an_app_may_have(chart):
    paths = [f"/p{i}" for i in range(MAX_PATHS + 1)]
    with pytest.raises(ConfigurationError, match=rf"paths must be at most {MAX_PATHS} paths"):
        ProtectedApp(
            chart,
            "Web",
            host="www.example.com",
            backend=ServiceRef("web", 80),
            provider=OIDC,
            paths=paths,
        )
    ProtectedApp(
        chart,
        "Web",
        host="www.example.com",
        backend=ServiceRef("web", 80),
        provider=OIDC,
        paths=paths[:MAX_PATHS],
    )


def test_the_shared_proxy_mismatch_never_suggests_a_public_suffix(chart):
    proxy = OAuth2Proxy(
        chart, "Access", host="access.example.co.uk", provider=OIDC, cookie_domain="example.co.uk"
    )
    with pytest.raises(ConfigurationError) as refused:
        ProtectedApp(
            chart, "Web", host="www.other.co.uk", backend=ServiceRef("web", 80), proxy=proxy
        )
    assert "cookie_domain=" not in str(refused.value)
    assert "give it its own proxy" in str(refused.value)
