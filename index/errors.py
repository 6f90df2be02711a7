"""Errors raised while reading and indexing articles; the edges turn them into messages."""


class IndexingError(Exception):
    """Base class for every error of the ingestion side."""


class ReadError(IndexingError):
    """An input could not be read as an article; `source` names the input."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class StoreError(IndexingError):
    """The vector store could not be opened, read or written."""


class EncoderError(IndexingError):
    """The encoder could not be exported or loaded."""
