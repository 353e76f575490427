"""One host, three kinds of path, on Envoy Gateway: pages, API calls, public endpoints.

The tool of ``examples/path_kinds.py`` on the Gateway ``eg`` in namespace ``infra``
(listener ``https``): an HTTPRoute and SecurityPolicy ``tool`` for its pages, an HTTPRoute and
SecurityPolicy ``tool-api`` for ``/api`` (its own oauth2-proxy runs with
``--api-route=^/api(/|\\?|$)``, so a client without a session gets ``401``), and an HTTPRoute
``tool-public`` without any policy for ``/healthz`` and ``/webhooks/github``.
"""

from __future__ import annotations

import cdk8s
import constructs

from oauth_ingress_construct import EnvoyGateway, GatewayRef, ProtectedApp, Provider, ServiceRef


class EnvoyGatewayPathKinds(cdk8s.Chart):
    def __init__(self, scope: constructs.Construct, id: str) -> None:
        super().__init__(scope, id, namespace="tool", disable_resource_name_hashes=True)
        ProtectedApp(
            self,
            "Tool",
            host="tool.example.com",
            backend=ServiceRef("tool", 8080),
            provider=Provider.oidc(
                issuer_url="https://login.example.com/realms/example", client_id="tool"
            ),
            api_paths=["/api"],
            public_paths=["/healthz", "/webhooks/github"],
            pass_through_401=True,
            controller=EnvoyGateway(gateway=GatewayRef("eg", "infra", section_name="https")),
        )
