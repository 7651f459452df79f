"""Travel distances and times between points: great-circle × detour factor, or an OSRM-compatible table API."""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_KM = 6371.0088


class RoutingServerError(RuntimeError):
    """The routing server could not be reached or did not answer with a usable table."""


@dataclass(frozen=True)
class TravelMatrix:
    """Kilometres and seconds from every point to every other, in the order the points were given."""

    km: np.ndarray
    seconds: np.ndarray
    source: str


def great_circle_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Pairwise haversine distances in km between points given as degree arrays."""
    phi = np.radians(np.asarray(lat, dtype=float))
    lam = np.radians(np.asarray(lon, dtype=float))
    dphi = phi[:, None] - phi[None, :]
    dlam = lam[:, None] - lam[None, :]
    a = np.sin(dphi / 2) ** 2 + np.cos(phi)[:, None] * np.cos(phi)[None, :] * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def estimated_matrix(lat, lon, detour_factor: float, speed_kmh: float) -> TravelMatrix:
    """Road km estimated as great-circle km × detour factor, driven at a constant speed."""
    km = great_circle_km(lat, lon) * detour_factor
    return TravelMatrix(km=km, seconds=km / speed_kmh * 3600.0, source="great_circle")


def osrm_matrix(base_url: str, lat, lon, profile: str = "driving", timeout_s: float = 30.0) -> TravelMatrix:
    """Road km and seconds from an OSRM-compatible `/table/v1` endpoint; unroutable pairs become infinite."""
    coords = ";".join(f"{float(x):.6f},{float(y):.6f}" for y, x in zip(lat, lon))
    url = f"{base_url.rstrip('/')}/table/v1/{urllib.parse.quote(profile)}/{coords}?annotations=duration,distance"
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode("utf-8", "replace")
        raise RoutingServerError(f"routing server {base_url} answered HTTP {exc.code}: {detail}") from exc
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        raise RoutingServerError(f"routing server {base_url} could not be used: {exc}") from exc
    if body.get("code") != "Ok":
        raise RoutingServerError(
            f"routing server {base_url} refused the table request: {body.get('code')} {body.get('message', '')}"
        )
    n = len(lat)
    seconds = _table(body, "durations", n, base_url)
    if "distances" in body:
        km = _table(body, "distances", n, base_url) / 1000.0
    else:
        raise RoutingServerError(
            f"routing server {base_url} returned no distances (annotations=distance unsupported)"
        )
    return TravelMatrix(km=km, seconds=seconds, source="osrm")


def _table(body: dict, name: str, n: int, base_url: str) -> np.ndarray:
    rows = body.get(name)
    if (
        not isinstance(rows, list)
        or len(rows) != n
        or any(not isinstance(r, list) or len(r) != n for r in rows)
    ):
        raise RoutingServerError(f"routing server {base_url} returned a {name} table that is not {n}×{n}")
    # OSRM answers null for a pair it cannot route; such a leg is impossible, not free.
    return np.array([[math.inf if v is None else float(v) for v in row] for row in rows], dtype=float)
