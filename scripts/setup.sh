#!/usr/bin/env bash
# Installs what streamchaos needs on a fresh Debian/Ubuntu machine, idempotently:
# nginx and Caddy (the edges), Debian's FastAPI stack (the Python reference backend), Chromium (the
# browser client, driven by playwright-core, which never downloads a browser), node modules.
# Without root, it installs the node modules and says which system packages are missing;
# the demo and the suites then skip those edges and backends with the command that installs them.
set -uo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

packages=(nginx caddy python3-fastapi python3-uvicorn python3-httpx chromium)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: apt-get install ${missing[*]}"
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/dev/null ||
      echo "setup: apt-get failed; the edges/backends/clients that need ${missing[*]} will be skipped" >&2
  else
    echo "setup: not root; install them with: sudo apt-get install -y ${missing[*]}" >&2
  fi
fi

# `npm install` rather than `npm ci`: both take the locked versions, but npm ci rejects a lock that lacks
# optional platform builds a registry does not serve (Biome's non-Linux binaries, on these machines).
npm install --no-audit --no-fund --loglevel=error
