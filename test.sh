#!/usr/bin/env bash
# Run teamhub's test suite (as root): installs what the tests need, then pytest on every tier.
# Arguments are passed to pytest (for example tests/unit, or -k login).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if [ "$(id -u)" -ne 0 ]; then
    echo "The tests create real users and services: run test.sh as root (sudo ./test.sh)." >&2
    exit 2
fi

missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || missing+=(python3-venv)
for tool in setfacl:acl pkill:procps visudo:sudo; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The browser tests drive Debian's chromium (Playwright's own browser download cannot work offline).
if ! command -v chromium >/dev/null 2>&1; then
    echo "Installing chromium for the browser tests"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
fi

if [ ! -x .venv/bin/uv ]; then
    rm -rf .venv
    /usr/bin/python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check uv
fi
UV_PYTHON_DOWNLOADS=never .venv/bin/uv pip install --quiet --python .venv/bin/python -e ".[test]"

.venv/bin/ruff check src tests bench scripts
.venv/bin/ruff format --check src tests bench scripts
exec .venv/bin/python -m pytest "$@"
