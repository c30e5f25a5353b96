"""What the device tests (serial_pty.py, gpsd_gpsfake.py) share: failing, waiting, reading a
process's output in the background."""
import signal
import sys
import threading
import time


def fail(message):
    """Ends the test with a message saying what went wrong."""
    print("FAIL:", message)
    sys.exit(1)


def wait_for(condition, what, timeout=20.0):
    """Polls `condition` until it holds; fails naming `what` after `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.05)
    fail(f"timed out waiting for {what}")


class Reader:
    """Collects the lines of a process's stream in a thread; `lines` grows as they come."""

    def __init__(self, stream):
        self.lines = []
        self.thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self.thread.start()

    def _run(self, stream):
        for line in stream:
            self.lines.append(line.rstrip("\n"))


def stop_cleanly(process, out, err):
    """Sends SIGTERM, as a service stop or Ctrl-C would; the process must flush and exit 0."""
    process.send_signal(signal.SIGTERM)
    status = process.wait(timeout=10)
    out.thread.join(timeout=5)
    err.thread.join(timeout=5)
    if status != 0:
        fail(f"{' '.join(process.args[:3])} exited {status} on SIGTERM; stderr: {err.lines}")
