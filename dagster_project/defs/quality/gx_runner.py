"""Validation of DataFrames with Great Expectations: one ephemeral context per process, a pandas datasource,
Data Docs pages rendered to a local site."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import great_expectations as gx
import pandas as pd
from great_expectations.core import ExpectationSuiteValidationResult
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from dagster_project.defs.quality.data_docs import make_offline
from dagster_project.defs.quality.suites.base import CheckSpec

SITE = "local"
DATASOURCE = "warehouse"


@dataclass(frozen=True)
class Validation:
    """The outcome of validating one batch: GX's result and the Data Docs page that shows it."""

    result: ExpectationSuiteValidationResult
    page: Path

    @property
    def success(self) -> bool:
        return bool(self.result.success)

    @property
    def failed(self) -> list[str]:
        """The failed expectations, each as `type(column)`."""
        names = []
        for r in self.result.results:
            if not r.success:
                kwargs = r.expectation_config.kwargs
                target = (
                    kwargs.get("column") or kwargs.get("column_A") or ",".join(kwargs.get("column_list", []))
                )
                names.append(f"{r.expectation_config.type}({target})")
        return names


class GxRunner:
    """An ephemeral GX context holding the suites in memory and rendering Data Docs pages into `docs_dir`."""

    def __init__(self, docs_dir: Path):
        self.docs_dir = docs_dir
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            progress_bars=ProgressBarsConfig(globally=False),
            analytics_enabled=False,
            data_docs_sites={
                SITE: {
                    "class_name": "SiteBuilder",
                    "show_how_to_buttons": False,
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(docs_dir),
                    },
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                }
            },
        )
        self.context = gx.get_context(mode="ephemeral", project_config=config)
        self._datasource = self.context.data_sources.add_pandas(DATASOURCE)
        self._batches: dict[str, object] = {}
        self._suites: dict[str, gx.ExpectationSuite] = {}
        self._rendered_suites: set[str] = set()
        self._pending: list[ValidationResultIdentifier] = []
        # GX logs every metric it resolves at INFO; a check's own metadata carries what matters
        logging.getLogger("great_expectations").setLevel(logging.WARNING)

    def _suite(self, name: str, spec: CheckSpec) -> gx.ExpectationSuite:
        if name not in self._suites:
            self._suites[name] = self.context.suites.add(
                gx.ExpectationSuite(name=name, expectations=spec.expectations())
            )
        return self._suites[name]

    def _batch_definition(self, asset_name: str):
        if asset_name not in self._batches:
            asset = self._datasource.add_dataframe_asset(asset_name)
            self._batches[asset_name] = asset.add_batch_definition_whole_dataframe("window")
        return self._batches[asset_name]

    def validate(self, asset_name: str, spec: CheckSpec, frame: pd.DataFrame, run_name: str) -> Validation:
        """Validate `frame` against the spec's suite and keep the result for `render`."""
        suite_name = f"{asset_name}.{spec.name}"
        suite = self._suite(suite_name, spec)
        batch = self._batch_definition(asset_name).get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format="SUMMARY")
        run_id = gx.RunIdentifier(run_name=run_name, run_time=datetime.now(UTC))
        result.meta["run_id"] = run_id
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite_name),
            run_id=run_id,
            # dots would nest the page in folders: GX splits identifiers on them
            batch_identifier=asset_name.replace(".", "__"),
        )
        self.context.validation_results_store.set(key, result)
        self._pending.append(key)
        *folders, leaf = key.to_tuple()
        return Validation(result=result, page=self.docs_dir.joinpath("validations", *folders, f"{leaf}.html"))

    def render(self) -> None:
        """Render the Data Docs pages of every validation since the last render (and of new suites), in one pass."""
        if not self._pending:
            return
        keys, self._pending = self._pending, []
        suites = {k.expectation_suite_identifier.name for k in keys} - self._rendered_suites
        identifiers: list = [*keys, *(ExpectationSuiteIdentifier(name=s) for s in sorted(suites))]
        self.context.build_data_docs(site_names=[SITE], resource_identifiers=identifiers, build_index=False)
        pages = []
        for key in keys:
            # the in-memory store only feeds this render; dropping the result keeps a long run's memory flat
            self.context.validation_results_store.remove_key(key)
            *folders, leaf = key.to_tuple()
            pages.append(self.docs_dir.joinpath("validations", *folders, f"{leaf}.html"))
        for suite_name in suites:
            *folders, leaf = suite_name.split(".")
            pages.append(self.docs_dir.joinpath("expectations", *folders, f"{leaf}.html"))
        self._rendered_suites |= suites
        make_offline(self.docs_dir, pages)


@functools.cache
def runner_for(docs_dir: Path) -> GxRunner:
    """The process's runner for a docs site: GX context creation is slow, so every check of a run shares one."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    return GxRunner(docs_dir)
