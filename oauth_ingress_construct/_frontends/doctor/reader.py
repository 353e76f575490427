"""Reading what ``kubectl get ... -o yaml`` (or ``-o json``) prints, into plain values.

Input is untrusted text: it is size-limited, parsed with a YAML loader that refuses
anchors and aliases (nothing ``kubectl`` prints has them, and they are how a small document
expands into a huge one), and every field the doctor uses is type-checked. A problem is an
:class:`InputError` with a one-line message naming the source and the object.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from oauth_ingress_construct._targets.ingress_nginx import ANNOTATION_PREFIX

#: Largest input read, per source (``kubectl get ingress -A -o yaml`` of a big cluster is a few
#: MiB; Kubernetes itself limits one object to about 1.5 MiB).
MAX_INPUT_BYTES = 32 * 1024 * 1024
#: Most objects read, over all sources.
MAX_OBJECTS = 20_000
#: Longest annotation value read (Kubernetes limits all of an object's annotations to 256 KiB).
MAX_ANNOTATION_BYTES = 256 * 1024

_INGRESS_API = "networking.k8s.io/v1"
_CONTROLLER_IMAGE = re.compile(r"(?:^|/)ingress-nginx/controller(?:-chroot)?:v?([0-9][^@\s]*)")


class InputError(Exception):
    """Input the doctor cannot read; the message is one line."""


@dataclass(frozen=True)
class IngressPath:
    """One ``spec.rules[].http.paths[]`` entry (``ImplementationSpecific`` read as Prefix)."""

    path: str
    path_type: str
    service: str | None
    port: int | str | None


@dataclass(frozen=True)
class IngressRule:
    """One ``spec.rules[]`` entry: a host (``None``: any host) and its paths."""

    host: str | None
    paths: tuple[IngressPath, ...]


@dataclass(frozen=True)
class Ingress:
    """An Ingress as far as the doctor reads it.

    ``annotations`` holds the ``nginx.ingress.kubernetes.io/`` ones, without the prefix;
    ``other_annotations`` the rest (``kubectl``'s own and other tools').
    """

    namespace: str
    name: str
    created: str
    ingress_class: str | None
    annotations: Mapping[str, str]
    other_annotations: Mapping[str, str]
    rules: tuple[IngressRule, ...]
    tls: tuple[tuple[tuple[str, ...], str | None], ...]
    source: str

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"

    @property
    def hosts(self) -> tuple[str, ...]:
        """The rules' hosts, in order, once each (``*`` for a rule without host)."""
        return tuple(dict.fromkeys(r.host or "*" for r in self.rules))


@dataclass(frozen=True)
class ControllerDeployment:
    """An ingress-nginx controller Deployment or DaemonSet found in the input."""

    key: str
    version: str
    configmap: str | None


@dataclass
class Inputs:
    """Everything read from the sources."""

    ingresses: list[Ingress] = field(default_factory=list)
    configmaps: dict[str, Mapping[str, str]] = field(default_factory=dict)
    controllers: list[ControllerDeployment] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


class _NoAliasLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` without anchors and aliases (no expansion bombs)."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: ANN401 - PyYAML's API
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases are not accepted", event.start_mark
            )
        return super().compose_node(parent, index)


def _documents(text: str, source: str) -> list[object]:
    stripped = text.lstrip()
    try:
        if stripped.startswith(("{", "[")):
            return [json.loads(text)]
        if not yaml.__with_libyaml__:
            return list(yaml.load_all(text, Loader=_NoAliasLoader))
        # libyaml: about three times faster on a big `kubectl get -o yaml`; anchors and
        # aliases are looked for in its event stream first, then the text is loaded
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                mark = event.start_mark
                where = f" at line {mark.line + 1}" if mark is not None else ""
                raise InputError(
                    f"{source}: not valid YAML: anchors and aliases are not accepted{where}"
                )
        return list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    except json.JSONDecodeError as error:
        raise InputError(f"{source}: not valid JSON: {error.msg} at line {error.lineno}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or type(error).__name__
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{source}: not valid YAML: {problem}{where}") from None
    except RecursionError:
        raise InputError(f"{source}: nested too deeply") from None


def _objects(doc: object, where: str, depth: int = 0) -> Iterator[tuple[str, dict[str, Any]]]:
    if doc is None:
        return
    if not isinstance(doc, dict) or not isinstance(doc.get("kind"), str):
        raise InputError(f"{where}: not a Kubernetes object (a mapping with 'kind')")
    if doc["kind"] == "List" or (doc["kind"].endswith("List") and "items" in doc):
        items = doc.get("items") or []
        if not isinstance(items, list) or depth > 2:
            raise InputError(f"{where}: 'items' of a {doc['kind']} must be a list of objects")
        for i, item in enumerate(items):
            yield from _objects(item, f"{where} items[{i}]", depth + 1)
        return
    yield where, doc


def _str(value: object, where: str, what: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise InputError(f"{where}: {what} must be a string, got {type(value).__name__}")
    return value


def _mapping(value: object, where: str, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(f"{where}: {what} must be a mapping, got {type(value).__name__}")
    return value


def _list(value: object, where: str, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"{where}: {what} must be a list, got {type(value).__name__}")
    return value


def _string_map(value: object, where: str, what: str) -> dict[str, str]:
    found = {}
    for k, v in _mapping(value, where, what).items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise InputError(f"{where}: {what} must map strings to strings ({k!r})")
        if len(v.encode()) > MAX_ANNOTATION_BYTES:
            raise InputError(f"{where}: {what} {k!r} is longer than {MAX_ANNOTATION_BYTES} bytes")
        found[k] = v
    return found


def _ingress(obj: dict[str, Any], where: str, source: str) -> Ingress:
    meta = _mapping(obj.get("metadata"), where, "metadata")
    name = _str(meta.get("name"), where, "metadata.name")
    namespace = _str(meta.get("namespace"), where, "metadata.namespace", optional=True)
    where = f"{source}: Ingress {namespace or 'default'}/{name}"
    annotations = _string_map(meta.get("annotations"), where, "metadata.annotations")
    spec = _mapping(obj.get("spec"), where, "spec")
    ingress_class = _str(
        spec.get("ingressClassName"), where, "spec.ingressClassName", optional=True
    )
    if ingress_class is None:
        ingress_class = annotations.get("kubernetes.io/ingress.class")
    rules = []
    for i, raw_rule in enumerate(_list(spec.get("rules"), where, "spec.rules")):
        rule = _mapping(raw_rule, where, f"spec.rules[{i}]")
        host = _str(rule.get("host"), where, f"spec.rules[{i}].host", optional=True)
        http = _mapping(rule.get("http"), where, f"spec.rules[{i}].http")
        paths = []
        for j, raw in enumerate(_list(http.get("paths"), where, f"spec.rules[{i}].http.paths")):
            what = f"spec.rules[{i}].http.paths[{j}]"
            entry = _mapping(raw, where, what)
            path = _str(entry.get("path", "/"), where, f"{what}.path") or "/"
            path_type = _str(entry.get("pathType", "Prefix"), where, f"{what}.pathType")
            if path_type not in ("Prefix", "Exact", "ImplementationSpecific"):
                raise InputError(f"{where}: {what}.pathType {path_type!r} is not a path type")
            backend = _mapping(entry.get("backend"), where, f"{what}.backend")
            service = _mapping(backend.get("service"), where, f"{what}.backend.service")
            port = _mapping(service.get("port"), where, f"{what}.backend.service.port")
            port_value = port.get("number", port.get("name"))
            if port_value is not None and not isinstance(port_value, (int, str)):
                raise InputError(f"{where}: {what}.backend.service.port must be a number or name")
            paths.append(
                IngressPath(
                    path=path,
                    # ingress-nginx reads ImplementationSpecific as Prefix (DOMAIN.md §7)
                    path_type="Exact" if path_type == "Exact" else "Prefix",
                    service=_str(service.get("name"), where, f"{what}.service", optional=True),
                    port=port_value,
                )
            )
        rules.append(IngressRule(host=host, paths=tuple(paths)))
    tls = []
    for i, raw_tls in enumerate(_list(spec.get("tls"), where, "spec.tls")):
        entry = _mapping(raw_tls, where, f"spec.tls[{i}]")
        hosts = tuple(
            _str(h, where, f"spec.tls[{i}].hosts[]") or ""
            for h in _list(entry.get("hosts"), where, f"spec.tls[{i}].hosts")
        )
        secret = _str(entry.get("secretName"), where, f"spec.tls[{i}].secretName", optional=True)
        tls.append((hosts, secret))
    created = meta.get("creationTimestamp")
    return Ingress(
        namespace=namespace or "default",
        name=name or "",
        created=str(created) if created is not None else "",
        ingress_class=ingress_class,
        annotations={
            k.removeprefix(ANNOTATION_PREFIX): v
            for k, v in annotations.items()
            if k.startswith(ANNOTATION_PREFIX)
        },
        other_annotations={
            k: v for k, v in annotations.items() if not k.startswith(ANNOTATION_PREFIX)
        },
        rules=tuple(rules),
        tls=tuple(tls),
        source=source,
    )


def _controller(obj: dict[str, Any], where: str) -> ControllerDeployment | None:
    meta = _mapping(obj.get("metadata"), where, "metadata")
    namespace = _str(meta.get("namespace"), where, "metadata.namespace", optional=True)
    namespace = namespace or "default"
    spec = _mapping(obj.get("spec"), where, "spec")
    template = _mapping(spec.get("template"), where, "spec.template")
    pod = _mapping(template.get("spec"), where, "spec.template.spec")
    for raw in _list(pod.get("containers"), where, "containers"):
        container = _mapping(raw, where, "containers[]")
        image = _str(container.get("image", ""), where, "image") or ""
        match = _CONTROLLER_IMAGE.search(image)
        if match is None:
            continue
        configmap = None
        for arg in _list(container.get("args"), where, "args"):
            if isinstance(arg, str) and arg.startswith("--configmap="):
                configmap = arg.removeprefix("--configmap=").replace("$(POD_NAMESPACE)", namespace)
        return ControllerDeployment(
            key=f"{namespace}/{meta.get('name')}", version=match.group(1), configmap=configmap
        )
    return None


def read(sources: Sequence[tuple[str, bytes]], inputs: Inputs | None = None) -> Inputs:
    """Read every source (name, content) into ``inputs``; raises :class:`InputError`."""
    inputs = inputs if inputs is not None else Inputs()
    count = 0
    for source, data in sources:
        if len(data) > MAX_INPUT_BYTES:
            raise InputError(f"{source}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(f"{source}: not UTF-8 text") from None
        for d, doc in enumerate(_documents(text, source)):
            for where, obj in _objects(doc, f"{source}: document {d + 1}"):
                count += 1
                if count > MAX_OBJECTS:
                    raise InputError(f"more than {MAX_OBJECTS} objects in the input")
                kind = obj["kind"]
                api = obj.get("apiVersion")
                if kind == "Ingress" and api == _INGRESS_API:
                    inputs.ingresses.append(_ingress(obj, where, source))
                elif kind == "ConfigMap" and api == "v1":
                    meta = _mapping(obj.get("metadata"), where, "metadata")
                    key = f"{meta.get('namespace') or 'default'}/{meta.get('name')}"
                    inputs.configmaps[key] = _string_map(obj.get("data"), where, "data")
                elif kind in ("Deployment", "DaemonSet") and api == "apps/v1":
                    found = _controller(obj, where)
                    if found is not None:
                        inputs.controllers.append(found)
                    else:
                        inputs.skipped[kind] += 1
                else:
                    inputs.skipped[f"{kind} ({api})" if kind == "Ingress" else kind] += 1
    return inputs
