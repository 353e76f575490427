"""A self-contained app: its backend built with cdk8s-plus, its own oauth2-proxy.

``ProtectedApp`` takes the cdk8s-plus ``Service`` directly; with ``provider=`` and no shared
proxy it creates an oauth2-proxy serving ``/oauth2`` on the app's own host. The backend is
hardened like the proxy (image by digest, probes, no capabilities, seccomp, a
NetworkPolicy letting only the ingress controller in), so the chart passes the scan.
"""

from __future__ import annotations

import cdk8s
import cdk8s_plus_28 as kplus
import constructs

from oauth_ingress_construct import ProtectedApp, Provider

#: traefik/whoami v1.11.0 by its multi-platform digest.
WHOAMI_IMAGE = (
    "docker.io/traefik/whoami:v1.11.0"
    "@sha256:200689790a0a0ea48ca45992e0450bc26ccab5307375b41c84dfc4f2475937ab"
)


class SelfContained(cdk8s.Chart):
    def __init__(self, scope: constructs.Construct, id: str) -> None:
        super().__init__(scope, id, namespace="whoami", disable_resource_name_hashes=True)
        deployment = kplus.Deployment(
            self,
            "Backend",
            metadata=cdk8s.ApiObjectMetadata(name="whoami"),
            replicas=2,
            automount_service_account_token=False,
            containers=[
                kplus.ContainerProps(
                    name="whoami",
                    image=WHOAMI_IMAGE,
                    ports=[kplus.ContainerPort(number=8080, name="http")],
                    args=["--port", "8080"],
                    liveness=kplus.Probe.from_http_get("/health", port=8080),
                    readiness=kplus.Probe.from_http_get("/health", port=8080),
                    security_context=kplus.ContainerSecurityContextProps(
                        user=65532,
                        group=65532,
                        capabilities=kplus.ContainerSecutiryContextCapabilities(
                            drop=[kplus.Capability.ALL]
                        ),
                        seccomp_profile=kplus.SeccompProfile(
                            type=kplus.SeccompProfileType.RUNTIME_DEFAULT
                        ),
                    ),
                    resources=kplus.ContainerResources(
                        cpu=kplus.CpuResources(
                            request=kplus.Cpu.millis(10), limit=kplus.Cpu.millis(200)
                        ),
                        memory=kplus.MemoryResources(
                            request=cdk8s.Size.mebibytes(16), limit=cdk8s.Size.mebibytes(64)
                        ),
                    ),
                )
            ],
        )
        # Only the ingress controller may reach the backend (an ingress-only policy: a
        # `connections.allow_from` would also restrict the controller's own egress).
        kplus.NetworkPolicy(
            self,
            "BackendPolicy",
            metadata=cdk8s.ApiObjectMetadata(name="whoami"),
            selector=deployment,
            ingress=kplus.NetworkPolicyTraffic(
                rules=[
                    kplus.NetworkPolicyRule(
                        peer=kplus.Namespaces.select(
                            self, "IngressController", names=["ingress-nginx"]
                        ),
                        ports=[kplus.NetworkPolicyPort.tcp(8080)],
                    )
                ]
            ),
        )
        service = deployment.expose_via_service(
            name="whoami", ports=[kplus.ServicePort(port=80, target_port=8080, name="http")]
        )
        ProtectedApp(
            self,
            "Whoami",
            host="whoami.example.com",
            backend=service,
            provider=Provider.github(
                org="example-org", team="platform", client_id="Iv1.0123456789abcdef"
            ),
            tls_secret_name="whoami-tls",
        )
