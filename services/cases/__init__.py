"""Issue reporting and triage: a rider reports, representatives answer, every change is an event.

Every function takes the acting `User` and ids, so chat, app and web call the same code. Each
public change is written as a `CaseEvent` and told to the riders following the case through
the outbox, in their language, in the same transaction.

Use cases: `reporting` (a rider reports), `rider_actions` (what a rider does with their
cases), `triage` (what representatives do), `oversight` (what admins see), `questions`
(a question to the union), `withdraw`, `collective` (same category and place).
Rules and reading: `access` (who may see what), `states`, `categories`, `attachments`,
`events` (the event trail and who is told), `cards` (staff notices kept true in place),
`rider_view` and `staff_view` (a case as each reads it), `formatting`.
"""
