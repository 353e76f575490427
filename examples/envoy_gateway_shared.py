"""Two apps in two namespaces sharing one oauth2-proxy in a third, on Envoy Gateway.

The proxy signs in on ``access.example.com`` with the cookie domain ``.example.com``; each
app's sign-in callback comes back on the app's own host (``/oauth2`` is routed there too),
so the identity provider must accept ``https://dashboard.example.com/oauth2/callback`` and
``https://api.example.com/oauth2/callback``. The SecurityPolicies and ``/oauth2`` routes of
the app namespaces reach the proxy's Service through a ReferenceGrant each, in ``auth``.
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


class EnvoyGatewayShared(cdk8s.Chart):
    def __init__(self, scope: constructs.Construct, id: str) -> None:
        super().__init__(scope, id, namespace="auth", disable_resource_name_hashes=True)
        controller = EnvoyGateway(
            gateway=GatewayRef("eg", "infra", section_name="https"), version="1.9.0"
        )
        access = OAuth2Proxy(
            self,
            "OAuth2Proxy",
            host="access.example.com",
            provider=Provider.keycloak_oidc(
                issuer_url="https://keycloak.example.com/realms/staff",
                groups_claim="groups",
                client_id="access-example-com",
            ),
            allowed_groups=["/staff"],
            controller=controller,
        )
        ProtectedApp(
            self,
            "Dashboard",
            host="dashboard.example.com",
            namespace="dashboard",
            backend=ServiceRef("dashboard", 3000),
            proxy=access,
            controller=controller,
        )
        ProtectedApp(
            self,
            "Api",
            host="api.example.com",
            namespace="api",
            backend=ServiceRef("api", 8080),
            proxy=access,
            paths=["/v1", "/v2"],
            pass_through_401=True,
            controller=controller,
        )
