"""`--append-day` continuity: D days then one appended day equals D+1 days generated directly."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from dagster_project.demo import writer
from dagster_project.demo.model import Config, DemoDataError
from tests.demo.conftest import file_hashes, table_rows

START = date(2024, 12, 1)


@pytest.mark.parametrize("days", [45, 58])
def test_append_equals_direct(make_sources, tmp_path, days):
    grown = tmp_path / "grown"
    shutil.copytree(make_sources(scale=0.05, seed=7, days=days), grown)
    written = writer.append_day(grown, 0.05, 7, START)
    assert written.first_day == written.last_day == date.fromordinal(START.toordinal() + days)
    assert written.rows["crm/leads"] > 0 and written.rows["orders/orders"] > 0
    direct = tmp_path / "direct"
    writer.generate(direct, Config(scale=0.05, seed=7, start=START, days=days + 1))
    assert file_hashes(grown, include_sqlite=False) == file_hashes(direct, include_sqlite=False)
    assert table_rows(grown) == table_rows(direct)


def test_two_appends_in_a_row(make_sources, tmp_path):
    grown = tmp_path / "grown"
    shutil.copytree(make_sources(scale=0.05, seed=7, days=60), grown)
    writer.append_day(grown, 0.05, 7, START)
    writer.append_day(grown, 0.05, 7, START)
    direct = tmp_path / "direct"
    writer.generate(direct, Config(scale=0.05, seed=7, start=START, days=62))
    assert file_hashes(grown, include_sqlite=False) == file_hashes(direct, include_sqlite=False)
    assert table_rows(grown) == table_rows(direct)


def test_append_with_other_arguments_is_refused(make_sources, tmp_path):
    grown = tmp_path / "grown"
    shutil.copytree(make_sources(scale=0.05, seed=7, days=60), grown)
    before = file_hashes(grown)
    with pytest.raises(DemoDataError, match="same --scale/--seed/--start"):
        writer.append_day(grown, 0.05, 8, START)
    with pytest.raises(DemoDataError, match="no .demo-data.json"):
        writer.append_day(tmp_path / "empty", 0.05, 7, START)
    assert file_hashes(grown) == before
