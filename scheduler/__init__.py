"""The clock: APScheduler triggers that wake reminder dispatchers.

Empty until the reminders issue lands; the package exists so the import direction
(bot -> commands, scheduler -> storage) is fixed from the start.
"""
