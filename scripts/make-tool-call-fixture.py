#!/usr/bin/env python3
"""Writes Tests/Fixtures/tools/qwen25-tool-calls.json (and the same chats as dataset records in
qwen25-tool-calls.jsonl and qwen25-tool-calls-string-args.jsonl): conversations with OpenAI-style tools, tool_calls and tool
messages rendered by HF transformers' apply_chat_template with Qwen2.5-Instruct's chat template (its tools
branch included), the token ids of llama.cpp's Qwen2 vocabulary (Tests/Fixtures/tokenizer/ggml-vocab-qwen2.gguf,
read through transformers' GGUF loader: no model hub needed), and the trained character spans.

Trained spans (HF has no reference: Qwen's template has no {% generation %} markers): TRL's prefix rule. For each
assistant message i, the text it adds is render(messages[:i+1]) minus render(messages[:i], add_generation_prompt
=True); that text without the "\n" after <|im_end|> is trained. A token is trained when its first character is.

The template text is Qwen2.5-Instruct's tokenizer_config.json chat_template as published with the models
(written here from the published template; see Tests/Fixtures/tools/README.md).

Needs: transformers, jinja2, gguf. Run: python3 scripts/make-tool-call-fixture.py
"""
import json, os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tools")
VOCAB = os.path.join(ROOT, "Tests", "Fixtures", "tokenizer")

QWEN25_TEMPLATE = (
    "{%- if tools %}\n"
    "    {{- '<|im_start|>system\\n' }}\n"
    "    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- messages[0]['content'] }}\n"
    "    {%- else %}\n"
    "        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}\n"
    "    {%- endif %}\n"
    "    {{- \"\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>\" }}\n"
    "    {%- for tool in tools %}\n"
    "        {{- \"\\n\" }}\n"
    "        {{- tool | tojson }}\n"
    "    {%- endfor %}\n"
    "    {{- \"\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\\"name\\\": <function-name>, \\\"arguments\\\": <args-json-object>}\\n</tool_call><|im_end|>\\n\" }}\n"
    "{%- else %}\n"
    "    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n"
    "    {%- else %}\n"
    "        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}\n"
    "    {%- endif %}\n"
    "{%- endif %}\n"
    "{%- for message in messages %}\n"
    "    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) or (message.role == \"assistant\" and not message.tool_calls) %}\n"
    "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n"
    "    {%- elif message.role == \"assistant\" %}\n"
    "        {{- '<|im_start|>' + message.role }}\n"
    "        {%- if message.content %}\n"
    "            {{- '\\n' + message.content }}\n"
    "        {%- endif %}\n"
    "        {%- for tool_call in message.tool_calls %}\n"
    "            {%- if tool_call.function is defined %}\n"
    "                {%- set tool_call = tool_call.function %}\n"
    "            {%- endif %}\n"
    "            {{- '\\n<tool_call>\\n{\"name\": \"' }}\n"
    "            {{- tool_call.name }}\n"
    "            {{- '\", \"arguments\": ' }}\n"
    "            {{- tool_call.arguments | tojson }}\n"
    "            {{- '}\\n</tool_call>' }}\n"
    "        {%- endfor %}\n"
    "        {{- '<|im_end|>\\n' }}\n"
    "    {%- elif message.role == \"tool\" %}\n"
    "        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != \"tool\") %}\n"
    "            {{- '<|im_start|>user' }}\n"
    "        {%- endif %}\n"
    "        {{- '\\n<tool_response>\\n' }}\n"
    "        {{- message.content }}\n"
    "        {{- '\\n</tool_response>' }}\n"
    "        {%- if loop.last or (messages[loop.index0 + 1].role != \"tool\") %}\n"
    "            {{- '<|im_end|>\\n' }}\n"
    "        {%- endif %}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|im_start|>assistant\\n' }}\n"
    "{%- endif %}\n"
)

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name, e.g. 北京"},
                                                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                   "required": ["city"]}}}
TIME = {"type": "function", "function": {"name": "get_time", "description": "Local time in a time zone.",
                                         "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}, "required": ["zone"]}}}


def call(id, name, args):
    return {"id": id, "type": "function", "function": {"name": name, "arguments": args}}


CASES = [
    ("one-call", [WEATHER], [
        {"role": "user", "content": "What is the weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [call("c1", "get_weather", {"city": "Paris", "unit": "celsius"})]},
        {"role": "tool", "tool_call_id": "c1", "content": "{\"temperature\": 18, \"sky\": \"cloudy\"}"},
        {"role": "assistant", "content": "It is 18 °C and cloudy in Paris."},
    ]),
    ("system-two-calls", [WEATHER, TIME], [
        {"role": "system", "content": "You are Lumen. Use the tools when they help."},
        {"role": "user", "content": "北京现在几点？天气怎么样？"},
        {"role": "assistant", "content": "我来查一下。", "tool_calls": [call("a", "get_time", {"zone": "Asia/Shanghai"}),
                                                                     call("b", "get_weather", {"city": "北京"})]},
        {"role": "tool", "tool_call_id": "a", "content": "09:30"},
        {"role": "tool", "tool_call_id": "b", "content": "晴，25°C"},
        {"role": "assistant", "content": "北京现在是 09:30，晴，25°C。"},
        {"role": "user", "content": "Thanks!"},
        {"role": "assistant", "content": "You're welcome."},
    ]),
    ("tools-no-call", [TIME], [
        {"role": "user", "content": "Say hi."},
        {"role": "assistant", "content": "Hi!"},
    ]),
]


def main():
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(VOCAB, gguf_file="ggml-vocab-qwen2.gguf")
    tok.chat_template = QWEN25_TEMPLATE
    out = []
    for name, tools, msgs in CASES:
        text = tok.apply_chat_template(msgs, tools=tools, tokenize=False)
        spans = []
        for i, m in enumerate(msgs):
            if m["role"] != "assistant":
                continue
            before = tok.apply_chat_template(msgs[:i], tools=tools, tokenize=False, add_generation_prompt=True)
            upto = tok.apply_chat_template(msgs[:i + 1], tools=tools, tokenize=False)
            assert upto.startswith(before) and text.startswith(upto), name
            end = len(upto) - 1 if upto.endswith("<|im_end|>\n") else len(upto)
            spans.append([len(before), end])
        enc = tok(text, add_special_tokens=False, return_offsets_mapping=True)
        ids, offsets = enc["input_ids"], enc["offset_mapping"]
        trained = [any(a <= s < b for a, b in spans) for s, _ in offsets]
        out.append({"name": name, "tools": tools, "messages": msgs, "text": text, "trained_char_spans": spans,
                    "ids": ids, "trained": trained})
    os.makedirs(OUT, exist_ok=True)
    # The same chats as dataset records: arguments as objects (TRL), and as JSON strings (OpenAI).
    for suffix, as_string in (("", False), ("-string-args", True)):
        with open(os.path.join(OUT, "qwen25-tool-calls%s.jsonl" % suffix), "w", encoding="utf-8") as f:
            for name, tools, msgs in CASES:
                if as_string:
                    msgs = [dict(m, tool_calls=[dict(c, function=dict(c["function"], arguments=json.dumps(c["function"]["arguments"], ensure_ascii=False)))
                                                for c in m["tool_calls"]]) if "tool_calls" in m else m for m in msgs]
                f.write(json.dumps({"messages": msgs, "tools": tools}, ensure_ascii=False) + "\n")
    with open(os.path.join(OUT, "qwen25-tool-calls.json"), "w", encoding="utf-8") as f:
        json.dump({"template": QWEN25_TEMPLATE, "vocab": "ggml-vocab-qwen2.gguf", "chats": out}, f, ensure_ascii=False, indent=1)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
