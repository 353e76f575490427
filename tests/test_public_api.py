"""The public API, recorded: names, signatures (keyword names, defaults, types), members.

``tests/__snapshots__/test_public_api/test_public_api_is_unchanged.txt`` is the reviewed
record. A change to it is a change of the public API: update it with
``pytest tests/test_public_api.py --snapshot-update``, read the diff, and record the change
in CHANGELOG.md (a removal or a changed default is breaking: see docs/versioning.md's
policy).
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
from types import ModuleType

import cdk8s
import constructs
import pytest

import oauth_ingress_construct
from oauth_ingress_construct import testing
from oauth_ingress_construct.testing import YamlSnapshotExtension

PUBLIC_MODULES = (oauth_ingress_construct, testing)


class TextSnapshotExtension(YamlSnapshotExtension):
    """One plain-text file per snapshot."""

    file_extension = "txt"


def _signature(obj: object) -> list[str]:
    """One line per parameter: name, annotation, default; ``*`` before keyword-only ones."""
    lines = []
    star = False
    for param in inspect.signature(obj).parameters.values():  # type: ignore[arg-type]
        if param.kind is param.KEYWORD_ONLY and not star:
            lines.append("*")
            star = True
        if param.kind is param.VAR_POSITIONAL:
            star = True
        text = {param.VAR_POSITIONAL: "*", param.VAR_KEYWORD: "**"}.get(param.kind, "")
        text += param.name
        if param.annotation is not param.empty:
            text += f": {param.annotation}"
        if param.default is not param.empty:
            text += f" = {param.default!r}"
        lines.append(text)
    return lines


def _sample_instance_attributes(cls: type) -> list[str]:
    """Public attributes a construct sets on its instances (its children, for escape hatches)."""
    app = cdk8s.App()
    chart = cdk8s.Chart(app, "api", namespace="api")
    provider = oauth_ingress_construct.Provider.oidc(issuer_url="https://login.example.com")
    if cls is oauth_ingress_construct.ProtectedApp:
        instance = cls(
            chart,
            "App",
            host="app.example.com",
            backend=oauth_ingress_construct.ServiceRef("app", 80),
            provider=provider,
        )
    elif cls is oauth_ingress_construct.OAuth2Proxy:
        instance = cls(chart, "Proxy", host="access.example.com", provider=provider)
    else:
        raise AssertionError(f"add a sample of the public construct {cls.__name__} here")
    return sorted(k for k in vars(instance) if not k.startswith("_"))


def _describe_class(cls: type) -> list[str]:
    bases = ", ".join(f"{b.__module__}.{b.__qualname__}" for b in cls.__bases__)
    lines = [f"class({bases})"]
    if issubclass(cls, enum.Enum):
        lines += [f"  {m.name} = {m.value!r}" for m in cls]
        return lines
    if issubclass(cls, BaseException):
        return lines
    lines.append("  (")
    lines += [f"    {line}" for line in _signature(cls)]
    lines.append("  )")
    if dataclasses.is_dataclass(cls):
        params = cls.__dataclass_params__  # type: ignore[attr-defined]
        lines.append(f"  dataclass(frozen={params.frozen})")
    own = {k: v for k, v in vars(cls).items() if not k.startswith("_")}
    for key, value in sorted(own.items()):
        if isinstance(value, property):
            lines.append(f"  .{key}: property -> {inspect.signature(value.fget).return_annotation}")
        elif isinstance(value, classmethod | staticmethod):
            kind = type(value).__name__
            lines.append(f"  .{key}: {kind}(")
            function = value.__func__
            params = _signature(function)[1 if kind == "classmethod" else 0 :]
            lines += [f"      {p}" for p in params]
            lines.append(f"    ) -> {inspect.signature(function).return_annotation}")
        elif inspect.isfunction(value):
            lines.append(f"  .{key}: method(")
            lines += [f"      {p}" for p in _signature(value)[1:]]
            lines.append(f"    ) -> {inspect.signature(value).return_annotation}")
        elif not dataclasses.is_dataclass(cls) or key not in cls.__dataclass_fields__:
            lines.append(f"  .{key} = {value!r}")
    if issubclass(cls, constructs.Construct):
        lines += [f"  instance .{name}" for name in _sample_instance_attributes(cls)]
    return lines


def _describe(module: ModuleType) -> list[str]:
    lines = []
    for name in sorted(module.__all__):
        obj = getattr(module, name)
        head = f"{module.__name__}.{name}"
        if inspect.isclass(obj):
            body = _describe_class(obj)
            lines.append(f"{head}: {body[0]}")
            lines += body[1:]
        elif inspect.isfunction(obj):
            lines.append(f"{head}: function(")
            lines += [f"    {p}" for p in _signature(obj)]
            lines.append(f"  ) -> {inspect.signature(obj).return_annotation}")
        else:
            lines.append(f"{head}: {type(obj).__name__} = {obj!r}")
        lines.append("")
    return lines


def render_public_api() -> str:
    return "\n".join(line for module in PUBLIC_MODULES for line in _describe(module))


@pytest.fixture
def snapshot(snapshot):
    return snapshot.use_extension(TextSnapshotExtension)


def test_public_api_is_unchanged(snapshot):
    assert render_public_api() == snapshot, (
        "the public API changed: if intended, run pytest tests/test_public_api.py "
        "--snapshot-update, review the diff, and record the change in CHANGELOG.md"
    )


def test_every_public_name_is_exported_once():
    for module in PUBLIC_MODULES:
        assert len(module.__all__) == len(set(module.__all__))
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.__all__ names missing {name}"
        public = {
            k
            for k, v in vars(module).items()
            if not k.startswith("_")
            and not isinstance(v, ModuleType)
            and getattr(v, "__module__", module.__name__).startswith(module.__name__)
        }
        assert public <= set(module.__all__), f"public but not in __all__: {public}"
