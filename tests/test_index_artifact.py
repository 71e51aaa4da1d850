"""The index as a read-only artifact (issue 19): every build's files.json is checked on load and by
ingest (which repairs a damaged index), /healthz and asks say 503 with one line when the index
cannot answer, serving never writes a byte of the index, and `wtguide index export/import` ships
it, refusing damaged or hostile archives with the live index untouched."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ingest.checksums import FILES
from ingest.embed import FakeEmbedder
from ingest.index import current_dir
from ingest.pipeline import ingest
from rag.chroma_copy import OWNER, PREFIX, sweep
from rag.store import IndexStore
from wtguide.cli import main
from wtguide.errors import IndexDamaged
from wtguide.settings import Settings, get_settings

SQLITE = "chroma/chroma.sqlite3"


@pytest.fixture
def data(tmp_path: Path, fake_index: Path, cli_env) -> Path:  # type: ignore[no-untyped-def]
    """A private copy of the session's index in a data dir the CLI is pointed at."""
    shutil.copytree(fake_index, tmp_path / "data" / "index")
    cli_env(data_dir=tmp_path / "data")
    return tmp_path / "data"


def _live(data: Path) -> Path:
    live = current_dir(data / "index")
    assert live is not None
    return live


def _settings(data: Path, **kw: object) -> Settings:
    options: dict[str, object] = {"rate_limit": "100000/minute", "index_check_seconds": 0, "health_probe_seconds": 0}
    return Settings(data_dir=data, embedder="fake", _env_file=None, **{**options, **kw})  # type: ignore[call-arg,arg-type]


def _use(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    """Set ``WTGUIDE_*`` variables for the CLI's next ``main()``."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()


def _state(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every file under ``root``: size, mtime (ns) and SHA-256."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in root.rglob("*")
        if p.is_file()
    }


def test_each_build_lists_its_files_with_sizes_and_hashes(fake_index: Path) -> None:
    live = current_dir(fake_index)
    assert live is not None
    files = json.loads((live / FILES).read_text())["files"]
    on_disk = {p.relative_to(live).as_posix() for p in live.rglob("*") if p.is_file() and p.name != FILES}
    assert set(files) == on_disk and SQLITE in files and "index.json" in files
    assert files["vectors.npy"]["size"] == (live / "vectors.npy").stat().st_size
    assert files["vectors.npy"]["sha256"] == hashlib.sha256((live / "vectors.npy").read_bytes()).hexdigest()


def test_a_truncated_chroma_file_is_named_on_load(data: Path) -> None:
    os.truncate(_live(data) / SQLITE, 0)
    with pytest.raises(IndexDamaged, match=r"chroma/chroma\.sqlite3 has 0 bytes") as err:
        IndexStore.load(data / "index")
    assert "\n" not in str(err.value) and err.value.http_status == 503


def test_a_changed_byte_is_caught_by_the_full_check_only(data: Path) -> None:
    path = _live(data) / "paragraphs.jsonl"
    text = path.read_bytes()
    path.write_bytes(text.replace(b"safeguarding", b"safeguardinG", 1))
    assert IndexStore.load(data / "index", verify="size").chunks
    with pytest.raises(IndexDamaged, match="paragraphs.jsonl has changed since it was built"):
        IndexStore.load(data / "index", verify="full")


def test_ingest_rebuilds_a_damaged_index_and_says_so(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before: "Index is up to date"; only --rebuild repaired it.
    os.truncate(_live(data) / SQLITE, 100)
    assert main(["ingest"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("The live index was damaged (") and "chroma/chroma.sqlite3 has 100 bytes" in out[0]
    assert out[0].endswith("): rebuilt it") and out[1].startswith("Built index")
    assert IndexStore.load(data / "index").collection.count() > 0
    assert main(["ingest"]) == 0
    assert capsys.readouterr().out.startswith("Index is up to date")


def test_a_fresh_server_on_a_damaged_index_answers_503_in_one_line(data: Path) -> None:
    # Before: a fresh server exited.
    os.truncate(_live(data) / SQLITE, 0)
    with TestClient(create_app(_settings(data))) as client:
        for r in (client.get("/healthz"), client.post("/api/ask", json={"question": "Who are the partners?"})):
            assert r.status_code == 503
            assert "chroma/chroma.sqlite3 has 0 bytes" in r.json()["detail"] and "\n" not in r.json()["detail"]


@pytest.mark.parametrize(("name", "at"), [("sentences.jsonl", 10), ("sentence_vectors.npy", 0), ("glossary.json", 0)])
def test_a_same_size_corruption_under_the_size_check_is_a_503_not_a_traceback(
        data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str, at: int) -> None:
    """Attack probe: with WTGUIDE_INDEX_VERIFY=size these were a JSONDecodeError or ValueError
    traceback from `ask` and a server that would not start."""
    path = _live(data) / name
    raw = bytearray(path.read_bytes())
    raw[at:at + 5] = b"xxxxx"
    path.write_bytes(bytes(raw))
    with TestClient(create_app(_settings(data, index_verify="size")), raise_server_exceptions=False) as client:
        r = client.post("/api/ask", json={"question": "Who are the safeguarding partners?"})
        assert r.status_code == 503 and f"{name}" in r.json()["detail"] and "\n" not in r.json()["detail"]
    capsys.readouterr()
    _use(monkeypatch, WTGUIDE_INDEX_VERIFY="size")
    assert main(["ask", "Who are the safeguarding partners?"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is damaged" in err[0] and name in err[0]


def test_a_running_server_whose_index_breaks_answers_503_not_500(data: Path) -> None:
    # Before: 500 to every ask while /healthz said ok.
    with TestClient(create_app(_settings(data))) as client:
        assert client.get("/healthz").status_code == 200
        store = client.app.state.assistant.store  # type: ignore[attr-defined]
        os.truncate(store.chroma.path / "chroma.sqlite3", 0)  # the file it reads, damaged under it
        health = client.get("/healthz")
        assert health.status_code == 503 and "vector store failed" in health.json()["detail"]
        asked = client.post("/api/ask", json={"question": "Who are the safeguarding partners?"})
        assert asked.status_code == 503 and "vector store failed" in asked.json()["detail"]


def test_healthz_reuses_its_probe(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = IndexStore.probe
    monkeypatch.setattr(IndexStore, "probe", lambda self: calls.append(1) or original(self))
    with TestClient(create_app(_settings(data, health_probe_seconds=60))) as client:
        for _ in range(5):
            assert client.get("/healthz").status_code == 200
    assert len(calls) == 1


def test_serving_read_only_never_writes_the_index(
    data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: Chroma wrote its sqlite file on every start; a read-only data dir failed to serve.
    before = _state(data / "index")
    time.sleep(0.01)  # any write would show a newer mtime
    with TestClient(create_app(_settings(data, index_read_only=True))) as client:
        assert client.get("/healthz").status_code == 200
        asked = client.post("/api/ask", json={"question": "Who are the safeguarding partners?"})
        assert asked.status_code == 200 and asked.json()["citations"]
        assert client.post("/api/search", json={"query": "geographical boundaries"}).status_code == 200
    _use(monkeypatch, WTGUIDE_INDEX_READ_ONLY="true")
    assert main(["ask", "Who are the safeguarding partners?", "--json"]) == 0
    assert main(["search", "safeguarding partners"]) == 0
    capsys.readouterr()
    # ingest, add and import refuse in one line, exit 2.
    for args in (["ingest"], ["add", __file__, "--title", "x", "--kind", "local", "--publisher", "p"],
                 ["index", "import", __file__]):
        assert main(args) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("wtguide: error: cannot ") and "read-only" in err and "\n" not in err
    assert _state(data / "index") == before


def test_private_chroma_copies_of_dead_processes_are_swept(tmp_path: Path) -> None:
    dead = tmp_path / f"{PREFIX}999999-abc"
    (dead / "chroma").mkdir(parents=True)
    (dead / OWNER).touch()
    old = time.time() - 3600
    os.utime(dead, (old, old))
    young = tmp_path / f"{PREFIX}999998-abc"
    young.mkdir()
    (young / OWNER).touch()
    assert sweep(tmp_path) == [dead.name]
    assert young.exists() and not dead.exists()


# --- shipping an index ------------------------------------------------------------------------------


def test_export_then_import_swaps_in_the_same_index(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "index.tar.gz"
    assert main(["index", "export", str(archive)]) == 0
    replica = tmp_path / "replica"
    ingest_root = replica / "index"
    ingest_root.mkdir(parents=True)
    _use(monkeypatch, WTGUIDE_DATA_DIR=str(replica))
    assert main(["index", "import", str(archive)]) == 0
    live = current_dir(ingest_root)
    assert live is not None and live.name == _live(data).name
    store = IndexStore.load(ingest_root)
    assert store.collection.count() == len(store.chunks)
    # A deploy that runs the same import again succeeds and changes nothing.
    assert main(["index", "import", str(archive)]) == 0
    assert current_dir(ingest_root) == live and len([p for p in ingest_root.iterdir() if p.is_dir()]) == 1


def test_a_running_server_follows_an_import(data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "index.tar.gz"
    assert main(["index", "export", str(archive)]) == 0
    other = tmp_path / "other"
    ingest(Path(Settings().corpus_dir) / "manifest.yaml", other / "index", FakeEmbedder, FakeEmbedder.name, 1200,
           rebuild=True)
    with TestClient(create_app(_settings(other))) as client:
        first = client.get("/healthz").json()["index"]
        _use(monkeypatch, WTGUIDE_DATA_DIR=str(other))
        assert main(["index", "import", str(archive)]) == 0
        new = (other / "index" / "CURRENT").read_text().strip()
        assert new != first
        deadline = time.monotonic() + 30
        while client.get("/healthz").json()["index"] != new:
            assert time.monotonic() < deadline, "the server never followed the import"
            time.sleep(0.05)


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, content in members:
            tar.addfile(info, io.BytesIO(content) if content is not None else None)
    return path


def _file(name: str, content: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    return info, content


def _damaged_copy(archive: Path, tmp_path: Path) -> Path:
    """The archive with one byte of its paragraph store changed (sizes as before)."""
    out = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read() if m.isfile() else None  # type: ignore[union-attr]
            if data is not None and m.name.endswith("paragraphs.jsonl"):
                data = data.replace(b"safeguarding", b"safeguardinG", 1)
            dst.addfile(m, io.BytesIO(data) if data is not None else None)
    return out


def test_bad_archives_are_refused_in_one_line_with_the_live_index_untouched(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "index.tar.gz"
    assert main(["index", "export", str(archive)]) == 0
    link = tarfile.TarInfo("build-x/chroma")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc"
    not_gz = tmp_path / "notes.tar.gz"
    not_gz.write_text("not an archive")
    cases = {
        not_gz: "not a readable .tar.gz index archive",
        _tar(tmp_path / "escape.tar.gz", [_file("build-x/../../evil.txt", b"x")]): "points outside its folder",
        _tar(tmp_path / "link.tar.gz", [(link, None)]): "is a link or a special file",
        _tar(tmp_path / "plain.tar.gz", [_file("build-x/index.json", b"{}")]): "has no files.json",
        _damaged_copy(archive, tmp_path): "paragraphs.jsonl has changed since it was built",
        tmp_path / "missing.tar.gz": "no such file",
    }
    before = _state(data / "index")
    capsys.readouterr()
    for bad, message in cases.items():
        assert main(["index", "import", str(bad)]) == 2, bad.name
        err = capsys.readouterr().err.strip()
        assert err.startswith("wtguide: error: ") and message in err and "\n" not in err, err
    assert _state(data / "index") == before
    assert not (tmp_path / "evil.txt").exists() and not (data / "evil.txt").exists()
