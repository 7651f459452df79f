"""A small Superset REST client for the tests and the benchmark: login, CSRF, JSON calls."""

from __future__ import annotations

from typing import Any

import requests


class SupersetClient:
    """A logged-in session against one Superset server (JWT bearer + session cookie + CSRF token)."""

    def __init__(self, base_url: str, username: str, password: str):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        response = self.session.post(
            f"{self.base_url}/api/v1/security/login",
            json={"username": username, "password": password, "provider": "db", "refresh": False},
            timeout=30,
        )
        response.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        csrf = self.session.get(f"{self.base_url}/api/v1/security/csrf_token/", timeout=30)
        csrf.raise_for_status()
        self.session.headers["X-CSRFToken"] = csrf.json()["result"]
        self.session.headers["Referer"] = self.base_url

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.base_url}{path}", timeout=120, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def list_all(self, resource: str) -> list[dict[str, Any]]:
        """Every object of a REST resource (chart, dashboard, dataset, database), all pages."""
        rows, page = [], 0
        while True:
            q = f"(page:{page},page_size:100)"
            response = self.get(f"/api/v1/{resource}/?q={q}")
            response.raise_for_status()
            batch = response.json()["result"]
            rows += batch
            if len(batch) < 100:
                return rows
            page += 1

    def chart_data(self, chart_id: int) -> requests.Response:
        """The chart's data through its saved query context (what reports and the data API use)."""
        return self.get(f"/api/v1/chart/{chart_id}/data/")
