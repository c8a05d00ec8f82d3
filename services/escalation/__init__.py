"""Scheduled escalation: SLA deadlines, warnings before them, and the ladder after them.

`plan` is the one place due times and `Case.next_escalation_at` are computed (from the case,
its clock, the policy and the calendar). `reschedule` keeps a case's next moment right when
the case changes; `escalate_due_cases` is the sweep the scheduler runs.

The sweep's cost grows with due cases, not open ones: it reads the index on
`next_escalation_at`. It is set-based: a transaction takes a batch of due cases (locked
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so concurrent sweeps share the work) with their
clocks and histories in two reads, plans every case in Python, inserts the batch's unique
rows (case, level) and (case, kind, due) with one INSERT ... ON CONFLICT DO NOTHING
RETURNING each (the last word on "once": only what came back is acted on), then writes the
events, the notices and the cases with one statement each. A batch costs about ten round
trips whatever its size; a case whose step fails is left out and its batch done again.

Modules: `plan`, `sweep` (with `writes`), `notices`; `policy`, `business_calendar`, `digest`,
`weekly`, `overview`.
"""
