"""`gitagent batch`: many tasks, each a conversation, run in local worker processes or as Ray tasks.

`tasks` reads and names them, `worker` runs one, `local` and `ray` are the two backends, `runner` schedules
them (budget, retries, timeouts), `progress` shows it, and `record` keeps each run's summary in git.
"""
