"""Imported last by a batch's fork server (see `gitagent.batch.local`): the process then ends without Python's
clean-up. It has nothing to clean up, and tearing down everything the warm-up loaded took it a second after the
command was done, a second the command's output pipe (and whatever read it) waited for. The workers forked
from it never run that clean-up anyway."""

import atexit
import os

atexit.register(os._exit, 0)
