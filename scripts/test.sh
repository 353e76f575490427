#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite: lint, types, the docs site build, the release check
# (scripts/release-check.sh, without arguments only) and pytest (unit, snapshot, golden-file,
# schema, property-based and real-nginx behaviour tests), on Node 24 (a supported LTS line).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=18,20 CDK8S_CHECK_UPGRADE=false
PATH="$PWD/.tools/node24/node_modules/.bin:$PWD/.venv/bin:$PATH"
echo "node $(node --version), $(python --version)"
ruff check .
ruff format --check .
mypy
NO_MKDOCS_2_WARNING=1 mkdocs build --strict --quiet  # the docs site, into build/site
if [ $# -eq 0 ]; then
  bash scripts/release-check.sh
fi
pytest "$@"
