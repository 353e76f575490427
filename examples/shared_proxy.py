"""Two apps signing in through one shared oauth2-proxy on ``access.example.com``.

The proxy's cookie domain ``.example.com`` is derived from its host, so one sign-in covers
both apps. The controller is described (a stock ingress-nginx v1.15), so the construct
knows no snippet is needed for the API's 401s: it emits the snippet-free annotation that
undoes the API Ingress's own ``custom-http-errors``.

Run as a platform team would before putting many apps behind it: a HorizontalPodAutoscaler
(2 to 10 pods on CPU; the Deployment then has no ``replicas``), a ServiceMonitor for the
metrics port labelled for a kube-prometheus-stack release, and a PrometheusRule alerting
when the proxy is down, answers 5xx or answers slowly.
"""

from __future__ import annotations

import cdk8s
import constructs

from oauth_ingress_construct import (
    Alerts,
    Autoscaling,
    IngressNginx,
    Monitoring,
    OAuth2Proxy,
    ProtectedApp,
    Provider,
    ServiceRef,
)


class SharedProxy(cdk8s.Chart):
    def __init__(self, scope: constructs.Construct, id: str) -> None:
        super().__init__(scope, id, namespace="apps", disable_resource_name_hashes=True)
        controller = IngressNginx(version="1.15.1")
        access = OAuth2Proxy(
            self,
            "OAuth2Proxy",
            host="access.example.com",
            provider=Provider.keycloak_oidc(
                issuer_url="https://keycloak.example.com/realms/staff",
                groups_claim="groups",
                client_id="access-example-com",
            ),
            tls_secret_name="example-com-tls",
            autoscaling=Autoscaling(min_replicas=2, max_replicas=10),
            monitoring=Monitoring(labels={"release": "kube-prometheus-stack"}),
            alerts=Alerts(labels={"release": "kube-prometheus-stack"}),
        )
        ProtectedApp(
            self,
            "Dashboard",
            host="dashboard.example.com",
            backend=ServiceRef("dashboard", 3000),
            proxy=access,
            tls_secret_name="example-com-tls",
            allowed_groups=["/ops"],
            controller=controller,
        )
        ProtectedApp(
            self,
            "Api",
            host="api.example.com",
            backend=ServiceRef("api", 8080),
            proxy=access,
            paths=["/v1", "/v2"],
            tls_secret_name="example-com-tls",
            custom_http_errors=[502, 503],
            pass_through_401=True,
            controller=controller,
        )
