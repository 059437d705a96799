"""The yanhuo binary as the benchmark scripts run it: quiet logs, its standard output."""

import os
import subprocess


def yanhuo(binary, *args):
    out = subprocess.run(
        [binary, *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "YANHUO_LOG": "warn"},
    )
    return out.stdout
