"""Small value objects that refer to Kubernetes objects defined elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .sealed import sealed_value
from .validation import check_dns_subdomain, check_int, check_secret_key, check_service_name

__all__ = ["SECRET_MOUNT_PATH", "ProxySecret", "ServiceRef"]

#: Where the proxy's Secret is mounted (read-only) in the oauth2-proxy container.
SECRET_MOUNT_PATH = "/etc/oauth2-proxy/secrets"
_SECRET_VOLUME = "oauth2-proxy-secrets"
_CLIENT_SECRET_FILE = "client-secret"
_COOKIE_SECRET_FILE = "cookie-secret"
#: File mode of the mounted keys: read for the owner only. With the pod's ``fsGroup``
#: (65532) the kubelet makes each file group-owned by it and adds group read (kubernetes
#: ``pkg/volume/volume_linux.go`` ``changeFilePermission``: ``roMask`` 0440 on read-only
#: volumes), so the process (uid/gid 65532) reads them; other users outside that group cannot.
_SECRET_FILE_MODE = 0o400


@sealed_value
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


@sealed_value
@dataclass(frozen=True)
class ProxySecret:
    """An existing Kubernetes Secret holding oauth2-proxy's credentials.

    The default key names are those of the oauth2-proxy Helm chart, so a Secret made for the
    chart (``existingSecret``) works unchanged. No value is ever read or written by this
    package. The client secret and the cookie secret are mounted read-only as files (only
    those two keys, mode 0400) and passed as ``--client-secret-file`` /
    ``--cookie-secret-file`` (oauth2-proxy v7.11.0+, #3104); the client id is read from the
    Secret through ``secretKeyRef`` only when the provider has no ``client_id=``.

    Make the Secret with ``--from-literal`` (no trailing newline), not from a file written by
    ``echo``: oauth2-proxy reads the files as they are, so a trailing newline becomes part of
    the client secret, and stops a padded base64 cookie secret from decoding (it then fails
    to start: "cookie_secret from file must be 16, 24, or 32 bytes ...").

    :param name: the Secret's name, in the proxy's namespace.
    :param client_id_key: used only when the provider has no ``client_id``.
        Default: ``"client-id"``.
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

    # The pieces of the oauth2-proxy container and pod that read this Secret.

    def _file_args(self) -> list[str]:
        """``--client-secret-file`` and ``--cookie-secret-file`` pointing into the mount.

        oauth2-proxy v7.15.3: ``pkg/apis/options/cookie.go`` ``GetSecret`` reads the cookie
        secret file, and every reader (session store, CSRF cookie, Redis ticket since v7.13.0,
        #3228) goes through it and ``encryption.SecretBytes`` (``pkg/encryption/utils.go``),
        which base64-decodes a value of 16/24/32 bytes; ``pkg/validation/cookie.go`` checks the
        file's size the same way at start.
        """
        return [
            f"--client-secret-file={SECRET_MOUNT_PATH}/{_CLIENT_SECRET_FILE}",
            f"--cookie-secret-file={SECRET_MOUNT_PATH}/{_COOKIE_SECRET_FILE}",
        ]

    def _volume(self) -> dict[str, Any]:
        """The pod volume: only the two keys the proxy reads, mode 0400."""
        return {
            "name": _SECRET_VOLUME,
            "secret": {
                "secretName": self.name,
                "items": [
                    {"key": self.client_secret_key, "path": _CLIENT_SECRET_FILE},
                    {"key": self.cookie_secret_key, "path": _COOKIE_SECRET_FILE},
                ],
                "defaultMode": _SECRET_FILE_MODE,
            },
        }

    def _volume_mount(self) -> dict[str, Any]:
        """The container's read-only mount of :meth:`volume`."""
        return {"name": _SECRET_VOLUME, "mountPath": SECRET_MOUNT_PATH, "readOnly": True}

    def _client_id_env(self, client_id: str | None) -> dict[str, Any]:
        """``OAUTH2_PROXY_CLIENT_ID``: the provider's plain value, else the Secret's key.

        The client id is public (it is in every redirect to the identity provider), so a
        plain value is no leak.
        """
        if client_id is not None:
            return {"name": "OAUTH2_PROXY_CLIENT_ID", "value": client_id}
        ref = {"name": self.name, "key": self.client_id_key}
        return {"name": "OAUTH2_PROXY_CLIENT_ID", "valueFrom": {"secretKeyRef": ref}}
