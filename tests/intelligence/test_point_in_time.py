"""Features as of a past scoring date depend only on what was loaded before it: no leakage from later data."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pandas as pd
import pytest

from tests.intelligence.conftest import build_features

# what the window after the scoring date decides, and which rows count as "now": allowed to differ
OUTCOME = {"label", "label_complete", "label_value_usd", "label_days_to_close", "is_current"}
TABLES = {"feat_accounts": "account_id", "feat_deals": "deal_id", "feat_leads": "lead_id"}


def _rows(path, table: str, day) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        frame = con.execute(f"select * from features.{table} where scoring_date = ?", [day]).df()
    keep = [c for c in frame.columns if c not in OUTCOME]
    return frame[keep].sort_values(TABLES[table]).reset_index(drop=True)


@pytest.fixture(scope="module")
def past_date(features_warehouse):
    with duckdb.connect(str(features_warehouse), read_only=True) as con:
        days = [
            r[0]
            for r in con.execute(
                "select scoring_date from features.feat_scoring_dates where not is_current order by 1"
            ).fetchall()
        ]
    assert len(days) >= 3, "the fixture must span several scoring dates"
    return days[len(days) // 2]


@pytest.fixture(scope="module")
def cut_warehouse(tmp_path_factory, raw_tables, past_date):
    """The same sources, but nothing loaded on or after the scoring date."""
    path = tmp_path_factory.mktemp("feat-cut") / "warehouse.duckdb"
    return build_features(path, raw_tables, until=past_date - timedelta(days=1))


@pytest.fixture(scope="module")
def rewritten_warehouse(tmp_path_factory, raw_tables, past_date):
    """The same sources with every later record rewritten: amounts tripled, deals lost, orders cancelled."""
    tables = {name: frame.copy() for name, frame in raw_tables.items()}
    for name, frame in tables.items():
        if name.startswith("ref_") or "_partition_date" not in frame:
            continue
        later = pd.to_datetime(frame["_partition_date"]) >= pd.Timestamp(past_date)
        for col, value in (
            ("amount", None),
            ("stage", "lost"),
            ("status", "cancelled"),
            ("line_amount", None),
        ):
            if col in frame:
                frame.loc[later, col] = frame.loc[later, col] * 3 if value is None else value
    path = tmp_path_factory.mktemp("feat-rewritten") / "warehouse.duckdb"
    return build_features(path, tables)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_later_loads_do_not_change_a_past_dates_features(features_warehouse, cut_warehouse, past_date, table):
    full, cut = _rows(features_warehouse, table, past_date), _rows(cut_warehouse, table, past_date)
    assert len(full) > 0
    pd.testing.assert_frame_equal(full, cut, check_dtype=False)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_rewriting_later_records_does_not_change_a_past_dates_features(
    features_warehouse, rewritten_warehouse, past_date, table
):
    full, rewritten = (
        _rows(features_warehouse, table, past_date),
        _rows(rewritten_warehouse, table, past_date),
    )
    pd.testing.assert_frame_equal(full, rewritten, check_dtype=False)


def test_labels_do_come_from_the_later_window(features_warehouse, cut_warehouse, past_date):
    """The comparison above is not vacuous: the same rows' labels differ once the later data is missing."""
    with (
        duckdb.connect(str(features_warehouse), read_only=True) as full,
        duckdb.connect(str(cut_warehouse), read_only=True) as cut,
    ):
        sql = "select count(*) filter (where label) from features.feat_accounts where scoring_date = ?"
        assert full.execute(sql, [past_date]).fetchone()[0] > 0
        assert cut.execute(sql, [past_date]).fetchone()[0] == 0
