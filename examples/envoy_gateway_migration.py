"""The seed example moved from ingress-nginx to Envoy Gateway: only ``controller=`` changed.

Compare with ``seed_example.py``: the same OAuth2Proxy and ProtectedApp, each given
``controller=EnvoyGateway(...)``. Instead of two Ingresses: HTTPRoutes on the Gateway, a
SecurityPolicy asking the proxy about every request, ``/oauth2`` on the app's host, and the
ClientTrafficPolicy removing forged identity headers; the backend's own 401 still reaches
the client (nothing intercepts it on Envoy).
"""

from __future__ import annotations

import cdk8s
import constructs

from oauth_ingress_construct import (
    EnvoyGateway,
    GatewayRef,
    OAuth2Proxy,
    ProtectedApp,
    Provider,
    ServiceRef,
)

CONTROLLER = EnvoyGateway(gateway=GatewayRef("eg", "infra", section_name="https"))


class EnvoyGatewayMigration(cdk8s.Chart):
    def __init__(self, scope: constructs.Construct, id: str) -> None:
        super().__init__(scope, id, namespace="seed-example", disable_resource_name_hashes=True)
        access = OAuth2Proxy(
            self,
            "OAuth2Proxy",
            host="access.example.com",
            provider=Provider.oidc(
                issuer_url="https://login.example.com/realms/example", client_id="example-app"
            ),
            controller=CONTROLLER,
        )
        ProtectedApp(
            self,
            "ExampleProtectedApp",
            host="app.example.com",
            backend=ServiceRef("my-service", 80),
            proxy=access,
            pass_through_401=True,
            controller=CONTROLLER,
        )
