"""Sessions: logout ends a session on the server, logins are throttled (429), self-service passwords must be strong,
and the production settings send Secure cookies, CSP and frame options."""

from __future__ import annotations

import os
import re
import stat
import subprocess

import pytest
import requests

from tests.superset.conftest import SUPERSET_DIR

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("superset", ["sqlite"], indirect=True)]


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token in the form"
    return match.group(1)


def _form_login(base: str, username: str, password: str, session: requests.Session | None = None):
    session = session or requests.Session()
    page = session.get(f"{base}/login/", timeout=30)
    response = session.post(
        f"{base}/login/",
        data={"username": username, "password": password, "csrf_token": _csrf(page.text)},
        timeout=30,
    )
    return session, response


def _rep(server) -> str:
    return next(
        u["username"]
        for u in server.client().get("/api/v1/security/users/?q=(page_size:100)").json()["result"]
        if any(r["name"] == "Rep" for r in u["roles"])
    )


def test_logout_ends_the_session_for_a_copied_cookie(superset):
    session, _ = _form_login(superset.url, "leadership", superset.password("leadership"))
    assert session.get(f"{superset.url}/api/v1/me/", timeout=30).status_code == 200
    stolen = requests.Session()
    stolen.cookies.update(session.cookies)
    assert stolen.get(f"{superset.url}/api/v1/me/", timeout=30).status_code == 200
    session.get(f"{superset.url}/logout/", timeout=30)
    assert stolen.get(f"{superset.url}/api/v1/me/", timeout=30).status_code == 401


def test_a_weak_new_password_is_refused(superset):
    rep = _rep(superset)
    password = (superset.secrets_dir / "superset_rep_password").read_text().strip()
    session, _ = _form_login(superset.url, rep, password)
    form = session.get(f"{superset.url}/resetmypassword/form", timeout=30)
    assert form.status_code == 200
    weak = "password1"
    session.post(
        f"{superset.url}/resetmypassword/form",
        data={"password": weak, "conf_password": weak, "csrf_token": _csrf(form.text)},
        timeout=30,
    )
    # The old password still works and the weak one does not.
    assert (
        requests.post(
            f"{superset.url}/api/v1/security/login",
            json={"username": rep, "password": weak, "provider": "db"},
            timeout=30,
        ).status_code
        == 401
    )
    assert (
        requests.post(
            f"{superset.url}/api/v1/security/login",
            json={"username": rep, "password": password, "provider": "db"},
            timeout=30,
        ).status_code
        == 200
    )


def test_logins_over_the_limit_get_429_for_that_user_only(production_web, superset):
    statuses = [
        requests.post(
            f"{production_web}/api/v1/security/login",
            json={"username": "intruder", "password": f"guess{i}", "provider": "db"},
            timeout=30,
        ).status_code
        for i in range(5)
    ]
    assert statuses[:3] == [401, 401, 401] and statuses[-1] == 429, statuses
    # The login page counts on its own and answers 429 the same way.
    form = requests.Session()
    page = form.get(f"{production_web}/login/", timeout=30)
    # The cookie is Secure and this is plain HTTP on loopback: send it by hand, as a browser behind TLS would.
    form.headers["Cookie"] = f"session={page.cookies['session']}"
    answers = [
        form.post(
            f"{production_web}/login/",
            data={"username": "intruder", "password": f"x{i}", "csrf_token": _csrf(page.text)},
            timeout=30,
        ).status_code
        for i in range(5)
    ]
    assert answers[-1] == 429, answers
    # Another user from the same address is not locked out by the intruder's guesses.
    ok = requests.post(
        f"{production_web}/api/v1/security/login",
        json={"username": "leadership", "password": superset.password("leadership"), "provider": "db"},
        timeout=30,
    )
    assert ok.status_code == 200, ok.text


def test_production_settings_send_secure_cookies_csp_and_frame_options(production_web):
    response = requests.get(f"{production_web}/login/", timeout=30, allow_redirects=False)
    assert "content-security-policy" in {k.lower() for k in response.headers}
    assert response.headers.get("X-Frame-Options", "").upper() in ("SAMEORIGIN", "DENY")
    cookies = response.headers.get("Set-Cookie", "")
    assert "session=" in cookies and "Secure" in cookies and "HttpOnly" in cookies, cookies


def test_superset_files_are_owner_only(superset):
    home = superset.env["SUPERSET_HOME"]
    # The tests' own log files are created by the test process, not by Superset.
    loose = [
        f"{path} {oct(mode)}"
        for path, mode in (
            (os.path.join(root, name), stat.S_IMODE(os.stat(os.path.join(root, name)).st_mode))
            for root, dirs, files in os.walk(home)
            for name in dirs + files
            if not name.endswith(".log")
        )
        if mode & 0o077
    ]
    assert not loose, loose[:10]
    assert os.path.exists(os.path.join(home, "superset.db"))


@pytest.fixture
def token_holder(superset):
    """A Rep of its own (so revoking its tokens disturbs no other test): username, password and id."""
    admin = superset.client()
    rep_role = next(
        r["id"]
        for r in admin.get("/api/v1/security/roles/?q=(page_size:100)").json()["result"]
        if r["name"] == "Rep"
    )
    username, password = f"token_rep_{os.getpid()}", "Tok3n-Holder-Passw0rd!"
    created = admin.request(
        "POST",
        "/api/v1/security/users/",
        json={
            "username": username,
            "first_name": "Token",
            "last_name": "Holder",
            "email": f"{username}@example.org",
            "active": True,
            "password": password,
            "roles": [rep_role],
        },
    )
    assert created.status_code == 201, created.text
    yield username, password, created.json()["id"]
    admin.request("DELETE", f"/api/v1/security/users/{created.json()['id']}")


def _rest_login(base: str, username: str, password: str) -> dict:
    response = requests.post(
        f"{base}/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db", "refresh": True},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def _me(base: str, token: str) -> int:
    return requests.get(
        f"{base}/api/v1/me/", headers={"Authorization": f"Bearer {token}"}, timeout=30
    ).status_code


def _refresh(base: str, refresh_token: str) -> int:
    return requests.post(
        f"{base}/api/v1/security/refresh", headers={"Authorization": f"Bearer {refresh_token}"}, timeout=30
    ).status_code


def test_logout_revokes_rest_tokens_and_refresh_tokens(superset, token_holder):
    username, password, _ = token_holder
    stolen = _rest_login(superset.url, username, password)
    assert _me(superset.url, stolen["access_token"]) == 200
    assert _refresh(superset.url, stolen["refresh_token"]) == 200
    # The user logs out in the browser: the tokens someone copied stop working at once.
    session, _ = _form_login(superset.url, username, password)
    session.get(f"{superset.url}/logout/", timeout=30)
    assert _me(superset.url, stolen["access_token"]) == 401
    assert _refresh(superset.url, stolen["refresh_token"]) == 401
    # A new login works.
    fresh = _rest_login(superset.url, username, password)
    assert _me(superset.url, fresh["access_token"]) == 200


def test_revoke_tokens_command_refuses_a_leaked_token(superset, token_holder):
    username, password, _ = token_holder
    leaked = _rest_login(superset.url, username, password)
    assert _me(superset.url, leaked["access_token"]) == 200
    done = subprocess.run(
        [str(SUPERSET_DIR / "bin" / "revoke-tokens"), username],
        env=superset.env,
        capture_output=True,
        text=True,
        check=False,
        cwd="/",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert _me(superset.url, leaked["access_token"]) == 401
    assert _refresh(superset.url, leaked["refresh_token"]) == 401


def test_a_password_change_by_an_admin_revokes_the_users_tokens(superset, token_holder):
    username, password, user_id = token_holder
    held = _rest_login(superset.url, username, password)
    assert _me(superset.url, held["access_token"]) == 200
    changed = superset.client().request(
        "PUT", f"/api/v1/security/users/{user_id}", json={"password": "N3w-Passw0rd-After-Leak!"}
    )
    assert changed.status_code == 200, changed.text
    assert _me(superset.url, held["access_token"]) == 401
    assert _refresh(superset.url, held["refresh_token"]) == 401
