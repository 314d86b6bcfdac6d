"""Product settings plus a benchmark-only URL (the framework floor); never used in production."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
