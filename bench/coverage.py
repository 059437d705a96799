"""How often the 95% interval of "Did the WeChat groups help?" holds what was planted.

For each seed, yanhuo generates the same district twice: with the planted effect
(sample-data/README.md) and with `--plant 0`. The extra orders are drawn last in each
shop-day, so the two folders differ only by them, and the difference of the two estimates
is what was planted, in the estimator's own terms (each community's own effect, its mix of
shops and the value of an extra order included). The study counts:

- planted: seeds whose interval (with the plant) holds that difference;
- null: seeds whose interval without the plant holds 0.

Both should be near 95%. A benchmark, not a test: it takes minutes.

    python3 bench/coverage.py --seeds 40 --shops 400 --binary target/release/yanhuo
"""

import argparse
import csv
import io
import os
import sys
import tempfile
import time

from yanhuo_cli import yanhuo


def effects(binary, data):
    """wechat_effect's rows by cell: (effect, low, high)."""
    text = yanhuo(binary, "--data", data, "query", "wechat_effect", "--format", "csv")
    rows = {}
    for row in csv.DictReader(io.StringIO(text)):
        value = lambda name: float(row[name]) if row[name] != "" else None
        rows[row["cell"]] = (value("effect_pp"), value("ci_low_pp"), value("ci_high_pp"))
    return rows


def holds(low, high, value):
    return low is not None and high is not None and low <= value <= high


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--shops", type=int, default=400)
    parser.add_argument("--binary", default="target/release/yanhuo")
    args = parser.parse_args()

    counts = {}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            folders = {}
            for plant in ("1", "0"):
                folder = os.path.join(tmp, f"plant-{plant}")
                yanhuo(args.binary, "generate", "--shops", str(args.shops), "--seed",
                       str(seed), "--plant", plant, "--out", folder)
                folders[plant] = effects(args.binary, folder)
            for cell, (effect, low, high) in folders["1"].items():
                without, low0, high0 = folders["0"][cell]
                c = counts.setdefault(
                    cell, {"seeds": 0, "planted": 0, "null": 0, "sum": 0.0, "no interval": 0}
                )
                if None in (effect, low, high, without, low0, high0):
                    # Fewer than 11 communities with members and comparison shops.
                    c["no interval"] += 1
                    continue
                planted = effect - without
                c["seeds"] += 1
                c["planted"] += holds(low, high, planted)
                c["null"] += holds(low0, high0, 0.0)
                c["sum"] += planted
            print(f"seed {seed}: {folders}", file=sys.stderr)

    print(f"{args.seeds} districts of {args.shops} shops (seeds {args.first_seed}–"
          f"{args.first_seed + args.seeds - 1}), {time.perf_counter() - start:.0f} s")
    print()
    print("| period | mean planted (points) | interval holds the plant | interval holds 0 without it |")
    print("|---|---:|---:|---:|")
    for cell, c in counts.items():
        n = max(c["seeds"], 1)
        print(f"| {cell} | {c['sum'] / n:.1f} | {c['planted']}/{c['seeds']} "
              f"({100 * c['planted'] / n:.0f}%) | {c['null']}/{c['seeds']} "
              f"({100 * c['null'] / n:.0f}%) |")
    skipped = sum(c["no interval"] for c in counts.values())
    if skipped:
        print(f"\n{skipped} period(s) without an interval (fewer than 11 communities) left out.")


if __name__ == "__main__":
    main()
