"""Same arguments give byte-identical sources (SQLite included); another seed gives other data."""

from __future__ import annotations

from datetime import date

from dagster_project.demo import writer
from dagster_project.demo.model import Config
from tests.demo.conftest import file_hashes


def test_same_arguments_same_bytes(make_sources, tmp_path):
    first = make_sources(scale=0.05, seed=7, days=60)
    again = tmp_path / "again"
    writer.generate(again, Config(scale=0.05, seed=7, start=date(2024, 12, 1), days=60))
    a, b = file_hashes(first), file_hashes(again)
    assert "orders/orders.sqlite" in a
    assert len(a) > 60 * 9
    assert a == b


def test_regenerating_in_place_is_idempotent(tmp_path):
    cfg = Config(scale=0.02, seed=3, start=date(2024, 12, 1), days=20)
    writer.generate(tmp_path, cfg)
    before = file_hashes(tmp_path)
    writer.generate(tmp_path, cfg)
    assert file_hashes(tmp_path) == before


def test_other_seed_other_data(make_sources):
    a = file_hashes(make_sources(scale=0.05, seed=7, days=60))
    b = file_hashes(make_sources(scale=0.05, seed=8, days=60))
    assert a.keys() == b.keys()
    differing = [k for k in a if a[k] != b[k]]
    assert "orders/orders.sqlite" in differing
    assert sum(k.startswith("crm/leads/") for k in differing) >= 55
    assert sum(k.startswith("ads/google_ads/") for k in differing) == 60
