"""Field days: on some weekdays a rep drives out to several of their own accounts near one another and visits
them in the order the appointments happened to be booked, not the shortest one."""

from __future__ import annotations

import numpy as np

from dagster_project.demo.model import DAY, HOUR, Config, stream

FIELD_DAYS_PER_WEEKDAY_SF1 = 8.0  # across the whole organisation, so volumes scale with --scale
VISITS_PER_DAY = (3, 8)  # inclusive range of visits on a field day
HOME_KM = 60.0  # a field day's first account lies within this distance of the rep's home
NEARBY_KM = 20.0  # the day's other accounts lie within this distance of the first one
DETOUR, SPEED_KMH = 1.3, 40.0


def add_field_days(cfg: Config, home: np.ndarray, accounts, acts) -> None:
    """Append every field day's visits to the activity columns (kind 3, no deal, completed)."""
    n_reps = len(home)
    created, owner = accounts["created"], accounts["owner"]
    lat, lon = accounts["lat"], accounts["lon"]
    # each rep's accounts within reach of home, oldest first (a day can use those created before it)
    reach = []
    for rep in range(n_reps):
        mine = np.flatnonzero(owner == rep)
        mine = mine[_km(home[rep, 0], home[rep, 1], lat[mine], lon[mine]) <= HOME_KM]
        reach.append(mine[np.argsort(created[mine], kind="stable")])
    weekday0 = (np.datetime64(cfg.start, "D").astype("int64") + 3) % 7  # 1970-01-01 was a Thursday
    for day in range(cfg.days):
        if (weekday0 + day) % 7 >= 5:
            continue
        rng = stream(cfg.seed, "field-days", day)
        # the number of field days follows the scale; reps without enough accounts nearby are passed over
        wanted = int(rng.poisson(FIELD_DAYS_PER_WEEKDAY_SF1 * cfg.scale))
        for rep in rng.permutation(n_reps):
            if wanted == 0:
                break
            mine = reach[rep][created[reach[rep]] < day * DAY]
            if len(mine) < VISITS_PER_DAY[0]:
                continue
            anchor = rng.choice(mine)
            near = mine[_km(lat[anchor], lon[anchor], lat[mine], lon[mine]) <= NEARBY_KM]
            k = min(len(near), int(rng.integers(VISITS_PER_DAY[0], VISITS_PER_DAY[1] + 1)))
            if k < VISITS_PER_DAY[0]:
                continue
            wanted -= 1
            order = rng.choice(near, k, replace=False)  # booking order, unrelated to geography
            duration = rng.integers(30, 76, k)
            clock = day * DAY + int(8.5 * HOUR) + int(rng.integers(0, 45 * 60))
            times = np.empty(k, dtype=np.int64)
            for i, acc in enumerate(order):
                if i:
                    prev = order[i - 1]
                    drive = _km(lat[prev], lon[prev], lat[acc], lon[acc]) * DETOUR / SPEED_KMH * HOUR
                    clock += int(duration[i - 1] * 60 + drive + rng.integers(0, 20 * 60))
                times[i] = clock
            jitter = rng.normal(0, 0.0005, (k, 2))
            acts.add(
                time=times,
                kind=np.full(k, 3),
                rep=np.full(k, rep),
                account=order,
                deal=np.full(k, -1),
                duration=duration,
                outcome=np.zeros(k, dtype=np.int64),
                lat=np.round(lat[order] + jitter[:, 0], 6),
                lon=np.round(lon[order] + jitter[:, 1], 6),
            )


def _km(lat1, lon1, lat2, lon2) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))
