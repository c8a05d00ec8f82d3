"""Accident help: what an injured rider does now, and the injury claim a representative follows.

An accident report (/report, category `accident`) is answered with the steps of the rider's
city (`steps`: services/data/accident_steps/<city>.toml, validated on load), sent through the
outbox right after the case is filed (`notices`) and shown again with /accident. A
representative opens an injury claim on the case (`claims`) for occupational-injury
protection, work-injury insurance or the platform's insurance, and moves it through its
stages (`progress`), each on the day it happened; every stage has a deadline from the city's
file (`rules`), watched by the reminder sweep (`reminders`). The rider hears of each change.
`pdf` is the claim's summary; `privacy` is what /mydata exports and /leave erases of it.
"""
