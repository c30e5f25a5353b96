"""A real PostgreSQL 15 server with PostGIS for the central ledger's tests: initdb in a
temporary directory, a Unix socket there (and a loopback TCP port with TLS when asked), and
stopped at the end however the test ends.

PostgreSQL refuses to run as root, and CI runs the tests as root: then the cluster belongs
to the unprivileged user `nobody`, and every server program runs as that user (runuser).
A server that cannot start fails the test; nothing here skips."""
import atexit
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time

from harness import fail, free_port

BIN = "/usr/lib/postgresql/15/bin"
_servers = []


class PgServer:
    """One private cluster. `url(user, db)` is a postgresql:// URL on its socket; `psql(sql)`
    runs SQL as the superuser `postgres` (or `user`) with the independent client."""

    def __init__(self, tls=False, tmp=None):
        self.root = tempfile.mkdtemp(prefix="trk-pg-", dir=tmp)
        os.chmod(self.root, 0o755)
        self.data = os.path.join(self.root, "data")
        self.socket_dir = os.path.join(self.root, "sock")
        self.log = os.path.join(self.root, "server.log")
        self.port = free_port()
        self.tls = tls
        self.as_user = []
        os.makedirs(self.socket_dir)
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "nobody", "--"]
            nobody = pwd.getpwnam("nobody")
            for path in (self.root, self.socket_dir):
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
        _servers.append(self)
        self._initdb()
        self.start()
        self.psql("CREATE DATABASE trk", db="postgres")

    def _run(self, args, **kwargs):
        return subprocess.run(self.as_user + args, capture_output=True, text=True, **kwargs)

    def _initdb(self):
        r = self._run([f"{BIN}/initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                       "--locale=C.UTF-8", "--no-sync"])
        if r.returncode != 0:
            fail(f"initdb failed: {r.stderr}")
        conf = [
            "listen_addresses = '127.0.0.1'" if self.tls else "listen_addresses = ''",
            f"port = {self.port}",
            f"unix_socket_directories = '{self.socket_dir}'",
            "fsync = off", "synchronous_commit = off", "full_page_writes = off",
            "shared_buffers = 64MB", "max_connections = 40", "log_min_messages = warning",
        ]
        if self.tls:
            conf += self._make_certificates()
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("\n".join(conf) + "\n")
        if self.tls:
            with open(os.path.join(self.data, "pg_hba.conf"), "a") as f:
                f.write("hostssl all all 127.0.0.1/32 trust\n")

    def _make_certificates(self):
        """A test CA and a server certificate for localhost (CN and subjectAltName), made by
        openssl now; the client trusts ca.crt (sslrootcert) for sslmode=verify-full."""
        d = self.root
        steps = [
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=trk test CA",
             "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.crt"],
            ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
             "-keyout", f"{d}/server.key", "-out", f"{d}/server.csr"],
            ["openssl", "x509", "-req", "-in", f"{d}/server.csr", "-CA", f"{d}/ca.crt", "-CAkey", f"{d}/ca.key",
             "-CAcreateserial", "-days", "2", "-out", f"{d}/server.crt", "-extfile", "/dev/stdin"],
        ]
        for i, step in enumerate(steps):
            r = subprocess.run(step, capture_output=True, text=True,
                               input="subjectAltName=DNS:localhost,IP:127.0.0.1\n" if i == 2 else None)
            if r.returncode != 0:
                fail(f"openssl failed: {r.stderr}")
        for name in ("server.key", "server.crt"):
            shutil.copy(f"{d}/{name}", f"{self.data}/{name}")
            os.chmod(f"{self.data}/{name}", 0o600)
            if self.as_user:
                nobody = pwd.getpwnam("nobody")
                os.chown(f"{self.data}/{name}", nobody.pw_uid, nobody.pw_gid)
        self.ca = f"{d}/ca.crt"
        return ["ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"]

    def start(self):
        r = self._run([f"{BIN}/pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "30", "start"])
        if r.returncode != 0:
            log = open(self.log).read() if os.path.exists(self.log) else ""
            fail(f"PostgreSQL did not start: {r.stderr}\n{log}")

    def stop(self, mode="fast"):
        """Stops the server: "fast" (clean), or "immediate" (as a crash: recovery at start)."""
        self._run([f"{BIN}/pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"])

    def url(self, user="postgres", db="trk"):
        return f"postgresql:///{db}?host={self.socket_dir}&port={self.port}&user={user}"

    def tcp_url(self, user="postgres", db="trk", sslmode="verify-full", ca=None):
        return (f"postgresql://localhost:{self.port}/{db}?user={user}&sslmode={sslmode}"
                f"&sslrootcert={ca or self.ca}")

    def psql(self, sql, user="postgres", db="trk", check=True):
        """Runs SQL with psql (unaligned, tuples only); returns its standard output. With
        check, a failure fails the test; else returns (returncode, stdout, stderr)."""
        r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", self.socket_dir,
                            "-p", str(self.port), "-U", user, "-d", db, "-c", sql],
                           capture_output=True, text=True)
        if not check:
            return r.returncode, r.stdout, r.stderr
        if r.returncode != 0:
            fail(f"psql failed on {sql!r}: {r.stderr}")
        return r.stdout

    def close(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@atexit.register
def _stop_all():
    for server in _servers:
        server.close()


if __name__ == "__main__":
    # A server for trying things by hand: prints its URL and waits for Enter.
    start = time.time()
    s = PgServer(tls="--tls" in sys.argv)
    print(s.url(), f"(started in {time.time() - start:.1f} s)")
    if "--wait" in sys.argv:
        input()
