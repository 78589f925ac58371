#!/usr/bin/env python3
# Writes sessions/data/alpaca.json and sessions/data/qa.csv from sessions/data/general.jsonl, so the three
# hold the same chats in different formats. Alpaca keeps system prompts and earlier turns (history);
# the question/answer table holds the first exchange of each chat (headers 问题,回答). Stdlib only.
import csv, json, os

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sessions", "data")
chats = [json.loads(l)["messages"] for l in open(os.path.join(root, "general.jsonl"), encoding="utf-8") if l.strip()]

alpaca = []
for m in chats:
    system = m[0]["content"] if m[0]["role"] == "system" else None
    turns = [t["content"] for t in m if t["role"] != "system"]
    pairs = list(zip(turns[0::2], turns[1::2]))
    rec = {"instruction": pairs[-1][0], "input": "", "output": pairs[-1][1]}
    if system:
        rec["system"] = system
    if len(pairs) > 1:
        rec["history"] = [list(p) for p in pairs[:-1]]
    alpaca.append(rec)
with open(os.path.join(root, "alpaca.json"), "w", encoding="utf-8") as f:
    json.dump(alpaca, f, ensure_ascii=False, indent=2)
    f.write("\n")

with open(os.path.join(root, "qa.csv"), "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)  # quotes fields with commas, quotes or newlines (RFC 4180), CRLF line ends
    w.writerow(["问题", "回答"])
    for m in chats:
        turns = [t["content"] for t in m if t["role"] != "system"]
        w.writerow([turns[0], turns[1]])
