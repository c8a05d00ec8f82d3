"""Wage-arrears claims: a rider files one, representatives of the rider's zone move it
through negotiation, mediation and arbitration, and the one-year deadline is watched.

A claim is a case (category `wage_arrears`, a `C-<year>-<n>` ref from the cases counter) with
its facts in `wage_claim`; every change is a CaseEvent on the case's one timeline (kinds
`claim_*`), and the rider hears of each change in plain words through the outbox.

Modules: `rules` (stages, the evidence checklist, checks of what a rider typed), `filing`,
`reading`, `progress` (evidence, amount, stage, recovery, restart), `groups` (one
counterparty, several riders; totals), `reminders` (deadline reminders), `deadline` and
`dates` (the legal deadline), `money`, `pdf` (the summary).
"""
