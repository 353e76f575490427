"""The seed write-up's "Full example ingress", generated.

Ingress ``example-protected-app`` for ``app.example.com`` -> ``my-service:80``, signing in
at ``access.example.com``, with the backend's own 401s passed through. The oauth2-proxy
behind ``access.example.com`` is generated too (the write-up assumed it existed).
"""

from __future__ import annotations

import cdk8s
import constructs

from oauth_ingress_construct import OAuth2Proxy, ProtectedApp, Provider, ServiceRef


class SeedExample(cdk8s.Chart):
    def __init__(self, scope: constructs.Construct, id: str) -> None:
        # A namespace of its own: the seed used `default`, which scanners flag (CKV_K8S_21).
        super().__init__(scope, id, namespace="seed-example", disable_resource_name_hashes=True)
        access = OAuth2Proxy(
            self,
            "OAuth2Proxy",
            host="access.example.com",
            provider=Provider.oidc(
                issuer_url="https://login.example.com/realms/example", client_id="example-app"
            ),
        )
        ProtectedApp(
            self,
            "ExampleProtectedApp",
            host="app.example.com",
            backend=ServiceRef("my-service", 80),
            proxy=access,
            pass_through_401=True,
        )
