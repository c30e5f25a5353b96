"""A real MQTT broker for trk's tests: mosquitto (Debian's 2.0) in a temporary directory, with
a generated configuration of three loopback listeners on free ports:

- `plain`: MQTT without TLS, anonymous clients allowed;
- `tls`: MQTT over TLS with a test CA made by openssl at start (the broker's certificate is
  for 127.0.0.1 and localhost) and client certificates required (`client_cert`/`client_key`);
- `auth`: MQTT without TLS, a password file (user `trk`, password `PASSWORD`), anonymous refused.

Persistence is on (stopping and starting the broker keeps durable sessions and retained
messages), so that a test can stop the broker in the middle of a run and start it again on
the same ports. Stopped at the end however the test ends. A broker that cannot start fails
the test; nothing here skips.

Independent clients: `sub(...)` starts mosquitto_sub, `pub(...)` runs mosquitto_pub."""
import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from harness import fail, free_port, spawn

PASSWORD = "s3cret-for-tests"
USER = "trk"
_brokers = []


def _openssl(args, cwd):
    done = subprocess.run(["openssl"] + args, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        fail("openssl %s: %s" % (" ".join(args), done.stderr))


def make_ca(folder, name):
    """A CA key and self-signed certificate in `folder`: returns the certificate's path."""
    _openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + name,
              "-keyout", name + ".key", "-out", name + ".crt"], folder)
    return os.path.join(folder, name + ".crt")


def make_cert(folder, ca, name, san=None):
    """A key and a certificate for `name` signed by the CA `ca` (made by make_ca in the same
    folder); `san` is a subjectAltName ("IP:127.0.0.1,DNS:localhost"). Returns (cert, key)."""
    _openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + name, "-keyout", name + ".key",
              "-out", name + ".csr"], folder)
    args = ["x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key", "-CAcreateserial",
            "-days", "2", "-out", name + ".crt"]
    if san:
        with open(os.path.join(folder, name + ".ext"), "w") as f:
            f.write("subjectAltName=%s\n" % san)
        args += ["-extfile", name + ".ext"]
    _openssl(args, folder)
    return os.path.join(folder, name + ".crt"), os.path.join(folder, name + ".key")


class Broker:
    """One private mosquitto. `url(listener)` is trk's --broker for a listener ("plain",
    "tls", "auth"); `ports[listener]` its port."""

    def __init__(self, tmp=None):
        self.root = tempfile.mkdtemp(prefix="trk-mqtt-", dir=tmp)
        self.ports = {"plain": free_port(), "tls": free_port(), "auth": free_port()}
        self.log = os.path.join(self.root, "mosquitto.log")
        self.process = None
        _brokers.append(self)
        self._certificates()
        self._password_file()
        self._config()
        self.start()

    def _certificates(self):
        self.certs = os.path.join(self.root, "certs")
        os.makedirs(self.certs)
        self.cafile = make_ca(self.certs, "test-ca")
        self.server_cert, self.server_key = make_cert(self.certs, "test-ca", "broker", "IP:127.0.0.1,DNS:localhost")
        self.client_cert, self.client_key = make_cert(self.certs, "test-ca", "edge-client")
        # A CA that signed nothing of this broker's: trusting it must fail the handshake.
        self.wrong_cafile = make_ca(self.certs, "wrong-ca")

    def _password_file(self):
        self.password_file = os.path.join(self.root, "passwords")
        done = subprocess.run(["mosquitto_passwd", "-b", "-c", self.password_file, USER, PASSWORD],
                              capture_output=True, text=True)
        if done.returncode != 0:
            fail("mosquitto_passwd: " + done.stderr)

    def _config(self):
        self.config = os.path.join(self.root, "mosquitto.conf")
        persistence = os.path.join(self.root, "data") + "/"
        os.makedirs(persistence)
        lines = [
            "per_listener_settings true",
            "persistence true",
            "persistence_location " + persistence,
            "autosave_interval 1",
            "log_dest file " + self.log,
            "log_type error", "log_type warning", "log_type notice", "log_type information", "log_type subscribe",
            "max_queued_messages 1000000",
            "max_inflight_messages 0",
        ]
        if os.geteuid() == 0:
            # As root, mosquitto switches to the user `mosquitto`: keep root, which owns the files here.
            lines.append("user root")
        lines += [
            "",
            "listener %d 127.0.0.1" % self.ports["plain"],
            "allow_anonymous true",
            "",
            "listener %d 127.0.0.1" % self.ports["tls"],
            "allow_anonymous true",
            "cafile " + self.cafile,
            "certfile " + self.server_cert,
            "keyfile " + self.server_key,
            "require_certificate true",
            "",
            "listener %d 127.0.0.1" % self.ports["auth"],
            "allow_anonymous false",
            "password_file " + self.password_file,
        ]
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")

    def url(self, listener="plain"):
        scheme = "mqtts" if listener == "tls" else "mqtt"
        return "%s://127.0.0.1:%d" % (scheme, self.ports[listener])

    def start(self, timeout=10.0):
        self.process = subprocess.Popen(["mosquitto", "-c", self.config], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                fail("mosquitto did not start (exit %s): %s\n%s" % (self.process.returncode,
                      self.process.stderr.read().decode(errors="replace"), self.log_text()))
            if all(self._listening(port) for port in self.ports.values()):
                return
            time.sleep(0.05)
        fail("mosquitto did not listen within %.0f s:\n%s" % (timeout, self.log_text()))

    def _listening(self, port):
        with socket.socket() as s:
            s.settimeout(0.2)
            return s.connect_ex(("127.0.0.1", port)) == 0

    def stop(self):
        """Stops the broker (SIGTERM: it saves its persistence database) and waits."""
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def _client_args(self, listener):
        args = ["-h", "127.0.0.1", "-p", str(self.ports[listener])]
        if listener == "tls":
            args += ["--cafile", self.cafile, "--cert", self.client_cert, "--key", self.client_key]
        if listener == "auth":
            args += ["-u", USER, "-P", PASSWORD]
        return args

    def sub(self, topics, listener="plain", qos=1, extra=(), **popen):
        """Starts mosquitto_sub on `topics` (-v: "topic payload" lines unless `extra` says
        otherwise); returns the Popen. Wait for it with wait_subscribed()."""
        args = ["mosquitto_sub"] + self._client_args(listener) + ["-q", str(qos)] + list(extra)
        for topic in topics:
            args += ["-t", topic]
        popen.setdefault("stdout", subprocess.PIPE)
        popen.setdefault("stderr", subprocess.PIPE)
        # Killed when the test ends, however it ends: mosquitto_sub retries a stopped broker for ever.
        return spawn(args, **popen)

    def pub(self, topic, payload=None, listener="plain", qos=1, extra=(), file=None, retain=False):
        """Publishes one message with mosquitto_pub (`payload` bytes or str, or the file
        `file` as one binary message)."""
        args = ["mosquitto_pub"] + self._client_args(listener) + ["-q", str(qos), "-t", topic] + list(extra)
        if retain:
            args.append("-r")
        if file is not None:
            args += ["-f", file]
            data = None
        elif payload is None:
            args.append("-n")
            data = None
        else:
            args += ["-s"]
            data = payload.encode() if isinstance(payload, str) else payload
        done = subprocess.run(args, input=data, capture_output=True)
        if done.returncode != 0:
            fail("mosquitto_pub %s: %s" % (topic, done.stderr.decode(errors="replace")))

    def wait_subscribed(self, client_id, topic=None, timeout=10.0):
        """Waits until the broker's log shows a subscription of the client `client_id` (give
        mosquitto_sub and trk a client id: -i, --client-id), to `topic` when given."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.log_text().splitlines():
                parts = line.split(" ")
                # "TIME: CLIENT QOS TOPIC" (log_type subscribe)
                if len(parts) == 4 and parts[1] == client_id and parts[2] in ("0", "1", "2"):
                    if topic is None or parts[3] == topic:
                        return
            time.sleep(0.05)
        fail("%s did not subscribe%s within %.0f s" % (client_id, " to " + topic if topic else "", timeout))

    def close(self):
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@atexit.register
def _stop_all():
    for broker in _brokers:
        broker.close()
