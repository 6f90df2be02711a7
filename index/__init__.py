"""Ingestion: read articles, chunk them, embed the chunks and keep them in Chroma."""
