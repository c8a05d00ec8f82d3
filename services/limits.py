"""What the desk accepts in a request: one number each.

The API's request schemas read their limits from the services, so the contract a client
reads is the rule the desk applies (tests/api/test_limits.py compares every limit of every
request body). A limit a service checks itself stays with it
(`services.claims.rules.NAME_LIMIT`, `services.membership.members.NAME_LIMIT` and
`REJECT_REASON_LIMIT`, `services.cases.attachments.MAX_PHOTOS`, `models.guides.TIP_MAX_CHARS`);
the numbers below are the rest: the size of a column, or a cap on free text the services
take whole (chat may send up to Telegram's 4096 characters, the API caps at these).
"""

from __future__ import annotations

NOT_EMPTY = 1  # text and lists that must say something (the services refuse blanks too)
# A report's description or a question to the union: chat says the limit before asking.
DESCRIPTION_MAX = 2000
TEXT_MAX = 4000  # a description, added information, a representative's reply/note/question
REASON_MAX = 1000  # a reopening's reason, a rating's comment, a note on a claim's stage
PLACE_MAX = 128  # a case's place, as typed (models.core.Case.place)
CODE_MAX = 32  # a category code or a case ref (their columns)
STARS_MIN, STARS_MAX = 1, 5  # a rating
LAT_MIN, LAT_MAX = -90, 90
LON_MIN, LON_MAX = -180, 180
ID_MIN, ID_MAX = 1, 2**31 - 1  # integer primary keys (PostgreSQL integer)
LOGIN_MAX = 64  # a username, member number or Telegram id
PASSWORD_MAX = 256
REFRESH_TOKEN_MIN, REFRESH_TOKEN_MAX = 10, 200
AMOUNT_TEXT_MAX = 40  # yuan as typed: `1,200.50`, `¥80`
TIP_TARGET_MAX = 120  # a compound or entrance id of the route data
