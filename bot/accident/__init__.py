"""Accident help in chat: /accident (the steps again, and the rider's injury claims), and the
injury claim of an accident case for representatives (open it, move its stages)."""
