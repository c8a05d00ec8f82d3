"""Agenda of hot issues in chat: /agenda (members support items, representatives list their
zones' agenda), answers to meeting invitations, and /propose (`make_router` in `router`)."""
