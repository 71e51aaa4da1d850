"""A partnership's own procedures (kind `local`) sit beside the national guidance: labelled as local
in answers, notices and pages, never presented as national guidance, kept apart by the checker."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ingest.add import add_document
from ingest.embed import FakeEmbedder
from ingest.pipeline import ingest
from rag.service import Assistant
from wtguide.errors import ManifestError
from wtguide.settings import Settings

LOCAL = (
    "Riverside threshold document\n\n"
    "The Riverside threshold document sets four levels of need for children in Riverside: universal, "
    "early help, children in need and child protection. Practitioners in Riverside contact the Riverside "
    "Children's Advice Line on 0300 000 0000 to discuss a referral.\n"
)


@pytest.fixture(scope="module")
def local_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    import shutil

    from tests.conftest import CORPUS

    root = tmp_path_factory.mktemp("local")
    shutil.copytree(CORPUS, root / "corpus")
    settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus", embedder="fake",  # type: ignore[call-arg]
                        rate_limit="1000/minute", _env_file=None)
    text = root / "riverside.txt"
    text.write_text(LOCAL, encoding="utf-8")
    with pytest.raises(ManifestError, match="--publisher is required for a local document"):
        add_document(settings, text, title="Riverside threshold document", edition="2026", kind="local",
                     reindex=lambda: None)
    add_document(settings, text, title="Riverside threshold document", edition="2026", kind="local",
                 publisher="Riverside Safeguarding Children Partnership", doc_id="riverside-thresholds",
                 reindex=lambda: ingest(settings.manifest_path, settings.index_root, FakeEmbedder, FakeEmbedder.name,
                                        settings.max_chunk_chars))
    return settings


def test_local_answer_is_labelled_and_noticed_as_local(local_settings: Settings) -> None:
    answer = Assistant.from_settings(local_settings).ask("What are the Riverside threshold document's levels of need?")
    local = [c for c in answer.citations if c.doc_id == "riverside-thresholds" and c.quoted]
    assert local, answer.answer
    assert local[0].kind == "local"
    assert "Local procedure, not national guidance — Riverside Safeguarding Children Partnership's" in answer.answer
    assert any("local procedure of Riverside Safeguarding Children Partnership, not national statutory guidance"
               in n for n in answer.notices)


def test_pages_and_documents_say_local(local_settings: Settings) -> None:
    with TestClient(create_app(local_settings)) as client:
        docs = {d["doc_id"]: d for d in client.get("/api/documents").json()}
        assert docs["riverside-thresholds"]["kind"] == "local"
        page = client.get("/documents/riverside-thresholds").text
        assert "Local procedure" in page and "local procedure of Riverside Safeguarding Children Partnership" in page
        hits = client.post("/api/search", json={"query": "Riverside Children's Advice Line"}).json()["results"]
        assert hits[0]["doc_id"] == "riverside-thresholds" and hits[0]["kind"] == "local"


def test_the_checker_keeps_local_text_apart(local_settings: Settings) -> None:
    from checker.check import Checker
    from rag.store import IndexStore

    checker = Checker(IndexStore.load(local_settings.index_root))
    (ref,) = checker.check('Working Together 2023, paragraph 14 says "The Riverside threshold document sets four '
                           'levels of need for children in Riverside".')
    assert ref.status == "mismatch"
    assert ref.suggestion is None or ref.suggestion.doc_id != "riverside-thresholds"
    assert "it is in" not in ref.message  # not "found" in the local document
