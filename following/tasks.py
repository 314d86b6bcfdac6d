from celery import shared_task


@shared_task(name="following.dispatch", ignore_result=True)
def alerts_dispatch_task() -> int:
    """Safe to run twice or at once: runs queue on the cursor's row lock (following/dispatch.py)."""
    from following.dispatch import BATCH, alerts_dispatch

    read = alerts_dispatch()
    if read >= BATCH * 50:
        alerts_dispatch_task.delay()  # a backlog: go on in a new task rather than hold a worker
    return read
