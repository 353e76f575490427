"""Running the proxy at scale: autoscaling, metrics scraping and alerts, target-neutral.

The value types :class:`Autoscaling`, :class:`Monitoring` and :class:`Alerts` are the
``autoscaling=``, ``monitoring=`` and ``alerts=`` arguments of ``OAuth2Proxy``; the functions
below build their objects (a ``HorizontalPodAutoscaler``, a prometheus-operator
``ServiceMonitor`` or ``PodMonitor``, a ``PrometheusRule``) from the checked values.
``_core.workload`` checks them against the rest of the proxy's settings and emits them.

Facts relied on, each checked at its source:

- oauth2-proxy v7.15.3 ``pkg/middleware/metrics.go``: ``oauth2_proxy_requests_total`` is a
  counter labelled ``code`` (the response status, line 65-68),
  ``oauth2_proxy_response_duration_seconds`` a histogram with ``prometheus.DefBuckets``
  labelled ``method`` (lines 104-110), ``oauth2_proxy_requests_in_flight`` a gauge
  (line 86); ``oauthproxy.go`` line 305 serves them on ``--metrics-address`` at any path,
  ``/metrics`` included.
- prometheus-operator v0.93.0 ``pkg/prometheus/promcfg.go``: a ServiceMonitor's and a
  PodMonitor's ``jobLabel`` names the Service's (lines 2176-2190) or the Pod's (lines
  1627-1642) label whose value becomes ``job``; ``namespace`` is the target's namespace
  (lines 1601-1605, 2133-2137). Both monitors here set
  ``jobLabel: app.kubernetes.io/instance``, so the proxy's series carry
  ``job="<name>", namespace="<namespace>"`` for either kind.
- kube-state-metrics ``docs/metrics/workload/deployment-metrics.md`` (v2.20.0, line 8):
  ``kube_deployment_status_replicas_available{namespace, deployment}``, STABLE.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .sealed import sealed_value
from .validation import check_int, fail, plain

__all__ = [
    "ALERT_NAMES",
    "Alerts",
    "Autoscaling",
    "MonitorKind",
    "Monitoring",
    "check_labels",
    "duration_seconds",
]

#: The label whose value becomes the ``job`` of the proxy's series (see the module notes).
JOB_LABEL = "app.kubernetes.io/instance"
#: The labels the proxy's objects carry (``workload.proxy_labels``), not to be overridden.
PROXY_LABEL_KEYS = ("app.kubernetes.io/name", JOB_LABEL, "app.kubernetes.io/component")

#: A Prometheus duration as prometheus-operator's CRDs accept it (their ``pattern`` for
#: ``interval`` and ``for``), without the bare ``0``.
_DURATION_RE = re.compile(
    r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?"
)
_DURATION_UNITS = (365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001)


def _check_duration(argument: str, value: object) -> str:
    """A positive Prometheus duration such as ``"30s"``, ``"5m"`` or ``"1h30m"``."""
    text = plain(value)
    match = _DURATION_RE.fullmatch(text) if isinstance(text, str) else None
    if match is None or not any(int(g) for g in match.groups() if g):
        fail(argument, value, "a Prometheus duration above zero such as '30s', '5m' or '1h30m'")
    return text  # type: ignore[return-value]


def duration_seconds(text: str) -> float:
    """The seconds of a duration :func:`_check_duration` accepted."""
    match = _DURATION_RE.fullmatch(text)
    assert match is not None
    return sum(int(g) * unit for g, unit in zip(match.groups(), _DURATION_UNITS, strict=True) if g)


def _format_duration(seconds: float) -> str:
    """Whole seconds as the shortest Prometheus duration (``300`` -> ``"5m"``)."""
    whole = math.ceil(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    return text + (f"{secs}s" if secs or not text else "")


#: A label name (the part after an optional ``prefix/``) and a label value, as the API
#: server accepts them (apimachinery ``IsQualifiedName`` / ``IsValidLabelValue``).
_LABEL_NAME_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?")
_LABEL_PREFIX_RE = re.compile(
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
)
#: Strings a YAML reader takes for a number although cdk8s leaves them unquoted
#: (see ``validation._YAML_NUMBER_RE``).
_YAML_NUMBER_RE = re.compile(r"[-+]?0[oObBxX]_?[0-9a-fA-F][0-9a-fA-F_.pP+-]*")


def check_labels(argument: str, value: object, *, reserved: tuple[str, ...] = ()) -> dict[str, str]:
    """Kubernetes labels as a plain ``dict`` of plain strings, sorted by key.

    ``reserved``: keys the construct sets itself, refused.
    """
    if not isinstance(value, Mapping):
        fail(argument, value, "a mapping of label names to values, e.g. {'release': 'prom'}")
    labels: dict[str, str] = {}
    for raw_key, raw_value in value.items():
        key, text = plain(raw_key), plain(raw_value)
        if not isinstance(key, str):
            fail(argument, raw_key, "label names that are strings")
        prefix, _, name = key.rpartition("/")
        if (
            not _LABEL_NAME_RE.fullmatch(name)
            or (prefix and (len(prefix) > 253 or not _LABEL_PREFIX_RE.fullmatch(prefix)))
            or (not prefix and "/" in key)
            or _YAML_NUMBER_RE.fullmatch(key)
        ):
            fail(
                argument,
                key,
                "label names of at most 63 letters, digits, '-', '_' and '.', starting and "
                "ending with a letter or digit, after an optional DNS-subdomain prefix and '/' "
                "(and not a number such as '0x1F' to YAML readers)",
            )
        if key in reserved:
            fail(argument, key, f"label names other than {', '.join(reserved)} (set here)")
        if (
            not isinstance(text, str)
            or (text and not _LABEL_NAME_RE.fullmatch(text))
            or _YAML_NUMBER_RE.fullmatch(text)
        ):
            fail(
                f"{argument}[{key!r}]",
                raw_value,
                "a label value: at most 63 letters, digits, '-', '_' and '.', starting and "
                "ending with a letter or digit, or empty (and not a number such as '0x1F' "
                "to YAML readers)",
            )
        labels[key] = text
    return dict(sorted(labels.items()))


def _check_number(argument: str, value: object, *, above: float, at_most: float) -> float:
    """A finite real number in ``(above, at_most]``, as a plain ``float``."""
    number = plain(value)
    if isinstance(number, float):
        # a subclass's own comparison or __float__ cannot change what is checked
        number = float.__float__(number)
    if (
        isinstance(number, bool)
        or not isinstance(number, (int, float))
        or not math.isfinite(number)
        or not above < number <= at_most
    ):
        fail(argument, value, f"a number above {above:g} and at most {at_most:g}")
    return float(number)


# --------------------------------------------------------------------------------------------
# Autoscaling
# --------------------------------------------------------------------------------------------


@sealed_value
@dataclass(frozen=True)
class Autoscaling:
    """A ``HorizontalPodAutoscaler`` (``autoscaling/v2``) scaling the proxy on CPU.

    The Deployment then carries no ``spec.replicas``: the Kubernetes documentation
    (kubernetes/website ``content/en/docs/tasks/run-application/horizontal-pod-autoscale.md``,
    "Migrating Deployments and StatefulSets to horizontal autoscaling") says every apply of
    a manifest holding it scales the Deployment back to that value. The utilization is a
    share of the container's CPU *request* (``ProxyResources.cpu_request``); without a
    request it is undefined and the autoscaler does nothing (same page, "How does a
    HorizontalPodAutoscaler work?"; kubernetes/website commit 01650250).

    :param min_replicas: Default: ``2``, the fixed ``replicas`` default: two pods spread
        over nodes, with a PodDisruptionBudget.
    :param max_replicas: Default: ``10``, as the oauth2-proxy Helm chart's
        ``autoscaling.maxReplicas`` (oauth2-proxy/manifests ``helm/oauth2-proxy/values.yaml``,
        chart 10.7.0, lines 520-524).
    :param cpu_utilization: the average CPU use the autoscaler aims at, in percent of the
        CPU request. Default: ``80``, as the Helm chart's
        ``targetCPUUtilizationPercentage``.
    """

    min_replicas: int = 2
    max_replicas: int = 10
    cpu_utilization: int = 80

    def __post_init__(self) -> None:
        low = check_int("Autoscaling.min_replicas", self.min_replicas, low=1, high=100)
        high = check_int("Autoscaling.max_replicas", self.max_replicas, low=1, high=100)
        if low > high:
            fail("Autoscaling.min_replicas", self.min_replicas, f"at most max_replicas ({high})")
        # int32 in the API; the useful bound (the CPU limit) is checked with the resources.
        target = check_int(
            "Autoscaling.cpu_utilization", self.cpu_utilization, low=1, high=2**31 - 1
        )
        object.__setattr__(self, "min_replicas", low)
        object.__setattr__(self, "max_replicas", high)
        object.__setattr__(self, "cpu_utilization", target)


def hpa_body(autoscaling: Autoscaling, deployment: str) -> dict[str, Any]:
    """The ``HorizontalPodAutoscaler`` body scaling the Deployment ``deployment``."""
    return {
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment},
            "minReplicas": autoscaling.min_replicas,
            "maxReplicas": autoscaling.max_replicas,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {
                            "type": "Utilization",
                            "averageUtilization": autoscaling.cpu_utilization,
                        },
                    },
                }
            ],
        }
    }


# --------------------------------------------------------------------------------------------
# Monitoring
# --------------------------------------------------------------------------------------------


@sealed_value
class MonitorKind(enum.Enum):
    """Which prometheus-operator object scrapes the proxy's metrics port."""

    #: Scrapes the endpoints of the proxy's Service, port ``metrics``.
    SERVICE_MONITOR = "ServiceMonitor"
    #: Scrapes the proxy's pods directly, container port ``metrics``.
    POD_MONITOR = "PodMonitor"


@sealed_value
@dataclass(frozen=True)
class Monitoring:
    """A prometheus-operator ``ServiceMonitor`` or ``PodMonitor`` for the metrics port.

    It selects exactly the proxy's pods (its selector labels, in its namespace) and the
    port named ``metrics`` (44180); the proxy's NetworkPolicy admits ``metrics_namespace``
    there, so that must be where Prometheus runs.

    :param kind: ``MonitorKind.SERVICE_MONITOR`` or ``MonitorKind.POD_MONITOR`` (or their
        names as strings). Default: ``MonitorKind.SERVICE_MONITOR``.
    :param interval: how often Prometheus scrapes, e.g. ``"30s"``. Default: - Prometheus's
        ``scrapeInterval``.
    :param labels: extra labels on the monitor, for a Prometheus whose
        ``serviceMonitorSelector`` / ``podMonitorSelector`` asks for them (the
        kube-prometheus-stack chart's asks for ``release: <release name>``). Default: -
        none beyond the proxy's labels.
    """

    kind: MonitorKind = MonitorKind.SERVICE_MONITOR
    interval: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        kind = plain(self.kind)
        if not isinstance(kind, MonitorKind):
            names = {k.value: k for k in MonitorKind}
            if not isinstance(kind, str) or kind not in names:
                fail(
                    "Monitoring.kind",
                    self.kind,
                    "MonitorKind.SERVICE_MONITOR or MonitorKind.POD_MONITOR "
                    "('ServiceMonitor' or 'PodMonitor')",
                )
            kind = names[kind]
        object.__setattr__(self, "kind", kind)
        if self.interval is not None:
            object.__setattr__(
                self, "interval", _check_duration("Monitoring.interval", self.interval)
            )
        object.__setattr__(
            self,
            "labels",
            check_labels("Monitoring.labels", self.labels, reserved=PROXY_LABEL_KEYS),
        )


def monitor_body(
    monitoring: Monitoring, *, namespace: str, selector: Mapping[str, str]
) -> dict[str, Any]:
    """The monitor's body: the proxy's pods (``selector``) in ``namespace``, port ``metrics``.

    A ServiceMonitor selects the proxy's Service, whose selector is the same labels.
    """
    endpoint: dict[str, Any] = {"port": "metrics", "path": "/metrics"}
    if monitoring.interval is not None:
        endpoint["interval"] = monitoring.interval
    endpoints = (
        "endpoints" if monitoring.kind is MonitorKind.SERVICE_MONITOR else "podMetricsEndpoints"
    )
    return {
        "spec": {
            "jobLabel": JOB_LABEL,
            "namespaceSelector": {"matchNames": [namespace]},
            "selector": {"matchLabels": dict(selector)},
            endpoints: [endpoint],
        }
    }


# --------------------------------------------------------------------------------------------
# Alerts
# --------------------------------------------------------------------------------------------

#: The alerts of the PrometheusRule, in order.
ALERT_NAMES = ("OAuth2ProxyDown", "OAuth2ProxyErrors", "OAuth2ProxySlow")


@sealed_value
@dataclass(frozen=True)
class Alerts:
    """A ``PrometheusRule`` alerting on the proxy: down, answering 5xx, answering slowly.

    Built from oauth2-proxy's own metrics and kube-state-metrics' view of the Deployment;
    it needs ``monitoring=`` (its expressions select the series of the monitor's job).
    Every request to a protected app waits for the proxy's check, so these are the app's
    availability and latency too.

    - ``OAuth2ProxyDown`` (critical): the Deployment has no available replica
      (``kube_deployment_status_replicas_available``), or no target of the proxy's job is
      up (``up``), for ``duration``.
    - ``OAuth2ProxyErrors`` (warning): more than ``error_ratio`` of the responses are 5xx
      (``oauth2_proxy_requests_total{code=~"5.."}``), for ``duration``.
    - ``OAuth2ProxySlow`` (warning): the 99th percentile of the response time
      (``oauth2_proxy_response_duration_seconds``) is above ``latency_seconds``, for
      ``duration``.

    Rates are taken over 5 minutes, or four scrape intervals where the monitor's
    ``interval`` is longer.

    :param error_ratio: Default: ``0.05`` (5 % of the responses).
    :param latency_seconds: Default: ``0.5``. oauth2-proxy's histogram buckets are the
        Prometheus client's defaults (0.005 to 10 s); a threshold between two buckets is
        interpolated.
    :param duration: how long a condition holds before its alert fires (the rules'
        ``for``). Default: ``"5m"``.
    :param labels: extra labels on the PrometheusRule, for a Prometheus whose
        ``ruleSelector`` asks for them (kube-prometheus-stack: ``release: <release
        name>``). Default: - none beyond the proxy's labels.
    """

    error_ratio: float = 0.05
    latency_seconds: float = 0.5
    duration: str = "5m"
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "error_ratio",
            _check_number("Alerts.error_ratio", self.error_ratio, above=0, at_most=1),
        )
        object.__setattr__(
            self,
            "latency_seconds",
            _check_number("Alerts.latency_seconds", self.latency_seconds, above=0, at_most=3600),
        )
        object.__setattr__(self, "duration", _check_duration("Alerts.duration", self.duration))
        object.__setattr__(
            self, "labels", check_labels("Alerts.labels", self.labels, reserved=PROXY_LABEL_KEYS)
        )


#: The shortest rate window, and how many scrapes a window holds at least.
_MIN_WINDOW = 300
_SCRAPES_PER_WINDOW = 4


def rule_window(monitoring: Monitoring) -> str:
    """The rate window of the rules: 5 minutes, or four scrape intervals if longer."""
    interval = 0.0 if monitoring.interval is None else duration_seconds(monitoring.interval)
    return _format_duration(max(_MIN_WINDOW, _SCRAPES_PER_WINDOW * interval))


def _number(value: float) -> str:
    """A float as a PromQL literal that reads back as the same float."""
    return repr(value)


def rule_body(
    alerts: Alerts, monitoring: Monitoring, *, name: str, namespace: str
) -> dict[str, Any]:
    """The ``PrometheusRule`` body for the proxy ``name`` in ``namespace``.

    ``name`` and ``namespace`` are checked DNS labels: they hold no quote or backslash.
    """
    job = f'namespace="{namespace}",job="{name}"'
    window = rule_window(monitoring)
    where = f"oauth2-proxy {namespace}/{name}"
    rules = [
        {
            "alert": "OAuth2ProxyDown",
            "expr": (
                "kube_deployment_status_replicas_available"
                f'{{namespace="{namespace}",deployment="{name}"}} < 1 '
                f"or absent(up{{{job}}} == 1)"
            ),
            "for": alerts.duration,
            # absent() keeps no label of a filtered selector: name the proxy here.
            "labels": {"severity": "critical", "namespace": namespace, "job": name},
            "annotations": {
                "summary": f"{where} is down: sign-in and every protected app fail.",
                "description": (
                    f"{where} has no available replica, or Prometheus scrapes none of its "
                    f"pods, for {alerts.duration}."
                ),
            },
        },
        {
            "alert": "OAuth2ProxyErrors",
            "expr": (
                f'sum by (namespace, job) (rate(oauth2_proxy_requests_total{{{job},code=~"5.."}}'
                f"[{window}])) / sum by (namespace, job) "
                f"(rate(oauth2_proxy_requests_total{{{job}}}[{window}])) "
                f"> {_number(alerts.error_ratio)}"
            ),
            "for": alerts.duration,
            "labels": {"severity": "warning"},
            "annotations": {
                "summary": f"{where} answers with server errors.",
                "description": (
                    f"More than {alerts.error_ratio * 100:g}% of {where}'s responses are 5xx, "
                    f"for {alerts.duration}."
                ),
            },
        },
        {
            "alert": "OAuth2ProxySlow",
            "expr": (
                "histogram_quantile(0.99, sum by (namespace, job, le) "
                f"(rate(oauth2_proxy_response_duration_seconds_bucket{{{job}}}[{window}]))) "
                f"> {_number(alerts.latency_seconds)}"
            ),
            "for": alerts.duration,
            "labels": {"severity": "warning"},
            "annotations": {
                "summary": f"{where} answers slowly: every protected request waits for it.",
                "description": (
                    f"The 99th percentile of {where}'s response time is above "
                    f"{alerts.latency_seconds:g}s, for {alerts.duration}."
                ),
            },
        },
    ]
    return {"spec": {"groups": [{"name": f"oauth2-proxy.{namespace}.{name}", "rules": rules}]}}
