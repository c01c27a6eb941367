"""State-changing operations of the booking app, one module per family (as pretix does).

Import them from here: ``from booking.services import book_session``.
"""
