"""Activists and success stories: the third level of the union (organisation,
representatives, activists, members) and the help that worked, told with consent.

A member volunteers (`volunteering.volunteer`); a representative of their zone confirms or
declines, and exactly one decision wins (a conditional UPDATE on status='pending'); a
representative may end the role with a sentence to the activist. Activists relay notices
in their groups (`relay`), may approve route tips and mentor newcomers like representatives
(`roles` is what services/guides/tips.py and services/membership/mentors.py ask), and see
their zone's open collective issues as counts only (`zone_issues`). `counts` says how many
activists each representative confirmed and each zone has.

Stories (`stories`): a representative writes one about a rider, the rider is asked in chat
and taps agree (or not); only an agreed story can be published, anonymous by default, and
the explainer shows the latest of the rider's zone. `privacy` is what /mydata exports and
/leave erases of both.
"""
