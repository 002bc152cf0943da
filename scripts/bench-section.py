#!/usr/bin/env python3
"""Puts one section into bench/results.md, the rest kept: the section of the same
heading (its first line, "## ...") is replaced, or a new one goes before
"## seed scale" (at the end when there is none).

  bench-section.py bench/results.md section.md
"""
import re
import sys

path, section = sys.argv[1], open(sys.argv[2]).read()
heading = section.lstrip().splitlines()[0]
assert heading.startswith("## "), f"a section starts with '## ': {heading!r}"
try:
    text = open(path).read()
except FileNotFoundError:
    text = ""
m = re.search(r"^" + re.escape(heading) + r"\n.*?(?=^## |\Z)", text, flags=re.S | re.M)
if m:
    text = text[: m.start()] + section + text[m.end() :]
else:
    at = text.find("## seed scale")
    text = text + "\n" + section if at < 0 else text[:at] + section + text[at:]
open(path, "w").write(text)
