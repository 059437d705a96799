#!/usr/bin/env python3
"""Cuts the built-in font into WOFF2 slices with `unicode-range`, as web font services do
for CJK, so a page downloads only the slices holding characters it shows.

Slice 0 holds every character of yanhuo's own text: the templates, the Rust sources (labels,
messages, chart words), the dashboards, the query files' titles and the sample data's names,
plus ASCII, Latin-1 and the common Chinese punctuation. A page of the sample data needs no
other slice. The rest of the font's characters follow in Unicode order, SLICE characters a
slice: a rare hanzi in a shop's name costs one small slice, not the font.

Writes, all committed:
  assets/fonts/web/yanhuo-NN-HASH.woff2  the slices (content-hashed names: cached for good)
  assets/fonts/slices.css                their @font-face rules
  src/serve/web/font_slices.rs                 the table the server serves them from

Run from the repository root, with fonttools and brotli installed (`pip install fonttools
brotli pyarrow`; pyarrow reads the sample data's names):

    python3 assets/fonts/slice.py
"""

import glob
import hashlib
import io
import os
import re
import sys

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FONT = os.path.join(ROOT, "assets/fonts/NotoSansSC-yanhuo.otf")
OUT = os.path.join(ROOT, "assets/fonts/web")
CSS = os.path.join(ROOT, "assets/fonts/slices.css")
TABLE = os.path.join(ROOT, "src/serve/web/font_slices.rs")
FAMILY = "Yanhuo Sans"
# Characters in each slice after the first: about 35 KB of WOFF2 each.
SLICE = 120

# Always in slice 0: what any page of any data writes around its numbers.
BASE = (
    "".join(chr(c) for c in range(0x20, 0x7F))
    + "".join(chr(c) for c in range(0xA0, 0x100))
    + "，。、；：？！“”‘’（）《》【】—…·～％＋－×÷℃←→↑↓■□●○▲△"
    + "０１２３４５６７８９"
)


def source_text():
    """Every file of ours whose words reach a reader."""
    patterns = [
        "templates/**/*.html",
        "src/**/*.rs",
        "dashboards/*.toml",
        "queries/*.sql",
        "assets/style.css",
    ]
    text = []
    for pattern in patterns:
        for path in sorted(glob.glob(os.path.join(ROOT, pattern), recursive=True)):
            if path == TABLE:
                continue
            with open(path, encoding="utf-8") as f:
                text.append(f.read())
    return "".join(text)


def sample_names():
    """The strings of the sample data's small tables (names of communities, shops, ...)."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        sys.exit("pip install pyarrow: the sample data's names go into slice 0")
    text = []
    for path in sorted(glob.glob(os.path.join(ROOT, "sample-data/*.parquet"))):
        table = pq.read_table(path)
        for column in table.columns:
            if str(column.type) in ("string", "large_string", "string_view"):
                text.extend(v for v in column.to_pylist() if v)
    return "".join(text)


def runs(codes):
    """Sorted code points as unicode-range items, consecutive ones joined."""
    items = []
    codes = sorted(codes)
    start = prev = None
    for c in codes + [None]:
        if start is not None and (c is None or c != prev + 1):
            items.append(f"U+{start:X}" if start == prev else f"U+{start:X}-{prev:X}")
            start = None
        if c is not None and start is None:
            start = c
        prev = c
    return items


def woff2(codes):
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.hinting = False
    options.desubroutinize = False
    options.name_IDs = ["*"]
    # The source's timestamp, not now: the same font gives the same bytes and names.
    font = TTFont(FONT, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codes)
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out)
    return out.getvalue()


def main():
    font = TTFont(FONT)
    have = set(font.getBestCmap())
    used = {ord(c) for c in BASE + source_text() + sample_names()}
    first = sorted(have & used)
    rest = sorted(have - set(first))
    slices = [first] + [rest[i : i + SLICE] for i in range(0, len(rest), SLICE)]

    os.makedirs(OUT, exist_ok=True)
    for old in glob.glob(os.path.join(OUT, "*.woff2")):
        os.remove(old)
    # A later slice's range spans from its first to its last character, less slice 0's:
    # the code points between that the font lacks join its runs (a page showing one of
    # them costs this one slice at most), which keeps the rules short.
    zero = set(first)
    ranges = [first] + [
        [c for c in range(codes[0], codes[-1] + 1) if c in codes_set or c not in have]
        for codes in slices[1:]
        for codes_set in [set(codes)]
    ]
    assert all(not zero & set(r) for r in ranges[1:])
    faces, table, total = [], [], 0
    for n, codes in enumerate(slices):
        data = woff2(codes)
        digest = hashlib.sha256(data).hexdigest()[:12]
        name = f"yanhuo-{n:02}-{digest}.woff2"
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        total += len(data)
        faces.append(
            "@font-face{font-family:\"%s\";src:url(/assets/fonts/%s) format(\"woff2\");"
            "font-display:swap;unicode-range:%s}" % (FAMILY, name, ",".join(runs(ranges[n])))
        )
        table.append(f'    ("{name}", include_bytes!("../../../assets/fonts/web/{name}")),')
        print(f"{name}: {len(codes)} characters, {len(data)} bytes")

    with open(CSS, "w", encoding="utf-8") as f:
        f.write(
            "/* Generated by assets/fonts/slice.py: the built-in font in slices; the browser\n"
            "   downloads a slice only for characters on the page that no earlier font has. */\n"
        )
        f.write("\n".join(faces) + "\n")
    with open(TABLE, "w", encoding="utf-8") as f:
        f.write(
            "//! Generated by `assets/fonts/slice.py`: the WOFF2 slices of the built-in font, by\n"
            "//! their content-hashed names (the @font-face rules are `assets/fonts/slices.css`).\n\n"
            f"/// {len(slices)} slices, {total} bytes; slice 0 holds every character of yanhuo's own text.\n"
            "#[rustfmt::skip]\n"
            "pub const SLICES: &[(&str, &[u8])] = &[\n"
        )
        f.write("\n".join(table) + "\n];\n")
    print(f"{len(slices)} slices, {total} bytes; slice 0: {len(first)} characters")


if __name__ == "__main__":
    main()
