#!/usr/bin/env bash
# Installs Debian's chromium and chromium-driver (headless screenshots for Superset reports and tests) when missing.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)

if [ ${#missing[@]} -eq 0 ]; then
    echo "chromium: already installed ($(chromium --version 2>/dev/null | head -n1))"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    # apt-get needs root; say what is missing rather than failing half-way.
    echo "chromium: missing ${missing[*]}; run as root: apt-get install -y chromium chromium-driver" >&2
    exit 1
fi

echo "chromium: installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-driver
echo "chromium: installed ($(chromium --version 2>/dev/null | head -n1))"
