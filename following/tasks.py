from celery import shared_task


@shared_task(name="following.dispatch", ignore_result=True)
def alerts_dispatch_task() -> int:
    """Safe to run twice or at once: runs queue on the cursor's row lock (following/dispatch.py).
    On the way, immediate e-mail alerts older than a minute whose hand-over was lost go out
    (a bounded batch, following/email.py stale_deliver), rather than wait for the digest run."""
    from following.dispatch import BATCH, alerts_dispatch
    from following.email import stale_deliver

    read = alerts_dispatch()
    stale_deliver()
    if read >= BATCH * 50:
        alerts_dispatch_task.delay()  # a backlog: go on in a new task rather than hold a worker
    return read


@shared_task(name="following.digests_send", ignore_result=True)
def digests_send_task() -> int:
    """The daily digests (following/email.py): one mail per follow and day, safe to run twice."""
    from following.email import digests_send

    return digests_send()
@shared_task(name="following.webhook_deliver", acks_late=True, ignore_result=True)
def webhook_deliver_task(delivery_id: int) -> bool:
    """One attempt of one webhook delivery; run twice, it sends once (the row lock, following/webhooks.py)."""
    from following.webhooks import webhook_deliver

    return webhook_deliver(delivery_id=delivery_id)


@shared_task(name="following.webhooks_retry", ignore_result=True)
def webhooks_retry_task() -> int:
    """Every minute (beat): queue the webhook deliveries whose next attempt is due."""
    from following.webhooks import webhooks_retry

    return webhooks_retry()


@shared_task(name="following.email_deliver", ignore_result=True)
def email_deliver_task(alert_ids: list[int]) -> int:
    """The e-mail hand-over of some alerts (following/email.py deliver_new) on a worker: one mail
    per alert of an immediate follow; run twice or at once, each alert is mailed once."""
    from following.email import deliver_new

    return deliver_new(alert_ids)
