"""GitLab (self-managed) sign-in for one app, on the app's own host.

Only members of the ``platform`` group (or its subgroups) get in: oauth2-proxy checks
``--gitlab-group`` itself, so no per-app query parameter is needed.
"""

from __future__ import annotations

import cdk8s
import constructs

from oauth_ingress_construct import ProtectedApp, Provider, ProxySecret, ServiceRef


class GitLab(cdk8s.Chart):
    def __init__(self, scope: constructs.Construct, id: str) -> None:
        super().__init__(scope, id, namespace="docs", disable_resource_name_hashes=True)
        ProtectedApp(
            self,
            "Handbook",
            host="handbook.example.com",
            backend=ServiceRef("handbook", 8080),
            provider=Provider.gitlab(
                issuer_url="https://gitlab.example.com",
                groups=["platform"],
                client_id="3f9c2a1b7d8e4f60a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2",
            ),
            # A Secret made for the Helm chart (existingSecret) works as it is.
            secret=ProxySecret(name="handbook-oauth2-proxy-credentials"),
            tls_secret_name="handbook-tls",
        )
