"""Accident help in chat: /accident (the steps again, and the rider's injury claims), and the
injury claim of an accident case for representatives (open it, move its stages).

`callbacks` holds the button data (bot/actions.py packs named actions with it), `router` the
handlers."""

from aiogram import Router


def make_router() -> Router:
    from bot.accident.router import make_router as build

    return build()
