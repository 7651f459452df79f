"""Superset's chart-data cache, valid for one serving snapshot: a publish swaps the file and every key changes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask_caching.backends.filesystemcache import FileSystemCache


class SnapshotFileSystemCache(FileSystemCache):
    """A file-system cache whose keys carry the identity (inode, mtime) of the serving snapshot file.

    The pipeline publishes by `os.replace`, so the next lookup after a publish misses and the dashboards show the
    new snapshot at once; entries of the old one are never read again and age out by timeout and threshold.
    """

    def __init__(self, cache_dir: str, serving_path: Path | str, **kwargs: Any):
        self.serving_path = str(serving_path)
        super().__init__(cache_dir, **kwargs)

    @classmethod
    def factory(cls, app, config, args, kwargs):
        args.insert(0, config["CACHE_DIR"])
        kwargs.update(
            serving_path=config["KPI_SERVING_PATH"],
            threshold=config["CACHE_THRESHOLD"],
            ignore_errors=config["CACHE_IGNORE_ERRORS"],
        )
        return cls(*args, **kwargs)

    def snapshot_id(self) -> str:
        try:
            stat = os.stat(self.serving_path)
        except FileNotFoundError:
            return "none"
        return f"{stat.st_ino}-{stat.st_mtime_ns}"

    def _get_filename(self, key: str) -> str:
        if key == self._fs_count_file:  # the cache's own bookkeeping, not a result
            return super()._get_filename(key)
        return super()._get_filename(f"{self.snapshot_id()}/{key}")
