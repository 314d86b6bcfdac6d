from __future__ import annotations

from celery import shared_task

from inspections import services
from portal.locks import single_run


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def draw_plan(plan_id: int) -> None:
    """Run one plan's draw; a second delivery finds the plan drawn and does nothing."""
    try:
        services.draw_execute(plan_id=plan_id)
    except Exception as problem:
        services.draw_fail(plan_id=plan_id, error=f"{type(problem).__name__}: {problem}")
        raise


@shared_task(name="inspections.draws_requeue", ignore_result=True)
@single_run("inspections.draws_requeue")
def draws_requeue_task() -> dict[str, list[str]] | None:
    """Every minute (beat: CELERY_BEAT_SCHEDULE["inspections-draws-requeue"]): queue again the
    draws that were asked for but never started, or stopped without finishing."""
    return services.draws_requeue()


@shared_task(name="inspections.disclosure_orders_lapse", ignore_result=True)
def disclosure_orders_lapse_task() -> int:
    """Daily (beat: CELERY_BEAT_SCHEDULE["inspections-disclosure-orders-lapse"]): list the firms
    whose order to disclose passed uncured; safe to run twice."""
    from inspections.followups import disclosure_orders_lapse

    return disclosure_orders_lapse()
