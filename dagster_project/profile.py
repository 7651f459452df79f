"""The company profile: one YAML file stating the company's vocabulary (currency, time zone, sources, lead
channels, deal stages, ad platforms, revenue basis), read and validated into a typed object."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

# Channels every company has besides its own: a lead source value the profile does not map, and no source at all.
UNKNOWN_CHANNEL = "unknown"
UNATTRIBUTED_CHANNEL = "unattributed"
UNASSIGNED_REP = "unassigned"
UNKNOWN_STAGE = "unknown"

# Optional sources and the raw tables each one feeds; the CRM's users, accounts, leads and deals are always there.
OPTIONAL_SOURCES = ("orders", "ads", "activities", "stage_history")
ORDERS_TABLES = (
    "orders_customers",
    "orders_products",
    "orders_orders",
    "orders_order_lines",
    "orders_refunds",
)


class ProfileError(ValueError):
    """A profile file that cannot be used; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sources(_Strict):
    """Which optional sources the company has."""

    orders: bool = True
    ads: bool = True
    activities: bool = True
    stage_history: bool = True


class LeadChannels(_Strict):
    """The lead channels reported on and how lead source values and campaign names map onto them."""

    channels: tuple[str, ...] = Field(min_length=1)
    sources: dict[str, str] = Field(default_factory=dict)
    campaign_prefixes: dict[str, str] = Field(default_factory=dict)

    @field_validator("channels")
    @classmethod
    def _unique(cls, channels: tuple[str, ...]) -> tuple[str, ...]:
        dupes = sorted({c for c in channels if channels.count(c) > 1})
        if dupes:
            raise ValueError(f"channels listed twice: {', '.join(dupes)}")
        return channels

    @field_validator("sources", "campaign_prefixes")
    @classmethod
    def _normalised_keys(cls, mapping: dict[str, str]) -> dict[str, str]:
        # lead source values are matched trimmed and lower-cased, so the keys are stored the same way
        return {str(k).strip().lower(): str(v) for k, v in mapping.items()}

    @model_validator(mode="after")
    def _targets_are_channels(self) -> LeadChannels:
        known = set(self.all_channels)
        for key in ("sources", "campaign_prefixes"):
            unknown = sorted({v for v in getattr(self, key).values() if v not in known})
            if unknown:
                raise ValueError(f"{key} maps to channels not in `channels`: {', '.join(unknown)}")
        return self

    @property
    def all_channels(self) -> tuple[str, ...]:
        """The company's channels plus the explicit `unknown` and `unattributed` ones."""
        extra = tuple(c for c in (UNKNOWN_CHANNEL, UNATTRIBUTED_CHANNEL) if c not in self.channels)
        return self.channels + extra


class Stage(_Strict):
    """One deal pipeline stage and the outcome it stands for."""

    name: str = Field(min_length=1)
    outcome: Literal["open", "won", "lost"]


class AdPlatform(_Strict):
    """An ad platform the company buys on: the VAT its reported cost includes."""

    vat_rate: float = Field(default=0.0, ge=0, lt=1)


class Profile(_Strict):
    """A company's vocabulary: everything the pipeline must not assume about the data."""

    reporting_currency: str = Field(pattern=r"^[A-Z]{3}$")
    timezone: str = "UTC"
    sources: Sources = Sources()
    revenue_basis: Literal["orders", "won_deals", "both"] = "orders"
    unknown_owner: Literal["unassigned", "error"] = "unassigned"
    lead_channels: LeadChannels
    deal_stages: tuple[Stage, ...] = Field(min_length=2)
    ad_platforms: dict[str, AdPlatform] = Field(default_factory=dict)
    path: str = Field(default="", exclude=True)

    @field_validator("reporting_currency")
    @classmethod
    def _usd_for_now(cls, currency: str) -> str:
        # the FX reference file gives rates to USD and the marts' amount columns are USD (`*_usd`)
        if currency != "USD":
            raise ValueError(
                f"{currency}: only USD is supported as reporting currency so far (FX rates are to USD)"
            )
        return currency

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {zone!r} (an IANA name such as Europe/Berlin)") from None
        return zone

    @field_validator("deal_stages")
    @classmethod
    def _stages(cls, stages: tuple[Stage, ...]) -> tuple[Stage, ...]:
        names = [s.name for s in stages]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"stages listed twice: {', '.join(dupes)}")
        outcomes = {s.outcome for s in stages}
        for needed in ("won", "lost"):
            if needed not in outcomes:
                raise ValueError(f"no stage has outcome {needed}")
        return stages

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        if self.revenue_basis in ("orders", "both") and not self.sources.orders:
            raise ValueError(
                f"revenue_basis: {self.revenue_basis} needs sources.orders: true (use won_deals without orders)"
            )
        if self.revenue_basis == "won_deals" and self.sources.orders:
            raise ValueError(
                "revenue_basis: won_deals with sources.orders: true leaves the orders' revenue uncounted; use both "
                "(orders, plus won deals no order fulfils) or switch sources.orders off"
            )
        return self

    # -- what the rest of the pipeline asks ---------------------------------------------------------------------

    @property
    def stage_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.deal_stages)

    def stages_with(self, outcome: str) -> tuple[str, ...]:
        return tuple(s.name for s in self.deal_stages if s.outcome == outcome)

    def source_enabled(self, source: str) -> bool:
        """Whether a source ('crm', 'reference', 'orders', 'ads', 'activities', 'stage_history') is configured."""
        if source in ("crm", "reference"):
            return True
        if source not in OPTIONAL_SOURCES:
            raise KeyError(
                f"unknown source {source!r}; sources are crm, reference, {', '.join(OPTIONAL_SOURCES)}"
            )
        return bool(getattr(self.sources, source))

    def table_enabled(self, table: str) -> bool:
        """Whether a raw table is fed at all: its source is on (and, for an ad report, its platform is listed)."""
        if table.startswith("orders_"):
            return self.sources.orders
        if table.startswith("ads_"):
            return self.sources.ads and table.removeprefix("ads_") in self.ad_platforms
        if table == "crm_activities":
            return self.sources.activities
        if table == "crm_deal_stage_events":
            return self.sources.stage_history
        return True


def _describe(error: ValidationError, path: Path) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(p) for p in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        lines.append(f"{path}: {key}: {message}")
    return "\n".join(lines)


def parse_profile(data: object, path: Path) -> Profile:
    """Validate profile data read from `path`; a ProfileError names the file and every bad key."""
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: a profile is a YAML mapping (reporting_currency, lead_channels, …)")
    try:
        return Profile.model_validate({**data, "path": str(path)})
    except ValidationError as exc:
        raise ProfileError(_describe(exc, path)) from None


@functools.cache
def _load(path: Path, mtime_ns: int) -> Profile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: not valid YAML: {exc}") from None
    return parse_profile(data, path)


def load_profile(path: Path | None = None) -> Profile:
    """The profile at `path`, by default the one the KPI_PROFILE setting selects (re-read when the file changes)."""
    if path is None:
        from dagster_project.environment import settings

        path = settings().profile_path
    if not path.is_file():
        raise ProfileError(f"{path}: profile file not found (set KPI_PROFILE to your company's profile)")
    return _load(path, path.stat().st_mtime_ns)


def source_enabled(source: str, path: Path | None = None) -> bool:
    """Whether the current profile has `source` ('orders', 'ads', 'activities', 'stage_history', 'crm', …)."""
    return load_profile(path).source_enabled(source)


def table_enabled(table: str, path: Path | None = None) -> bool:
    """Whether the current profile feeds raw table `table` (its source on and, for ads, its platform listed)."""
    return load_profile(path).table_enabled(table)
