"""`gitagent batch`: many tasks, each a conversation, run in local worker processes or on Ray.

`tasks` reads and names them, `worker` runs one, `local` and `raycluster` (with `raytask`, its slots) are the
two backends, `runner` schedules them (budget, retries, timeouts), `progress` shows it, and `record` keeps each
run's summary in git.
"""
