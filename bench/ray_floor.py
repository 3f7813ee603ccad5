"""Ray's own share of bench/batch.py's Ray run: the same shape with every turn replaced by a sleep of its ideal.

A driver joins the cluster at ADDRESS and starts SLOTS actors of one CPU that each load gitagent's worker (as the
batch's slots do), then runs ROUNDS tasks on each slot, one after another, each sleeping SECONDS, and
disconnects. bench/batch.py times this command as it times `gitagent batch`, so the difference is gitagent's.

With `--per-node`, the slots are instead one actor of SLOTS CPUs running SLOTS tasks at once (threads), so Ray
starts one worker process rather than SLOTS of them: the floor of a design that hosts every slot of a node in
one process (a fork server per node), shown beside the other to say what such a design could gain.

Run: python bench/ray_floor.py ADDRESS SLOTS ROUNDS SECONDS [--per-node]
"""

import sys
import time

import ray


class Slot:
    """A stand-in for `gitagent.batch.raytask.Slot` whose task is a sleep."""

    def __init__(self) -> None:
        import gitagent.batch.worker  # noqa: F401 (what a batch slot loads)

    def run(self, seconds: float) -> float:
        """Sleep `seconds` (a turn's ideal)."""
        time.sleep(seconds)
        return seconds


def main() -> None:
    address, slots, rounds, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    ray.init(address=address, log_to_driver=False, logging_level="WARNING")
    if "--per-node" in sys.argv[5:]:
        host = ray.remote(num_cpus=slots, max_concurrency=slots)(Slot).remote()
        actors = [host] * slots
    else:
        actors = [ray.remote(num_cpus=1)(Slot).remote() for _ in range(slots)]
    pending = {actor.run.remote(seconds): (actor, 1) for actor in actors}
    while pending:
        [ready], _ = ray.wait(list(pending), num_returns=1)
        actor, done = pending.pop(ready)
        if done < rounds:
            pending[actor.run.remote(seconds)] = (actor, done + 1)
    ray.shutdown()


if __name__ == "__main__":
    main()
