"""The sales organisation: regions, teams, directors, managers and reps with their skill."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dagster_project.demo.model import REPS, TEAM_MOVE_DAY, Config, stream

REGIONS = ("North", "Central", "South")
TEAMS = (
    ("team_01", "North Enterprise", "North"),
    ("team_02", "North SMB", "North"),
    ("team_03", "Central Enterprise", "Central"),
    ("team_04", "Central SMB", "Central"),
    ("team_05", "South Enterprise", "South"),
    ("team_06", "South SMB", "South"),
)
# name, ISO-2 country, lat, lon, currency of the customers there
CITIES = {
    "North": (
        ("Stockholm", "SE", 59.3293, 18.0686, "USD"),
        ("Copenhagen", "DK", 55.6761, 12.5683, "USD"),
        ("Oslo", "NO", 59.9139, 10.7522, "USD"),
        ("Hamburg", "DE", 53.5511, 9.9937, "EUR"),
        ("Helsinki", "FI", 60.1699, 24.9384, "EUR"),
    ),
    "Central": (
        ("Berlin", "DE", 52.5200, 13.4050, "EUR"),
        ("Prague", "CZ", 50.0755, 14.4378, "USD"),
        ("Vienna", "AT", 48.2082, 16.3738, "EUR"),
        ("Warsaw", "PL", 52.2297, 21.0122, "USD"),
        ("Amsterdam", "NL", 52.3676, 4.9041, "EUR"),
    ),
    "South": (
        ("Milan", "IT", 45.4642, 9.1900, "EUR"),
        ("Madrid", "ES", 40.4168, -3.7038, "EUR"),
        ("Barcelona", "ES", 41.3874, 2.1686, "EUR"),
        ("Marseille", "FR", 43.2965, 5.3698, "EUR"),
        ("Lisbon", "PT", 38.7223, -9.1393, "EUR"),
    ),
}
ALL_CITIES = [c for region in REGIONS for c in CITIES[region]]
FIRST_NAMES = (
    "Anna",
    "Boris",
    "Clara",
    "David",
    "Elena",
    "Felix",
    "Greta",
    "Hugo",
    "Irina",
    "Jonas",
    "Katja",
    "Lars",
    "Maria",
    "Niko",
    "Olga",
    "Pavel",
    "Quinn",
    "Rosa",
    "Sven",
    "Tanja",
    "Ugo",
    "Vera",
    "Walter",
    "Yana",
    "Zoe",
)
LAST_NAMES = (
    "Andersen",
    "Bauer",
    "Costa",
    "Dvorak",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Novak",
    "Olsen",
    "Petrov",
    "Rossi",
    "Schmidt",
    "Torres",
    "Urban",
    "Virtanen",
    "Weber",
    "Zielinski",
)
WEAK_SKILL = 0.45


@dataclass(frozen=True)
class Org:
    """Every CRM user; reps come first so a rep's index is also its position in the rep arrays."""

    user_ids: list[str]
    names: list[str]
    roles: list[str]
    teams: np.ndarray  # team index per user at the start; directors hold their region's first team
    regions: list[str]
    managers: np.ndarray  # user index of the manager, -1 for directors
    hire_days: np.ndarray  # day offset of hiring (negative: before the start)
    home: np.ndarray  # (n, 2) lat, lon
    n_reps: int
    rep_capacity: np.ndarray  # share of incoming leads
    rep_skill: np.ndarray  # multiplies win probability
    rep_cycle: np.ndarray  # multiplies time between stages
    weak_reps: np.ndarray  # indices of the reps that miss target
    mover: int  # the rep who changes team on TEAM_MOVE_DAY
    mover_team: int

    def team_of(self, user: int, day: int) -> int:
        """Team index of a user on a given day (the mover changes team)."""
        if user == self.mover and day >= TEAM_MOVE_DAY:
            return self.mover_team
        return int(self.teams[user])

    @property
    def team_manager(self) -> np.ndarray:
        """User index of each team's manager."""
        out = np.full(len(TEAMS), -1)
        for user, role in enumerate(self.roles):
            if role == "manager":
                out[self.teams[user]] = user
        return out


def build_org(cfg: Config) -> Org:
    """Draw the organisation: at least two reps per team, about REPS × scale in all."""
    rng = stream(cfg.seed, "org")
    n_reps = max(2 * len(TEAMS), round(REPS * cfg.scale))
    rep_team = np.arange(n_reps) % len(TEAMS)
    team_region = [REGIONS.index(region) for _, _, region in TEAMS]
    roles = ["rep"] * n_reps + ["manager"] * len(TEAMS) + ["director"] * len(REGIONS)
    teams = np.concatenate(
        [rep_team, np.arange(len(TEAMS)), [team_region.index(r) for r in range(len(REGIONS))]]
    )
    regions = [TEAMS[t][2] for t in teams]
    n = len(roles)
    managers = np.full(n, -1)
    managers[:n_reps] = n_reps + rep_team
    managers[n_reps : n_reps + len(TEAMS)] = n_reps + len(TEAMS) + np.array(team_region)

    first = rng.integers(0, len(FIRST_NAMES), n)
    last = rng.integers(0, len(LAST_NAMES), n)
    names = [f"{FIRST_NAMES[f]} {LAST_NAMES[s]}" for f, s in zip(first, last)]
    hire_days = -rng.integers(60, 2_500, n)
    centre = np.array([CITIES[r][0][2:4] for r in regions], dtype=float)
    home = np.round(centre + rng.normal(0, 0.08, (n, 2)), 6)

    capacity = rng.uniform(0.8, 1.2, n_reps)
    skill = np.clip(rng.lognormal(0.0, 0.15, n_reps), 0.75, 1.4)
    cycle = np.clip(rng.lognormal(0.0, 0.2, n_reps), 0.7, 1.5)
    n_weak = max(1, round(0.1 * n_reps))
    weak = np.sort(rng.choice(n_reps, n_weak, replace=False))
    skill[weak] = WEAK_SKILL
    cycle[weak] = 1.5
    # The mover is the first strong rep of team_01; moves to the other team of the same region.
    candidates = [i for i in range(0, n_reps, len(TEAMS)) if i not in set(weak.tolist())]
    mover = candidates[0] if candidates else 0
    return Org(
        user_ids=[f"usr_{i + 1:04d}" for i in range(n)],
        names=names,
        roles=roles,
        teams=teams,
        regions=regions,
        managers=managers,
        hire_days=hire_days,
        home=home,
        n_reps=n_reps,
        rep_capacity=capacity / capacity.sum(),
        rep_skill=skill,
        rep_cycle=cycle,
        weak_reps=weak,
        mover=mover,
        mover_team=1,
    )
