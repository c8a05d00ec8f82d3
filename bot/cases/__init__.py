"""Cases in chat, the rider's side and the representatives'.

- `report`: /report, the report form on the form engine (bot/forms.py): category,
  description or voice, place, photos, anonymity, summary and Submit.
- `mycases`: /mycases, the rider's list of cases, and the router of what follows from it:
  `mycase_card` (a case's public history and its buttons), `mycase_adding` (adding
  information, answering a question), `mycase_closing` (confirming or reopening, rating,
  withdrawing).
- `ask`: a rider's free-text message offered to the zone's representatives as a question.
- `callbacks`: the callback data of all of the above (older buttons' values still parse).
- `card`: a case's card as representatives see it, its buttons, refreshed in place.
- `queue`: /queue (paged, filtered) and /collective.
- `triage`: the card's actions (claim, reply, ask, note, severity, resolve, reassign,
  merge, ...) and /bindgroup; its router also takes /queue and /collective.
"""
