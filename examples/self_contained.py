"""A self-contained app: its backend built with cdk8s-plus, its own oauth2-proxy.

``ProtectedApp`` takes the cdk8s-plus ``Service`` directly; with ``provider=`` and no shared
proxy it creates an oauth2-proxy serving ``/oauth2`` on the app's own host.
"""

from __future__ import annotations

import cdk8s
import cdk8s_plus_28 as kplus
import constructs

from oauth_ingress_construct import ProtectedApp, Provider


class SelfContained(cdk8s.Chart):
    def __init__(self, scope: constructs.Construct, id: str) -> None:
        super().__init__(scope, id, namespace="whoami", disable_resource_name_hashes=True)
        deployment = kplus.Deployment(
            self,
            "Backend",
            metadata=cdk8s.ApiObjectMetadata(name="whoami"),
            replicas=2,
            containers=[
                kplus.ContainerProps(
                    name="whoami",
                    image="docker.io/traefik/whoami:v1.10.4",
                    ports=[kplus.ContainerPort(number=8080, name="http")],
                    args=["--port", "8080"],
                    security_context=kplus.ContainerSecurityContextProps(user=65532, group=65532),
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
        service = deployment.expose_via_service(
            name="whoami", ports=[kplus.ServicePort(port=80, target_port=8080, name="http")]
        )
        ProtectedApp(
            self,
            "Whoami",
            host="whoami.example.com",
            backend=service,
            provider=Provider.github(org="example-org", team="platform"),
            tls_secret_name="whoami-tls",
        )
