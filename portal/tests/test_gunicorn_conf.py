"""gunicorn.conf.py, which gunicorn reads from the project's directory: each worker freezes
what it loaded before its first request."""

from __future__ import annotations

import gc
import importlib.util
from pathlib import Path

from django.conf import settings
from gunicorn.config import KNOWN_SETTINGS


def test_a_worker_freezes_what_it_loaded(monkeypatch):
    spec = importlib.util.spec_from_file_location("gunicorn_conf", Path(settings.BASE_DIR) / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    # A hook gunicorn knows by that name (a misspelt one would be ignored).
    assert "post_worker_init" in {setting.name for setting in KNOWN_SETTINGS}
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    conf.post_worker_init(worker=None)
    assert frozen == [True]
