"""Bad input gets a one-line error naming the file or entry, exit code 2, and the index untouched."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import pdf_bytes
from pypdf import PdfReader, PdfWriter

from ingest.add import add_document
from ingest.loaders import load
from ingest.manifest import load_manifest
from ingest.parse import parse_document
from wtguide.cli import main
from wtguide.errors import EmptyDocument, ManifestError, UnsupportedDocument, WtguideError
from wtguide.settings import Settings

GOOD_PAGES = [["Chapter 1: Test", "1. A paragraph with a text layer.", "2. Another paragraph."]]


# --- tiny bad files -------------------------------------------------------------------------------


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(GOOD_PAGES))))
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_only_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)  # a page with no text layer, as a scan without OCR
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


BAD_FILES: dict[str, tuple[Callable[[], bytes], type[WtguideError], str]] = {
    # name: (contents, error class, words the message must contain)
    "corrupt.pdf": (lambda: b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ngarbage\n",
                    UnsupportedDocument, "corrupt"),
    "truncated.pdf": (lambda: pdf_bytes(GOOD_PAGES)[:300], UnsupportedDocument, "corrupt"),
    "not-a-pdf.pdf": (lambda: b"just some words, no PDF header", UnsupportedDocument, "not a PDF"),
    "encrypted.pdf": (encrypted_pdf, UnsupportedDocument, "encrypted"),
    "scanned.pdf": (image_only_pdf, UnsupportedDocument, "OCR"),
    "empty.pdf": (lambda: b"", EmptyDocument, "empty"),
    "empty.txt": (lambda: b"", EmptyDocument, "empty"),
    "blank.txt": (lambda: b"  \n\n\t\n", EmptyDocument, "empty"),
    "empty.html": (lambda: b"<html><body><nav>Home</nav><script>x=1</script></body></html>", EmptyDocument,
                   "no visible text"),
    "binary.txt": (lambda: b"\x00\x01\x02binary", UnsupportedDocument, "binary"),
}
FORMATS = {".pdf": "pdf", ".txt": "text", ".html": "html"}


def doc_for(path: Path):  # type: ignore[no-untyped-def]
    from ingest.manifest import parse_entry

    entry = {"doc_id": "bad", "title": "Bad", "edition": "2026", "kind": "statutory", "status": "current",
             "publisher": "P", "source_url": "u", "licence": "L", "attribution": "A", "file": path.name}
    return parse_entry(0, entry, path.parent)


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_gives_one_line_error_naming_it(tmp_path: Path, name: str) -> None:
    make, error, words = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(make())
    with pytest.raises(error) as info:
        parse_document(doc_for(path), path)
    message = str(info.value)
    assert name in message and words in message
    assert "\n" not in message and len(message) < 200


def test_encrypted_pdf_with_an_empty_user_password_is_read(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(GOOD_PAGES))))
    writer.encrypt(user_password="", owner_password="owner")  # opens without a password
    path = tmp_path / "owner-only.pdf"
    writer.write(path)
    assert "A paragraph with a text layer." in load(path, "pdf")[0].text


def test_unsupported_format_names_the_file(tmp_path: Path) -> None:
    from ingest.loaders import format_for

    for name in ("policy.docx", "notes.xyz", "README"):
        with pytest.raises(UnsupportedDocument, match=rf"{name}: unsupported file type"):
            format_for(tmp_path / name)


# --- bad manifests --------------------------------------------------------------------------------


def edit_manifest(corpus: Path, change: Callable[[list[dict]], None]) -> Path:
    path = corpus / "manifest.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["documents"])
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def drop_field(field: str, index: int = 1) -> Callable[[list[dict]], None]:
    return lambda docs: docs[index].pop(field)


BAD_MANIFESTS: dict[str, tuple[Callable[[list[dict]], None], str]] = {
    "missing field": (drop_field("publisher"), "manifest entry 2 (wt2018): missing field 'publisher'"),
    "missing doc_id": (drop_field("doc_id", 0), "manifest entry 1 (no doc_id): missing field 'doc_id'"),
    "missing edition": (drop_field("edition"), "entry 2 (wt2018): missing field 'edition'"),
    "duplicate doc_id": (lambda docs: docs[3].update(doc_id="wt2018"), "entry 4 (wt2018): duplicate doc_id 'wt2018'"),
    "missing file": (lambda docs: docs[2].update(file="gone.txt"), "entry 3 (schools-guide): field 'file': gone.txt"),
    "bad kind": (lambda docs: docs[0].update(kind="law"), "entry 1 (wt2023): field 'kind' must be one of"),
    "bad format": (lambda docs: docs[4].update(format="docx"), "entry 5 (lg-explainer): field 'format'"),
    "superseded without successor": (
        lambda docs: docs[0].pop("superseded_by"), "entry 1 (wt2023): field 'superseded_by' is required"),
}


@pytest.mark.parametrize("case", sorted(BAD_MANIFESTS))
def test_bad_manifest_names_entry_and_field(corpus_copy: Path, case: str) -> None:
    change, expected = BAD_MANIFESTS[case]
    path = edit_manifest(corpus_copy, change)
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_manifest_that_is_not_yaml_or_has_no_documents(corpus_copy: Path) -> None:
    path = corpus_copy / "manifest.yaml"
    path.write_text("documents: [unclosed\n")
    with pytest.raises(ManifestError, match="not valid YAML at line"):
        load_manifest(path)
    path.write_text("documents: []\n")
    with pytest.raises(ManifestError, match="non-empty 'documents' list"):
        load_manifest(path)
    with pytest.raises(ManifestError, match="does not exist"):
        load_manifest(corpus_copy / "nope.yaml")


# --- the CLI: exit 2, one line, no traceback, the live index untouched ----------------------------


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def live(corpus_copy: Path, cli_env: Callable[..., Settings], fake_index: Path) -> Settings:
    """A built index (a copy of the session's) over a writable corpus copy, the CLI pointed at both."""
    settings = cli_env(corpus_dir=corpus_copy)
    shutil.copytree(fake_index, settings.index_root)
    return settings


def test_cli_ingest_builds_then_is_up_to_date(corpus_copy: Path, cli_env, capsys) -> None:  # type: ignore[no-untyped-def]
    cli_env(corpus_dir=corpus_copy)
    assert main(["ingest"]) == 0
    assert capsys.readouterr().out.startswith("Built index: 5 documents")
    assert main(["ingest", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "up-to-date"


def assert_one_line_error(capsys: pytest.CaptureFixture[str], *words: str) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("wtguide: error: ")
    assert "Traceback" not in err
    for w in words:
        assert w in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("missing field", ["entry 2 (wt2018)", "'publisher'"]),
        ("duplicate doc_id", ["duplicate doc_id 'wt2018'"]),
        ("missing file", ["schools-guide", "gone.txt"]),
    ],
)
def test_cli_ingest_with_bad_manifest_exits_2_and_keeps_the_index(
    live: Settings, capsys: pytest.CaptureFixture[str], case: str, words: list[str]
) -> None:
    before = snapshot(live.index_root)
    edit_manifest(live.corpus_dir, BAD_MANIFESTS[case][0])
    assert main(["ingest"]) == 2
    assert_one_line_error(capsys, *words)
    assert snapshot(live.index_root) == before


@pytest.mark.parametrize("name", ["corrupt.pdf", "encrypted.pdf", "scanned.pdf", "empty.txt"])
def test_cli_ingest_with_a_bad_document_exits_2_and_keeps_the_index(
    live: Settings, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    before = snapshot(live.index_root)
    make, _, words = BAD_FILES[name]
    (live.corpus_dir / name).write_bytes(make())
    edit_manifest(live.corpus_dir, lambda docs: docs[4].update(file=name, format=FORMATS[Path(name).suffix]))
    assert main(["ingest", "--rebuild"]) == 2
    assert_one_line_error(capsys, name, words)
    assert snapshot(live.index_root) == before


def test_cli_commands_without_an_index_say_so(cli_env: Callable[..., Settings], capsys) -> None:  # type: ignore[no-untyped-def]
    cli_env()
    assert main(["documents"]) == 2
    assert_one_line_error(capsys, "no index yet", "wtguide ingest")


def test_cli_paragraph_not_held(live: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["paragraph", "wt2023", "63"]) == 2
    assert_one_line_error(capsys, "no paragraph 63", "1-62")
    assert main(["paragraph", "wt1999", "1"]) == 2
    assert_one_line_error(capsys, "no document 'wt1999'")


ADD_ARGS = ["--title", "Working Together to Safeguard Children 2026", "--edition", "2026", "--kind", "statutory"]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("corrupt.pdf", ["corrupt.pdf", "corrupt"]),
        ("encrypted.pdf", ["encrypted.pdf", "encrypted"]),
        ("scanned.pdf", ["scanned.pdf", "OCR"]),
        ("empty.txt", ["empty.txt", "empty"]),
        ("policy.docx", ["policy.docx", "unsupported file type '.docx'"]),
        ("notes.xyz", ["notes.xyz", "unsupported file type '.xyz'"]),
        ("missing.pdf", ["missing.pdf", "no such file"]),
    ],
)
def test_cli_add_bad_file_leaves_manifest_corpus_and_index_untouched(
    live: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, words: list[str]
) -> None:
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    if name in BAD_FILES:
        (incoming / name).write_bytes(BAD_FILES[name][0]())
    elif name != "missing.pdf":
        (incoming / name).write_bytes(b"PK\x03\x04 not really a document")
    manifest_before = live.manifest_path.read_bytes()
    corpus_before = sorted(p.name for p in live.corpus_dir.iterdir())
    index_before = snapshot(live.index_root)

    assert main(["add", str(incoming / name), *ADD_ARGS, "--supersedes", "wt2023"]) == 2

    assert_one_line_error(capsys, *words)
    assert live.manifest_path.read_bytes() == manifest_before
    assert sorted(p.name for p in live.corpus_dir.iterdir()) == corpus_before
    assert snapshot(live.index_root) == index_before


def test_cli_add_refuses_unknown_supersedes_and_existing_id(live: Settings, capsys, make_pdf) -> None:  # type: ignore[no-untyped-def]
    pdf = make_pdf(GOOD_PAGES, "wt2026.pdf")
    manifest_before = live.manifest_path.read_bytes()
    assert main(["add", str(pdf), *ADD_ARGS, "--supersedes", "wt1999"]) == 2
    assert_one_line_error(capsys, "--supersedes wt1999", "no such document")
    assert main(["add", str(pdf), *ADD_ARGS, "--doc-id", "wt2018"]) == 2
    assert_one_line_error(capsys, "already has a document 'wt2018'")
    assert live.manifest_path.read_bytes() == manifest_before


def test_cli_add_pdf_supersedes_the_old_edition(live: Settings, capsys, make_pdf) -> None:  # type: ignore[no-untyped-def]
    from rag.store import IndexStore

    pdf = make_pdf(
        [
            ["Working Together 2026", "Chapter 1: A shared responsibility", "1. The 2026 edition starts here.", "3"],
            ["Working Together 2026", "2. It replaces the 2023 edition.", "4"],
        ],
        "Working_together_2026.pdf",
    )
    assert main(["add", str(pdf), *ADD_ARGS, "--supersedes", "wt2023"]) == 0
    assert "Added wt2026" in capsys.readouterr().out

    manifest = load_manifest(live.manifest_path)
    new, old = manifest.get("wt2026"), manifest.get("wt2023")
    assert new is not None and old is not None
    assert (new.status, new.format, new.file, new.edition) == ("current", "pdf", "wt2026.pdf", "2026")
    assert (old.status, old.superseded_by) == ("superseded", "wt2026")
    assert (live.corpus_dir / "wt2026.pdf").read_bytes() == pdf.read_bytes()

    store = IndexStore.load(live.index_root)
    assert store.paragraph("wt2026", "2").page == 4
    assert store.paragraph("wt2026", "2").text == "It replaces the 2023 edition."
    assert store.documents["wt2023"].superseded_by == "wt2026"
    assert {c.status for c in store.chunks if c.doc_id == "wt2023"} == {"superseded"}
    assert main(["ingest"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_cli_add_text_marks_a_current_document_superseded(live: Settings, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from rag.store import IndexStore

    text = tmp_path / "explainer-2026.txt"
    text.write_text("Early help\n\nEarly help is support for children, updated for 2026.\n", encoding="utf-8")
    args = ["--title", "Local government explainer 2026", "--edition", "2026", "--kind", "commentary",
            "--publisher", "Local government sector body"]
    assert main(["add", str(text), *args, "--supersedes", "lg-explainer", "--doc-id", "lg-explainer-2026"]) == 0
    capsys.readouterr()
    store = IndexStore.load(live.index_root)
    assert store.documents["lg-explainer"].status == "superseded"
    assert store.documents["lg-explainer"].superseded_by == "lg-explainer-2026"
    assert store.paragraph("lg-explainer-2026", "early-help-1").text.startswith("Early help is support")
    assert main(["documents"]) == 0
    listing = capsys.readouterr().out
    assert "lg-explainer-2026" in listing and "replaced by lg-explainer-2026" in listing


def test_add_restores_manifest_and_corpus_when_reindexing_fails(corpus_copy: Path, tmp_path: Path, make_pdf) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus_copy, embedder="fake", _env_file=None)  # type: ignore[call-arg]
    pdf = make_pdf(GOOD_PAGES, "new.pdf")
    manifest_before = settings.manifest_path.read_bytes()

    def failing_reindex() -> None:
        raise RuntimeError("embedding crashed")

    with pytest.raises(RuntimeError):
        add_document(settings, pdf, title="Working Together to Safeguard Children 2026", edition="2026",
                     kind="statutory", supersedes="wt2023", reindex=failing_reindex)
    assert settings.manifest_path.read_bytes() == manifest_before
    assert not (corpus_copy / "wt2026.pdf").exists()


def test_add_never_overwrites_a_file_already_in_the_corpus(corpus_copy: Path, tmp_path: Path, make_pdf) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus_copy, embedder="fake", _env_file=None)  # type: ignore[call-arg]
    (corpus_copy / "wt2026.pdf").write_bytes(b"someone else's file")
    pdf = make_pdf(GOOD_PAGES, "new.pdf")
    with pytest.raises(ManifestError, match="wt2026.pdf already exists"):
        add_document(settings, pdf, title="Working Together to Safeguard Children 2026", edition="2026",
                     kind="statutory", reindex=lambda: None)
    assert (corpus_copy / "wt2026.pdf").read_bytes() == b"someone else's file"
