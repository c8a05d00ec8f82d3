"""What belongs to no one domain.

- `start`: /start (with a referral), /help, /language, the main menu's buttons.
- `staff`: /overdue, /escalated and /stats for representatives.
- `fallback`: last in the router list; anything no flow took gets an answer.
- `presses`: button presses answered by aiogram's CallbackAnswerMiddleware, and `shown`,
  the pressed button's message.
"""
