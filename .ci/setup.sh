#!/usr/bin/env bash
# Set up cardkit on a fresh Debian 12 machine: system packages (when root), a virtualenv in .venv,
# cardkit installed into it with its test and HSM extras. Safe to run again: it skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=(python3 python3-venv python3-dev gcc pcscd libpcsclite-dev vsmartcard-vpcd softhsm2 openssl openpace postgresql)
missing=()
for p in "${need_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: not root; cannot install ${missing[*]} (PC/SC and HSM tests will say what is missing)" >&2
  fi
fi

py=""
for c in python3.13 python3.12 python3.11 python3; do
  if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    py=$c; break
  fi
done
[ -n "$py" ] || { echo "setup: cardkit needs Python >= 3.11" >&2; exit 2; }

if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
stamp=.venv/.cardkit-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing cardkit and its dependencies into .venv"
  # pip's own chatter goes to a log, shown only when the install fails
  log=.venv/pip-install.log
  if ! { .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip setuptools wheel &&
         .venv/bin/python -m pip install --disable-pip-version-check -e ".[test,hsm,postgresql]"; } >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "setup: pip install failed; full log in $log" >&2
    exit 2
  fi
  echo "$want" > "$stamp"
fi
