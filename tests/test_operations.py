"""Operating the proxy at scale: autoscaling=, monitoring= and alerts= of OAuth2Proxy.

The objects validate against their real schemas (the HorizontalPodAutoscaler and the
Deployment against Kubernetes', the monitors and the rule against the vendored
prometheus-operator CRDs), the monitors select exactly the proxy's pods, and the alerts are
checked and unit-tested with ``promtool`` on synthetic series.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oauth_ingress_construct import (
    Alerts,
    Autoscaling,
    ConfigurationError,
    EnvoyGateway,
    GatewayRef,
    Monitoring,
    MonitorKind,
    OAuth2Proxy,
    Provider,
    ProxyResources,
)
from oauth_ingress_construct._core.inventory import Inventory
from oauth_ingress_construct._core.operations import ALERT_NAMES
from oauth_ingress_construct._targets import TARGETS
from tests.conftest import synth
from tests.monitoring_validation import validate_monitoring_object

OIDC = Provider.oidc(issuer_url="https://login.example.com")
EG = EnvoyGateway(gateway=GatewayRef("eg", "infra"))
K8S_VERSION = kubernetes_validate.latest_version()
PROMTOOL = shutil.which("promtool")


def objects(controller: object = None, **kwargs: Any) -> dict[str, dict[str, Any]]:
    """The proxy's manifests by kind, through the core as both front ends call it."""
    args: dict[str, Any] = {
        "name": "access",
        "namespace": "apps",
        "host": "access.example.com",
        "provider": OIDC,
        **kwargs,
    }
    checked, spec = TARGETS.resolve_proxy_on(controller, **args)
    route = TARGETS.proxy_route(spec, checked, Inventory(), lambda: "test")
    from oauth_ingress_construct._core.workload import workload_manifests

    return workload_manifests(spec, route=route)


ALL_ON = {
    "autoscaling": Autoscaling(),
    "monitoring": Monitoring(),
    "alerts": Alerts(),
}


# --------------------------------------------------------------------------------------------
# Defaults: nothing changes for users who do not ask.
# --------------------------------------------------------------------------------------------


def test_by_default_no_autoscaler_no_monitor_no_rule_and_two_replicas():
    made = objects()
    assert set(made) == {"Deployment", "Service", "Ingress", "NetworkPolicy", "PodDisruptionBudget"}
    assert made["Deployment"]["spec"]["replicas"] == 2


def test_the_value_types_document_their_defaults():
    assert Autoscaling() == Autoscaling(min_replicas=2, max_replicas=10, cpu_utilization=80)
    assert Monitoring() == Monitoring(kind=MonitorKind.SERVICE_MONITOR, interval=None, labels={})
    assert Alerts() == Alerts(error_ratio=0.05, latency_seconds=0.5, duration="5m", labels={})
    for cls in (Autoscaling, Monitoring, Alerts):
        for field in cls.__dataclass_fields__:
            assert f":param {field}:" in (cls.__doc__ or ""), (cls, field)
            assert "Default:" in (cls.__doc__ or "").split(f":param {field}:")[1].split(":param")[0]


# --------------------------------------------------------------------------------------------
# Autoscaling
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("controller", [None, EG], ids=["ingress-nginx", "envoy-gateway"])
def test_autoscaling_gives_an_hpa_and_a_deployment_without_replicas(controller):
    made = objects(controller, autoscaling=Autoscaling(min_replicas=3, max_replicas=12))
    hpa = made["HorizontalPodAutoscaler"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"] == {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "access"},
        "minReplicas": 3,
        "maxReplicas": 12,
        "metrics": [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 80},
                },
            }
        ],
    }
    deployment = made["Deployment"]
    assert "replicas" not in deployment["spec"]
    assert deployment["metadata"]["name"] == hpa["spec"]["scaleTargetRef"]["name"]
    for kind in ("Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        kubernetes_validate.validate(made[kind], K8S_VERSION, strict=True)
    assert made["PodDisruptionBudget"]["spec"]["minAvailable"] == 1
    assert deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]


def test_the_pdb_follows_the_minimum_of_the_autoscaler():
    # One pod at the minimum: a PDB would block every drain while the HPA holds one pod.
    single = objects(autoscaling=Autoscaling(min_replicas=1, max_replicas=4))
    assert "PodDisruptionBudget" not in single
    # Several pods possible: still spread over nodes.
    assert single["Deployment"]["spec"]["template"]["spec"]["topologySpreadConstraints"]
    alone = objects(autoscaling=Autoscaling(min_replicas=1, max_replicas=1))
    assert "topologySpreadConstraints" not in alone["Deployment"]["spec"]["template"]["spec"]


@settings(max_examples=60, deadline=None)
@given(
    low=st.integers(min_value=-2, max_value=110),
    high=st.integers(min_value=-2, max_value=110),
    target=st.integers(min_value=-5, max_value=5000),
    request=st.sampled_from(["0", "0m", "1m", "20m", "100m", "1"]),
    limit=st.sampled_from(["100m", "500m", "2"]),
)
def test_autoscaling_property_refused_or_consistent(low, high, target, request, limit):
    try:
        resources = ProxyResources(cpu_request=request, cpu_limit=limit)
        made = objects(
            resources=resources,
            autoscaling=Autoscaling(min_replicas=low, max_replicas=high, cpu_utilization=target),
        )
    except ConfigurationError as error:
        message = str(error)
        assert (
            not 1 <= low <= high <= 100
            or target < 1
            or request in ("0", "0m")
            or target > 100 * _cores(limit) / _cores(request)
            or _cores(request) > _cores(limit)
        ), message
        return
    spec = made["HorizontalPodAutoscaler"]["spec"]
    assert 1 <= spec["minReplicas"] == low <= spec["maxReplicas"] == high
    assert _cores(request) > 0
    assert target * _cores(request) / 100 <= _cores(limit)
    assert "replicas" not in made["Deployment"]["spec"]
    pdb = made.get("PodDisruptionBudget")
    assert (pdb is not None) == (low > 1)
    if pdb is not None:
        assert 1 <= pdb["spec"]["minAvailable"] < low


def _cores(quantity: str) -> float:
    return float(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


AUTOSCALING_ERRORS = [
    (
        lambda: Autoscaling(min_replicas=5, max_replicas=3),
        "Autoscaling.min_replicas must be at most max_replicas (3), got 5",
    ),
    (
        lambda: Autoscaling(min_replicas=0),
        "Autoscaling.min_replicas must be an integer from 1 to 100, got 0",
    ),
    (
        lambda: Autoscaling(max_replicas=True),
        "Autoscaling.max_replicas must be an integer from 1 to 100, got True",
    ),
    (
        lambda: Autoscaling(cpu_utilization=0),
        "Autoscaling.cpu_utilization must be an integer from 1 to 2147483647, got 0",
    ),
    (
        lambda: objects(autoscaling=Autoscaling(), resources=ProxyResources(cpu_request="0")),
        "ProxyResources.cpu_request must be above zero with autoscaling=",
    ),
    (
        lambda: objects(autoscaling=Autoscaling(cpu_utilization=2501)),
        "Autoscaling.cpu_utilization must be at most 2500 with cpu_request '20m' and "
        "cpu_limit '500m'",
    ),
    (
        lambda: objects(autoscaling=Autoscaling(), replicas=3),
        "replicas must be unset with autoscaling=",
    ),
    (
        lambda: objects(autoscaling={"min_replicas": 2}),
        "autoscaling must be an Autoscaling(",
    ),
]


@pytest.mark.parametrize(("build", "message"), AUTOSCALING_ERRORS)
def test_autoscaling_refusals_name_the_argument_value_and_fix(build, message):
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        build()


def test_the_cpu_target_may_reach_the_limit_exactly():
    made = objects(autoscaling=Autoscaling(cpu_utilization=2500))
    assert made["HorizontalPodAutoscaler"]["spec"]["metrics"][0]["resource"]["target"] == {
        "type": "Utilization",
        "averageUtilization": 2500,
    }


# --------------------------------------------------------------------------------------------
# Monitoring
# --------------------------------------------------------------------------------------------


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("controller", [None, EG], ids=["ingress-nginx", "envoy-gateway"])
@pytest.mark.parametrize("kind", list(MonitorKind), ids=lambda k: k.value)
def test_a_monitor_validates_and_selects_exactly_the_proxys_pods_metrics_port(kind, controller):
    made = objects(controller, monitoring=Monitoring(kind=kind, interval="30s"))
    monitor = made[kind.value]
    validate_monitoring_object(monitor)
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    spec = monitor["spec"]
    assert spec["namespaceSelector"] == {"matchNames": ["apps"]}
    assert spec["jobLabel"] == "app.kubernetes.io/instance"
    deployment, service = made["Deployment"], made["Service"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    metrics = {"name": "metrics", "containerPort": 44180, "protocol": "TCP"}
    assert metrics in container["ports"]
    selector = spec["selector"]["matchLabels"]
    if kind is MonitorKind.POD_MONITOR:
        assert selector == deployment["spec"]["selector"]["matchLabels"]
        assert _matches(selector, pod_labels)
        (endpoint,) = spec["podMetricsEndpoints"]
    else:
        # The Service it selects sends port "metrics" to exactly the proxy's pods.
        assert _matches(selector, service["metadata"]["labels"])
        assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
        assert any(
            p["name"] == "metrics" and p["targetPort"] == "metrics"
            for p in service["spec"]["ports"]
        )
        (endpoint,) = spec["endpoints"]
    assert endpoint == {"port": "metrics", "path": "/metrics", "interval": "30s"}
    # The job label names the proxy: the rules select job="access".
    assert pod_labels[spec["jobLabel"]] == service["metadata"]["labels"][spec["jobLabel"]]
    assert pod_labels[spec["jobLabel"]] == "access"
    # The NetworkPolicy admits metrics_namespace (default "monitoring") to that port.
    rules = made["NetworkPolicy"]["spec"]["ingress"]
    assert {
        "from": [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
        ],
        "ports": [{"port": "metrics", "protocol": "TCP"}],
    } in rules


@pytest.mark.parametrize("kind", list(MonitorKind), ids=lambda k: k.value)
def test_two_proxies_in_one_namespace_each_monitor_selects_only_its_own(kind):
    one = objects(name="one", host="one.example.com", monitoring=Monitoring(kind=kind))
    two = objects(name="two", host="two.example.com", monitoring=Monitoring(kind=kind))
    for mine, other in ((one, two), (two, one)):
        selector = mine[kind.value]["spec"]["selector"]["matchLabels"]
        assert _matches(selector, mine["Deployment"]["spec"]["template"]["metadata"]["labels"])
        assert not _matches(selector, other["Deployment"]["spec"]["template"]["metadata"]["labels"])
        assert not _matches(selector, other["Service"]["metadata"]["labels"])


def test_monitoring_takes_the_kind_as_a_string_and_labels_for_the_prometheus_selector():
    made = objects(monitoring=Monitoring(kind="PodMonitor", labels={"release": "kps"}))
    monitor = made["PodMonitor"]
    assert monitor["metadata"]["labels"]["release"] == "kps"
    assert monitor["metadata"]["labels"]["app.kubernetes.io/instance"] == "access"
    assert "interval" not in monitor["spec"]["podMetricsEndpoints"][0]
    validate_monitoring_object(monitor)


def test_monitoring_with_another_metrics_namespace_is_admitted_there():
    made = objects(monitoring=Monitoring(), metrics_namespace="prometheus")
    peers = [
        r["from"][0]["namespaceSelector"]["matchLabels"]
        for r in made["NetworkPolicy"]["spec"]["ingress"]
    ]
    assert {"kubernetes.io/metadata.name": "prometheus"} in peers


def test_monitoring_without_network_policy_needs_no_metrics_namespace():
    made = objects(monitoring=Monitoring(), metrics_namespace=None, network_policy=False)
    assert "ServiceMonitor" in made
    assert "NetworkPolicy" not in made


MONITORING_ERRORS = [
    (
        lambda: objects(monitoring=Monitoring(), metrics_namespace=None),
        "metrics_namespace must be the namespace Prometheus runs in, with monitoring=",
    ),
    (lambda: Monitoring(kind="ProbeMonitor"), "Monitoring.kind must be MonitorKind."),
    (lambda: Monitoring(interval="30"), "Monitoring.interval must be a Prometheus duration"),
    (lambda: Monitoring(interval="0s"), "Monitoring.interval must be a Prometheus duration"),
    (
        lambda: Monitoring(labels={"release": "kube prometheus"}),
        "Monitoring.labels['release'] must be a label value",
    ),
    (lambda: Monitoring(labels={"-bad": "x"}), "Monitoring.labels must be label names"),
    (lambda: Monitoring(labels={"0x1F": "x"}), "Monitoring.labels must be label names"),
    (lambda: Monitoring(labels="release=kps"), "Monitoring.labels must be a mapping"),
    (
        lambda: Monitoring(labels={"app.kubernetes.io/instance": "other"}),
        "Monitoring.labels must be label names other than app.kubernetes.io/name",
    ),
    (lambda: objects(monitoring="ServiceMonitor"), "monitoring must be a Monitoring(kind=...)"),
]


@pytest.mark.parametrize(("build", "message"), MONITORING_ERRORS)
def test_monitoring_refusals_name_the_argument_value_and_fix(build, message):
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        build()


def test_the_crd_validation_is_strict():
    monitor = objects(monitoring=Monitoring())["ServiceMonitor"]
    monitor["spec"]["endpoints"][0]["portName"] = "metrics"
    with pytest.raises(jsonschema.ValidationError, match="portName"):
        validate_monitoring_object(monitor)
    rule = objects(**ALL_ON)["PrometheusRule"]
    del rule["spec"]["groups"][0]["rules"][0]["expr"]
    with pytest.raises(jsonschema.ValidationError, match="expr"):
        validate_monitoring_object(rule)


# --------------------------------------------------------------------------------------------
# Alerts
# --------------------------------------------------------------------------------------------


def _rule_group(made: dict[str, dict[str, Any]]) -> dict[str, Any]:
    rule = made["PrometheusRule"]
    validate_monitoring_object(rule)
    return {"groups": rule["spec"]["groups"]}


def _promtool(*args: str, cwd: Path) -> str:
    assert PROMTOOL, "promtool is missing: scripts/setup.sh --test installs Debian's prometheus"
    done = subprocess.run(
        [PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.parametrize("controller", [None, EG], ids=["ingress-nginx", "envoy-gateway"])
def test_the_rule_names_three_alerts_and_passes_promtool_check(controller, tmp_path):
    made = objects(controller, **ALL_ON)
    groups = _rule_group(made)
    (group,) = groups["groups"]
    assert tuple(r["alert"] for r in group["rules"]) == ALERT_NAMES
    assert made["PrometheusRule"]["metadata"]["labels"]["app.kubernetes.io/instance"] == "access"
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(groups))
    out = _promtool("check", "rules", "--lint=all", "--lint-fatal", "rules.yml", cwd=tmp_path)
    assert "SUCCESS: 3 rules found" in out


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    alerts=st.builds(
        Alerts,
        error_ratio=st.floats(min_value=1e-9, max_value=1, allow_nan=False),
        latency_seconds=st.floats(min_value=1e-6, max_value=3600, allow_nan=False),
        duration=st.from_regex(r"[1-9][0-9]{0,2}(ms|s|m|h)", fullmatch=True),
    ),
    interval=st.none() | st.from_regex(r"[1-9][0-9]{0,2}(s|m)", fullmatch=True),
)
def test_thresholds_are_emitted_exactly_as_checked(alerts, interval):
    made = objects(monitoring=Monitoring(interval=interval), alerts=alerts)
    rules = _rule_group(made)["groups"][0]["rules"]
    by_name = {r["alert"]: r for r in rules}
    error = re.fullmatch(r".* > (\S+)", by_name["OAuth2ProxyErrors"]["expr"])
    slow = re.fullmatch(r".* > (\S+)", by_name["OAuth2ProxySlow"]["expr"])
    assert error
    assert float(error.group(1)) == alerts.error_ratio
    assert slow
    assert float(slow.group(1)) == alerts.latency_seconds
    assert {r["for"] for r in rules} == {alerts.duration}
    windows = set(re.findall(r"\[([0-9hms]+)\]", by_name["OAuth2ProxyErrors"]["expr"]))
    (window,) = windows
    seconds = _seconds(window)
    assert seconds >= 300
    if interval is not None:
        assert seconds >= 4 * _seconds(interval)


def _seconds(text: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)(ms|s|m|h)", text))


def test_unusual_thresholds_pass_promtool_check(tmp_path):
    files = []
    for i, alerts in enumerate(
        [
            Alerts(error_ratio=1e-9, latency_seconds=3600, duration="90s"),
            Alerts(error_ratio=1, latency_seconds=0.001, duration="1h30m"),
            Alerts(error_ratio=0.3333333333333333, latency_seconds=2.5e-05, duration="100ms"),
        ]
    ):
        made = objects(name=f"p{i}", monitoring=Monitoring(interval="2m"), alerts=alerts)
        files.append(f"rules{i}.yml")
        (tmp_path / files[-1]).write_text(yaml.safe_dump(_rule_group(made)))
    out = _promtool("check", "rules", "--lint=all", "--lint-fatal", *files, cwd=tmp_path)
    assert out.count("SUCCESS: 3 rules found") == 3


ALERTS_ERRORS = [
    (lambda: objects(alerts=Alerts()), "alerts must be given with monitoring=Monitoring(...)"),
    (lambda: Alerts(error_ratio=0), "Alerts.error_ratio must be a number above 0 and at most 1"),
    (lambda: Alerts(error_ratio=5), "Alerts.error_ratio must be a number above 0 and at most 1"),
    (
        lambda: Alerts(error_ratio=math.nan),
        "Alerts.error_ratio must be a number above 0 and at most 1",
    ),
    (lambda: Alerts(error_ratio="5%"), "Alerts.error_ratio must be a number above 0"),
    (
        lambda: Alerts(latency_seconds=-1),
        "Alerts.latency_seconds must be a number above 0 and at most 3600",
    ),
    (lambda: Alerts(duration="5 minutes"), "Alerts.duration must be a Prometheus duration"),
    (lambda: Alerts(labels={"release": 1}), "Alerts.labels['release'] must be a label value"),
    (lambda: objects(monitoring=Monitoring(), alerts=True), "alerts must be an Alerts(...)"),
]


@pytest.mark.parametrize(("build", "message"), ALERTS_ERRORS)
def test_alerts_refusals_name_the_argument_value_and_fix(build, message):
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        build()


# --- promtool test rules: the alerts fire on synthetic series, and only then ----------------

JOB = 'namespace="apps",job="access"'
KSM = 'kube_deployment_status_replicas_available{namespace="apps",deployment="access"}'


def _requests(ok_per_minute: int, errors_per_minute: int) -> list[dict[str, str]]:
    return [
        {
            "series": f'oauth2_proxy_requests_total{{{JOB},code="202"}}',
            "values": f"0+{ok_per_minute}x30",
        },
        {
            "series": f'oauth2_proxy_requests_total{{{JOB},code="500"}}',
            "values": f"0+{errors_per_minute}x30",
        },
    ]


def _latency(seconds_bucket: str) -> list[dict[str, str]]:
    """60 requests a minute, all in the bucket whose upper bound is ``seconds_bucket``."""
    buckets = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10"]
    series = []
    for le in [*buckets, "+Inf"]:
        inside = le == "+Inf" or float(le) >= float(seconds_bucket)
        series.append(
            {
                "series": (
                    f'oauth2_proxy_response_duration_seconds_bucket{{{JOB},method="GET",le="{le}"}}'
                ),
                "values": f"0+{60 if inside else 0}x30",
            }
        )
    return series


def _healthy() -> list[dict[str, str]]:
    return [
        {"series": KSM, "values": "2x30"},
        {"series": f'up{{{JOB},pod="access-1"}}', "values": "1x30"},
    ]


def _case(
    rules: list[dict[str, Any]],
    alert: str,
    series: list[dict[str, str]],
    fires: dict[str, str] | None,
) -> dict[str, Any]:
    """A promtool test: ``alert`` at 20m, expected to fire with ``fires`` labels or not at all."""
    (rule,) = (r for r in rules if r["alert"] == alert)
    expected = []
    if fires is not None:
        expected = [
            {"exp_labels": {**rule["labels"], **fires}, "exp_annotations": rule["annotations"]}
        ]
    return {
        "interval": "1m",
        "input_series": series,
        "alert_rule_test": [{"eval_time": "20m", "alertname": alert, "exp_alerts": expected}],
    }


def _run_rule_tests(tmp_path: Path, alerts: Alerts, cases: list[Any]) -> None:
    groups = _rule_group(objects(monitoring=Monitoring(), alerts=alerts))
    rules = groups["groups"][0]["rules"]
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(groups))
    tests = [_case(rules, *case) for case in cases]
    (tmp_path / "tests.yml").write_text(
        yaml.safe_dump({"rule_files": ["rules.yml"], "evaluation_interval": "1m", "tests": tests})
    )
    out = _promtool("test", "rules", "tests.yml", cwd=tmp_path)
    assert "SUCCESS" in out


def test_promtool_proxy_down_fires_without_available_replicas_or_scraped_pods(tmp_path):
    _run_rule_tests(
        tmp_path,
        Alerts(),
        [
            ("OAuth2ProxyDown", _healthy(), None),
            (
                "OAuth2ProxyDown",
                [{"series": KSM, "values": "0x30"}, _healthy()[1]],
                {"deployment": "access"},
            ),
            # kube-state-metrics says two are available, but Prometheus scrapes none.
            (
                "OAuth2ProxyDown",
                [{"series": KSM, "values": "2x30"}, {"series": f"up{{{JOB}}}", "values": "0x30"}],
                {},
            ),
            # Down for less than the duration: not yet.
            (
                "OAuth2ProxyDown",
                [{"series": KSM, "values": "2x16 0x4"}, _healthy()[1]],
                None,
            ),
        ],
    )


def test_promtool_error_ratio_fires_above_the_threshold_only(tmp_path):
    job = {"namespace": "apps", "job": "access"}
    _run_rule_tests(
        tmp_path,
        Alerts(),
        [
            ("OAuth2ProxyErrors", _requests(90, 10), job),  # 10 % > 5 %
            ("OAuth2ProxyErrors", _requests(99, 1), None),  # 1 %
            ("OAuth2ProxyErrors", _requests(100, 0), None),
        ],
    )
    _run_rule_tests(
        tmp_path,
        Alerts(error_ratio=0.2),
        [
            ("OAuth2ProxyErrors", _requests(90, 10), None),  # 10 % < 20 %
            ("OAuth2ProxyErrors", _requests(70, 30), job),
        ],
    )


def test_promtool_latency_fires_above_the_threshold_only(tmp_path):
    job = {"namespace": "apps", "job": "access"}
    _run_rule_tests(
        tmp_path,
        Alerts(),
        [
            ("OAuth2ProxySlow", _latency("1"), job),  # p99 between 0.5 and 1 s
            ("OAuth2ProxySlow", _latency("0.01"), None),
            ("OAuth2ProxySlow", _latency("0.25"), None),
        ],
    )
    _run_rule_tests(
        tmp_path,
        Alerts(latency_seconds=2),
        [
            ("OAuth2ProxySlow", _latency("1"), None),
            ("OAuth2ProxySlow", _latency("5"), job),
        ],
    )


def test_promtool_duration_delays_the_alerts(tmp_path):
    job = {"namespace": "apps", "job": "access"}
    # Failing from the start: with for=30m nothing fires at 20m.
    _run_rule_tests(
        tmp_path,
        Alerts(duration="30m"),
        [
            ("OAuth2ProxyErrors", _requests(90, 10), None),
            ("OAuth2ProxySlow", _latency("1"), None),
        ],
    )
    _run_rule_tests(
        tmp_path, Alerts(duration="10m"), [("OAuth2ProxyErrors", _requests(90, 10), job)]
    )


# --------------------------------------------------------------------------------------------
# The cdk8s construct: the objects, their ids and properties.
# --------------------------------------------------------------------------------------------


def test_the_cdk8s_construct_emits_and_exposes_the_objects(chart):
    proxy = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC, **ALL_ON)
    kinds = [o["kind"] for o in synth(chart)]
    assert kinds[-3:] == ["HorizontalPodAutoscaler", "ServiceMonitor", "PrometheusRule"]
    assert proxy.horizontal_pod_autoscaler is not None
    assert proxy.horizontal_pod_autoscaler.kind == "HorizontalPodAutoscaler"
    assert proxy.monitor is not None
    assert proxy.monitor.kind == "ServiceMonitor"
    assert proxy.prometheus_rule is not None
    assert proxy.prometheus_rule.kind == "PrometheusRule"
    assert proxy.replicas == 2
    bare = OAuth2Proxy(chart, "Bare", host="bare.example.com", provider=OIDC)
    assert bare.horizontal_pod_autoscaler is None
    assert bare.monitor is None
    assert bare.prometheus_rule is None


class _Sneaky(float):
    """A float whose own conversions and comparisons lie."""

    def __float__(self) -> float:
        return 0.9

    def __gt__(self, other: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "0.9"


def test_a_float_subclass_is_checked_and_emitted_as_the_float_it_holds():
    alerts = Alerts(error_ratio=_Sneaky(0.05))
    assert type(alerts.error_ratio) is float
    assert alerts.error_ratio == 0.05
    rules = _rule_group(objects(monitoring=Monitoring(), alerts=alerts))["groups"][0]["rules"]
    assert rules[1]["expr"].endswith("> 0.05")
    with pytest.raises(ConfigurationError, match=re.escape("Alerts.error_ratio")):
        Alerts(error_ratio=_Sneaky(7.0))


#: apimachinery's label rules (validation.IsQualifiedName, IsValidLabelValue), written out.
_NAME = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_PREFIX = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"


def _valid_key(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if "/" in key and not prefix:
        return False
    if prefix and (len(prefix) > 253 or not re.fullmatch(_PREFIX, prefix)):
        return False
    return len(name) <= 63 and re.fullmatch(_NAME, name) is not None


def _valid_value(value: str) -> bool:
    return value == "" or (len(value) <= 63 and re.fullmatch(_NAME, value) is not None)


LABEL_TEXT = st.one_of(
    st.text(alphabet="abcXYZ019-_./ ", max_size=12),
    st.from_regex(
        r"[a-z0-9]{1,8}(\.[a-z0-9]{1,8})?/[A-Za-z0-9][A-Za-z0-9._-]{0,8}", fullmatch=True
    ),
    st.text(max_size=70),
)


@settings(max_examples=200, deadline=None)
@given(labels=st.dictionaries(LABEL_TEXT, LABEL_TEXT, max_size=3))
def test_monitor_labels_are_refused_or_valid_kubernetes_labels(labels):
    reserved = {
        "app.kubernetes.io/name",
        "app.kubernetes.io/instance",
        "app.kubernetes.io/component",
    }
    try:
        monitoring = Monitoring(labels=labels)
    except ConfigurationError:
        assert any(
            not _valid_key(k)
            or k in reserved
            or not _valid_value(v)
            or any(re.fullmatch(r"[-+]?0[oObBxX].*", text) for text in (k, v))
            for k, v in labels.items()
        )
        return
    assert monitoring.labels == labels
    assert all(_valid_key(k) and _valid_value(v) for k, v in labels.items())
    monitor = objects(monitoring=monitoring)["ServiceMonitor"]
    assert monitor["metadata"]["labels"].items() >= labels.items()
