"""The OSRM table client against a stub server on 127.0.0.1 that speaks the table API."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from dagster_project.defs.routes.solver import Stop, Workday, solve_day
from dagster_project.defs.routes.travel import RoutingServerError, osrm_matrix


class TableStub(BaseHTTPRequestHandler):
    """Answers /table/v1/driving/lon,lat;… with Manhattan metres (1° = 100 km) at 20 m/s; 'island' is unroutable."""

    requests: ClassVar[list[str]] = []

    def do_GET(self):
        url = urlsplit(self.path)
        type(self).requests.append(self.path)
        parts = url.path.split("/")
        if parts[1:4] != ["table", "v1", "driving"] or parse_qs(url.query).get("annotations") != [
            "duration,distance"
        ]:
            return self._send(400, {"code": "InvalidUrl", "message": "bad path"})
        points = [tuple(map(float, p.split(","))) for p in parts[4].split(";")]
        if len(points) > 5:
            return self._send(400, {"code": "TooBig", "message": "Too many table coordinates"})
        metres = [[100_000 * (abs(a[0] - b[0]) + abs(a[1] - b[1])) for b in points] for a in points]
        island = [i for i, (lon, _) in enumerate(points) if lon > 50]
        for i in island:
            for j in range(len(points)):
                if i != j:
                    metres[i][j] = metres[j][i] = None
        seconds = [[None if m is None else m / 20 for m in row] for row in metres]
        self._send(200, {"code": "Ok", "durations": seconds, "distances": metres})

    def _send(self, status, body):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def stub_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), TableStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_the_table_is_read_in_metres_and_seconds_with_lon_lat_order(stub_url):
    TableStub.requests.clear()
    travel = osrm_matrix(stub_url, lat=[45.0, 45.1, 45.0], lon=[9.0, 9.0, 9.2])
    assert TableStub.requests[0].startswith("/table/v1/driving/9.000000,45.000000;9.000000,45.100000;")
    assert travel.source == "osrm"
    assert travel.km[0, 1] == pytest.approx(10.0) and travel.km[1, 2] == pytest.approx(30.0)
    assert travel.seconds[0, 2] == pytest.approx(1000.0)


def test_an_unroutable_pair_is_impossible_and_the_due_visit_says_so(stub_url):
    lat, lon = [45.0, 45.1, 45.0], [9.0, 9.0, 60.0]
    travel = osrm_matrix(stub_url, lat=lat, lon=lon)
    assert np.isinf(travel.km[0, 2]) and np.isinf(travel.seconds[2, 1])
    stops = [Stop("near", 45.1, 9.0, 1800, 10.0, True), Stop("island", 45.0, 60.0, 1800, 10.0, True)]
    plan = solve_day(Workday(45.0, 9.0, 8 * 3600, 17 * 3600), stops, travel, 0.5, 0.2)
    assert [stops[v.stop].account_id for v in plan.visits] == ["near"]
    assert plan.dropped_must == {1: "no road route between home and this account"}


def test_a_refused_or_unreachable_server_is_a_clear_error(stub_url):
    with pytest.raises(RoutingServerError, match="HTTP 400.*Too many table coordinates"):
        osrm_matrix(stub_url, lat=[45.0] * 6, lon=[9.0 + i / 10 for i in range(6)])
    with pytest.raises(RoutingServerError, match="could not be used"):
        osrm_matrix("http://127.0.0.1:9/", lat=[45.0, 45.1], lon=[9.0, 9.0], timeout_s=2)
