#!/usr/bin/env python3
"""The README's examples are what trk does: every ```console block of README.md is run, in
order, in one scratch folder (HOME there, so the default ledger is a new one), and each
`$ command`'s output (standard output and error, on a pseudo-terminal) must be the
lines the README shows under it. A block that needs what a test machine lacks (a receiver
on a USB port, a key on removable media) is preceded by `<!-- readme-test: skip REASON -->`.

usage: readme_examples.py TRK SOURCE_DIR
"""
import os
import pty
import re
import subprocess
import sys
import tempfile


def console_blocks(readme):
    """(first line number, [(command, [expected lines])]) of each console block not skipped."""
    lines = open(readme, encoding="utf-8").read().split("\n")
    blocks, skipped = [], []
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```console":
            i += 1
            continue
        skip = i > 0 and re.match(r"<!-- readme-test: skip (.*) -->", lines[i - 1].strip())
        start, i = i + 1, i + 1
        steps = []
        while lines[i].strip() != "```":
            if lines[i].startswith("$ "):
                steps.append((lines[i][2:], []))
            elif steps:
                steps[-1][1].append(lines[i])
            i += 1
        (skipped if skip else blocks).append((start, skip.group(1) if skip else steps))
    return blocks, skipped


def on_terminal(args, folder, env):
    """What `args` writes to a terminal (standard output and error on one pseudo-terminal, as
    the README's reader sees them: tables, not JSON Lines)."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(args, cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal)
    os.close(terminal)
    said = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: every writer has gone
            break
        if not chunk:
            break
        said += chunk
    os.close(controller)
    process.wait(timeout=60)
    return said.decode().replace("\r\n", "\n")


def main():
    trk, source = sys.argv[1], os.path.abspath(sys.argv[2])
    blocks, skipped = console_blocks(os.path.join(source, "README.md"))
    failures = 0
    with tempfile.TemporaryDirectory() as folder:
        home = os.path.join(folder, "home")
        os.mkdir(home)
        for name in ("tests", "sample"):
            os.symlink(os.path.join(source, name), os.path.join(folder, name))
        env = dict(os.environ, HOME=home, PATH=os.path.dirname(os.path.abspath(trk)) + ":" + os.environ["PATH"])
        env.pop("TRK_LEDGER", None)
        env.pop("XDG_DATA_HOME", None)
        commands = 0
        for start, steps in blocks:
            for command, expected in steps:
                commands += 1
                said = on_terminal(["bash", "-o", "pipefail", "-c", command], folder, env)
                got = said.replace(home, "/home/me").rstrip("\n").split("\n") if said else []
                if got != expected:
                    failures += 1
                    print(f"README.md:{start}: $ {command}\n  README shows:\n    " + "\n    ".join(expected) +
                          "\n  trk says:\n    " + "\n    ".join(got))
    for start, reason in skipped:
        print(f"README.md:{start}: skipped ({reason})")
    print(f"{commands} commands of {len(blocks)} console blocks run, {failures} differ from the README")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
