"""Loaded only into the Celery workers that test_draw_worker.py starts (`celery worker
--include inspections.tests.draw_pause`), never by the portal itself: once a draw has written
its result, it holds the draw's transaction open for DRAW_TEST_PAUSE_SECONDS, so that a test
can deliver the task twice meanwhile or kill the worker mid-draw."""

from __future__ import annotations

import logging
import os
import time

from django.db.models.signals import post_save

PAUSE_VARIABLE = "DRAW_TEST_PAUSE_SECONDS"
PAUSE_SECONDS = float(os.environ.get(PAUSE_VARIABLE, "0") or 0)
MESSAGE = "draw test pause: holding the draw's transaction for %s s"

logger = logging.getLogger(__name__)


def _pause(sender, instance, created, **kwargs) -> None:
    # The Draw row is the draw's last write before the plan is marked drawn (services._draw_write).
    if created and PAUSE_SECONDS:
        logger.warning(MESSAGE, PAUSE_SECONDS)
        time.sleep(PAUSE_SECONDS)


post_save.connect(_pause, sender="inspections.Draw", dispatch_uid="inspections.tests.draw_pause")
