"""Google sign-in shared by two apps, restricted per app by e-mail domain.

The proxy admits the accounts of two Google Workspace domains (``--email-domain``); the
finance app narrows that to the parent company's domain through its ``auth-url`` query
(oauth2-proxy answers 403 to everyone else, no redirect loop).
"""

from __future__ import annotations

import cdk8s
import constructs

from oauth_ingress_construct import OAuth2Proxy, ProtectedApp, Provider, ServiceRef


class Google(cdk8s.Chart):
    def __init__(self, scope: constructs.Construct, id: str) -> None:
        super().__init__(scope, id, namespace="intranet", disable_resource_name_hashes=True)
        access = OAuth2Proxy(
            self,
            "Access",
            host="access.example.org",
            provider=Provider.google(
                client_id="123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com"
            ),
            email_domains=["example.org", "subsidiary.example.org"],
            tls_secret_name="example-org-tls",
        )
        ProtectedApp(
            self,
            "Wiki",
            host="wiki.example.org",
            backend=ServiceRef("wiki", 80),
            proxy=access,
            tls_secret_name="example-org-tls",
        )
        ProtectedApp(
            self,
            "Finance",
            host="finance.example.org",
            backend=ServiceRef("finance", 8000),
            proxy=access,
            allowed_email_domains=["example.org"],
            tls_secret_name="example-org-tls",
        )
