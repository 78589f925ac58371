#!/usr/bin/env python3
"""Writes the tokenizer/chat-template reference fixtures in Tests/Fixtures/tokenizer/.

  smollm2-chat.json  HF transformers tokenizer of the default model (built from the GGUF, or from
                     cache/hf/SmolLM2-135M-Instruct when it exists): apply_chat_template text and ids for a set of
                     conversations, plus encode ids for ~40 diverse strings.
  templates.json     the official Qwen2, Qwen2.5 and Llama-3 chat templates (copied below as data: they are specs)
                     rendered with jinja2 for the same conversations; Qwen3, Gemma 3, Llama-2 and Mistral rendered
                     with transformers' apply_chat_template (text, ids, assistant mask). Qwen3 uses llama.cpp's qwen2
                     vocabulary; Gemma 3, Llama-2 and Mistral the llama-spm one (Llama-2's own; a stand-in for
                     Gemma's and Mistral's, with Gemma's two turn tokens added and no prefix space).
  llama-spm-hf.json  ids of transformers' own conversion of ggml-vocab-llama-spm.gguf (Metaspace, prepend "first"),
                     whose tokenizer.json (3.6 MB) goes to cache/tokenizer/llama-spm-hf/.

  --fetch-vocabs     instead: download llama-cpp-python's sdist from PyPI and copy llama.cpp's vocabulary test files
                     too big to commit (llama-bpe, deepseek-coder, starcoder, phi-3, mpt + .inp/.out) into cache/tokenizer/.

Needs: transformers, gguf, jinja2. Run from anywhere: python3 scripts/make-tokenizer-fixtures.py
"""
import json, os, subprocess, sys, tarfile, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tokenizer")

CONVERSATIONS = {
    "single": [
        {"role": "user", "content": "Hello!"},
        {"role": "assistant", "content": "Hi there! How can I help you today?"},
    ],
    "system": [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4."},
    ],
    "multi": [
        {"role": "user", "content": "Translate 'cat' to French."},
        {"role": "assistant", "content": "Le chat."},
        {"role": "user", "content": "And to Chinese?"},
        {"role": "assistant", "content": "猫 (māo)."},
        {"role": "user", "content": "Write a Python loop."},
        {"role": "assistant", "content": "for i in range(3):\n    print(i)"},
    ],
    "multi-system": [
        {"role": "system", "content": "Answer in one word."},
        {"role": "user", "content": "Sky colour?"},
        {"role": "assistant", "content": "Blue"},
        {"role": "user", "content": "Grass?"},
        {"role": "assistant", "content": "Green"},
    ],
    "whitespace": [
        {"role": "user", "content": "  leading and trailing spaces  \n"},
        {"role": "assistant", "content": "\n\nStarts with newlines, ends with a space "},
    ],
}

ENCODE_STRINGS = [
    "Hello world", " Hello world", "Hello, world!", "The quick brown fox jumps over the lazy dog.",
    "I'm sure you'll see they've done it, haven't they? I'D SAY WE'RE FINE.",
    "你好，世界！", "我喜欢机器学习和自然语言处理。", "日本語のテキストです", "Привет, мир", "Ελληνικά κείμενο",
    "12345678901234567890", "3.14159 and 2,718 and 1e-9", "Version 1.2.3-beta+45", "Call 555-0123 at 10:30pm",
    "def f(x):\n    return x * 2\n", "for (int i = 0; i < n; ++i) { a[i] += b[i]; }", "if x == 1:\n\tpass\n",
    "<html><body class=\"x\">Hi</body></html>", "SELECT * FROM t WHERE id = 7;", "a\u00a0b",
    "😀 emoji 🦙🚀", "👨‍👩‍👧‍👦 family", "café naïve résumé", "   leading spaces", "trailing spaces   ",
    "tabs\tand\ttabs", "multiple\n\n\nnewlines", "\r\nwindows\r\nlines", "     ", "\n", "",
    "<|im_start|>user\nhi<|im_end|>", "text<|endoftext|>more", "<|im_end|><|im_end|>", "<|im_start|>",
    "mixed 中文 and English 123", "$$$ !!! ??? ...", "https://example.com/path?q=1&r=2", "user@example.com",
    "ALL CAPS SHOUTING", "MiXeD cAsE wOrDs", "x" * 50,
]

# --- Official chat templates (data, copied from the models' tokenizer_config.json). ---
QWEN2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
# Qwen2.5-Instruct, tools branch removed (sft renders no tools); the no-tools path is unchanged.
QWEN25_TEMPLATE = (
    "{%- if messages[0]['role'] == 'system' %}\n"
    "    {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n"
    "{%- else %}\n"
    "    {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}\n"
    "{%- endif %}\n"
    "{%- for message in messages %}\n"
    "    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) or (message.role == \"assistant\") %}\n"
    "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|im_start|>assistant\\n' }}\n"
    "{%- endif %}\n"
)
LLAMA3_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}"
    "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)


# Llama-3.2-3B-Instruct's official template (llama.cpp models/templates/meta-llama-Llama-3.2-3B-Instruct.jinja in the
# llama-cpp-python 0.3.36 sdist; Llama-3.1 and 3.3 write the same text without tools). Rendered without
# strftime_now, so date_string is the template's own "26 Jul 2024", as sft writes it.
LLAMA32_TEMPLATE = "{{- bos_token }}\n{%- if custom_tools is defined %}\n    {%- set tools = custom_tools %}\n{%- endif %}\n{%- if not tools_in_user_message is defined %}\n    {%- set tools_in_user_message = true %}\n{%- endif %}\n{%- if not date_string is defined %}\n    {%- if strftime_now is defined %}\n        {%- set date_string = strftime_now(\"%d %b %Y\") %}\n    {%- else %}\n        {%- set date_string = \"26 Jul 2024\" %}\n    {%- endif %}\n{%- endif %}\n{%- if not tools is defined %}\n    {%- set tools = none %}\n{%- endif %}\n\n{#- This block extracts the system message, so we can slot it into the right place. #}\n{%- if messages[0]['role'] == 'system' %}\n    {%- set system_message = messages[0]['content']|trim %}\n    {%- set messages = messages[1:] %}\n{%- else %}\n    {%- set system_message = \"\" %}\n{%- endif %}\n\n{#- System message #}\n{{- \"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}\n{%- if tools is not none %}\n    {{- \"Environment: ipython\\n\" }}\n{%- endif %}\n{{- \"Cutting Knowledge Date: December 2023\\n\" }}\n{{- \"Today Date: \" + date_string + \"\\n\\n\" }}\n{%- if tools is not none and not tools_in_user_message %}\n    {{- \"You have access to the following functions. To call a function, please respond with JSON for a function call.\" }}\n    {{- 'Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.' }}\n    {{- \"Do not use variables.\\n\\n\" }}\n    {%- for t in tools %}\n        {{- t | tojson(indent=4) }}\n        {{- \"\\n\\n\" }}\n    {%- endfor %}\n{%- endif %}\n{{- system_message }}\n{{- \"<|eot_id|>\" }}\n\n{#- Custom tools are passed in a user message with some extra guidance #}\n{%- if tools_in_user_message and not tools is none %}\n    {#- Extract the first user message so we can plug it in here #}\n    {%- if messages | length != 0 %}\n        {%- set first_user_message = messages[0]['content']|trim %}\n        {%- set messages = messages[1:] %}\n    {%- else %}\n        {{- raise_exception(\"Cannot put tools in the first user message when there's no first user message!\") }}\n{%- endif %}\n    {{- '<|start_header_id|>user<|end_header_id|>\\n\\n' -}}\n    {{- \"Given the following functions, please respond with a JSON for a function call \" }}\n    {{- \"with its proper arguments that best answers the given prompt.\\n\\n\" }}\n    {{- 'Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.' }}\n    {{- \"Do not use variables.\\n\\n\" }}\n    {%- for t in tools %}\n        {{- t | tojson(indent=4) }}\n        {{- \"\\n\\n\" }}\n    {%- endfor %}\n    {{- first_user_message + \"<|eot_id|>\"}}\n{%- endif %}\n\n{%- for message in messages %}\n    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}\n        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}\n    {%- elif 'tool_calls' in message %}\n        {%- if not message.tool_calls|length == 1 %}\n            {{- raise_exception(\"This model only supports single tool-calls at once!\") }}\n        {%- endif %}\n        {%- set tool_call = message.tool_calls[0].function %}\n        {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}\n        {{- '{\"name\": \"' + tool_call.name + '\", ' }}\n        {{- '\"parameters\": ' }}\n        {{- tool_call.arguments | tojson }}\n        {{- \"}\" }}\n        {{- \"<|eot_id|>\" }}\n    {%- elif message.role == \"tool\" or message.role == \"ipython\" %}\n        {{- \"<|start_header_id|>ipython<|end_header_id|>\\n\\n\" }}\n        {%- if message.content is mapping or message.content is iterable %}\n            {{- message.content | tojson }}\n        {%- else %}\n            {{- message.content }}\n        {%- endif %}\n        {{- \"<|eot_id|>\" }}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n{%- endif %}\n"


# --- Templates rendered with transformers' own apply_chat_template (text, ids and assistant mask). ---
# Official texts: Qwen3-0.6B (llama.cpp models/templates/Qwen-Qwen3-0.6B.jinja), gemma-3-1b-it's tokenizer_config.json,
# Llama-2-7b-chat-hf's tokenizer_config.json, Mistral-7B-Instruct-v0.2's (llama.cpp tests/test-chat-template.cpp).
QWEN3_TEMPLATE = '{%- if tools %}\n    {{- \'<|im_start|>system\\n\' }}\n    {%- if messages[0].role == \'system\' %}\n        {{- messages[0].content + \'\\n\\n\' }}\n    {%- endif %}\n    {{- "# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}\n    {%- for tool in tools %}\n        {{- "\\n" }}\n        {{- tool | tojson }}\n    {%- endfor %}\n    {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}\n{%- else %}\n    {%- if messages[0].role == \'system\' %}\n        {{- \'<|im_start|>system\\n\' + messages[0].content + \'<|im_end|>\\n\' }}\n    {%- endif %}\n{%- endif %}\n{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}\n{%- for message in messages[::-1] %}\n    {%- set index = (messages|length - 1) - loop.index0 %}\n    {%- if ns.multi_step_tool and message.role == "user" and not(message.content.startswith(\'<tool_response>\') and message.content.endswith(\'</tool_response>\')) %}\n        {%- set ns.multi_step_tool = false %}\n        {%- set ns.last_query_index = index %}\n    {%- endif %}\n{%- endfor %}\n{%- for message in messages %}\n    {%- if (message.role == "user") or (message.role == "system" and not loop.first) %}\n        {{- \'<|im_start|>\' + message.role + \'\\n\' + message.content + \'<|im_end|>\' + \'\\n\' }}\n    {%- elif message.role == "assistant" %}\n        {%- set content = message.content %}\n        {%- set reasoning_content = \'\' %}\n        {%- if message.reasoning_content is defined and message.reasoning_content is not none %}\n            {%- set reasoning_content = message.reasoning_content %}\n        {%- else %}\n            {%- if \'</think>\' in message.content %}\n                {%- set content = message.content.split(\'</think>\')[-1].lstrip(\'\\n\') %}\n                {%- set reasoning_content = message.content.split(\'</think>\')[0].rstrip(\'\\n\').split(\'<think>\')[-1].lstrip(\'\\n\') %}\n            {%- endif %}\n        {%- endif %}\n        {%- if loop.index0 > ns.last_query_index %}\n            {%- if loop.last or (not loop.last and reasoning_content) %}\n                {{- \'<|im_start|>\' + message.role + \'\\n<think>\\n\' + reasoning_content.strip(\'\\n\') + \'\\n</think>\\n\\n\' + content.lstrip(\'\\n\') }}\n            {%- else %}\n                {{- \'<|im_start|>\' + message.role + \'\\n\' + content }}\n            {%- endif %}\n        {%- else %}\n            {{- \'<|im_start|>\' + message.role + \'\\n\' + content }}\n        {%- endif %}\n        {%- if message.tool_calls %}\n            {%- for tool_call in message.tool_calls %}\n                {%- if (loop.first and content) or (not loop.first) %}\n                    {{- \'\\n\' }}\n                {%- endif %}\n                {%- if tool_call.function %}\n                    {%- set tool_call = tool_call.function %}\n                {%- endif %}\n                {{- \'<tool_call>\\n{"name": "\' }}\n                {{- tool_call.name }}\n                {{- \'", "arguments": \' }}\n                {%- if tool_call.arguments is string %}\n                    {{- tool_call.arguments }}\n                {%- else %}\n                    {{- tool_call.arguments | tojson }}\n                {%- endif %}\n                {{- \'}\\n</tool_call>\' }}\n            {%- endfor %}\n        {%- endif %}\n        {{- \'<|im_end|>\\n\' }}\n    {%- elif message.role == "tool" %}\n        {%- if loop.first or (messages[loop.index0 - 1].role != "tool") %}\n            {{- \'<|im_start|>user\' }}\n        {%- endif %}\n        {{- \'\\n<tool_response>\\n\' }}\n        {{- message.content }}\n        {{- \'\\n</tool_response>\' }}\n        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}\n            {{- \'<|im_end|>\\n\' }}\n        {%- endif %}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- \'<|im_start|>assistant\\n\' }}\n    {%- if enable_thinking is defined and enable_thinking is false %}\n        {{- \'<think>\\n\\n</think>\\n\\n\' }}\n    {%- endif %}\n{%- endif %}'
GEMMA3_TEMPLATE = '{{ bos_token }}\n{%- if messages[0][\'role\'] == \'system\' -%}\n    {%- if messages[0][\'content\'] is string -%}\n        {%- set first_user_prefix = messages[0][\'content\'] + \'\n\n\' -%}\n    {%- else -%}\n        {%- set first_user_prefix = messages[0][\'content\'][0][\'text\'] + \'\n\n\' -%}\n    {%- endif -%}\n    {%- set loop_messages = messages[1:] -%}\n{%- else -%}\n    {%- set first_user_prefix = "" -%}\n    {%- set loop_messages = messages -%}\n{%- endif -%}\n{%- for message in loop_messages -%}\n    {%- if (message[\'role\'] == \'user\') != (loop.index0 % 2 == 0) -%}\n        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}\n    {%- endif -%}\n    {%- if (message[\'role\'] == \'assistant\') -%}\n        {%- set role = "model" -%}\n    {%- else -%}\n        {%- set role = message[\'role\'] -%}\n    {%- endif -%}\n    {{ \'<start_of_turn>\' + role + \'\n\' + (first_user_prefix if loop.first else "") }}\n    {%- if message[\'content\'] is string -%}\n        {{ message[\'content\'] | trim }}\n    {%- elif message[\'content\'] is iterable -%}\n        {%- for item in message[\'content\'] -%}\n            {%- if item[\'type\'] == \'image\' -%}\n                {{ \'<start_of_image>\' }}\n            {%- elif item[\'type\'] == \'text\' -%}\n                {{ item[\'text\'] | trim }}\n            {%- endif -%}\n        {%- endfor -%}\n    {%- else -%}\n        {{ raise_exception("Invalid content type") }}\n    {%- endif -%}\n    {{ \'<end_of_turn>\n\' }}\n{%- endfor -%}\n{%- if add_generation_prompt -%}\n    {{\'<start_of_turn>model\n\'}}\n{%- endif -%}\n'
LLAMA2_TEMPLATE = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}"
MISTRAL_TEMPLATE = "{%- if messages[0]['role'] == 'system' %}\n    {%- set system_message = messages[0]['content'] %}\n    {%- set loop_messages = messages[1:] %}\n{%- else %}\n    {%- set loop_messages = messages %}\n{%- endif %}\n\n{{- bos_token }}\n{%- for message in loop_messages %}\n    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}\n        {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}\n    {%- endif %}\n    {%- if message['role'] == 'user' %}\n        {%- if loop.first and system_message is defined %}\n            {{- ' [INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' }}\n        {%- else %}\n            {{- ' [INST] ' + message['content'] + ' [/INST]' }}\n        {%- endif %}\n    {%- elif message['role'] == 'assistant' %}\n        {{- ' ' + message['content'] + eos_token}}\n    {%- else %}\n        {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}\n    {%- endif %}\n{%- endfor %}\n"

# The masks come from copies with {% generation %} around what sft trains (the reply and its end-of-turn token);
# the script checks that each copy renders the same text as the official template. Qwen3's copy is its no-tools path.
QWEN3_MASKED = """{%- if messages[0].role == 'system' %}
    {{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}
{%- endif %}
{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}
{%- for message in messages[::-1] %}
    {%- set index = (messages|length - 1) - loop.index0 %}
    {%- if ns.multi_step_tool and message.role == "user" and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}
        {%- set ns.multi_step_tool = false %}
        {%- set ns.last_query_index = index %}
    {%- endif %}
{%- endfor %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) %}
        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
    {%- elif message.role == "assistant" %}
        {%- set content = message.content %}
        {%- set reasoning_content = '' %}
        {%- if message.reasoning_content is defined and message.reasoning_content is not none %}
            {%- set reasoning_content = message.reasoning_content %}
        {%- else %}
            {%- if '</think>' in message.content %}
                {%- set content = message.content.split('</think>')[-1].lstrip('\\n') %}
                {%- set reasoning_content = message.content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') %}
            {%- endif %}
        {%- endif %}
        {{- '<|im_start|>' + message.role + '\\n' }}
        {%- generation %}
        {%- if loop.index0 > ns.last_query_index and (loop.last or (not loop.last and reasoning_content)) %}
            {{- '<think>\\n' + reasoning_content.strip('\\n') + '\\n</think>\\n\\n' + content.lstrip('\\n') }}
        {%- else %}
            {{- content }}
        {%- endif %}
        {{- '<|im_end|>' }}
        {%- endgeneration %}
        {{- '\\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
    {%- if enable_thinking is defined and enable_thinking is false %}
        {{- '<think>\\n\\n</think>\\n\\n' }}
    {%- endif %}
{%- endif %}
"""
GEMMA3_MASKED = """{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- set first_user_prefix = messages[0]['content'] + '\\n\\n' -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_user_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- set role = "model" if message['role'] == 'assistant' else message['role'] -%}
    {{ '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else "") }}
    {%- if role == 'model' -%}
        {% generation %}{{ message['content'] | trim }}{{ '<end_of_turn>' }}{% endgeneration %}
    {%- else -%}
        {{ message['content'] | trim }}{{ '<end_of_turn>' }}
    {%- endif -%}
    {{ '\\n' }}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{'<start_of_turn>model\\n'}}
{%- endif -%}
"""
LLAMA2_MASKED = LLAMA2_TEMPLATE.replace("{{ ' '  + content.strip() + ' ' + eos_token }}",
                                        "{% generation %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endgeneration %}")
MISTRAL_MASKED = MISTRAL_TEMPLATE.replace("{{- ' ' + message['content'] + eos_token}}",
                                          "{%- generation %}{{- ' ' + message['content'] + eos_token}}{%- endgeneration %}")
assert LLAMA2_MASKED != LLAMA2_TEMPLATE and MISTRAL_MASKED != MISTRAL_TEMPLATE

# Qwen3 samples with reasoning: the field, <think> written in the content, and history turns whose reasoning drops.
QWEN3_CONVERSATIONS = {
    "reasoning-field": [
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4.", "reasoning_content": "Two plus two.\nThat is four."},
    ],
    "think-in-content": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "<think>\nIt is Paris.\n</think>\n\nParis."},
    ],
    "multi-reasoning": [
        {"role": "user", "content": "Pick a number."},
        {"role": "assistant", "content": "7", "reasoning_content": "Any small number."},
        {"role": "user", "content": "Double it."},
        {"role": "assistant", "content": "14", "reasoning_content": "7 times 2."},
    ],
}


def cases():
    """(name, messages, add_generation_prompt): full chats, and prompts (without the last reply) + generation prompt."""
    for name, msgs in CONVERSATIONS.items():
        yield name, msgs, False
        yield name + "+gen", msgs[:-1], True


CACHED_VOCABS = ["llama-bpe", "deepseek-coder", "starcoder", "phi-3", "mpt"]


def fetch_vocabs():
    """llama.cpp's vocabularies too big to commit (Llama-3's is 7.8 MB), with their .inp/.out, into cache/tokenizer/."""
    dest = os.path.join(ROOT, "cache", "tokenizer")
    os.makedirs(dest, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.check_call([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
                               "llama-cpp-python", "llama-cpp-python==0.3.36", "-d", tmp])
        sdist = [f for f in os.listdir(tmp) if f.endswith(".tar.gz")][0]
        with tarfile.open(os.path.join(tmp, sdist)) as tar:
            for m in tar.getmembers():
                base = os.path.basename(m.name)
                if "/vendor/llama.cpp/models/" in m.name and any(base.startswith("ggml-vocab-%s.gguf" % v) for v in CACHED_VOCABS):
                    with open(os.path.join(dest, base), "wb") as f:
                        f.write(tar.extractfile(m).read())
                    print("wrote", os.path.join(dest, base))


def smollm2_tokenizer():
    from transformers import AutoTokenizer
    hf_dir = os.path.join(ROOT, "cache", "hf", "SmolLM2-135M-Instruct")
    if not os.path.exists(os.path.join(hf_dir, "tokenizer.json")):
        hf_dir = "/work/main/cache/hf/SmolLM2-135M-Instruct"
    if os.path.exists(os.path.join(hf_dir, "tokenizer.json")):
        return AutoTokenizer.from_pretrained(hf_dir), hf_dir
    model = os.environ.get("SFT_MODEL", os.path.join(ROOT, "cache", "models", "SmolLM2-135M-Instruct.Q4_1.gguf"))
    if not os.path.exists(model):
        model = "/work/main/cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    return AutoTokenizer.from_pretrained(os.path.dirname(model), gguf_file=os.path.basename(model)), model


def main():
    if "--fetch-vocabs" in sys.argv or "--fetch-llama-bpe" in sys.argv:
        return fetch_vocabs()
    import jinja2
    tok, source = smollm2_tokenizer()
    chats = []
    for name, msgs, gen in cases():
        text = tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=gen)
        ids = tok(text, add_special_tokens=False)["input_ids"]
        chats.append({"name": name, "messages": msgs, "add_generation_prompt": gen, "text": text, "ids": ids})
    encodes = [{"text": s, "ids": tok(s, add_special_tokens=False)["input_ids"]} for s in ENCODE_STRINGS]
    with open(os.path.join(OUT, "smollm2-chat.json"), "w", encoding="utf-8") as f:
        json.dump({"source": os.path.basename(source), "chat_template": tok.chat_template,
                   "chats": chats, "encode": encodes}, f, ensure_ascii=False, indent=1)

    # HF tokenizers for ids: llama.cpp's qwen2 vocabulary (committed) and llama-bpe (only if fetched into cache/).
    from transformers import AutoTokenizer
    vocab_tok = {"qwen2": AutoTokenizer.from_pretrained(OUT, gguf_file="ggml-vocab-qwen2.gguf")}
    llama_dir = os.path.join(ROOT, "cache", "tokenizer")
    if os.path.exists(os.path.join(llama_dir, "ggml-vocab-llama-bpe.gguf")):
        vocab_tok["llama3"] = AutoTokenizer.from_pretrained(llama_dir, gguf_file="ggml-vocab-llama-bpe.gguf")
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)  # as transformers renders chat templates
    templates = {}
    for key, src, bos, vocab in [("qwen2", QWEN2_TEMPLATE, "", "qwen2"), ("qwen2.5", QWEN25_TEMPLATE, "", "qwen2"),
                                 ("llama3", LLAMA3_TEMPLATE, "<|begin_of_text|>", "llama3"),
                                 ("llama3.1", LLAMA32_TEMPLATE, "<|begin_of_text|>", "llama3")]:
        t = env.from_string(src)
        rendered = []
        for n, m, g in cases():
            text = t.render(messages=m, add_generation_prompt=g, bos_token=bos)
            entry = {"name": n, "messages": m, "add_generation_prompt": g, "text": text}
            if vocab in vocab_tok:
                entry["ids"] = vocab_tok[vocab](text, add_special_tokens=False)["input_ids"]
            rendered.append(entry)
        templates[key] = {"template": src, "vocab": "ggml-vocab-" + ("qwen2" if vocab == "qwen2" else "llama-bpe") + ".gguf",
                          "chats": rendered}
    templates.update(hf_templates())
    with open(os.path.join(OUT, "templates.json"), "w", encoding="utf-8") as f:
        json.dump(templates, f, ensure_ascii=False, indent=1)
    sentencepiece_json()
    print("wrote", OUT)


def spm_tokenizer(prefix, extra_special=()):
    """HF tokenizer of llama.cpp's llama-spm vocabulary (Llama-2's), spaces written "\u2581" by a normalizer:
    prefix=True is Llama-2 / Mistral's own tokenizer.json ("legacy": Prepend + Replace, as llama.cpp encodes);
    prefix=False is Gemma's (Replace only). extra_special: turn tokens the stand-in vocabulary lacks."""
    from transformers import AutoTokenizer
    from tokenizers import normalizers
    tok = AutoTokenizer.from_pretrained(OUT, gguf_file="ggml-vocab-llama-spm.gguf")
    steps = ([normalizers.Prepend(prepend="\u2581")] if prefix else []) + [normalizers.Replace(pattern=" ", content="\u2581")]
    tok.backend_tokenizer.normalizer = normalizers.Sequence(steps)
    tok.backend_tokenizer.pre_tokenizer = None
    if extra_special:
        tok.add_special_tokens({"additional_special_tokens": list(extra_special)}, replace_extra_special_tokens=False)
    return tok


def hf_templates():
    """Qwen3, Gemma 3, Llama-2 and Mistral rendered by transformers' apply_chat_template: text with the official
    template, ids and assistant mask (return_assistant_tokens_mask) with the {% generation %} copy."""
    from transformers import AutoTokenizer
    qwen = AutoTokenizer.from_pretrained(OUT, gguf_file="ggml-vocab-qwen2.gguf")
    gemma_turns = ["<start_of_turn>", "<end_of_turn>"]
    specs = [
        ("qwen3", QWEN3_TEMPLATE, QWEN3_MASKED, qwen, "ggml-vocab-qwen2.gguf", None, dict(CONVERSATIONS, **QWEN3_CONVERSATIONS)),
        ("gemma3", GEMMA3_TEMPLATE, GEMMA3_MASKED, spm_tokenizer(False, gemma_turns), "ggml-vocab-llama-spm.gguf",
         {"add_space_prefix": False, "control_tokens": gemma_turns}, CONVERSATIONS),
        ("llama2", LLAMA2_TEMPLATE, LLAMA2_MASKED, spm_tokenizer(True), "ggml-vocab-llama-spm.gguf", None, CONVERSATIONS),
        ("mistral", MISTRAL_TEMPLATE, MISTRAL_MASKED, spm_tokenizer(True), "ggml-vocab-llama-spm.gguf", None, CONVERSATIONS),
    ]
    out = {}
    for key, official, masked, tok, vocab, stand_in, convs in specs:
        chats = []
        for name, msgs in convs.items():
            for n, m, g in [(name, msgs, False), (name + "+gen", msgs[:-1], True)]:
                kw = dict(add_generation_prompt=g, enable_thinking=False)
                text = tok.apply_chat_template(m, tokenize=False, chat_template=official, **kw)
                assert tok.apply_chat_template(m, tokenize=False, chat_template=masked, **kw) == text, (key, n)
                enc = tok.apply_chat_template(m, tokenize=True, return_dict=True, return_assistant_tokens_mask=True,
                                              chat_template=masked, **kw)
                ids = list(enc["input_ids"])
                assert ids == tok(text, add_special_tokens=False)["input_ids"], (key, n)
                chats.append({"name": n, "messages": m, "add_generation_prompt": g, "text": text, "ids": ids,
                              "mask": list(enc["assistant_masks"])})
        out[key] = {"template": official, "vocab": vocab, "chats": chats}
        if stand_in:
            out[key]["stand_in"] = stand_in
    return out


def sentencepiece_json():
    """transformers' own conversion of the llama-spm GGUF, saved as tokenizer.json (3.6 MB, so into cache/tokenizer/,
    not committed), and its ids for llama.cpp's test strings and ENCODE_STRINGS (committed: llama-spm-hf.json)."""
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(OUT, gguf_file="ggml-vocab-llama-spm.gguf")
    dest = os.path.join(ROOT, "cache", "tokenizer", "llama-spm-hf")
    tok.save_pretrained(dest)
    with open(os.path.join(OUT, "ggml-vocab-llama-spm.gguf.inp"), encoding="utf-8") as f:
        inputs = f.read().split("\n__ggml_vocab_test__\n")
    if inputs and inputs[-1] == "":
        inputs.pop()
    texts = inputs + ENCODE_STRINGS + ["<s>Hello</s>", " <s> two", "\u2581 already", "<unk>x"]
    encodes = [{"text": t, "ids": tok(t, add_special_tokens=False)["input_ids"]} for t in texts]
    with open(os.path.join(OUT, "llama-spm-hf.json"), "w", encoding="utf-8") as f:
        json.dump({"tokenizer_json": "cache/tokenizer/llama-spm-hf/tokenizer.json",
                   "pre_tokenizer": tok.backend_tokenizer.to_str() and json.loads(tok.backend_tokenizer.to_str())["pre_tokenizer"],
                   "encode": encodes}, f, ensure_ascii=False, indent=1)
    print("wrote", dest)


if __name__ == "__main__":
    main()
