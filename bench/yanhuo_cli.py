"""The yanhuo binary as the benchmark scripts run it: quiet logs, its standard output."""

import os
import subprocess
import sys


def yanhuo(binary, *args):
    try:
        out = subprocess.run(
            [binary, *args],
            capture_output=True,
            text=True,
            env={**os.environ, "YANHUO_LOG": "warn"},
        )
    except OSError as error:
        sys.exit(f"cannot run {binary} ({error.strerror}): `cargo build --release`, or --binary PATH")
    if out.returncode != 0:
        # Its own message says what failed; a bare exit status would not.
        sys.exit(f"{' '.join([binary, *args])} failed ({out.returncode}):\n{out.stderr.strip()}")
    return out.stdout
