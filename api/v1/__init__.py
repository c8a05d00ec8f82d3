"""/api/v1: the JSON API the mobile app uses, over the same services as the bot."""

from api.endpoint import Api

api = Api("/api/v1")

# Importing the modules registers their operations on `api`, in this order in the docs.
from api.v1 import (  # noqa: E402, F401
    activists,
    admin,
    agenda,
    auth,
    cases,
    claims,
    docs,
    guides,
    injury,
    me,
    membership,
    staff,
    stations,
    surveys,
)
