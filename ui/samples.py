"""The bundled sample articles (written for Newsdesk), indexed when the index is empty."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from index.ingest import AddOutcome, Ingestor

EXAMPLE_QUESTIONS = [
    "How many homes will the Kestrel Bay wind farm power?",
    "What pay rise did the rail union accept?",
    "What can people borrow from the Northfield library besides books?",
    "Why did the chipmaker choose the Linden river valley?",
]


def sample_files() -> list[Path]:
    folder = resources.files("ui") / "samples"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".md"))


def index_samples(ingestor: Ingestor) -> list[AddOutcome]:
    return [out for path in sample_files() for out in ingestor.add_file(path)]
