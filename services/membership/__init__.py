"""Membership use cases: who is a member, joining, deciding, export and leaving.

Riders apply; representatives of the application's zone decide. Exactly one decision wins
(a conditional UPDATE on status='pending'), member numbers come from a per zone+year
counter bumped atomically, and every change writes a MembershipEvent row. Phone numbers
are never logged; staff outside the rider's zone only ever see them masked.

Modules: `members` (who is a member, zones, referrals, checks of what a rider typed),
`applications` (applying and deciding), `application_cards` (the decision notices kept
true), `own_view` (card, export, leaving), `member_card` (the card image), `mentors`.
"""
