#!/usr/bin/env bash
# Bring up teamhub on this machine (as root): system packages, uv, the hub venv, then `teamhub up`.
# Arguments are passed to `teamhub up` (for example --admin NAME).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix="${TEAMHUB_PREFIX:-/opt/teamhub}"

if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh sets up system users and services: run it as root (sudo ./install.sh)." >&2
    exit 2
fi

missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || missing+=(python3-venv)
command -v setfacl >/dev/null 2>&1 || missing+=(acl)
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# uv builds every venv; take it from PyPI into a throw-away venv unless the hub venv has it.
uv="$prefix/hub/bin/uv"
if [ ! -x "$uv" ]; then
    boot="$(mktemp -d /tmp/teamhub-boot.XXXXXX)"
    trap 'rm -rf "$boot"' EXIT
    echo "Fetching uv"
    /usr/bin/python3 -m venv "$boot/venv"
    "$boot/venv/bin/pip" install --quiet --disable-pip-version-check uv
    uv="$boot/venv/bin/uv"
fi

mkdir -p "$prefix"
chmod 755 "$prefix"
if [ ! -x "$prefix/hub/bin/python" ]; then
    "$uv" venv --quiet --python /usr/bin/python3 "$prefix/hub"
fi
# teamhub's own dependencies; `teamhub up` then installs JupyterHub and teamhub itself.
UV_PYTHON_DOWNLOADS=never "$uv" pip install --quiet --compile-bytecode \
    --python "$prefix/hub/bin/python" -r "$here/pyproject.toml"

rm -f "$prefix/hub/.lock"  # uv leaves it writable by everyone
PYTHONPATH="$here/src" exec "$prefix/hub/bin/python" -m teamhub up "$@"
