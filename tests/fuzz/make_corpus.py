#!/usr/bin/env python3
"""Regenerates tests/fuzz/corpus/spec-*.json from the ```json examples in docs/protocol.md
(one file per example, compacted onto one line). Run after changing the spec's examples."""
import json, pathlib, re

root = pathlib.Path(__file__).resolve().parents[2]
corpus = root / "tests/fuzz/corpus"
corpus.mkdir(exist_ok=True)
for old in corpus.glob("spec-*.json"):
    old.unlink()
doc = (root / "docs/protocol.md").read_text(encoding="utf-8")
blocks = re.findall(r"^```json\n(.*?)^```", doc, flags=re.S | re.M)
for i, block in enumerate(blocks):
    frame = json.dumps(json.loads(block), ensure_ascii=False, separators=(",", ":"))
    (corpus / f"spec-{i:02d}.json").write_text(frame, encoding="utf-8")
print(f"{len(blocks)} examples written to {corpus}")
