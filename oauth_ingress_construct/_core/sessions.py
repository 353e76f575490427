"""Where oauth2-proxy keeps its sessions: in the cookie itself, or in Redis."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .flags import split_flag
from .sealed import sealed_value
from .validation import (
    check_dns_subdomain,
    check_list,
    check_proxy_flag,
    check_secret_key,
    check_url,
    fail,
    plain,
)

__all__ = ["Sessions"]

#: The key of the Redis password in the Secret, as in the oauth2-proxy Helm chart.
DEFAULT_REDIS_PASSWORD_KEY = "redis-password"

MINIMAL_COOKIE_FLAG = "--session-cookie-minimal=true"
_MASTER_NAME = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


def _redis_url(argument: str, value: object) -> str:
    value = plain(value)
    if isinstance(value, str) and "@" in value:
        fail(
            argument,
            "<redacted>",
            "a redis:// or rediss:// URL without user or password (the password would end "
            "up in the manifest): keep it in the Secret under password_key",
        )
    return check_url(argument, value, schemes=("redis", "rediss"))


def _redis_urls(argument: str, values: object) -> tuple[str, ...]:
    urls = check_list(argument, values, _redis_url)
    if not urls:
        fail(argument, values, "at least one redis:// or rediss:// URL")
    if len(set(urls)) != len(urls):
        fail(argument, values, "a list without repeated URLs")
    return urls


def _optional_key(argument: str, value: object) -> str | None:
    return None if value is None else check_secret_key(argument, value)


def _master_name(argument: str, value: object) -> str:
    text = plain(value)
    if not isinstance(text, str) or not _MASTER_NAME.fullmatch(text):
        fail(argument, value, "a Sentinel master name of letters, digits, '.', '_' and '-'")
    return text


def _exactly(expected: str) -> Callable[[str, str], str]:
    def check(argument: str, value: str) -> str:
        if value != expected:
            fail(argument, value, repr(expected))
        return value

    return check


#: The flags each store may contribute, with the check of their value: what the named
#: constructors write, and all a Sessions built directly may hold.
_STORE_FLAGS: dict[str, dict[str, Callable[[str, str], str]]] = {
    "cookie": {"session-cookie-minimal": _exactly("true")},
    "redis": {
        "session-store-type": _exactly("redis"),
        "redis-connection-url": _redis_url,
        "redis-use-sentinel": _exactly("true"),
        "redis-sentinel-master-name": _master_name,
        "redis-sentinel-connection-urls": lambda a, v: ",".join(_redis_urls(a, v.split(","))),
        "redis-use-cluster": _exactly("true"),
        "redis-cluster-connection-urls": lambda a, v: ",".join(_redis_urls(a, v.split(","))),
    },
}
#: For each Redis mode, the flags it needs (checked on a Sessions built directly).
_REDIS_MODES = (
    frozenset({"session-store-type", "redis-connection-url"}),
    frozenset({"session-store-type", "redis-use-sentinel", "redis-sentinel-master-name",
               "redis-sentinel-connection-urls"}),
    frozenset({"session-store-type", "redis-use-cluster", "redis-cluster-connection-urls"}),
)  # fmt: skip


def _check_store_args(store: str, args: tuple[str, ...]) -> None:
    allowed = _STORE_FLAGS[store]
    names = []
    for arg in args:
        name, value = split_flag("Sessions.args", arg)
        check = allowed.get(name)
        if check is None or value is None:
            fail(
                "Sessions.args",
                arg,
                f"a flag of the {store!r} store as its named constructor writes it "
                "(build Sessions with Sessions.cookie(...), .redis(...), .redis_sentinel(...) "
                "or .redis_cluster(...))",
            )
        check(f"Sessions.args --{name}", value)
        names.append(name)
    if len(set(names)) != len(names):
        fail("Sessions.args", args, "each flag at most once")
    if store == "redis" and frozenset(names) not in _REDIS_MODES:
        fail(
            "Sessions.args",
            args,
            "the flags of one Redis mode (single server, Sentinel or Cluster), as "
            "Sessions.redis(...), .redis_sentinel(...) or .redis_cluster(...) write them",
        )


@sealed_value
@dataclass(frozen=True)
class Sessions:
    """Where oauth2-proxy stores sessions; build one with a named constructor.

    - :meth:`cookie` (the default): the whole session, tokens included, lives encrypted in
      the browser's cookie. Nothing to run, but the cookie (split into ``_oauth2_proxy_0``,
      ``_1``, ... above 4 kB) travels with every request and through nginx's auth
      sub-request: identity providers with large tokens then need ``proxy_buffer_size`` on
      the app, or ``minimal=True``.
    - :meth:`redis`, :meth:`redis_sentinel`, :meth:`redis_cluster`: the cookie holds only a
      ticket; sessions live in Redis, which every replica must reach. The Redis password
      comes from a Secret through ``secretKeyRef``, never from a value.

    ``args`` are the oauth2-proxy flags the choice contributes; ``password_key`` and
    ``sentinel_password_key`` name the Secret keys read into ``OAUTH2_PROXY_REDIS_PASSWORD``
    and ``OAUTH2_PROXY_REDIS_SENTINEL_PASSWORD``.
    """

    store: str
    args: tuple[str, ...]
    password_secret: str | None = None
    password_key: str | None = None
    sentinel_password_key: str | None = None

    def __post_init__(self) -> None:
        # The named constructors build valid values; this guards direct construction,
        # since ``args`` become oauth2-proxy's command line verbatim.
        store = plain(self.store)
        if store not in ("cookie", "redis"):
            fail("Sessions.store", self.store, "'cookie' or 'redis'")
        assert isinstance(store, str)
        object.__setattr__(self, "store", store)
        args = check_list("Sessions.args", self.args, check_proxy_flag)
        _check_store_args(store, args)
        object.__setattr__(self, "args", args)
        if self.password_secret is not None:
            secret = check_dns_subdomain("Sessions.password_secret", self.password_secret)
            object.__setattr__(self, "password_secret", secret)
        for field in ("password_key", "sentinel_password_key"):
            if getattr(self, field) is not None:
                key = check_secret_key(f"Sessions.{field}", getattr(self, field))
                object.__setattr__(self, field, key)
        if self.store == "cookie" and (
            self.password_secret or self.password_key or self.sentinel_password_key
        ):
            fail("Sessions.store", self.store, "'redis' when a Redis password is read")

    @property
    def minimal_cookie(self) -> bool:
        """Whether the cookie leaves the OAuth tokens out (``--session-cookie-minimal``)."""
        return MINIMAL_COOKIE_FLAG in self.args

    @classmethod
    def cookie(cls, *, minimal: bool = False) -> Sessions:
        """Sessions in the (encrypted) cookie: oauth2-proxy's default, nothing else to run.

        :param minimal: Default: ``False``. ``True`` leaves the OAuth tokens out of the
            cookie (``--session-cookie-minimal``), which keeps it small; the proxy can then
            not send the ID token (``set_authorization_header``) nor refresh sessions.
        """
        if not isinstance(minimal, bool):
            fail("minimal", minimal, "True or False")
        return cls(store="cookie", args=(MINIMAL_COOKIE_FLAG,) if minimal else ())

    @classmethod
    def redis(
        cls,
        *,
        url: str,
        password_secret: str | None = None,
        password_key: str | None = DEFAULT_REDIS_PASSWORD_KEY,
    ) -> Sessions:
        """Sessions in one Redis server (``--redis-connection-url``).

        :param url: ``redis://host:6379`` or ``rediss://host:6380/0`` (TLS), without
            credentials.
        :param password_secret: the Secret holding the password. Default: - the proxy's own
            Secret (``ProxySecret.name``).
        :param password_key: Default: ``"redis-password"`` (the Helm chart's key). ``None``
            for a Redis without a password (not advised: sessions hold users' tokens).
        """
        return cls._redis(
            ("--session-store-type=redis", f"--redis-connection-url={_redis_url('url', url)}"),
            password_secret,
            password_key,
            None,
        )

    @classmethod
    def redis_sentinel(
        cls,
        *,
        master_name: str,
        urls: Sequence[str],
        password_secret: str | None = None,
        password_key: str | None = DEFAULT_REDIS_PASSWORD_KEY,
        sentinel_password_key: str | None = None,
    ) -> Sessions:
        """Sessions in Redis behind Sentinel (``--redis-use-sentinel``).

        :param master_name: the Sentinel master name, e.g. ``mymaster``.
        :param urls: the Sentinels, ``redis://sentinel-0.redis:26379``, ...
        :param password_secret: Default: - the proxy's own Secret.
        :param password_key: the Redis nodes' password. Default: ``"redis-password"``;
            ``None`` for no password.
        :param sentinel_password_key: the Sentinels' own password, from the same Secret
            (the Helm chart calls it ``redis-sentinel-password``). Default: - Sentinels
            without a password.
        """
        master_name = _master_name("master_name", master_name)
        sentinels = _redis_urls("urls", urls)
        return cls._redis(
            (
                "--session-store-type=redis",
                "--redis-use-sentinel=true",
                f"--redis-sentinel-master-name={master_name}",
                f"--redis-sentinel-connection-urls={','.join(sentinels)}",
            ),
            password_secret,
            password_key,
            _optional_key("sentinel_password_key", sentinel_password_key),
        )

    @classmethod
    def redis_cluster(
        cls,
        *,
        urls: Sequence[str],
        password_secret: str | None = None,
        password_key: str | None = DEFAULT_REDIS_PASSWORD_KEY,
    ) -> Sessions:
        """Sessions in a Redis Cluster (``--redis-use-cluster``).

        :param urls: some of the cluster's nodes, ``redis://redis-0.redis:6379``, ...
        :param password_secret: Default: - the proxy's own Secret.
        :param password_key: Default: ``"redis-password"``; ``None`` for no password.
        """
        nodes = _redis_urls("urls", urls)
        return cls._redis(
            (
                "--session-store-type=redis",
                "--redis-use-cluster=true",
                f"--redis-cluster-connection-urls={','.join(nodes)}",
            ),
            password_secret,
            password_key,
            None,
        )

    @classmethod
    def _redis(
        cls,
        args: tuple[str, ...],
        password_secret: str | None,
        password_key: str | None,
        sentinel_password_key: str | None,
    ) -> Sessions:
        key = _optional_key("password_key", password_key)
        if password_secret is not None:
            password_secret = check_dns_subdomain("password_secret", password_secret)
            if key is None and sentinel_password_key is None:
                fail(
                    "password_secret",
                    password_secret,
                    "unset when password_key=None (no password is read from any Secret)",
                )
        return cls(
            store="redis",
            args=args,
            password_secret=password_secret,
            password_key=key,
            sentinel_password_key=sentinel_password_key,
        )
