"""The route guide and the newcomer handbook in chat.

- `guide`: /guide's menu, the handbook (topics, search), asking for a mentor, /mentoring
  and /mentees; its router also holds routes' handlers and the tip form.
- `routes`: where am I → the nearest compounds and their e-bike gates open now, a
  compound's card, building → gate; reviewing and confirming riders' tips.
- `tips`: a rider's tip about a compound or one of its entrances, on the form engine
  (bot/forms.py): which place → the tip's text → summary and Submit.
- `callbacks`: the guide's callback data (older buttons' values still parse).
"""
