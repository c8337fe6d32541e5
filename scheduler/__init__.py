"""The clock: APScheduler wakes the dispatcher, which posts the reminders that
reminders/ planned and worded; and the daily housekeeping."""
