"""The hub's alerts: what it tells the employer, and how (docs/hub-alerts.md).

Events (:mod:`.events`) are rows written in the transaction that found them: an agent
turned not ready and a report disputed by intake, an agent overdue by the sweep
(:mod:`.overdue`). Each event is fanned out to the channels configured when it is sent —
the webhook (:mod:`.webhook`, signed by :mod:`.signing`) and e-mail (:mod:`.mail`) — as
delivery rows: the outbox that :mod:`.outbox` claims, sends and retries. Nothing lives only
in memory, so a delivery survives a hub restart, and a row claim lets several hub processes
share the outbox with each delivery sent once. :mod:`.loop` runs it all in ``hub serve``.
"""
