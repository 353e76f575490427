"""oauth_ingress_construct.testing: deterministic YAML and one .yaml snapshot file per test."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import cdk8s
import pytest
import yaml

from oauth_ingress_construct import ConfigurationError, ProtectedApp, Provider, ServiceRef
from oauth_ingress_construct.testing import YamlSnapshotExtension, synth_yaml, to_yaml

ROOT = Path(__file__).resolve().parent.parent
OIDC = Provider.oidc(issuer_url="https://login.example.com/realms/main")


def _app_with_two_charts() -> tuple[cdk8s.App, cdk8s.Chart, cdk8s.Chart]:
    app = cdk8s.App()
    first = cdk8s.Chart(app, "first", namespace="one", disable_resource_name_hashes=True)
    second = cdk8s.Chart(app, "second", namespace="two", disable_resource_name_hashes=True)
    for chart, host in ((first, "one.example.com"), (second, "two.example.com")):
        ProtectedApp(chart, "Web", host=host, backend=ServiceRef("web", 80), provider=OIDC)
    return app, first, second


def test_synth_yaml_of_a_chart_is_its_validated_manifests_in_cdk8s_order():
    _, chart, _ = _app_with_two_charts()
    text = synth_yaml(chart)
    assert list(yaml.safe_load_all(text)) == cdk8s.Testing.synth(chart)
    kinds = [d["kind"] for d in yaml.safe_load_all(text)]
    assert kinds == [o["kind"] for o in cdk8s.Testing.synth(chart)]
    assert text.startswith("apiVersion: ")  # keys keep cdk8s's order, not sorted


def test_synth_yaml_of_an_app_is_every_chart_in_order():
    app, first, second = _app_with_two_charts()
    assert synth_yaml(app) == synth_yaml(first) + "---\n" + synth_yaml(second)
    namespaces = [d["metadata"]["namespace"] for d in yaml.safe_load_all(synth_yaml(app))]
    assert namespaces == sorted(namespaces)
    assert set(namespaces) == {"one", "two"}


def test_to_yaml_keeps_the_given_order():
    assert to_yaml([{"kind": "B", "a": 1}, {"kind": "A"}]) == "kind: B\na: 1\n---\nkind: A\n"


def test_fails_on_something_that_is_not_a_chart_or_app():
    with pytest.raises(
        ConfigurationError, match=r"scope must be a cdk8s\.Chart or a cdk8s\.App, got 'grafana'"
    ):
        synth_yaml("grafana")  # type: ignore[arg-type]


def test_fails_to_store_anything_but_yaml_text():
    with pytest.raises(TypeError, match="YamlSnapshotExtension stores YAML text, got list"):
        YamlSnapshotExtension().serialize([{"kind": "Service"}])


_PROGRAM = """
import sys
from examples import build_apps
from oauth_ingress_construct.testing import synth_yaml
sys.stdout.write("".join(synth_yaml(app) for app in build_apps()))
"""


def test_synth_yaml_is_the_same_across_runs_and_hash_seeds():
    runs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONWARNINGS": "ignore"}
        done = subprocess.run(
            [sys.executable, "-c", _PROGRAM],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        runs.append(done.stdout)
    assert runs[0] == runs[1]
    assert runs[0].count("\nkind: Ingress\n") >= 7


_USER_TEST = """
import cdk8s
from oauth_ingress_construct import ProtectedApp, Provider, ServiceRef
from oauth_ingress_construct.testing import YamlSnapshotExtension, synth_yaml

def test_grafana(snapshot):
    app = cdk8s.App()
    chart = cdk8s.Chart(app, "grafana", namespace="monitoring", disable_resource_name_hashes=True)
    ProtectedApp(chart, "Grafana", host="HOST", backend=ServiceRef("grafana", 3000),
                 provider=Provider.oidc(issuer_url="https://login.example.com/realms/staff"))
    assert synth_yaml(chart) == snapshot(extension_class=YamlSnapshotExtension)
"""


def _pytest(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=directory,
        env={**os.environ, "PYTHONPATH": ""},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_extension_writes_one_yaml_file_per_test_and_fails_on_a_change(tmp_path):
    test_file = tmp_path / "test_user.py"
    test_file.write_text(textwrap.dedent(_USER_TEST).replace("HOST", "grafana.example.com"))
    created = _pytest(tmp_path, "--snapshot-update")
    assert created.returncode == 0, created.stdout + created.stderr
    stored = tmp_path / "__snapshots__" / "test_user" / "test_grafana.yaml"
    assert [p.name for p in stored.parent.iterdir()] == ["test_grafana.yaml"]
    documents = list(yaml.safe_load_all(stored.read_text()))
    assert [d["kind"] for d in documents][-1] == "Ingress"
    assert "host: grafana.example.com" in stored.read_text()

    assert _pytest(tmp_path).returncode == 0

    test_file.write_text(textwrap.dedent(_USER_TEST).replace("HOST", "grafana2.example.com"))
    changed = _pytest(tmp_path)
    assert changed.returncode == 1
    assert "grafana2.example.com" in changed.stdout
