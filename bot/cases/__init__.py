"""The rider's side of cases in chat.

- `report`: /report, the report form on the form engine (bot/forms.py): category,
  description or voice, place, photos, anonymity, summary and Submit.
"""
