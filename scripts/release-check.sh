#!/usr/bin/env bash
# Release check: what a user installs is what the repository tests.
#   1. build the sdist and the wheel (PyPI `build`, isolated) and `twine check --strict` them;
#   2. check their contents: wheel = package + py.typed (+ metadata), sdist = no tests;
#   3. install the wheel into a fresh venv outside the repository and synthesize the examples
#      with it, on Node 24 and on Node 20: byte for byte the golden dist/;
#   4. the command line from the wheel with its `cli` extra: `oauth-ingress doctor` on the
#      seed's Ingress gives the verdicts of issue 17's "done when", and its `--emit cdk8s`
#      synthesizes to the golden seed example;
#   5. follow the README's consumer section in an empty directory (the locally built wheel
#      instead of the package index): a new app repo synthesizes and snapshot-tests a
#      protected app, and `cdk8s synth` (the pinned cdk8s-cli) gives the same manifests.
# Needs `bash scripts/setup.sh --test` first (scripts/test.sh runs this after the suite).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export CDK8S_CHECK_UPGRADE=false
unset PYTHONPATH VIRTUAL_ENV

work=$(mktemp -d "${TMPDIR:-/tmp}/release-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
case "$work" in "$repo"/*) echo "release-check: $work is inside the repository" >&2; exit 1 ;; esac

echo "== build"
.venv/bin/python -m build --outdir "$work/artefacts" . >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; exit 1; }
wheel=$(echo "$work"/artefacts/*.whl)
sdist=$(echo "$work"/artefacts/*.tar.gz)
.venv/bin/twine check --strict "$wheel" "$sdist"

echo "== contents"
.venv/bin/python - "$wheel" "$sdist" <<'EOF'
import sys, tarfile, zipfile
from pathlib import Path

wheel, sdist = sys.argv[1:]
names = sorted(zipfile.ZipFile(wheel).namelist())
print(f"wheel {Path(wheel).name}:", *names, sep="\n  ")
root = Path("oauth_ingress_construct")
package = {p.relative_to(root).as_posix() for p in root.rglob("*.py")}
shipped = {n.split("/", 1)[1] for n in names if n.startswith("oauth_ingress_construct/")}
assert shipped == package | {"py.typed"}, f"wheel package files differ: {shipped ^ (package | {'py.typed'})}"
others = [n for n in names if not n.startswith(("oauth_ingress_construct/", "oauth_ingress_construct-"))]
assert not others, f"wheel carries more than the package: {others}"
assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), "wheel without LICENSE"
members = sorted(m.name for m in tarfile.open(sdist).getmembers() if m.isfile())
print(f"sdist {Path(sdist).name}:", *members, sep="\n  ")
top = {m.split("/")[1] for m in members if m.count("/") >= 1}
assert not top & {"tests", "examples", "dist", "scripts", "benchmarks", "docs"}, top
for required in ("LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml", "PKG-INFO"):
    assert required in top, f"sdist without {required}"
EOF

node24="$repo/.tools/node24/node_modules/.bin"
node20="$repo/.tools/node20/node_modules/.bin"

echo "== examples from the installed wheel"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
"$work/venv/bin/python" -m pip install --quiet "$wheel"
mkdir "$work/examples-run"
cp -R examples "$work/examples-run/examples"
rm -rf "$work/examples-run/examples/__pycache__"
for bin in "$node24" "$node20"; do
  out="$work/examples-run/dist-$("$bin/node" --version)"
  (
    cd "$work/examples-run"
    PATH="$bin:$PATH" JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 \
      "$work/venv/bin/python" -W ignore::UserWarning -c "
import sys
import oauth_ingress_construct
assert oauth_ingress_construct.__file__.startswith(sys.prefix), oauth_ingress_construct.__file__
from examples import build_apps
for app in build_apps(outdir=sys.argv[1]):
    app.synth()
" "$out"
  )
  diff -r "$repo/dist" "$out" >/dev/null \
    || { echo "examples synthesized from the wheel on node $("$bin/node" --version) differ from dist/" >&2
         diff -r "$repo/dist" "$out" | head -40 >&2; exit 1; }
  echo "node $("$bin/node" --version): $(ls "$out" | wc -l) charts, byte for byte dist/"
done

echo "== oauth-ingress doctor from the installed wheel (cli extra)"
"$work/venv/bin/python" -m pip install --quiet "$wheel[cli]"
doctor="$work/venv/bin/oauth-ingress"
seed="$repo/tests/doctor_inputs/seed.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  custom-http-errors: "401"\n' \
  >"$work/cm-401.yaml"
{ cat "$work/cm-401.yaml"; printf '  allow-snippet-annotations: "true"\n'; } >"$work/cm-401-snippets.yaml"
(
  cd "$work"
  verdict() {  # args...: the one Ingress's "admitted | backend_401 | finding kinds"
    "$doctor" doctor --output json --fail-on never "$@" "$seed" | "$work/venv/bin/python" -c "
import json, sys
v = json.load(sys.stdin)['ingresses'][0]
print(v['admitted'], '|', v['backend_401'], '|', ' '.join(f['kind'] for f in v['findings']))"
  }
  stock=$(verdict --controller-version 1.15.1)
  echo "v1.15.1 stock: $stock"
  case "$stock" in "refused whole | - | refused"*) ;; *) echo "unexpected: $stock" >&2; exit 1 ;; esac
  old=$(verdict --controller-version 1.11 --configmap "$work/cm-401.yaml")
  echo "v1.11, custom-http-errors 401: $old"
  case "$old" in *"| 302 to sign-in |"*ignored-annotation*) ;; *) echo "unexpected: $old" >&2; exit 1 ;; esac
  allowed=$(verdict --controller-version 1.11 --configmap "$work/cm-401-snippets.yaml")
  echo "v1.11, custom-http-errors 401, snippets allowed: $allowed"
  case "$allowed" in "admitted | passes through |"*) ;; *) echo "unexpected: $allowed" >&2; exit 1 ;; esac
  set +e; "$doctor" doctor --controller-version 1.15.1 "$seed" >/dev/null; status=$?; set -e
  [ "$status" = 1 ] || { echo "doctor exit status $status, expected 1 (an error finding)" >&2; exit 1; }
  "$doctor" doctor --emit cdk8s --namespace seed-example \
    --issuer-url https://login.example.com/realms/example --client-id example-app \
    -o emitted_seed.py "$seed" || true
  PATH="$node24:$PATH" "$work/venv/bin/python" -W ignore::UserWarning -c "
import cdk8s, emitted_seed
app = cdk8s.App(outdir='emitted-dist')
emitted_seed.ProtectedApps(app, 'seed-example')
app.synth()"
  diff "$repo/dist/seed-example.k8s.yaml" emitted-dist/seed-example.k8s.yaml
  echo "doctor --emit cdk8s of the seed's Ingress: byte for byte dist/seed-example.k8s.yaml"
)

echo "== the README's consumer section, in an empty directory"
app="$work/grafana-app"
mkdir "$app"
.venv/bin/python - "$app" "$wheel" <<'EOF'
import re, sys
from pathlib import Path

app, wheel = Path(sys.argv[1]), sys.argv[2]
readme = Path("README.md").read_text()
blocks = re.findall(r"<!-- consumer-(file: \S+|run) -->\n```\w*\n(.*?)```", readme, re.S)
assert blocks, "README has no consumer blocks"
run = []
for kind, body in blocks:
    if kind == "run":
        run.append(body)
    else:
        name = kind.split(": ", 1)[1]
        if name == "requirements.txt":  # the locally built wheel instead of the index
            body, n = re.subn(r"^oauth-ingress-construct(\[testing\])\S*", rf"{wheel}\1", body, flags=re.M)
            assert n == 1, "requirements.txt names oauth-ingress-construct[testing] once"
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_text(body)
(app / "steps.sh").write_text("".join(run))
print("files:", sorted(str(p.relative_to(app)) for p in app.rglob("*") if p.is_file()))
EOF
(
  cd "$app"
  export PATH="$node24:$PATH"
  echo "--- steps.sh (from README.md)"; cat steps.sh; echo "---"
  bash -euo pipefail steps.sh
  test -s dist/grafana.k8s.yaml
  snapshot=__snapshots__/test_main/test_grafana.yaml
  test -s "$snapshot"
  # The snapshot holds the synthesized manifests; `cdk8s synth` with the app's cdk8s.yaml
  # (the repository's pinned cdk8s-cli stands in for the user's) writes the same objects.
  PATH="$app/.venv/bin:$PATH" "$repo/node_modules/.bin/cdk8s" synth --no-check-upgrade \
    --output cli-dist >/dev/null
  "$app/.venv/bin/python" -c "
import sys, yaml
a = [d for d in yaml.safe_load_all(open('cli-dist/grafana.k8s.yaml')) if d]
b = [d for d in yaml.safe_load_all(open('$snapshot')) if d]
assert a == b, 'cdk8s synth output differs from the snapshot'
print('cdk8s synth:', len(a), 'objects, the same as the snapshot:', ', '.join(d['kind'] for d in a))
"
  # A changed app fails its snapshot test until the snapshot is updated.
  sed -i 's/grafana.example.com/grafana2.example.com/' main.py
  if .venv/bin/pytest -q -p no:cacheprovider >"$work/changed.log" 2>&1; then
    echo "a changed app still passed its snapshot test" >&2; exit 1
  fi
  grep -q "grafana2.example.com" "$work/changed.log"
  echo "changed app: snapshot test fails, showing the new host"
)
echo "release-check: passed"
