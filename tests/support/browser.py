"""A small driver of headless Chromium (Debian's `chromium`) over the DevTools protocol, for the
tests that look at trk's pages as a person would, and for the scripts that time or photograph
them. It talks through --remote-debugging-pipe (fds 3 and 4, NUL-terminated JSON messages), so
that it needs no Python package beyond the standard library and no TCP port.

The browser runs with networking disabled (every host name fails to resolve and every request
goes to a proxy on a closed loopback port; `allow_loopback=True` lets requests to 127.0.0.1
through, for a local tile server), a temporary profile, no extensions, no first run and no
background networking, and a fixed viewport. Everything the page asks the network for
(`requests`) and everything it logs (`console`: console calls, exceptions, log entries) is
recorded. Every wait has a time-out; the browser is killed when the Browser is closed, and at
exit whatever happens. A browser that cannot start raises BrowserError: the tests fail on it,
they never skip.

Screenshots are PNGs decoded here (zlib and the five PNG row filters) into an Image whose
pixels can be read.

Also a command line, for scripts (scripts/bench/map.sh, scripts/screenshot-map.sh):
    browser.py screenshot PAGE OUT.png [--size 1200x800]   a PNG of the page once loaded
    browser.py load PAGE [--size 1200x800]                 "SECONDS ERRORS": the seconds to load
                                                           it and take a first screenshot, and
                                                           how many errors it logged (listed on
                                                           standard error)"""
import atexit
import base64
import fcntl
import itertools
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
_open_browsers = []


class BrowserError(Exception):
    """The browser could not start, did not answer in time, or a command failed."""


def _closed_port():
    """A loopback TCP port that nothing listens on (bound, then released: a proxy there refuses)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Image:
    """A decoded screenshot: `width`, `height` and `pixel(x, y)` -> (r, g, b) or (r, g, b, a)."""

    def __init__(self, width, height, channels, data):
        self.width, self.height, self.channels, self.data = width, height, channels, data

    def pixel(self, x, y):
        x, y = int(x), int(y)
        if not (0 <= x < self.width and 0 <= y < self.height):
            raise ValueError(f"pixel ({x}, {y}) outside the {self.width}x{self.height} screenshot")
        at = (y * self.width + x) * self.channels
        return tuple(self.data[at:at + self.channels])

    def rgb(self, x, y):
        """The pixel without its alpha."""
        return self.pixel(x, y)[:3]

    def distinct_colours(self, step=2):
        """How many different RGB colours a grid of every `step`-th pixel holds."""
        seen = set()
        row_bytes = self.width * self.channels
        for y in range(0, self.height, step):
            row = self.data[y * row_bytes:(y + 1) * row_bytes]
            for x in range(0, self.width, step):
                at = x * self.channels
                seen.add(row[at:at + 3])
        return len(seen)


def decode_png(blob):
    """Decodes an 8-bit RGB or RGBA PNG (what Chromium writes) into an Image."""
    if blob[:8] != b"\x89PNG\r\n\x1a\n":
        raise BrowserError("screenshot: not a PNG")
    at, idat, header = 8, [], None
    while at < len(blob):
        length, kind = struct.unpack(">I4s", blob[at:at + 8])
        body = blob[at + 8:at + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        at += 12 + length
    if header is None:
        raise BrowserError("screenshot: PNG without IHDR")
    width, height, depth, colour, _, _, interlace = header
    channels = {2: 3, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise BrowserError(f"screenshot: unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})")
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    out = bytearray(stride * height)
    prev = bytes(stride)
    mask = (255).__and__
    for y in range(height):
        start = y * (stride + 1)
        kind, row = raw[start], raw[start + 1:start + 1 + stride]
        if kind == 0:  # None
            cur = row
        elif kind == 1:  # Sub: a running sum per channel (done in C by accumulate and map)
            cur = bytearray(stride)
            for c in range(channels):
                cur[c::channels] = bytes(map(mask, itertools.accumulate(row[c::channels])))
        elif kind == 2:  # Up
            cur = bytes(map(mask, map(int.__add__, row, prev)))
        elif kind == 3:  # Average
            cur = bytearray(stride)
            for i in range(stride):
                left = cur[i - channels] if i >= channels else 0
                cur[i] = (row[i] + ((left + prev[i]) >> 1)) & 255
        elif kind == 4:  # Paeth (inlined: most of Chromium's rows, the slow part)
            cur = bytearray(row)
            for i in range(channels):
                cur[i] = (row[i] + prev[i]) & 255
            for i in range(channels, stride):
                a, b, c = cur[i - channels], prev[i], prev[i - channels]
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - c - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        else:
            raise BrowserError(f"screenshot: PNG row filter {kind}")
        out[y * stride:(y + 1) * stride] = cur
        prev = cur
    return Image(width, height, channels, bytes(out))


class Browser:
    """One headless Chromium with one page. Use as a context manager, or call close()."""

    def __init__(self, width=1200, height=800, allow_loopback=False, timeout=20.0):
        self.width, self.height, self.timeout = width, height, timeout
        self.requests = []  # URLs the page asked for, in order
        self.console = []  # (kind, level, text): "console", "exception" and "log" entries
        self._lock = threading.Condition()
        self._responses = {}
        self._events = []
        self._next_id = 0
        self._closed = False
        self._profile = tempfile.mkdtemp(prefix="trk-chromium-")
        self._log_path = os.path.join(self._profile, "chromium.log")
        binary = next((b for b in _CANDIDATES if os.access(b, os.X_OK)), None) or shutil.which("chromium")
        if binary is None:
            self._cleanup()
            raise BrowserError("chromium not found (Debian's package `chromium`: scripts/install-deps.sh)")
        proxy = f"--proxy-server=http://127.0.0.1:{_closed_port()}"
        args = [
            binary, "--headless=new", "--no-sandbox", f"--user-data-dir={self._profile}",
            "--remote-debugging-pipe", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-default-apps", "--disable-breakpad", "--disable-domain-reliability",
            "--metrics-recording-only", "--no-pings", "--disable-gpu", "--disable-dev-shm-usage",
            "--hide-scrollbars", "--mute-audio", "--force-color-profile=srgb", "--font-render-hinting=none",
            f"--window-size={width},{height}",
            # MAP * matches IP literals too: loopback's must be excluded to be reached at all.
            "--host-resolver-rules=MAP * ~NOTFOUND" + (", EXCLUDE 127.0.0.1" if allow_loopback else ""), proxy,
            # Loopback bypasses a proxy unless told otherwise: "<-loopback>" sends it there too.
            "--proxy-bypass-list=" + ("<loopback>" if allow_loopback else "<-loopback>"),
            "about:blank",
        ]
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def pipes_at_3_and_4():
            # Chromium reads commands on fd 3 and writes answers on fd 4. Copied out of the way
            # first (close-on-exec), since either end may itself be fd 3 or 4.
            r = fcntl.fcntl(to_child_r, fcntl.F_DUPFD_CLOEXEC, 10)
            w = fcntl.fcntl(from_child_w, fcntl.F_DUPFD_CLOEXEC, 10)
            os.dup2(r, 3)
            os.dup2(w, 4)

        log = open(self._log_path, "wb")
        try:
            self._process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                             close_fds=False, preexec_fn=pipes_at_3_and_4, start_new_session=True)
        except OSError as e:
            self._cleanup()
            raise BrowserError(f"cannot start {binary}: {e}") from e
        finally:
            log.close()
            os.close(to_child_r)
            os.close(from_child_w)
        _open_browsers.append(self)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            self._session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Network", "Runtime", "Log"):
                self.send(f"{domain}.enable", session=True)
            self.send("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=True)
        except BrowserError as e:
            output = self.log_tail()
            self.close()
            raise BrowserError(f"chromium did not start: {e}; its output: {output}") from e

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def log_tail(self, size=2000):
        """The end of the browser's own output (for a message when it fails)."""
        try:
            with open(self._log_path, "rb") as f:
                return f.read()[-size:].decode(errors="replace")
        except OSError:
            return ""

    def _read(self):
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_child, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._lock:
                    self._closed = True
                    self._lock.notify_all()
                return
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                with self._lock:
                    if "id" in message:
                        self._responses[message["id"]] = message
                    else:
                        self._event(message)
                    self._lock.notify_all()

    def _event(self, message):
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            self.console.append(("console", params.get("type"), text))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text", "")
            self.console.append(("exception", "error", text))
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            self.console.append(("log", entry.get("level"), f"{entry.get('text', '')} {entry.get('url', '')}".strip()))
        self._events.append(message)

    def send(self, method, params=None, session=False, timeout=None):
        """Sends one command (to the page when `session`) and returns its result."""
        with self._lock:
            if self._closed:
                raise BrowserError(f"{method}: the browser has gone")
            self._next_id += 1
            ident = self._next_id
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self._session
        try:
            os.write(self._to_child, json.dumps(message).encode() + b"\0")
        except OSError as e:
            raise BrowserError(f"{method}: cannot write to the browser: {e}") from e
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._lock:
            while ident not in self._responses:
                left = deadline - time.monotonic()
                if self._closed or left <= 0:
                    raise BrowserError(f"{method}: {'the browser has gone' if self._closed else 'no answer in time'}")
                self._lock.wait(left)
            answer = self._responses.pop(ident)
        if "error" in answer:
            raise BrowserError(f"{method}: {answer['error'].get('message')}")
        return answer.get("result", {})

    def _count(self, method):
        return sum(1 for e in self._events if e.get("method") == method)

    def wait_event(self, method, after=0, timeout=None):
        """Waits until more than `after` events `method` have come (after: a previous count)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._lock:
            while self._count(method) <= after:
                left = deadline - time.monotonic()
                if self._closed or left <= 0:
                    raise BrowserError(f"no {method} in time")
                self._lock.wait(left)

    def navigate(self, url):
        """Opens `url` (a path is made a file:// URL) and waits for its load event."""
        if "://" not in url:
            url = "file://" + os.path.abspath(url)
        with self._lock:
            loads = self._count("Page.loadEventFired")
        result = self.send("Page.navigate", {"url": url}, session=True)
        if result.get("errorText"):
            raise BrowserError(f"cannot open {url}: {result['errorText']}")
        self.wait_event("Page.loadEventFired", after=loads)
        return url

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page (promises awaited); an exception
        raises BrowserError."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, session=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"evaluating {expression[:80]!r}: {text}")
        return result["result"].get("value")

    def mouse(self, kind, x, y, **extra):
        """One mouse event: kind mouseMoved, mousePressed, mouseReleased or mouseWheel (with
        deltaX/deltaY); extra as Input.dispatchMouseEvent takes them (button, clickCount)."""
        self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, **extra}, session=True)

    def frame(self):
        """Waits for the page to draw what it has changed (two animation frames)."""
        self.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    def screenshot_png(self):
        """The viewport as PNG bytes."""
        data = self.send("Page.captureScreenshot", {"format": "png"}, session=True)["data"]
        return base64.b64decode(data)

    def screenshot(self):
        """The viewport, decoded."""
        return decode_png(self.screenshot_png())

    def errors(self):
        """What the page logged at error level (console errors, exceptions, log entries)."""
        return [c for c in self.console if c[1] == "error"]

    def close(self):
        """Kills the browser and removes its profile."""
        process = getattr(self, "_process", None)
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, 9)  # its own session: the renderers and helpers too
            except OSError:
                process.kill()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        for fd in ("_to_child", "_from_child"):
            if getattr(self, fd, None) is not None:
                try:
                    os.close(getattr(self, fd))
                except OSError:
                    pass
                setattr(self, fd, None)
        if self in _open_browsers:
            _open_browsers.remove(self)
        self._cleanup()

    def _cleanup(self):
        shutil.rmtree(self._profile, ignore_errors=True)


@atexit.register
def _close_all():
    for browser in list(_open_browsers):
        browser.close()


def _main(argv):
    import argparse
    parser = argparse.ArgumentParser(description="Headless Chromium: a page's screenshot, or its load time and one wheel zoom's (load: prints the seconds to open, the milliseconds to show a zoom tick and to draw it anew, the errors).")
    parser.add_argument("action", choices=["screenshot", "load"])
    parser.add_argument("page")
    parser.add_argument("out", nargs="?")
    parser.add_argument("--size", default="1200x800", help="viewport WIDTHxHEIGHT (default 1200x800)")
    parser.add_argument("--timeout", type=float, default=60.0)
    options = parser.parse_args(argv)
    width, height = (int(v) for v in options.size.split("x"))
    try:
        with Browser(width, height, timeout=options.timeout) as browser:
            start = time.monotonic()
            browser.navigate(options.page)
            browser.frame()
            png = browser.screenshot_png()
            seconds = time.monotonic() - start
            if options.action == "screenshot":
                if not options.out:
                    parser.error("screenshot needs OUT.png")
                with open(options.out, "wb") as f:
                    f.write(png)
            else:
                # Then a zoom step with the wheel, timed until the page has drawn it: whether a
                # large page still answers the hand, not only whether it opens.
                start = time.monotonic()
                browser.mouse("mouseWheel", width // 3, height // 2, deltaX=0, deltaY=-240)
                browser.frame()
                zoom_ms = (time.monotonic() - start) * 1000
                # trk map's page shows a wheel tick at once as a transform of what is drawn, and
                # draws anew once the hand rests: time that too (until the transform is gone).
                deadline = start + options.timeout
                while browser.evaluate("(document.getElementById('trk-map') || {style: {}}).style.transform || ''"):
                    if time.monotonic() > deadline:
                        raise BrowserError("the map was not drawn anew after the zoom")
                    time.sleep(0.02)
                browser.frame()
                settled_ms = (time.monotonic() - start) * 1000
                print(f"{seconds:.2f} {zoom_ms:.0f} {settled_ms:.0f} {len(browser.errors())}")
            if browser.errors():
                print(f"browser.py: the page logged errors: {browser.errors()}", file=sys.stderr)
                return 1
    except BrowserError as e:
        print(f"browser.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
