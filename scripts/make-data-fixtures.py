#!/usr/bin/env python3
# Writes the data test fixtures (stdlib only):
#   Tests/Fixtures/data/bad/*   the bad-file corpus: each file breaks one rule at a known line, between good
#                               lines, so tests can check the message names the file and the line;
#   Tests/Fixtures/data/deflate.json  raw DEFLATE vectors from zlib (stored, fixed and dynamic blocks).
# truncated.xlsx comes from scripts/make-sample-xlsx.py.
import base64, json, os, random, zlib

here = os.path.dirname(os.path.abspath(__file__))
fx = os.path.join(here, "..", "Tests", "Fixtures", "data")
bad = os.path.join(fx, "bad")
os.makedirs(bad, exist_ok=True)

def msg(*turns, system=None):
    m = [{"role": "system", "content": system}] if system else []
    for k, t in enumerate(turns):
        m.append({"role": "user" if k % 2 == 0 else "assistant", "content": t})
    return {"messages": m}

def line(obj):
    return json.dumps(obj, ensure_ascii=False)

good1 = line(msg("Hello?", "Hi! How can I help?"))
good2 = line(msg("2+2?", "4."))
good3 = line(msg("你好", "你好！有什么可以帮你？"))

def write(name, lines, raw=None):
    with open(os.path.join(bad, name), "wb") as f:
        f.write(raw if raw is not None else ("\n".join(lines) + "\n").encode("utf-8"))

# The bad line is always line 2.
write("wrong-role.jsonl", [good1, line({"messages": [{"role": "user", "content": "hi"}, {"role": "bot", "content": "hello"}]}), good3])
write("system-not-first.jsonl", [good1, line({"messages": [{"role": "user", "content": "hi"}, {"role": "system", "content": "be nice"}, {"role": "assistant", "content": "hello"}]}), good3])
write("two-systems.jsonl", [good1, line({"messages": [{"role": "system", "content": "a"}, {"role": "system", "content": "b"}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}), good3])
write("ends-with-user.jsonl", [good1, line(msg("hi", "hello", "and then?")), good3])
write("no-assistant.jsonl", [good1, line(msg("only a question", system="sys")), good3])
write("not-alternating.jsonl", [good1, line({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}, {"role": "assistant", "content": "c"}]}), good3])
write("empty-content.jsonl", [good1, line(msg("question", "   ")), good3])
write("non-string-content.jsonl", [good1, line({"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}, {"role": "assistant", "content": 42}]}), good3])
write("bad-json.jsonl", [good1, '{"messages": [{"role": "user" "content": "missing comma"}]}', good3])
write("duplicate.jsonl", [good1, good1, good3])
write("unknown-shape.jsonl", [good1, line({"body": "a record of no known shape"}), good3])
write("mixed-format.jsonl", [good1, line({"instruction": "alpaca in a messages file", "output": "x"}), good2, good3])
# Truncated last line: the file was cut while being written (line 3).
write("truncated-last-line.jsonl", None, raw=(good1 + "\n" + good2 + "\n" + good3[: len(good3) // 2]).encode("utf-8"))
# Invalid UTF-8 (a GBK byte pair in a string) on line 2.
write("invalid-utf8.jsonl", None, raw=(good1 + "\n").encode() + b'{"messages": [{"role": "user", "content": "\xc4\xe3\xba\xc3"}, {"role": "assistant", "content": "ok"}]}\n' + (good3 + "\n").encode())
# BOM: a warning; all three lines load.
write("bom.jsonl", None, raw=b"\xef\xbb\xbf" + ("\n".join([good1, good2, good3]) + "\n").encode())
write("empty.jsonl", None, raw=b"")
rng = random.Random(7)
write("binary.bin", None, raw=bytes(rng.randrange(256) for _ in range(600)) + b"\x00\x00")
# CSV with quoted newlines, doubled quotes, a BOM and CRLF: valid, 3 rows.
write("quoted-newlines.csv", None, raw=b"\xef\xbb\xbf" + "问题,回答\r\n\"Line one\nline two?\",\"He said \"\"yes\"\", then left.\"\r\n什么是CSV？,\"逗号分隔值, 一种表格格式。\"\r\nplain,row\r\n".encode())
# CSV whose quote on line 3 never closes: row 2 loads, the rest is reported.
write("unterminated-quote.csv", None, raw="question,answer\nfine,row\n\"broken,never closed\nmore,text\n".encode())
# Tab-separated with English headers and an extra column.
write("tabs.tsv", None, raw="id\tprompt\tresponse\n1\tWhat is 3*3?\t9\n2\tName a colour.\tBlue.\n".encode())

# DEFLATE vectors: stored (level 0), fixed Huffman (short text) and dynamic (longer text, repeats).
texts = [b"", b"a", "Hello, Lumen! 你好".encode(), (b"the quick brown fox jumps over the lazy dog. " * 40),
         bytes(rng.randrange(256) for _ in range(800)), ("问题,回答\n" * 200).encode()]
vectors = []
for t in texts:
    for level in (0, 1, 9):
        c = zlib.compressobj(level, zlib.DEFLATED, -15)
        z = c.compress(t) + c.flush()
        vectors.append({"level": level, "plain": base64.b64encode(t).decode(), "deflate": base64.b64encode(z).decode()})
# Forced fixed-Huffman block: strategy Z_FIXED.
c = zlib.compressobj(6, zlib.DEFLATED, -15, 8, zlib.Z_FIXED)
t = b"fixed huffman codes only, fixed huffman codes only."
vectors.append({"level": -1, "plain": base64.b64encode(t).decode(), "deflate": base64.b64encode(c.compress(t) + c.flush()).decode()})
with open(os.path.join(fx, "deflate.json"), "w") as f:
    json.dump(vectors, f, indent=0)
