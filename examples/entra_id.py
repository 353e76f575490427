"""Microsoft Entra ID with group-based access and the ID token passed to the app.

Entra ID sends group object ids; the proxy admits members of the staff group, the
admin app only members of the admins group (403 for others). The admin app reads the
user's ID token from ``Authorization`` (``set_authorization_header`` on the proxy,
``pass_authorization_header`` on the app); Entra tokens carrying many groups are large,
hence a bigger ``proxy_buffer_size``. ``trusted_proxy_ips`` is the controller's pod CIDR.
"""

from __future__ import annotations

import cdk8s
import constructs

from oauth_ingress_construct import (
    OAuth2Proxy,
    ProtectedApp,
    Provider,
    ProxyResources,
    ServiceRef,
)

STAFF = "5f8f3c1e-2d4b-4c1a-9a7e-0b6d2c3e4f51"
ADMINS = "a0c1e2f3-4b5d-4e6f-8a9b-1c2d3e4f5a6b"


class EntraId(cdk8s.Chart):
    def __init__(self, scope: constructs.Construct, id: str) -> None:
        super().__init__(scope, id, namespace="corp", disable_resource_name_hashes=True)
        access = OAuth2Proxy(
            self,
            "Access",
            host="login.corp.example.net",
            provider=Provider.entra_id(
                tenant_id="contoso.onmicrosoft.com",
                client_id="0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
            ),
            allowed_groups=[STAFF],
            set_authorization_header=True,
            trusted_proxy_ips=["10.244.0.0/16"],
            replicas=3,
            resources=ProxyResources(cpu_limit="1", memory_limit="256Mi"),
            tls_secret_name="corp-example-net-tls",
        )
        ProtectedApp(
            self,
            "Admin",
            host="admin.corp.example.net",
            backend=ServiceRef("admin", 8080),
            proxy=access,
            allowed_groups=[ADMINS],
            pass_authorization_header=True,
            proxy_buffer_size="16k",
            tls_secret_name="corp-example-net-tls",
        )
