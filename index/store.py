"""The Chroma-backed index: one collection of chunks, one of article records.

The chunks collection is a LlamaIndex vector store: each chunk is written the way LlamaIndex's
`ChromaVectorStore` writes a `TextNode` (its JSON in `_node_content`, the article id as
`document_id`/`ref_doc_id`, the passage's offsets in the article as start/end_char_idx), so
`VectorStoreIndex.from_vector_store(ChromaVectorStore(chroma_collection=…))` reads a Newsdesk
index as it is, and its `delete_ref_doc(article_id)` removes an article's passages. Newsdesk's
own fields stay flat beside them, for filters."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.core.vector_stores.utils import node_to_metadata_dict

from .errors import StoreError
from .types import Article, Chunk, SearchHit, StoredArticle, text_hash

# ef_search: how many neighbours a search keeps in play. At 100 a search of the dev index
# (9,535 chunks) missed some of the 60 nearest for 67 of the 250 dev questions, and missed
# others in another process (the graph is approximate): passages then came and went from run
# to run. At 500 it finds all 60 for all 250 (2 ms more a search).
HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 500, "max_neighbors": 32}
# 2: chunks carry LlamaIndex's node fields (1, the first release, had Newsdesk's fields only)
FORMAT = 2
# what every release before the encoder mark embedded with (sentence-transformers, float32)
LEGACY_ENCODER = "all-MiniLM-L6-v2 f32"
# what LlamaIndex shows its embedder and LLM of a node: the reader-facing fields only
_INTERNAL = ["article_id", "version", "chunk_index", "start", "end", "written_at"]


@dataclass(frozen=True)
class Health:
    """What `check` found: chunks no reader may see, and articles missing chunks."""

    articles: int
    chunks: int
    orphans: dict[str, int]  # article id -> chunks of an article that has no record
    stale: dict[str, int]  # article id -> chunks of a version its record does not name
    incomplete: list[str]  # articles whose record names more chunks than are stored

    @property
    def ok(self) -> bool:
        return not (self.orphans or self.stale or self.incomplete)


def open_collections(client: Any, what: str, *names: str, **options: Any) -> list[Any]:
    """The named Chroma collections, made when missing (their vectors always come from us);
    StoreError naming `what` when the store cannot open them."""
    try:
        return [
            client.get_or_create_collection(name, embedding_function=None, **options)
            for name in names
        ]
    except Exception as exc:  # chromadb raises many kinds; all mean "can't open"
        raise StoreError(f"cannot open {what}: {exc}") from exc


def _search_wide(collection: Any) -> None:
    """Give a collection made by an earlier release (a narrower search) this release's
    ef_search. Best effort: a reader without write rights keeps the collection's own."""
    try:
        hnsw = (collection.configuration_json or {}).get("hnsw") or {}
        if hnsw.get("ef_search", HNSW["ef_search"]) < HNSW["ef_search"]:
            collection.modify(configuration={"hnsw": {"ef_search": HNSW["ef_search"]}})
    except Exception:  # chromadb raises many kinds; searching narrower still works
        return


class ChromaStore:
    """Chunks and articles in a Chroma client (persistent on disk, or a Chroma server).

    Crash safety without transactions: a chunk is visible only while its article's record
    names its version. A write stores the new chunks (invisible), then the record (the
    switch, one upsert), then drops the old chunks; a removal drops the record first. So
    whenever a writer dies, readers see each listed article once, in one version, and
    nothing of an unlisted one; what it left behind is found and cleared by `check`.

    Old chunks dropped after a write are the version the record named before it, and, of
    other versions, only those written over `stale_grace` seconds ago: on a shared Chroma
    server another writer's chunks of the same article may be written and waiting for
    its record switch, and must not be taken for leftovers (0 where one writer holds the
    index: an on-disk index behind its write lock)."""

    def __init__(
        self,
        client: Any,
        prefix: str = "newsdesk",
        stale_grace: float = 0.0,
        encoder: str = "",
    ) -> None:
        self.client = client
        self.stale_grace = stale_grace
        # the identity of the embedder whose vectors this process writes, kept with the
        # index ("": leave the index's mark as it is)
        self.encoder = encoder
        self.chunks, self.articles = open_collections(
            client,
            "the index",
            f"{prefix}_chunks",
            f"{prefix}_articles",
            configuration={"hnsw": HNSW},
        )
        self._max_batch = int(getattr(client, "get_max_batch_size", lambda: 5000)())
        self._chunks_name = f"{prefix}_chunks"
        _search_wide(self.chunks)

    def _collection_meta(self) -> dict[str, Any]:
        got = self.client.get_collection(self._chunks_name, embedding_function=None).metadata
        return dict(got or {})

    def revision(self) -> str:
        """Changes whenever chunks are written or removed, by this process or another one:
        every write sets a new one when readers start to see it (the record switch) and when
        it ends. Not the chunk count: Chroma counts by scanning, 9 ms at 100k chunks, and
        the keyword index asks on every question."""
        return str(self._collection_meta().get("revision", ""))

    def _bump_revision(self) -> None:
        meta: dict[str, Any] = {"revision": uuid.uuid4().hex, "format": FORMAT}
        encoder = self.encoder or self._collection_meta().get("encoder")
        if encoder:
            meta["encoder"] = encoder
        self.chunks.modify(metadata=meta)  # Chroma replaces the whole metadata

    def mark_encoder(self) -> None:
        """Records `encoder` as the index's (after every vector was written by it)."""
        self._bump_revision()

    def encoder_mark(self) -> str:
        """The embedder the stored vectors come from: the index's mark, the legacy encoder
        for an index written before marks, "" for an empty index (any embedder fits)."""
        mark = self._collection_meta().get("encoder")
        if mark:
            return str(mark)
        return LEGACY_ENCODER if self.chunks.count() else ""

    # -- format -----------------------------------------------------------------------------
    def outdated(self) -> int:
        """Chunks written by an earlier release, in a format LlamaIndex cannot read as nodes
        (0 when the index is current or empty)."""
        if self._collection_meta().get("format") == FORMAT:
            return 0
        return self.chunks.count()

    def migrate(self, progress: Any = None, page: int = 1000) -> int:
        """Rewrites every chunk's metadata in the current format, in place (no re-embedding);
        returns how many chunks it rewrote. Safe to repeat and to interrupt: each chunk's new
        metadata follows from its old fields alone, and the index is marked current only at
        the end. Readers keep working throughout (they read the fields both formats share).
        Every page is read before anything is written: Chroma may list rows in another order
        after an update, and offset paging over rows being rewritten could skip some."""
        ids: list[str] = []
        metas: list[dict[str, Any]] = []
        for page_ids, _, page_metas in self.iter_chunks(page, visible_only=False, with_text=False):
            for cid, meta in zip(page_ids, page_metas, strict=True):
                if "_node_content" not in meta:
                    fields = {k: meta[k] for k in (*_INTERNAL, *_SHOWN) if k in meta}
                    ids.append(cid)
                    metas.append(_node_meta(cid, fields))
        for i in range(0, len(ids), page):
            self.chunks.update(ids=ids[i : i + page], metadatas=metas[i : i + page])
            if progress:
                progress(min(i + page, len(ids)), len(ids))
        self._bump_revision()
        return len(ids)

    # -- articles ---------------------------------------------------------------------------
    def get_article(self, article_id: str, with_text: bool = False) -> StoredArticle | None:
        got = self.articles.get(ids=[article_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        return _stored(got["ids"][0], got["metadatas"][0], got["documents"][0] if with_text else "")

    def find_by_text(self, text: str) -> str | None:
        got = self.articles.get(where={"text_hash": text_hash(text)}, limit=1, include=[])
        return got["ids"][0] if got["ids"] else None

    def list_articles(self) -> list[StoredArticle]:
        got = self.articles.get(include=["metadatas"])
        rows = [_stored(i, m, "") for i, m in zip(got["ids"], got["metadatas"], strict=True)]
        return sorted(rows, key=lambda a: (a.published_at, a.title), reverse=True)

    def story_records(
        self, since: float | None = None, page: int = 5000
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every article record's id and metadata (its story, signature and site), in pages;
        with `since` (a `time.time()`), only those written since then."""
        where = None if since is None else {"written_at": {"$gte": since}}
        offset = 0
        while True:
            got = self.articles.get(include=["metadatas"], where=where, limit=page, offset=offset)
            if not got["ids"]:
                return
            offset += len(got["ids"])
            yield from zip(got["ids"], got["metadatas"], strict=True)

    def keep_out(self, article_ids: Collection[str], reason: str) -> None:
        """Keeps these articles out of retrieval (and of the keyword index), with the reason
        shown in the Library; their records and chunks stay."""
        got = self.articles.get(ids=list(article_ids), include=["metadatas"])
        if not got["ids"]:
            return
        metas = [{**(m or {}), "kept_out": reason} for m in got["metadatas"]]
        try:
            self.articles.update(ids=got["ids"], metadatas=metas)
        except Exception as exc:
            raise StoreError(f"cannot mark article(s) {', '.join(got['ids'])}: {exc}") from exc
        self._bump_revision()

    def count_articles(self) -> int:
        return self.articles.count()

    def count_chunks(self) -> int:
        return self.chunks.count()

    def write_articles(
        self,
        batch: Sequence[tuple[Article, Sequence[Chunk]]],
        vectors: np.ndarray,
        replacing: Collection[str] | None = None,
        stories: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        """Write several articles: their new chunks first (rows of `vectors` in order), then
        the article records, then drop chunks of older versions (of the articles in
        `replacing`; None: of all), so that a failure part-way never leaves an article
        without its chunks. `stories`: article id -> (its story, its MinHash signature),
        kept in its record."""
        stories = stories or {}
        ids: list[str] = []
        texts: list[str] = []
        metas: list[dict[str, Any]] = []
        centroids: list[np.ndarray] = []
        row = 0
        for article, chunks in batch:
            version = article.content_hash[:12]
            ids += [f"{article.id}:{version}:{c.index}" for c in chunks]
            texts += [c.text for c in chunks]
            metas += [
                _node_meta(cid, self._chunk_meta(article, c, version))
                for cid, c in zip(ids[len(metas) :], chunks, strict=True)
            ]
            centroid = vectors[row : row + len(chunks)].mean(axis=0)
            centroids.append(centroid / max(float(np.linalg.norm(centroid)), 1e-12))
            row += len(chunks)
        try:
            before = self._versions([a.id for a, _ in batch])  # what this write replaces
            for i in range(0, len(ids), self._max_batch):
                j = i + self._max_batch
                self.chunks.upsert(
                    ids=ids[i:j],
                    documents=texts[i:j],
                    embeddings=vectors[i:j],
                    metadatas=metas[i:j],
                )
            self.articles.upsert(
                ids=[a.id for a, _ in batch],
                documents=[a.text for a, _ in batch],
                embeddings=np.vstack(centroids),
                metadatas=[
                    self._article_meta(a, len(c), *stories.get(a.id, ("", ""))) for a, c in batch
                ],
            )
            self._bump_revision()  # the switch: keyword indexes of every process rebuild
            stale = self._superseded([a for a, _ in batch], before, replacing)
            for i in range(0, len(stale), 100):
                part = stale[i : i + 100]
                self.chunks.delete(where=part[0] if len(part) == 1 else {"$or": part})
            self._bump_revision()
        except Exception as exc:
            names = ", ".join(a.id for a, _ in batch[:3]) + ("…" if len(batch) > 3 else "")
            raise StoreError(f"cannot write article(s) {names}: {exc}") from exc

    def _superseded(
        self,
        articles: Sequence[Article],
        before: dict[str, str],
        replacing: Collection[str] | None,
    ) -> list[dict[str, Any]]:
        """Filters for the chunks a write makes stale: of each article, the version its
        record named before the write, and other versions older than `stale_grace`; never
        the version written, nor the one the record names now (another writer's, when it
        switched after this one)."""
        named = self._versions([a.id for a in articles])
        cutoff = time.time() - self.stale_grace
        filters: list[dict[str, Any]] = []
        for a in articles:
            if replacing is not None and a.id not in replacing:
                continue
            keep = sorted({a.content_hash[:12], named.get(a.id, "")} - {""})
            which: list[dict[str, Any]] = []
            if before.get(a.id) and before[a.id] not in keep:
                which.append({"version": before[a.id]})
            if self.stale_grace <= 0:
                which = [{"version": {"$nin": keep}}]
            else:
                aged = {"$and": [{"version": {"$nin": keep}}, {"written_at": {"$lt": cutoff}}]}
                which.append(aged)
            matches = which[0] if len(which) == 1 else {"$or": which}
            filters.append({"$and": [{"article_id": a.id}, matches]})
        return filters

    def remove(self, article_id: str) -> bool:
        """Removes whatever is stored under this id (record first, then every chunk, of any
        version); False when there was nothing."""
        had_record = bool(self.articles.get(ids=[article_id], include=[])["ids"])
        where = {"article_id": article_id}
        had_chunks = bool(self.chunks.get(where=where, limit=1, include=[])["ids"])
        if not (had_record or had_chunks):
            return False
        self.articles.delete(ids=[article_id])
        self._bump_revision()
        self.chunks.delete(where=where)
        self._bump_revision()
        return True

    # -- visibility and health --------------------------------------------------------------
    def _versions(self, article_ids: Collection[str] | None = None) -> dict[str, str]:
        """Article id -> the chunk version its record names (all articles when None)."""
        if article_ids is not None and not article_ids:
            return {}
        ids = None if article_ids is None else list(dict.fromkeys(article_ids))
        got = self.articles.get(ids=ids, include=["metadatas"])
        return {i: _version(m) for i, m in zip(got["ids"], got["metadatas"], strict=True)}

    def _readable(self, article_ids: Collection[str] | None = None) -> dict[str, str]:
        """Like `_versions`, less the articles kept out of retrieval (a site's template)."""
        if article_ids is not None and not article_ids:
            return {}
        ids = None if article_ids is None else list(dict.fromkeys(article_ids))
        got = self.articles.get(ids=ids, include=["metadatas"])
        return {
            i: _version(m)
            for i, m in zip(got["ids"], got["metadatas"], strict=True)
            if not (m or {}).get("kept_out")
        }

    def _visible(self, metas: Sequence[Any]) -> list[bool]:
        versions = self._readable([m["article_id"] for m in metas])
        return [versions.get(m["article_id"]) == m.get("version") for m in metas]

    def check(self) -> Health:
        records = self.articles.get(include=["metadatas"])
        versions: dict[str, str] = {}
        expected: dict[str, int] = {}  # chunks each record says it has
        for i, m in zip(records["ids"], records["metadatas"], strict=True):
            versions[i] = _version(m)
            expected[i] = int((m or {}).get("chunks", 0))
        orphans: dict[str, int] = {}
        stale: dict[str, int] = {}
        counts: dict[str, int] = {}
        total = 0
        for _, _, metas in self.iter_chunks(visible_only=False, with_text=False):
            for m in metas:
                total += 1
                aid = m["article_id"]
                if aid not in versions:
                    orphans[aid] = orphans.get(aid, 0) + 1
                elif m.get("version") != versions[aid]:
                    stale[aid] = stale.get(aid, 0) + 1
                else:
                    counts[aid] = counts.get(aid, 0) + 1
        incomplete = [i for i, n in expected.items() if counts.get(i, 0) < n]
        return Health(len(versions), total, orphans, stale, sorted(incomplete))

    def clear_invisible(self, health: Health) -> int:
        """Deletes the orphan and stale chunks `health` found; returns how many."""
        versions = self._versions(list(health.stale))
        for aid in health.orphans:
            self.chunks.delete(where={"article_id": aid})
        for aid, version in versions.items():
            self.chunks.delete(where={"$and": [{"article_id": aid}, {"version": {"$ne": version}}]})
        if health.orphans or health.stale:
            self._bump_revision()
        return sum(health.orphans.values()) + sum(health.stale.values())

    # -- search -----------------------------------------------------------------------------
    def search(self, vector: np.ndarray, k: int, where: dict | None = None) -> list[SearchHit]:
        # no count() first: Chroma returns what it has, and counting costs 9 ms at 100k chunks
        res = self.chunks.query(
            query_embeddings=vector[None, :],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        rows = zip(
            res["ids"][0],
            res["documents"][0],
            res["metadatas"][0],
            res["distances"][0],
            self._visible(res["metadatas"][0]),
            strict=True,
        )
        return [_hit(cid, doc, meta, 1.0 - float(dist)) for cid, doc, meta, dist, ok in rows if ok]

    def iter_chunks(
        self, page: int = 5000, visible_only: bool = True, with_text: bool = True
    ) -> Iterator[tuple[list[str], list[str], list[dict]]]:
        """Every (visible) chunk as pages of (ids, texts, metadata)."""
        versions = self._readable() if visible_only else {}
        include = ["documents", "metadatas"] if with_text else ["metadatas"]
        offset = 0
        while True:
            got = self.chunks.get(include=include, limit=page, offset=offset)
            if not got["ids"]:
                return
            offset += len(got["ids"])
            texts = got["documents"] if with_text else [""] * len(got["ids"])
            rows = list(zip(got["ids"], texts, got["metadatas"], strict=True))
            if visible_only:
                rows = [r for r in rows if versions.get(r[2]["article_id"]) == r[2].get("version")]
            yield [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]

    def get_chunks(self, ids: Sequence[str]) -> list[tuple[SearchHit, np.ndarray]]:
        """The chunks with these ids (those still stored) with their vectors; score is 0."""
        if not ids:
            return []
        got = self.chunks.get(ids=list(ids), include=["documents", "metadatas", "embeddings"])
        rows = zip(
            got["ids"],
            got["documents"],
            got["metadatas"],
            got["embeddings"],
            self._visible(got["metadatas"]),
            strict=True,
        )
        return [
            (_hit(cid, doc, meta, 0.0), np.asarray(vec, dtype=np.float32))
            for cid, doc, meta, vec, ok in rows
            if ok
        ]

    @staticmethod
    def _chunk_meta(article: Article, chunk: Chunk, version: str) -> dict[str, Any]:
        return {
            "article_id": article.id,
            "version": version,
            "chunk_index": chunk.index,
            "start": chunk.start,
            "end": chunk.end,
            "written_at": int(time.time()),
            "title": article.title,
            "source": article.source,
            "published_at": article.published_at,
            "url": article.url,
        }

    @staticmethod
    def _article_meta(
        article: Article, n_chunks: int, story: str = "", minhash: str = ""
    ) -> dict[str, Any]:
        return {
            "story": story or article.id,
            "minhash": minhash,
            "kept_out": "",
            "title": article.title,
            "source": article.source,
            "published_at": article.published_at,
            "url": article.url,
            "chunks": n_chunks,
            "content_hash": article.content_hash,
            "text_hash": text_hash(article.text),
            "added_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "written_at": time.time(),  # when the record became visible (a story sync's mark)
            "extra": json.dumps(article.extra, ensure_ascii=False, sort_keys=True),
        }


_SHOWN = ["title", "source", "published_at", "url"]


def _node_meta(chunk_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A chunk's metadata: Newsdesk's flat fields, and the same chunk as the LlamaIndex
    `TextNode` that `ChromaVectorStore` would have written (text left out: it is the
    document)."""
    node = TextNode(
        id_=chunk_id,
        text="",
        metadata=fields,
        start_char_idx=int(fields["start"]),
        end_char_idx=int(fields["end"]),
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=fields["article_id"])},
        excluded_embed_metadata_keys=_INTERNAL,
        excluded_llm_metadata_keys=_INTERNAL,
    )
    return node_to_metadata_dict(node, remove_text=True, flat_metadata=True)


def _version(record_meta: dict[str, Any] | None) -> str:
    """The chunk version an article record names (chunks carry it as "version")."""
    return str((record_meta or {}).get("content_hash", ""))[:12]


def _stored(article_id: str, meta: dict[str, Any], text: str) -> StoredArticle:
    return StoredArticle(
        article_id=article_id,
        title=meta.get("title", ""),
        source=meta.get("source", ""),
        published_at=meta.get("published_at", ""),
        url=meta.get("url", ""),
        chunks=int(meta.get("chunks", 0)),
        content_hash=meta.get("content_hash", ""),
        text=text,
        extra=json.loads(meta.get("extra") or "{}"),
        story=str(meta.get("story") or article_id),
        kept_out=str(meta.get("kept_out") or ""),
    )


def _hit(chunk_id: str, text: str, meta: dict[str, Any], score: float) -> SearchHit:
    return SearchHit(
        chunk_id=chunk_id,
        article_id=meta["article_id"],
        chunk_index=int(meta["chunk_index"]),
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        title=meta.get("title", ""),
        source=meta.get("source", ""),
        published_at=meta.get("published_at", ""),
        url=meta.get("url", ""),
        score=score,
    )
