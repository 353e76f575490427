"""One app with its own oauth2-proxy, served by Envoy Gateway.

The Gateway ``eg`` in namespace ``infra`` (listener ``https``) is the platform team's; this
chart attaches an HTTPRoute and a SecurityPolicy to it, and the ClientTrafficPolicy that
removes client-sent identity headers on that listener.
"""

from __future__ import annotations

import cdk8s
import constructs

from oauth_ingress_construct import EnvoyGateway, GatewayRef, ProtectedApp, Provider, ServiceRef


class EnvoyGatewayApp(cdk8s.Chart):
    def __init__(self, scope: constructs.Construct, id: str) -> None:
        super().__init__(scope, id, namespace="wiki", disable_resource_name_hashes=True)
        ProtectedApp(
            self,
            "Wiki",
            host="wiki.example.com",
            backend=ServiceRef("wiki", 8080),
            provider=Provider.oidc(
                issuer_url="https://login.example.com/realms/example", client_id="wiki"
            ),
            pass_through_401=True,
            controller=EnvoyGateway(gateway=GatewayRef("eg", "infra", section_name="https")),
        )
