"""Ad campaigns on three platforms, their daily spend, and each platform's own daily CSV report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from dagster_project.demo.model import (
    CAMPAIGNS_PER_PLATFORM,
    PAID_LEADS_PER_DAY,
    SPIKE_DAYS,
    SPIKE_FACTOR,
    Config,
    day_factor,
    stream,
)

PLATFORMS = ("google_ads", "meta_ads", "yandex_direct")
PLATFORM_LEAD_SHARE = (0.45, 0.35, 0.20)
YANDEX_VAT = 1.20
THEMES = ("brand", "generic", "competitor", "retarget", "lookalike", "crm", "analytics", "pricing")
MARKETS = ("nordics", "dach", "cee", "south", "benelux")
# Cost per lead and per click (USD) by campaign kind; display buys cheap clicks that rarely become leads.
CPL = {"search": 55.0, "social": 40.0, "display": 85.0}
CPC = {"search": 1.9, "social": 0.8, "display": 0.35}
CTR = {"search": 0.045, "social": 0.012, "display": 0.004}
# display leads are counted as paid_social: both are paid media outside search.
CHANNEL = {"search": "paid_search", "social": "paid_social", "display": "paid_social"}


@dataclass(frozen=True)
class Campaigns:
    """All campaigns; a campaign's global index is its position here (platform-major)."""

    platform: np.ndarray  # index into PLATFORMS
    kind: list[str]
    channel: list[str]
    ids: list[str]
    names: list[str]
    cpl: np.ndarray
    base_spend: np.ndarray  # USD per average day at this scale
    spike: int  # campaign with the spend spike

    def __len__(self) -> int:
        return len(self.ids)


def build_campaigns(cfg: Config) -> Campaigns:
    """Draw about 40 × scale campaigns per platform (at least 3), spend sized so paid leads scale with --scale."""
    rng = stream(cfg.seed, "campaigns")
    per_platform = max(3, round(CAMPAIGNS_PER_PLATFORM * cfg.scale))
    platform, kind, ids, names, cpl, spend = [], [], [], [], [], []
    for p, name in enumerate(PLATFORMS):
        offsets = rng.integers(0, 9_973, per_platform)
        for i in range(per_platform):
            k = "social" if name == "meta_ads" else ("display" if i % 3 == 2 else "search")
            if name == "google_ads":
                cid = str(1_200_000_000 + i * 9_973 + offsets[i])
            elif name == "meta_ads":
                cid = str(23_851_000_000_000_000 + i * 9_973 + offsets[i])
            else:
                cid = str(70_000_000 + i * 9_973 + offsets[i])
            theme = THEMES[rng.integers(0, len(THEMES))]
            market = MARKETS[rng.integers(0, len(MARKETS))]
            campaign_cpl = CPL[k] * rng.lognormal(0.0, 0.25)
            leads = PAID_LEADS_PER_DAY * cfg.scale * PLATFORM_LEAD_SHARE[p] / per_platform
            platform.append(p)
            kind.append(k)
            ids.append(cid)
            names.append(f"{k}_{theme}_{market}_{i + 1:03d}")
            cpl.append(campaign_cpl)
            spend.append(leads * campaign_cpl)
    return Campaigns(
        platform=np.array(platform),
        kind=kind,
        channel=[CHANNEL[k] for k in kind],
        ids=ids,
        names=names,
        cpl=np.array(cpl),
        base_spend=np.array(spend),
        spike=0,
    )


@dataclass(frozen=True)
class DaySpend:
    """One day's spend per campaign: the effective part that buys leads, and what the platform bills."""

    effective: np.ndarray
    billed: np.ndarray
    clicks: np.ndarray
    impressions: np.ndarray


def day_spend(cfg: Config, campaigns: Campaigns, day: int) -> DaySpend:
    """Spend of every campaign on one day (seasonal, noisy, some paused days, the spike campaign at 10×)."""
    rng = stream(cfg.seed, "ads", day)
    n = len(campaigns)
    noise = rng.lognormal(0.0, 0.25, n)
    paused = rng.random(n) < 0.03
    if day in SPIKE_DAYS:
        paused[campaigns.spike] = False
    effective = np.where(paused, 0.0, campaigns.base_spend * day_factor(cfg.start, day) * noise)
    effective = np.round(effective, 2)
    billed = effective.copy()
    if day in SPIKE_DAYS:
        # The spike is wasted money: the platform bills 10× but the extra spend brings no extra leads.
        c = campaigns.spike
        billed[c] = np.round(campaigns.base_spend[c] * noise[c] * SPIKE_FACTOR, 2)
    kinds = campaigns.kind
    cpc = np.array([CPC[k] for k in kinds]) * rng.lognormal(0.0, 0.1, n)
    ctr = np.array([CTR[k] for k in kinds]) * rng.lognormal(0.0, 0.1, n)
    clicks = np.where(billed > 0, np.maximum(1, np.round(billed / cpc)), 0).astype(np.int64)
    impressions = np.where(clicks > 0, np.round(clicks / ctr), 0).astype(np.int64)
    return DaySpend(effective=effective, billed=billed, clicks=clicks, impressions=impressions)


def report_csv(
    platform: str, campaigns: Campaigns, day: date, spend: DaySpend, leads: np.ndarray, eur: float, rub: float
) -> str:
    """One platform's daily report as text, in that platform's header, date format, currency and decimals."""
    rows: list[str] = []
    members = np.flatnonzero(campaigns.platform == PLATFORMS.index(platform))
    if platform == "google_ads":
        rows.append("Day,Campaign ID,Campaign,Impressions,Clicks,Cost (micros),Conversions,Currency")
        for c in members:
            micros = round(spend.billed[c] * 100) * 10_000
            rows.append(
                f"{day.isoformat()},{campaigns.ids[c]},{campaigns.names[c]},{spend.impressions[c]},"
                f"{spend.clicks[c]},{micros},{leads[c]:.2f},USD"
            )
    elif platform == "meta_ads":
        rows.append("date_start,campaign_id,campaign_name,impressions,clicks,spend,account_currency")
        for c in members:
            rows.append(
                f"{day:%d/%m/%Y},{campaigns.ids[c]},{campaigns.names[c]},{spend.impressions[c]},"
                f"{spend.clicks[c]},{spend.billed[c] / eur:.2f},EUR"
            )
    elif platform == "yandex_direct":
        rows.append("Date;CampaignId;CampaignName;Impressions;Clicks;Cost;Currency")
        for c in members:
            cost = f"{spend.billed[c] / rub * YANDEX_VAT:.2f}".replace(".", ",")
            rows.append(
                f"{day:%d.%m.%Y};{campaigns.ids[c]};{campaigns.names[c]};{spend.impressions[c]};"
                f"{spend.clicks[c]};{cost};RUB"
            )
    else:
        raise ValueError(f"unknown ad platform {platform!r}")
    return "\n".join(rows) + "\n"
