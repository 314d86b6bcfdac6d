"""gunicorn.conf.py, which gunicorn reads from the project's directory: each worker freezes
what it loaded before its first request."""

from __future__ import annotations

import gc
import importlib.util
from pathlib import Path

from django.conf import settings


def test_a_worker_freezes_what_it_loaded():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", Path(settings.BASE_DIR) / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert gc.get_freeze_count() == 0
    try:
        conf.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
