"""/api/v1: the JSON API the mobile app uses, over the same services as the bot."""

from api.endpoint import Api

api = Api("/api/v1")

# Importing a module registers its operations on `api`: this order is their order in
# /api/v1/openapi.json and in route matching, so it is kept by hand, not sorted. No module
# listed here imports another one, which would register that one earlier.
# isort: off
from api.v1 import (  # noqa: E402, F401
    activists,
    staff_cases,
    staff_applications,
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
    stations,
    surveys,
    survey_answers,
    notices,
)
