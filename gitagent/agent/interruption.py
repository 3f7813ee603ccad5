"""Interrupting the thread that runs a turn, exactly as Ctrl+C interrupts `gitagent run`."""

import ctypes
import threading


def interrupt_thread(thread: threading.Thread) -> bool:
    """Raise KeyboardInterrupt in `thread` at its next Python instruction; False if it has already ended.

    The turn treats it as it treats Ctrl+C in a headless run: it records the interruption, saves the turn
    as its in-flight commit and stops. A thread blocked in a system call sees it when the call returns,
    which is why the sandbox waits for commands in short slices, and the chat's model
    (`gitagent.tui.interrupt.Interruptible`) waits for the model's answer in short slices.
    """
    if thread.ident is None or not thread.is_alive():
        return False
    return raise_in_thread(thread.ident)


def raise_in_thread(ident: int) -> bool:
    """Raise KeyboardInterrupt in the running thread `ident`; False if no thread has that id. The caller must
    know the thread still runs (an ended thread's id may be reused)."""
    changed = ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(KeyboardInterrupt))
    return changed == 1
