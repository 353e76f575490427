"""``oauth-ingress doctor``: reading, verdicts, report, exit status and bad input.

What the verdicts claim about nginx is checked on real nginx in ``tests/test_doctor_nginx.py``;
the code ``--emit`` writes is run in ``tests/test_doctor_emit.py``.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oauth_ingress_construct._frontends.doctor import reader
from oauth_ingress_construct._frontends.doctor.cli import main

ROOT = Path(__file__).resolve().parent.parent
INPUTS = Path(__file__).parent / "doctor_inputs"
SEED = INPUTS / "seed.yaml"
DIST = ROOT / "dist"

CM_401 = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
data:
  custom-http-errors: "401"
"""


def run(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["doctor", *args], input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def report(*args: str, stdin: str | None = None) -> tuple[int, dict]:
    code, out, err = run(*args, "--output", "json", stdin=stdin)
    assert code in (0, 1), err
    return code, json.loads(out)


def findings(verdict: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for f in verdict["findings"]:
        found.setdefault(f["kind"], []).append(f)
    return found


def ingress(
    name: str,
    namespace: str = "apps",
    *,
    host: str = "app.example.com",
    path: str = "/",
    path_type: str = "Prefix",
    created: str = "2025-01-01T00:00:00Z",
    **annotations: str,
) -> dict:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "creationTimestamp": created,
            "annotations": {
                f"nginx.ingress.kubernetes.io/{k.replace('_', '-')}": v
                for k, v in annotations.items()
            },
        },
        "spec": {
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": host,
                    "http": {
                        "paths": [
                            {
                                "path": path,
                                "pathType": path_type,
                                "backend": {"service": {"name": name, "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
        },
    }


AUTH = {
    "auth_url": "http://oauth2-proxy.auth.svc.cluster.local/oauth2/auth",
    "auth_signin": "https://auth.example.com/oauth2/start",
    "auth_response_headers": "X-Auth-Request-User,X-Auth-Request-Email,X-Auth-Request-Groups",
}


def as_yaml(*objects: dict) -> str:
    return yaml.safe_dump_all(objects)


# --------------------------------------------------------------------------- the cases


def test_seed_on_stock_v1_15_1_is_refused_whole_for_its_server_snippet():
    code, data = report("--controller-version", "1.15.1", str(SEED))
    assert code == 1  # an error, and --fail-on defaults to error
    (verdict,) = data["ingresses"]
    assert verdict["ingress"] == "default/example-protected-app"
    assert verdict["admitted"] == "refused whole"
    (refused,) = findings(verdict)["refused"]
    assert refused["severity"] == "error"
    assert "'server-snippet'" in refused["message"]
    assert "risk level Critical" in refused["message"]
    assert "annotations-risk-level High" in refused["message"]
    assert "annotations.go" in refused["source"]
    # what would still be wrong once admitted is said too
    found = findings(verdict)
    for kind in ("sign-in-loses-query", "forgeable-headers", "hairpin-auth-url"):
        assert found[kind][0]["message"].startswith("once admitted: ")


def test_seed_on_v1_11_with_401_in_the_configmap_drops_the_snippet_and_redirects(tmp_path):
    cm = tmp_path / "cm.yaml"
    cm.write_text(CM_401)
    _, data = report("--controller-version", "1.11", "--configmap", str(cm), str(SEED))
    (verdict,) = data["ingresses"]
    assert verdict["admitted"].startswith("admitted")
    assert verdict["backend_401"] == "302 to sign-in"
    found = findings(verdict)
    (dropped,) = found["ignored-annotation"]
    assert "'server-snippet'" in dropped["message"]
    assert "allow-snippet-annotations" in dropped["message"]
    (redirect,) = found["backend-401-redirected"]
    assert redirect["severity"] == "warning"  # the Ingress meant to pass it through
    assert "CVE-2026-24513" in found["advisory"][0]["message"]


def test_with_snippets_allowed_the_seed_passes_the_401_through(tmp_path):
    cm = tmp_path / "cm.yaml"
    cm.write_text(CM_401 + '  allow-snippet-annotations: "true"\n')
    _, data = report("--controller-version", "1.11", "--configmap", str(cm), str(SEED))
    (verdict,) = data["ingresses"]
    assert verdict["admitted"] == "admitted"
    assert verdict["backend_401"] == "passes through"
    assert "backend-401-redirected" not in findings(verdict)


def test_seed_findings_beyond_admission():
    _, data = report("--controller-version", "1.11.5", str(SEED))
    found = findings(data["ingresses"][0])
    assert "&y=2" in found["sign-in-loses-query"][0]["message"]
    assert found["hairpin-auth-url"][0]["severity"] == "warning"
    assert "X-Auth-Request-User" in found["forgeable-headers"][0]["message"]


# --------------------------------------------------------------------------- reading the input


def test_controller_from_the_deployment_image_and_its_configmap_argument():
    _, data = report(str(INPUTS / "cluster.yaml"))
    controller = data["controller"]
    assert controller["version"] == "1.11.5"
    assert controller["assumed"] is False
    assert "custom-http-errors=404,503" in controller["description"]
    assert "ingress-nginx/ingress-nginx-controller" in controller["from"]
    assert data["ingresses_without_auth"] == 1
    assert data["skipped"] == {"Service": 1}
    grafana = next(v for v in data["ingresses"] if v["ingress"] == "monitoring/grafana")
    # "404, 503" is not parsed by v1.11 (no trimming): the annotation is skipped
    assert "does not trim spaces" in findings(grafana)["ignored-annotation"][0]["message"]


def test_options_win_over_the_input():
    _, data = report("--controller-version", "1.15.1", str(INPUTS / "cluster.yaml"))
    assert data["controller"]["version"] == "1.15.1"


def test_without_a_controller_stock_v1_15_1_is_assumed_and_said():
    _, data = report(str(SEED))
    assert data["controller"]["assumed"] is True
    assert data["controller"]["version"] == "1.15.1"
    _, out, _ = run(str(SEED))
    assert "stock ingress-nginx v1.15.1 assumed" in out


def test_standard_input_json_and_several_documents():
    text = SEED.read_text()
    _, data = report(stdin=text)
    assert data["ingresses"][0]["admitted"] == "refused whole"
    as_json = json.dumps({"apiVersion": "v1", "kind": "List", "items": [yaml.safe_load(text)]})
    _, data = report("-", stdin=as_json)
    assert data["ingresses"][0]["ingress"] == "default/example-protected-app"
    two = as_yaml(ingress("a", **AUTH), ingress("b", host="b.example.com", **AUTH))
    _, data = report(stdin=two)
    assert [v["ingress"] for v in data["ingresses"]] == ["apps/a", "apps/b"]


def test_table_for_people():
    code, out, _ = run("--controller-version", "1.15.1", str(SEED))
    assert code == 1
    for words in ("default/example-protected-app", "refused whole", "server-snippet", "error"):
        assert words in out
    assert "Traceback" not in out


# --------------------------------------------------------------------------- exit status


@pytest.mark.parametrize(
    ("fail_on", "expected"), [("error", 1), ("warning", 1), ("info", 1), ("never", 0)]
)
def test_fail_on_an_error(fail_on, expected):
    assert run("--fail-on", fail_on, str(SEED))[0] == expected


@pytest.mark.parametrize(("fail_on", "expected"), [("error", 0), ("warning", 1)])
def test_fail_on_a_warning(fail_on, expected):
    # a public auth-url: a warning, nothing worse
    text = as_yaml(ingress("a", **{**AUTH, "auth_url": "https://auth.example.com/oauth2/auth"}))
    assert run("--fail-on", fail_on, stdin=text)[0] == expected


def test_a_clean_ingress_passes_every_gate():
    text = as_yaml(ingress("a", **AUTH))
    code, data = report("--fail-on", "warning", stdin=text)
    assert code == 0
    assert all(f["severity"] == "info" for f in data["ingresses"][0]["findings"])


# --------------------------------------------------------------------------- several Ingresses


def test_same_host_and_path_the_younger_is_dropped():
    old = ingress("old", created="2024-01-01T00:00:00Z")
    new = ingress("new", created="2025-01-01T00:00:00Z", **AUTH)
    _, data = report(stdin=as_yaml(new, old))
    (verdict,) = data["ingresses"]
    (dup,) = findings(verdict)["same-host-and-path"]
    assert dup["severity"] == "error"
    assert "this one is silently dropped" in dup["message"]
    assert "apps/old" in dup["message"]


def test_equal_timestamps_the_greater_name_wins():
    # store.go sortIngressSlice: same creationTimestamp -> "namespace/name" descending first
    a = ingress("a", **AUTH)
    b = ingress("b")
    _, data = report(stdin=as_yaml(a, b))
    (dup,) = findings(data["ingresses"][0])["same-host-and-path"]
    assert "this one is silently dropped" in dup["message"]


def test_prefix_paths_that_become_one_location_fail_nginx_t():
    a = ingress("a", path="/api", **AUTH)
    b = ingress("b", path="/api/")
    _, data = report(stdin=as_yaml(a, b))
    assert "nginx -t fails" in findings(data["ingresses"][0])["nginx-t-fails"][0]["message"]


def test_host_wide_regex_from_another_ingress():
    a = ingress("a", path="/admin", path_type="Exact", **AUTH)
    b = ingress("b", path="/static(/|$)(.*)", use_regex="true", rewrite_target="/$2")
    _, data = report(stdin=as_yaml(a, b))
    (regex,) = findings(data["ingresses"][0])["host-wide-regex"]
    assert regex["severity"] == "warning"
    assert "apps/b" in regex["message"]


def test_second_server_snippet_on_a_host_is_skipped():
    snippet = {"server_snippet": "proxy_intercept_errors off;"}
    a = ingress("a", path="/a", created="2024-01-01T00:00:00Z", **AUTH, **snippet)
    b = ingress("b", path="/b", created="2025-01-01T00:00:00Z", **AUTH, **snippet)
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "ingress-nginx-controller", "namespace": "ingress-nginx"},
        "data": {"allow-snippet-annotations": "true", "annotations-risk-level": "Critical"},
    }
    _, data = report(stdin=as_yaml(a, b, cm))
    by_name = {v["ingress"]: findings(v) for v in data["ingresses"]}
    assert "server-snippet-skipped" not in by_name["apps/a"]
    assert "apps/a" in by_name["apps/b"]["server-snippet-skipped"][0]["message"]


def test_short_in_cluster_auth_url_name():
    text = as_yaml(ingress("a", **{**AUTH, "auth_url": "http://oauth2-proxy.auth.svc/oauth2/auth"}))
    _, data = report(stdin=text)
    assert "auth-url-short-name" in findings(data["ingresses"][0])


def test_no_sign_in_gives_a_bare_401():
    text = as_yaml(ingress("a", auth_url=AUTH["auth_url"]))
    _, data = report(stdin=text)
    verdict = data["ingresses"][0]
    assert verdict["unauthenticated"].startswith("401")
    assert "no-sign-in" in findings(verdict)


# --------------------------------------------------------------------------- examples


def _example_controller(name: str) -> list[str]:
    if name == "seed-example":
        # written for the seed's controller: one that admits snippet annotations
        cm = (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n"
            '  allow-snippet-annotations: "true"\n  annotations-risk-level: Critical\n'
        )
        return [cm]
    return []


@pytest.mark.parametrize("path", sorted(DIST.glob("*.k8s.yaml")), ids=lambda p: p.stem)
def test_every_example_has_no_finding_above_info(path, tmp_path):
    args = ["--fail-on", "warning"]
    for i, text in enumerate(_example_controller(path.name.removesuffix(".k8s.yaml"))):
        cm = tmp_path / f"cm{i}.yaml"
        cm.write_text(text)
        args += ["--configmap", str(cm)]
    code, data = report(*args, str(path))
    assert code == 0, json.dumps(data, indent=1)
    for verdict in data["ingresses"]:
        assert verdict["admitted"] == "admitted"


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("kind: Ingress\n  bad: [indent\n", "not valid YAML"),
        ("a: &x [1]\nb: *x\n", "anchors and aliases are not accepted"),
        ("- just\n- a list\n", "not a Kubernetes object"),
        ("{not json", "not valid JSON"),
        ("apiVersion: v1\nkind: List\nitems: 3\n", "'items' of a List"),
        (
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: a\n"
            "  annotations: {nginx.ingress.kubernetes.io/auth-url: [1]}\n",
            "must map strings to strings",
        ),
        (
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\n"
            "spec: {rules: [{host: a, http: {paths: [{path: /, pathType: Fuzzy}]}}]}\n",
            "is not a path type",
        ),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(stdin, message):
    code, out, err = run(stdin=stdin)
    assert code == 2
    assert out == ""
    assert err.startswith("Error: ")
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_huge_input_is_refused(monkeypatch):
    monkeypatch.setattr(reader, "MAX_INPUT_BYTES", 1000)
    monkeypatch.setattr("oauth_ingress_construct._frontends.doctor.cli.MAX_INPUT_BYTES", 1000)
    code, _, err = run(stdin="#" * 2000)
    assert code == 2
    assert "larger than" in err


def test_too_many_objects_are_refused(monkeypatch):
    monkeypatch.setattr(reader, "MAX_OBJECTS", 3)
    code, _, err = run(
        stdin=as_yaml(*(ingress(f"i{i}", host=f"h{i}.example.com") for i in range(4)))
    )
    assert code == 2
    assert "more than 3 objects" in err


def test_missing_file_and_bad_option():
    code, _, err = run("/nonexistent/in.yaml")
    assert (code, err.count("\n")) == (2, 1)
    assert "No such file" in err
    assert run("--controller-version", "one", str(SEED))[0] == 2
    assert run("--fail-on", "sometimes", str(SEED))[0] == 2


def test_two_controller_versions_need_an_option():
    deployment = yaml.safe_load((INPUTS / "cluster.yaml").read_text())["items"][4]
    other = json.loads(json.dumps(deployment).replace("v1.11.5", "v1.12.1"))
    other["metadata"]["name"] = "other"
    code, _, err = run(stdin=as_yaml(deployment, other))
    assert code == 2
    assert "--controller-version" in err


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_any_input_gives_a_report_or_one_line(data):
    result = CliRunner().invoke(main, ["doctor", "--output", "json"], input=data)
    assert result.exit_code in (0, 1, 2)
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit)
    if result.exit_code == 2:
        assert result.stderr.startswith("Error: ")
        assert result.stderr.count("\n") == 1
    else:
        json.loads(result.stdout)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(max_size=30), st.text(max_size=200), max_size=6))
def test_hostile_annotation_values_are_judged_not_crashed_on(annotations):
    obj = ingress("a", **AUTH)
    obj["metadata"]["annotations"].update(
        {f"nginx.ingress.kubernetes.io/{k}": v for k, v in annotations.items()}
    )
    result = CliRunner().invoke(main, ["doctor", "--output", "json"], input=json.dumps(obj))
    assert result.exit_code in (0, 1), result.stderr
    json.loads(result.stdout)


# --------------------------------------------------------------------------- writing


def test_nothing_is_written_unless_asked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run(str(SEED))
    assert list(tmp_path.iterdir()) == []


def test_out_file_is_not_overwritten_without_force(tmp_path):
    target = tmp_path / "report.json"
    code, out, _ = run("--output", "json", "--fail-on", "never", "-o", str(target), str(SEED))
    assert (code, out) == (0, "")
    assert json.loads(target.read_text())["ingresses"]
    target.write_text("mine")
    code, _, err = run("--output", "json", "-o", str(target), str(SEED))
    assert code == 2
    assert "--force" in err
    assert target.read_text() == "mine"
    code, _, _ = run(
        "--output", "json", "--fail-on", "never", "-o", str(target), "--force", str(SEED)
    )
    assert code == 0
    assert json.loads(target.read_text())["ingresses"]


# --------------------------------------------------------------------------- entry points


def test_python_dash_m_and_the_console_script_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "oauth_ingress_construct", "doctor", "--output", "json", str(SEED)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["ingresses"][0]["admitted"] == "refused whole"
    script = re.search(r'^oauth-ingress = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M)
    assert script is not None
    module, _, function = script.group(1).partition(":")
    assert module == "oauth_ingress_construct.__main__"
    assert callable(getattr(__import__(module, fromlist=[function]), function))


def test_the_doctor_loads_no_cdk8s():
    code = (
        "import sys\n"
        "from oauth_ingress_construct.__main__ import main\n"
        f"sys.argv = ['oauth-ingress', 'doctor', '--fail-on', 'never', {str(SEED)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert not any(m.split('.')[0] in ('cdk8s', 'jsii', 'pulumi') for m in sys.modules), "
        "sorted(m for m in sys.modules if m.startswith(('cdk8s', 'jsii', 'pulumi')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------- the docs page


def _doc_blocks() -> list[tuple[str, str]]:
    text = (ROOT / "docs" / "doctor.md").read_text()
    return re.findall(r"```(\w+)\n(.*?)```", text, re.S)


def test_the_docs_transcripts_are_what_the_command_prints(tmp_path, monkeypatch):
    """docs/doctor.md shows real output: every transcript is re-run here, byte for byte."""
    blocks = _doc_blocks()
    yamls = [body for kind, body in blocks if kind == "yaml"]
    seed, configmap = yamls[0], yamls[1]
    assert yaml.safe_load(seed) == yaml.safe_load(SEED.read_text())
    monkeypatch.chdir(tmp_path)
    Path("seed-ingress.yaml").write_text(seed)
    Path("controller-configmap.yaml").write_text(configmap)
    Path("controller-configmap-snippets.yaml").write_text(
        configmap + '  allow-snippet-annotations: "true"\n'
    )
    transcripts = [b for k, b in blocks if k == "text" and b.startswith("$ oauth-ingress doctor")]
    assert len(transcripts) == 4
    for body in transcripts:
        command, _, shown = body.partition("\n")
        while command.endswith("\\"):
            more, _, shown = shown.partition("\n")
            command = command[:-1] + more
        args = shlex.split(command.split("|", 1)[0])[2:]
        result = CliRunner().invoke(main, args)
        if "| jq" in command:
            # `jq -c ".ingresses[] | [.admitted, .backend_401]"`, in Python
            rows = [
                json.dumps([v["admitted"], v["backend_401"]], separators=(",", ":"))
                for v in json.loads(result.stdout)["ingresses"]
            ]
            assert "\n".join(rows) + "\n" == shown
            continue
        printed, _, status = shown.partition("$ echo $?\n")
        assert result.stdout == printed, command
        if status:
            assert result.exit_code == int(status)


@pytest.mark.parametrize("libyaml", [True, False], ids=["libyaml", "pure-python"])
def test_both_yaml_loaders_read_alike_and_refuse_aliases(libyaml, monkeypatch):
    if libyaml:
        assert yaml.__with_libyaml__, "PyYAML without libyaml: the fast path is not tested"
    monkeypatch.setattr(yaml, "__with_libyaml__", libyaml)
    _, data = report(str(INPUTS / "cluster.yaml"))
    assert [v["ingress"] for v in data["ingresses"]] == [
        "monitoring/grafana",
        "monitoring/prometheus",
    ]
    for text in ("a: &x [1]\nb: *x\n", "- &anchor {kind: Ingress}\n"):
        code, _, err = run(stdin=text)
        assert code == 2
        assert "anchors and aliases are not accepted at line 1" in err
