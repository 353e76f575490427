"""Small value objects that refer to Kubernetes objects defined elsewhere."""

from __future__ import annotations

from dataclasses import dataclass

from ._validation import check_dns_subdomain, check_int, check_secret_key, check_service_name

__all__ = ["ProxySecret", "ServiceRef"]


@dataclass(frozen=True)
class ServiceRef:
    """A Service defined outside this app, by name and port (``ServiceRef("my-service", 80)``).

    It must live in the same namespace as the Ingress that routes to it.
    """

    name: str
    port: int

    def __post_init__(self) -> None:
        # Fields hold the plain, checked values: what is emitted is what was checked
        # (also for ``dataclasses.replace``, which runs this again).
        object.__setattr__(self, "name", check_service_name("ServiceRef.name", self.name))
        object.__setattr__(self, "port", check_int("ServiceRef.port", self.port, low=1, high=65535))


@dataclass(frozen=True)
class ProxySecret:
    """An existing Kubernetes Secret holding oauth2-proxy's credentials.

    The default key names are those of the oauth2-proxy Helm chart, so a Secret made for the
    chart (``existingSecret``) works unchanged. No value is ever read or written by this
    package; the pod reads them through ``secretKeyRef``.

    :param name: the Secret's name, in the proxy's namespace.
    :param client_id_key: Default: ``"client-id"``.
    :param client_secret_key: Default: ``"client-secret"``.
    :param cookie_secret_key: Default: ``"cookie-secret"`` (URL-safe base64 of 16, 24 or
        32 random bytes, e.g. ``openssl rand -base64 32 | tr -- '+/' '-_'``).
    """

    name: str
    client_id_key: str = "client-id"
    client_secret_key: str = "client-secret"
    cookie_secret_key: str = "cookie-secret"

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", check_dns_subdomain("ProxySecret.name", self.name))
        for field in ("client_id_key", "client_secret_key", "cookie_secret_key"):
            key = check_secret_key(f"ProxySecret.{field}", getattr(self, field))
            object.__setattr__(self, field, key)
