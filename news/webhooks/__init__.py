"""Webhooks: signed POSTs that tell every frontend what a publish changed.

The publishing pipeline hands each finished, committed change event to
:func:`news.webhooks.delivery.send_event`; everything after that lives here, one concern
per module (contract and operations: docs/webhooks.md):

* ``models``   — ``DeliveryLog``: one row per event and endpoint, the log *and* the outbox;
* ``signing``  — the ``X-Newsroom-Signature`` HMAC, the request headers, and the check a
  receiver makes (``verify_signature``);
* ``outbox``   — which rows are due, leases (one sender per attempt), timings read from
  settings, pruning;
* ``delivery`` — the POST, its outcome and retries, the background task, the sweep that
  ``manage.py deliver_webhooks`` runs, and the CDN purge;
* ``admin``    — Settings → Webhook deliveries, with "Resend";
* ``checks``   — the system check for URLs without a secret.

Imports point one way: publishing → ``delivery`` → ``outbox``/``signing`` → ``models``;
nothing here imports the publishing pipeline. Background work runs on the generic
thread-pool task backend in the top-level ``tasks`` package. This ``__init__`` imports
nothing, so that registering the model (``news/models.py``) loads only ``models``.
"""
