"""The TLS proxy in front of Superset and the Dagster UI: nginx's configuration, written from the environment.

The proxy is the only part of the stack that listens beyond loopback. It answers only for the host names in
`KPI_PROXY_HOSTS` (any other Host header or TLS server name is refused), serves Superset over HTTPS on
`KPI_PROXY_HTTPS_PORT` (Superset has its own login) and the Dagster UI, which has none, on `KPI_PROXY_DAGSTER_PORT`
behind a password (`KPI_DAGSTER_UI_USER` / `KPI_DAGSTER_UI_PASSWORD`, generated once into the secrets folder when
unset). Plain HTTP on `KPI_PROXY_HTTP_PORT` only redirects to HTTPS. Without `KPI_PROXY_TLS_CERT` / `_KEY` a
self-signed certificate for those names is generated once (`python ops/proxy.py cert`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "superset"))

from kpi_bi.env import generated_secret, secrets_dir


@dataclass(frozen=True)
class ProxySettings:
    """Where the proxy listens, for which names, in front of what, and where its files are."""

    hosts: tuple[str, ...]
    bind: str
    https_port: int
    dagster_port: int
    http_port: int
    public_https_port: int
    superset_upstream: str
    dagster_upstream: str
    cert: Path
    key: Path
    dagster_user: str
    folder: Path


def settings() -> ProxySettings:
    """Read the proxy's settings from the environment now."""
    env = os.environ.get
    hosts = tuple(h.strip().lower() for h in env("KPI_PROXY_HOSTS", "localhost").split(",") if h.strip())
    if not hosts:
        raise SystemExit("KPI_PROXY_HOSTS names no host")
    https_port = int(env("KPI_PROXY_HTTPS_PORT", "8443"))
    data_dir = Path(env("KPI_DATA_DIR", str(REPO / "data"))).resolve()
    return ProxySettings(
        hosts=hosts,
        bind=env("KPI_PROXY_BIND", "0.0.0.0"),
        https_port=https_port,
        dagster_port=int(env("KPI_PROXY_DAGSTER_PORT", "3443")),
        http_port=int(env("KPI_PROXY_HTTP_PORT", "8080")),
        public_https_port=int(env("KPI_PROXY_PUBLIC_HTTPS_PORT", str(https_port))),
        superset_upstream=env("KPI_PROXY_SUPERSET_UPSTREAM", f"127.0.0.1:{env('SUPERSET_PORT', '8088')}"),
        dagster_upstream=env("KPI_PROXY_DAGSTER_UPSTREAM", f"127.0.0.1:{env('DAGSTER_PORT', '3000')}"),
        cert=Path(env("KPI_PROXY_TLS_CERT", str(secrets_dir() / "proxy_tls.crt"))),
        key=Path(env("KPI_PROXY_TLS_KEY", str(secrets_dir() / "proxy_tls.key"))),
        dagster_user=env("KPI_DAGSTER_UI_USER", "dagster"),
        folder=Path(env("KPI_PROXY_DIR", str(data_dir / "proxy"))).resolve(),
    )


# The password is all that guards the Dagster UI (no login of its own, no attempt limit at the proxy).
MIN_PASSWORD_LENGTH = 16


def dagster_ui_password() -> str:
    """The Dagster UI's password: KPI_DAGSTER_UI_PASSWORD, else generated once into the secrets folder."""
    password = os.environ.get("KPI_DAGSTER_UI_PASSWORD") or generated_secret("dagster_ui_password")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise SystemExit(
            f"KPI_DAGSTER_UI_PASSWORD must have at least {MIN_PASSWORD_LENGTH} characters: it is the only thing "
            "between the network and the Dagster UI"
        )
    return password


def ensure_certificate(s: ProxySettings) -> bool:
    """Generate a self-signed certificate for the proxy's host names unless one is there; True if generated."""
    if s.cert.exists() and s.key.exists():
        return False
    s.cert.parent.mkdir(parents=True, exist_ok=True)
    names = ",".join(f"IP:{h}" if h.replace(".", "").isdigit() or ":" in h else f"DNS:{h}" for h in s.hosts)
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-days", "825", "-subj", f"/CN={s.hosts[0]}", "-addext", f"subjectAltName={names}",
            "-keyout", str(s.key), "-out", str(s.cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    os.chmod(s.key, 0o600)
    return True


def _password_hash(password: str) -> str:
    # SHA-512 crypt, which nginx checks through the system's crypt().
    return subprocess.run(
        ["openssl", "passwd", "-6", "-stdin"], input=password, capture_output=True, text=True, check=True
    ).stdout.strip()


def _origins(s: ProxySettings) -> list[str]:
    """The Dagster UI's own origins: the only ones a browser may send state-changing requests from."""
    suffix = "" if s.dagster_port == 443 else f":{s.dagster_port}"
    return [f"https://{host}{suffix}" for host in s.hosts]


def render(s: ProxySettings) -> str:
    """nginx.conf for these settings."""
    names = " ".join(s.hosts)
    folder = s.folder
    redirect_port = "" if s.public_https_port == 443 else f":{s.public_https_port}"
    origins = "\n".join(f'        "{origin}" 1;' for origin in _origins(s))
    # Headers every answer carries; nginx drops server-level add_header in a location that has its own, so
    # locations add none.
    common_headers = """
        add_header Strict-Transport-Security "max-age=31536000" always;
        add_header X-Content-Type-Options "nosniff" always;
        add_header Referrer-Policy "same-origin" always;"""
    forwarded = """
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            # Replaced, never appended to: a client cannot choose the address Superset counts logins by.
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header X-Forwarded-Host $host;
            proxy_set_header X-Forwarded-Port $server_port;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 180s;"""
    # Started by root, nginx would switch its workers to `nobody`, who cannot reach the owner-only files they read at
    # each request (the password file); they stay with the starting user, as every other service of the stack.
    # The compose image starts everything as the unprivileged user `kpi`.
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""# Written by ops/proxy.py from the environment at every start; edits here are lost.
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 512; }}

http {{
    access_log /dev/stdout;
    client_body_temp_path {folder}/tmp/body;
    proxy_temp_path {folder}/tmp/proxy;
    fastcgi_temp_path {folder}/tmp/fastcgi;
    uwsgi_temp_path {folder}/tmp/uwsgi;
    scgi_temp_path {folder}/tmp/scgi;
    default_type application/octet-stream;
    server_tokens off;
    client_max_body_size 20m;
    # The proxy states these headers once for both UIs (Superset's Talisman sends some of them too).
    proxy_hide_header Strict-Transport-Security;
    proxy_hide_header X-Content-Type-Options;
    proxy_hide_header Referrer-Policy;

    ssl_certificate {s.cert};
    ssl_certificate_key {s.key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:TLS:1m;

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        "" close;
    }}
    # Browsers send Origin with every cross-site POST and WebSocket: only the UI itself may act on Dagster.
    map $http_origin $dagster_origin_ok {{
        default 0;
        "" 1;
{origins}
    }}
    # Dagster's GraphQL runs mutations sent as plain GET (a link or <img> on any site would do); its UI uses
    # POST and the WebSocket upgrade.
    map "$request_method:$http_upgrade" $graphql_plain_get {{
        default 0;
        "GET:" 1;
        "HEAD:" 1;
    }}

    # Any Host or TLS server name not in KPI_PROXY_HOSTS: refused before anything reaches an application.
    server {{
        listen {s.bind}:{s.http_port} default_server;
        return 421;
    }}
    server {{
        listen {s.bind}:{s.https_port} ssl http2 default_server;
        listen {s.bind}:{s.dagster_port} ssl http2 default_server;
        ssl_reject_handshake on;
        return 421;
    }}

    server {{
        listen {s.bind}:{s.http_port};
        server_name {names};
        return 301 https://$host{redirect_port}$request_uri;
    }}

    server {{
        listen {s.bind}:{s.https_port} ssl;
        server_name {names};{common_headers}
        location / {{
            proxy_pass http://{s.superset_upstream};{forwarded}
        }}
    }}

    server {{
        listen {s.bind}:{s.dagster_port} ssl;
        server_name {names};{common_headers}
        add_header X-Frame-Options "DENY" always;
        add_header Content-Security-Policy "frame-ancestors 'none'" always;
        auth_basic "Dagster";
        auth_basic_user_file {folder}/dagster.htpasswd;
        if ($dagster_origin_ok = 0) {{
            return 403;
        }}
        location = /graphql {{
            if ($graphql_plain_get) {{
                return 405;
            }}
            proxy_pass http://{s.dagster_upstream};
            proxy_set_header Authorization "";{forwarded}
        }}
        location / {{
            proxy_pass http://{s.dagster_upstream};
            proxy_set_header Authorization "";{forwarded}
        }}
    }}
}}
"""


def prepare(s: ProxySettings) -> Path:
    """Certificate (if missing), password file and nginx.conf in the proxy's folder; returns the config's path."""
    os.umask(0o077)
    ensure_certificate(s)
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (s.folder / "tmp" / name).mkdir(parents=True, exist_ok=True)
    htpasswd = s.folder / "dagster.htpasswd"
    htpasswd.write_text(f"{s.dagster_user}:{_password_hash(dagster_ui_password())}\n")
    config = s.folder / "nginx.conf"
    config.write_text(render(s))
    return config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["prepare", "cert"], help="prepare: write everything nginx needs")
    args = parser.parse_args(argv)
    s = settings()
    if args.action == "cert":
        made = ensure_certificate(s)
        print(f"{'generated' if made else 'kept'} {s.cert} (key {s.key}) for {', '.join(s.hosts)}")
    else:
        print(prepare(s))
    return 0


if __name__ == "__main__":
    sys.exit(main())
