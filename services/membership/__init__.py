"""Membership use cases: who is a member, joining, deciding, export and leaving.

Riders apply; representatives of the application's zone decide. Exactly one decision wins
(a conditional UPDATE on status='pending'), member numbers come from a per zone+year
counter bumped atomically, and every change writes a MembershipEvent row. Phone numbers
are never logged; staff outside the rider's zone only ever see them masked.

Modules: `members`, `applications`, `own_view`.
"""
