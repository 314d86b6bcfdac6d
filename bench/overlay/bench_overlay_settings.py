"""Settings for a code tree measured by bench/compare_trees.py: the tree's own settings
(BENCH_BASE_SETTINGS, default portal.settings) plus only what the harness needs, so the
trees' app code and their own bench/ directories are never touched or relied upon:

- ROOT_URLCONF: bench_overlay_urls (the tree's URLs plus /bench/floor/);
- STATIC_ROOT and LOCALE_PATHS: the harness's build directory for this tree
  (BENCH_TREE_BUILD), where it collects static files and compiles the catalogues;
- the cache's KEY_PREFIX (BENCH_CACHE_PREFIX), so that trees sharing the bench Redis
  database never read each other's entries.

This directory is put on PYTHONPATH after the tree's root; its module names are unique.
"""

import importlib
import os
from pathlib import Path

_base = importlib.import_module(os.environ.get("BENCH_BASE_SETTINGS", "portal.settings"))
globals().update({name: value for name, value in vars(_base).items() if name.isupper()})

BENCH_PRODUCT_URLCONF = _base.ROOT_URLCONF
ROOT_URLCONF = "bench_overlay_urls"

_build = os.environ.get("BENCH_TREE_BUILD")
if _build:
    STATIC_ROOT = Path(_build) / "static"
    LOCALE_PATHS = [Path(_build) / "locale" / str(i) for i in range(len(_base.LOCALE_PATHS))]

_prefix = os.environ.get("BENCH_CACHE_PREFIX")
if _prefix:
    CACHES = {alias: {**config, "KEY_PREFIX": _prefix} for alias, config in _base.CACHES.items()}
