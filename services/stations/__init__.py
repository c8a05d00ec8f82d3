"""Rider stations and the services their volunteers offer in slots.

ids        what a station id may be (ASCII), one rule for route data, services and API
places     the stations in routes_data (`rider_station=yes`): offers, open now, nearest
kinds      the kinds of service a slot offers (tyres, brakes, pumps…)
slots      volunteers and who may publish; publishing a slot (future, inside opening hours);
           reading slots with their free seats; the next free slot
bookings   book (the database refuses a seat or a rider twice), cancel before the start,
           the day's bookings, mark done
reminders  the sweep that reminds riders an hour before their slot
counts     riders served per month, station and kind
present    stations and slots in the reader's language
privacy    bookings in /mydata and what /leave erases
"""
