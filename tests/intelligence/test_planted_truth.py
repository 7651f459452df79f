"""On demo data the account model recovers the reorder rhythm the generator planted (the truth is known)."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from dagster_project.demo import writer
from dagster_project.demo.model import Config
from tests.intelligence.recovery import planted_recovery
from tests.transform.dbt_runner import run_dbt
from tests.transform.ingest_loader import load_raw

CFG = Config(scale=0.05, seed=5, start=date(2024, 12, 2), days=420)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def account_rows(tmp_path_factory):
    root = tmp_path_factory.mktemp("planted")
    writer.generate(root / "sources", CFG)
    warehouse = load_raw(root / "sources", root / "data", CFG.start, CFG.last_day)
    run_dbt(["run", "--select", "+feat_accounts"], warehouse=warehouse, target_path=root / "target")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select * from features.feat_accounts where label_complete and not is_current").df()


def test_account_model_recovers_the_planted_reorder_rhythm(account_rows):
    found = planted_recovery(CFG, account_rows)
    print(found)
    assert found["rows"] > 500 and 0 < found["positives"] < found["rows"]
    assert found["rank_correlation"] > 0.6
    assert found["roc_auc_model"] > found["roc_auc_truth"] - 0.04
