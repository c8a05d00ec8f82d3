"""Issue reporting and triage: a rider reports, representatives answer, every change is an event.

Every function takes the acting `User` and ids, so chat, app and web call the same code. Each
public change is written as a `CaseEvent` and told to the riders following the case through
the outbox, in their language, in the same transaction.

Modules: `reporting`, `rider_actions`, `triage`, `oversight`.
"""
