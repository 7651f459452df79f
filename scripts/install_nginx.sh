#!/usr/bin/env bash
# Installs Debian's nginx (the TLS and login proxy in front of Superset and the Dagster UI) when missing.
set -euo pipefail

if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
    echo "nginx: already installed ($(/usr/sbin/nginx -v 2>&1))"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    # apt-get needs root; say what is missing rather than failing half-way.
    echo "nginx: missing; run as root: apt-get install -y nginx" >&2
    exit 1
fi

echo "nginx: installing with apt-get"
export DEBIAN_FRONTEND=noninteractive
# The package's own service is not wanted: the project starts nginx with its own configuration (ops/bin/proxy),
# so the Debian default site must not start listening on port 80 during the install.
policy="/usr/sbin/policy-rc.d"
made_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made_policy=1
fi
trap '[ "$made_policy" -eq 1 ] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends nginx
echo "nginx: installed ($(/usr/sbin/nginx -v 2>&1))"
