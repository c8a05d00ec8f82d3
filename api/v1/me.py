"""Who am I: the signed-in person as the desk knows them."""

from __future__ import annotations

from api.endpoint import Call
from api.v1 import api
from api.v1.schemas import Me
from services.membership.members import active_membership


@api.op("GET", "/me", response=Me, tags=["me"])
async def get_me(call: Call) -> Me:
    """The signed-in person: name, language, role and membership."""
    user = call.me
    membership = await active_membership(call.session, user_id=user.id)  # type: ignore[arg-type]
    return Me(
        id=user.id,  # type: ignore[arg-type]
        display_name=user.display_name,
        username=user.username,
        language=user.language,
        role=user.role.value,
        member_number=membership.member_number if membership else None,
        membership_status=membership.status.value if membership else None,
    )
