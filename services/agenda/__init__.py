"""The agenda of hot issues: what riders raise, talked through at station, park and community
level, in workers' talks, deliberations, meetings with the secretary and three-party talks.

- `states`: the item's moves (proposed → scheduled → agreed → done / not possible).
- `items`: putting a collective issue on the agenda, a member's proposal, reading the agenda.
- `support`: a member's one-tap support (one each, withdrawable).
- `meetings`: scheduling a meeting for items, invitations, answers (RSVP).
- `places`: where a meeting can be (a compound or rider station of the route data).
- `reminders`: the day-before reminder (the scheduler's sweep).
- `outcomes`: minutes and decisions moving an item, the linked riders told; the solved count.
- `notices`: what the invited, the reminded and the linked riders read.
- `personal`: a person's supports, answers and proposals for /mydata, and forgetting them.
"""
