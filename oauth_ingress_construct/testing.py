"""Snapshot tests for your own charts: deterministic YAML and a syrupy extension.

Needs the ``testing`` extra: ``pip install 'oauth-ingress-construct[testing]'`` (syrupy and
PyYAML). In a test::

    from oauth_ingress_construct.testing import YamlSnapshotExtension, synth_yaml

    def test_grafana(snapshot):
        app = cdk8s.App()
        chart = GrafanaChart(app, "grafana")
        assert synth_yaml(chart) == snapshot(extension_class=YamlSnapshotExtension)

``pytest --snapshot-update`` writes ``__snapshots__/<test file>/test_grafana.yaml``, the
manifests as ``kubectl apply`` would read them, to review in pull requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import cdk8s

from ._core.validation import fail

try:
    import yaml
    from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode
except ImportError as missing:
    raise ImportError(
        f"oauth_ingress_construct.testing needs {missing.name}: "
        "pip install 'oauth-ingress-construct[testing]'"
    ) from missing

__all__ = ["YamlSnapshotExtension", "synth_yaml", "to_yaml"]


def to_yaml(manifests: Iterable[Mapping[str, Any]]) -> str:
    """``manifests`` as YAML documents, in the given order, keys in their own order.

    The text depends only on the manifests (not on the hash seed or the run): PyYAML's
    ``safe_dump_all`` with ``sort_keys=False``, so ``apiVersion``, ``kind``, ``metadata``
    come first as cdk8s writes them.
    """
    return yaml.safe_dump_all([dict(m) for m in manifests], sort_keys=False)


def synth_yaml(scope: cdk8s.Chart | cdk8s.App) -> str:
    """The manifests of a chart, or of every chart of an app, as deterministic YAML.

    Each chart is synthesized and validated with ``cdk8s.Testing.synth`` (nothing is written
    to disk); objects keep cdk8s's order (the order ``cdk8s synth`` writes, dependencies
    first), charts the app's order. The same program gives the same text on every run.
    """
    if isinstance(scope, cdk8s.Chart):
        charts = [scope]
    elif isinstance(scope, cdk8s.App):
        charts = list(scope.charts)
    else:
        fail("scope", scope, "a cdk8s.Chart or a cdk8s.App")
    return to_yaml(obj for chart in charts for obj in cdk8s.Testing.synth(chart))


class YamlSnapshotExtension(SingleFileSnapshotExtension):
    """A syrupy extension: one readable ``.yaml`` file per snapshot.

    Files are ``__snapshots__/<test file>/<test name>.yaml``, holding exactly the string
    compared (use :func:`synth_yaml`). Use per assertion,
    ``snapshot(extension_class=YamlSnapshotExtension)``, or for a whole test module with a
    fixture: ``return snapshot.use_extension(YamlSnapshotExtension)``.
    """

    file_extension = "yaml"
    _write_mode = WriteMode.TEXT

    def serialize(self, data: object, **kwargs: object) -> str:
        """The YAML text itself; anything but a ``str`` is refused."""
        if not isinstance(data, str):
            raise TypeError(
                f"YamlSnapshotExtension stores YAML text, got {type(data).__name__}: "
                "compare synth_yaml(chart) with the snapshot"
            )
        return data
