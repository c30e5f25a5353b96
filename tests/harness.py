"""What the device and server tests share: failing, waiting, free ports, reading a process's
output in the background, socat virtual serial ports. The servers of tests/support (PostgreSQL,
mosquitto) use it too: every test script runs with tests/ on its path."""
import atexit
import os
import signal
import socket
import subprocess
import sys
import threading
import time


# Set (to 1) by tests/CMakeLists.txt for the tests of a sanitizer build (ASan/UBSan or TSan),
# where every process runs 2-10 times slower: a sanitizer needs each code path exercised, not
# the normal build's repetition count, so the reliability tests repeat fewer times there.
SANITIZED = os.environ.get("TRK_TEST_SANITIZED") == "1"


def rounds(full, sanitized):
    """How many times (or how many records): `full` in the normal build, `sanitized` in a
    sanitizer build (SANITIZED)."""
    return sanitized if SANITIZED else full


_children = []


def spawn(args, **kwargs):
    """Starts a process that is killed when the test ends, however it ends: a failing test
    must not leave trk or socat holding CTest's output pipe open."""
    process = subprocess.Popen(args, **kwargs)
    _children.append(process)
    return process


@atexit.register
def _kill_children():
    for process in _children:
        if process.poll() is None:
            process.kill()


def fail(message):
    """Ends the test with a message saying what went wrong."""
    print("FAIL:", message)
    sys.exit(1)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now (for a server the test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, what, timeout=20.0):
    """Polls `condition` until it holds; fails naming `what` (a text, or a function giving
    one, for a message that shows the state at the time) after `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.05)
    fail(f"timed out waiting for {what() if callable(what) else what}")


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


class VirtualPort:
    """A socat pseudo-terminal pair: trk opens `device`, the test writes to `feed`."""

    def __init__(self, folder):
        self.device = os.path.join(folder, "gps")
        self.feed = os.path.join(folder, "feed")
        self.process = None

    def start(self):
        self.process = spawn(
            ["socat", f"pty,raw,echo=0,link={self.device}", f"pty,raw,echo=0,link={self.feed}"],
            stderr=subprocess.DEVNULL)
        wait_for(lambda: os.path.exists(self.device) and os.path.exists(self.feed), "socat's ports")

    def stop(self):
        self.process.terminate()
        self.process.wait()
        wait_for(lambda: not os.path.exists(self.device), "socat to remove its ports")

    def write(self, data, pause=0.0):
        with open(self.feed, "wb", buffering=0) as f:
            for line in data.splitlines(keepends=True):
                f.write(line)
                if pause:
                    time.sleep(pause)

    def listen(self):
        """Collects in `received`, from now on, what trk writes to the port (reader commands)."""
        self.received = b""
        fd = os.open(self.feed, os.O_RDONLY | os.O_NOCTTY)

        def run():
            while True:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    return
                if not chunk:
                    return
                self.received += chunk

        threading.Thread(target=run, daemon=True).start()
