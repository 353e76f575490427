"""One host, three kinds of path, on ingress-nginx: pages, API calls, public endpoints.

An internal tool on ``tool.example.com`` with its own oauth2-proxy:

- its pages (``/``): a browser without a session is sent to sign in;
- its JSON API (``/api``): a client without a session gets ``401``, never a redirect, and the
  tool's own 401 reaches it; a browser's XHR passes with the session cookie (Ingress
  ``tool-api``: ``auth-url`` without ``auth-signin``);
- ``/healthz`` for the uptime checker and ``/webhooks/github`` for GitHub: no check at all
  (Ingress ``tool-public``, no auth annotations; Exact paths: nothing under them is public).
"""

from __future__ import annotations

import warnings

import cdk8s
import constructs

from oauth_ingress_construct import (
    IngressNginx,
    ProtectedApp,
    Provider,
    PublicPathRegexWarning,
    ServiceRef,
)


class PathKinds(cdk8s.Chart):
    def __init__(self, scope: constructs.Construct, id: str) -> None:
        super().__init__(scope, id, namespace="tool", disable_resource_name_hashes=True)
        with warnings.catch_warnings():
            # Checked: no Ingress of tool.example.com has use-regex or rewrite-target, which
            # would turn the Exact public paths into case-insensitive regex prefixes.
            warnings.simplefilter("ignore", PublicPathRegexWarning)
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
                controller=IngressNginx(),
            )
