"""The edges: command line, Gradio app, settings, and the one place that wires parts together."""
