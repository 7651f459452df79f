"""Marts built by ingest + dbt from the demo sources equal KPIs recomputed straight from those source files."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.transform.dbt_runner import REPO, run_dbt
from tests.transform.ingest_loader import load_raw
from tests.transform.source_recompute import TargetRecompute, recompute

START = date(2024, 12, 1)
DAYS = 60


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, Path]:
    """Demo sources (scale 0.05, 60 days) loaded by the ingest assets and built by dbt: (sources, warehouse)."""
    root = tmp_path_factory.mktemp("demo")
    sources, data = root / "sources", root / "data"
    env = {
        **os.environ,
        "KPI_DATA_DIR": str(data),
        "KPI_SOURCES_DIR": str(sources),
        "KPI_START_DATE": START.isoformat(),
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "dagster_project.cli",
            "demo-data",
            "--scale",
            "0.05",
            "--seed",
            "7",
            "--start",
            START.isoformat(),
            "--days",
            str(DAYS),
            "--out",
            str(sources),
        ],
        env=env,
        check=True,
        cwd=REPO,
        capture_output=True,
    )
    warehouse = load_raw(sources, data, START, START + timedelta(days=DAYS - 1))
    run_dbt(["build", "--exclude", "test_type:unit"], warehouse=warehouse, target_path=root / "target")
    return sources, warehouse


def _mart(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).df()


def test_company_revenue_win_rate_and_cycle(demo):
    sources, warehouse = demo
    expected = recompute(sources)["company"]
    actual = _mart(
        warehouse,
        "select month_start, net_revenue_usd, win_rate_by_count, sales_cycle_median_days "
        "from marts.kpi_monthly where owner_level = 'company'",
    )
    actual = actual.set_index(pd.to_datetime(actual["month_start"])).drop(columns="month_start").sort_index()
    assert len(expected) >= 2
    pd.testing.assert_frame_equal(
        actual.loc[expected.index],
        expected.astype(float),
        check_dtype=False,
        check_names=False,
        rtol=1e-9,
        atol=1e-6,
    )


def test_cac_per_channel(demo):
    sources, warehouse = demo
    expected = recompute(sources)["channel"]
    actual = _mart(
        warehouse,
        "select month_start, channel, ad_spend_usd, new_customers, cac_usd from marts.kpi_channel_monthly",
    )
    actual["month_start"] = pd.to_datetime(actual["month_start"])
    actual = actual.set_index(["month_start", "channel"]).sort_index()
    assert expected["ad_spend_usd"].sum() > 0 and expected["new_customers"].sum() > 0
    assert np.isfinite(expected["cac_usd"]).any()
    pd.testing.assert_frame_equal(
        actual.loc[expected.index], expected, check_dtype=False, check_names=False, rtol=1e-9, atol=1e-6
    )
    # a channel that won customers without spend has no CAC: absent, never drawn as $0
    free = expected[(expected["ad_spend_usd"] == 0) & (expected["new_customers"] > 0)].index
    assert len(free) and actual.loc[free, "cac_usd"].isna().all(), actual.loc[free]
    # the mart's other rows (channels idle in a month) carry neither spend nor customers
    rest = actual.drop(index=expected.index)
    assert (rest["ad_spend_usd"] == 0).all() and (rest["new_customers"] == 0).all()


def test_every_target_is_compared_with_the_kpi_it_names(demo):
    """Each planning-sheet target's actual is its KPI recomputed from the sources on the same definition, period and
    scope, and the demo's targets land where docs/demo-data.md says (about 100 % for the company)."""
    sources, warehouse = demo
    targets = pd.read_csv(sources / "reference" / "kpi_targets.csv")
    marts = _mart(
        warehouse,
        "select target_id, metric, owner_level, actual_value, pace_to_target, as_of_date "
        "from marts.kpi_target_attainment where status <> 'not_started'",
    ).set_index("target_id")
    recompute = TargetRecompute(sources)
    started = targets[targets["target_id"].isin(marts.index)]
    assert set(started["metric"]) >= {
        "won_amount_usd",
        "net_revenue_usd",
        "new_customers",
        "cac_usd",
        "conversion_lead_to_deal",
        "win_rate_by_count",
        "avg_won_deal_size_usd",
        "sales_cycle_median_days",
    }
    assert {"rep", "team", "company"} <= set(started["owner_level"])
    as_of = pd.Timestamp(marts["as_of_date"].iloc[0])
    for row in started.itertuples():
        end = min(pd.Timestamp(row.period_end), as_of)
        expected = recompute.value(row.metric, row.owner_level, row.owner_id, row.period_start, end)
        actual = marts.loc[row.target_id, "actual_value"]
        where = f"{row.target_id} {row.metric} {row.owner_level} {row.owner_id} {row.period_start}"
        if expected is None:
            assert pd.isna(actual), where
        else:
            assert actual == pytest.approx(expected, rel=1e-9, abs=1e-6), where
    # company months after the first (the ramp-up): the targets are stated on the KPIs' own basis, so the
    # projected attainment is near 100 % (it was 233 % for revenue, 21 % for CAC and 429 % for new customers when
    # targets measured something else)
    done = marts[(marts["owner_level"] == "company")].join(targets.set_index("target_id")[["period_start"]])
    done = done[pd.to_datetime(done["period_start"]) > pd.Timestamp(START)]
    # New customers, and CAC which divides by them, are counts of a few events at this scale: the target expects
    # about 9 new customers in January and seed 7 draws 3 (36 % pace; 13 seeds drew 3-12, mean 7.7). Their band
    # widens by three standard errors of that count (Poisson), which still fails a target stated on another basis
    # (one 3x too high or too low lies outside it).
    expected_count = {
        row.period_start: row.target_value * row.elapsed_days / row.period_days
        for row in _mart(
            warehouse,
            "select cast(period_start as varchar) as period_start, target_value, elapsed_days, period_days "
            "from marts.kpi_target_attainment where owner_level = 'company' and metric = 'new_customers' "
            "and period_grain = 'month'",
        ).itertuples()
    }
    for metric in ("won_amount_usd", "net_revenue_usd", "new_customers", "cac_usd"):
        rows = done[done["metric"] == metric]
        assert len(rows), metric
        for row in rows.itertuples():
            low, high = 0.6, 1.6
            if metric in ("new_customers", "cac_usd"):
                error = 3 / np.sqrt(max(expected_count[str(row.period_start)[:10]], 1.0))
                low, high = min(low, 1 - error), max(high, 1 + error)
            assert low <= row.pace_to_target <= high, (
                metric,
                row.period_start,
                row.pace_to_target,
                low,
                high,
            )
