"""Question answering: retrieval, prompts, the local model, cited answers and their checks."""
