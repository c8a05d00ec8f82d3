"""Surveys and notices to members (the representatives as deliberators).

- audience: who an audience (zones, platforms, kinds of work) reaches, and how long
  sending to them takes at Telegram's limits
- creation: a survey checked and sent to its audience through the outbox
- answering: a member's answer, once, changed until the survey closes
- results: counts and percentages (overall, by zone, by platform), free-text answers, CSV
- closing: closing by hand or when due, reminders once, results to the author
- notices: a notice to an audience, its preview and its progress (edited in one message)
- settings: a member's /settings (notices muted, language)
- privacy: a member's answers in /mydata, and erased on /leave
"""
