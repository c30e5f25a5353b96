"""The edge gateway as shipped (scripts/edge/trk-edge.service and edge.env) without systemd: the
unit's ExecStart pipeline (trk read modbus | trk check | trk publish) runs under a supervisor
that does what the unit asks of systemd (Restart=always, SIGTERM to every process on stop),
against a real Modbus server (the bundled pump) and a real mosquitto with a password. Stages
are killed with SIGKILL (trk publish twice, the Modbus reader and trk check once each); each
time the pipeline is restarted, and every record that trk publish passed on (it passes a
record on only once it is in the spool) reaches an independent subscriber (mosquitto_sub).
Then `systemctl stop`: SIGTERM to all, every stage ends within the unit's TimeoutStopSec,
and what the spool still held arrives after the next start.

  edge_gateway.py TRK SOURCE_DIR"""
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
import mqtt_broker  # noqa: E402
from harness import fail, wait_for  # noqa: E402

TRK, SOURCE = sys.argv[1], sys.argv[2]
UNIT = os.path.join(SOURCE, "scripts", "edge", "trk-edge.service")
ENV_FILE = os.path.join(SOURCE, "scripts", "edge", "edge.env")


def unit_settings(path):
    """The [Service] settings of a unit file, as {key: value} (the last one wins)."""
    settings, section = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                section = line
            elif section == "[Service]":
                key, _, value = line.partition("=")
                settings[key] = value
    return settings


def env_file(path):
    values = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                values[key] = value
    return values


def seconds(text):
    match = re.fullmatch(r"(\d+)(s?)", text)
    if not match:
        fail("cannot read the unit's duration %r" % text)
    return int(match.group(1))


class Service:
    """What systemd does with the unit: runs ExecStart (with ${NAME} replaced from the
    environment, and $$ by $, as systemd does), restarts it when it ends (Restart=always; RestartSec is
    shortened), and on stop sends KillSignal to every process of the service."""

    def __init__(self, settings, env, out, err):
        self.argv = shlex.split(settings["ExecStart"])
        self.argv = [re.sub(r"(?<!\$)\$\{(\w+)\}", lambda m: env[m.group(1)], word).replace("$$", "$")
                     for word in self.argv]
        self.env = env
        self.out, self.err = out, err
        self.process = None
        self.starts = 0
        self.ends = []

    def start(self):
        self.process = subprocess.Popen(self.argv, env=self.env, stdout=self.out, stderr=self.err,
                                        start_new_session=True)
        self.starts += 1

    def restart_if_ended(self):
        if self.process.poll() is not None:
            self.ends.append(self.process.returncode)
            time.sleep(0.2)
            self.start()
            return True
        return False

    def stage(self, word):
        """The pid of the pipeline's stage whose command line holds `word` ("publish")."""
        def find():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open("/proc/%s/cmdline" % pid, "rb") as f:
                        argv = f.read().split(b"\0")
                    if os.getpgid(int(pid)) != self.process.pid:
                        continue
                except (OSError, ProcessLookupError):
                    continue
                if argv and argv[0].endswith(b"trk") and len(argv) > 1 and argv[1] == word.encode():
                    return int(pid)
            return None
        pid = None

        def found():
            nonlocal pid
            pid = find()
            return pid is not None
        wait_for(found, "the %s stage of the pipeline" % word)
        return pid

    def stop(self, timeout):
        """systemctl stop: KillSignal to the whole group; True when all ended in time."""
        os.killpg(self.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                self.process.wait()
                return True
            self.process.poll()
            time.sleep(0.05)
        os.killpg(self.process.pid, signal.SIGKILL)
        return False


def main():
    # systemd's own reading of the unit: every line understood (a typo is "ignoring" there).
    verify = subprocess.run(["systemd-analyze", "verify", "--man=no", UNIT], capture_output=True, text=True)
    if verify.returncode != 0 or verify.stdout.strip() or verify.stderr.strip():
        fail("systemd-analyze verify %s: %s%s" % (UNIT, verify.stdout, verify.stderr))
    settings = unit_settings(UNIT)
    for key, want in (("Restart", "always"), ("KillMode", "control-group"), ("KillSignal", "SIGTERM"),
                      ("StandardError", "journal")):
        if settings.get(key) != want:
            fail("the unit's %s is %r, not %r" % (key, settings.get(key), want))
    tmp = tempfile.mkdtemp(prefix="trk-edge-")
    broker = mqtt_broker.Broker(tmp)
    pump = subprocess.run(["/usr/bin/python3", os.path.join(SOURCE, "tests", "support", "modbus_server.py"),
                           "--story", "pump", "--background", "--idle-exit", "60"],
                          capture_output=True, text=True, timeout=30)
    if pump.returncode != 0:
        fail("the pump's Modbus server did not start: " + pump.stderr)
    port = pump.stdout.strip()

    state = os.path.join(tmp, "state")
    credentials = os.path.join(tmp, "credentials")
    os.makedirs(state)
    os.makedirs(credentials)
    with open(os.path.join(credentials, "mqtt-password"), "w") as f:
        f.write(mqtt_broker.PASSWORD + "\n")
    os.chmod(os.path.join(credentials, "mqtt-password"), 0o600)

    env = dict(os.environ)
    env.update(env_file(ENV_FILE))
    env.update({
        "PATH": os.path.dirname(os.path.abspath(TRK)) + os.pathsep + env.get("PATH", ""),
        "TRK_EDGE_MAP": os.path.join(SOURCE, "sample", "pump", "pump.csv"),
        "TRK_EDGE_RULES": os.path.join(SOURCE, "sample", "pump", "pump.rules"),
        "TRK_EDGE_BUS": "--host 127.0.0.1:" + port,
        "TRK_EDGE_INTERVAL": "50ms",
        "TRK_EDGE_BROKER": broker.url("auth"),
        "TRK_EDGE_USER": mqtt_broker.USER,
        "TRK_EDGE_SITE": "test-hall",
        "STATE_DIRECTORY": state,
        "CREDENTIALS_DIRECTORY": credentials,
    })
    if os.path.basename(TRK) != "trk":
        fail("the unit runs `trk` from PATH: give the binary named trk")

    watcher = broker.sub(["trk/test-hall/#"], listener="auth", extra=["-i", "edge-watch", "-c", "-v"],
                         stdout=open(os.path.join(tmp, "received"), "wb"), stderr=subprocess.DEVNULL)
    broker.wait_subscribed("edge-watch")

    passed_path = os.path.join(tmp, "passed")
    with open(passed_path, "wb") as out, open(os.path.join(tmp, "service.log"), "wb") as err:
        service = Service(settings, env, out, err)
        service.start()

        def passed():
            with open(passed_path, "rb") as f:
                return [line for line in f.read().split(b"\n") if line]

        def received():
            with open(os.path.join(tmp, "received"), "rb") as f:
                lines = [line for line in f.read().split(b"\n") if line]
            return {line.partition(b" ")[2] for line in lines if not line.split(b" ", 1)[0].endswith(b"/status")}

        def run_a_while(records):
            """Keeps the service up (restarting it) until `records` more were passed on."""
            want = len(passed()) + records
            deadline = time.monotonic() + 20
            while len(passed()) < want:
                service.restart_if_ended()
                if time.monotonic() > deadline:
                    fail("the pipeline passed on no records:\n" + open(os.path.join(tmp, "service.log")).read())
                time.sleep(0.05)

        run_a_while(30)
        for word in ("publish", "read", "publish", "check"):
            os.kill(service.stage(word), signal.SIGKILL)
            wait_for(lambda: service.process.poll() is not None, "the pipeline to end after its %s stage died" % word)
            if service.process.returncode == 0:
                fail("the pipeline ended with status 0 after its %s stage was killed: systemd would not see a "
                     "failure" % word)
            service.restart_if_ended()
            run_a_while(20)
        if service.starts != 5:
            fail("the pipeline was started %d times, not 5" % service.starts)

        # Everything passed on so far was spooled: it all reaches the subscriber.
        sent = passed()
        wait_for(lambda: set(sent) <= received(), "every record trk publish passed on to reach the broker", timeout=30)

        # systemctl stop, then start: every stage ends in time; what the spool held arrives.
        run_a_while(20)
        if not service.stop(seconds(settings["TimeoutStopSec"])):
            fail("a stage was still running %s after SIGTERM" % settings["TimeoutStopSec"])
        log = open(os.path.join(tmp, "service.log"), errors="replace").read()
        if "trk publish: " not in log:
            fail("trk publish said nothing on standard error (the journal):\n" + log)
        sent = passed()
        service.start()
        wait_for(lambda: set(sent) <= received(), "the records spooled before the stop to arrive after the start",
                 timeout=30)
        service.stop(seconds(settings["TimeoutStopSec"]))
    watcher.terminate()
    print("edge gateway: %d records passed on over %d starts, all received" % (len(passed()), service.starts))


if __name__ == "__main__":
    main()
