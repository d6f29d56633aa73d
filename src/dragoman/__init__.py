"""dragoman: a self-hosted LLM API gateway that translates between LLM API dialects."""

__version__ = "0.1.0"
