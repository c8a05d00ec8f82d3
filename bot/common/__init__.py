"""What belongs to no one domain.

- `start`: /start (with a referral), /help, the main menu's buttons.
- `staff`: /overdue, /escalated and /stats for representatives.
- `fallback`: last in the router list; anything no flow took gets an answer.

"""
