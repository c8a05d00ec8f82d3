"""The route guide's chat forms.

- `tips`: a rider's tip about a compound or one of its entrances, on the form engine
  (bot/forms.py): which place → the tip's text → summary and Submit.
"""
