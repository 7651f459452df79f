"""A test company profile whose deal stages are every library CRM's own stage names (mappings/stages/)."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
DEMO_PROFILE = REPO / "profiles" / "demo.yaml"
STAGES = REPO / "mappings" / "stages"


def write_library_profile(path: Path) -> Path:
    """The demo profile with its deal stages replaced by those of every shipped CRM mapping, written to `path`."""
    data = yaml.safe_load(DEMO_PROFILE.read_text(encoding="utf-8"))
    data["deal_stages"] = [
        stage
        for fragment in sorted(STAGES.glob("*.yaml"))
        for stage in yaml.safe_load(fragment.read_text(encoding="utf-8"))["deal_stages"]
    ]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
