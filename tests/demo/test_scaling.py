"""Volumes grow linearly with the scale factor."""

from __future__ import annotations

import pytest

from tests.demo.conftest import connect, scalar

COUNTS = {
    "leads": "SELECT count(DISTINCT id) FROM leads",
    "deals": "SELECT count(DISTINCT id) FROM deals",
    "activities": "SELECT count(*) FROM activities",
    "orders": "SELECT count(*) FROM o_orders",
    "order_lines": "SELECT count(*) FROM o_order_lines",
}


@pytest.mark.parametrize("what", sorted(COUNTS))
def test_doubling_the_scale_doubles_the_volume(make_sources, what):
    small = scalar(connect(make_sources(scale=0.05, days=60)), COUNTS[what])
    large = scalar(connect(make_sources(scale=0.10, days=60)), COUNTS[what])
    assert small > 0
    assert 1.6 <= large / small <= 2.4, (what, small, large)


def test_volumes_match_the_sf1_rates(make_sources):
    """Per day at scale S: ~137 S leads, ~31 S deals, ~411 S orders, ~3.3 lines per order."""
    con = connect(make_sources(scale=0.10, days=60))
    per_day = {k: scalar(con, sql) / 60 / 0.10 for k, sql in COUNTS.items()}
    assert 110 <= per_day["leads"] <= 165
    assert 18 <= per_day["deals"] <= 40
    assert 330 <= per_day["orders"] <= 490
    assert 3.0 <= per_day["order_lines"] / per_day["orders"] <= 3.7
