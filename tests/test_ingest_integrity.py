"""Corpus integrity on add (issue 16, part 3): no document twice, one current statutory edition,
provenance by kind, ids that keep whole words and years."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.add import add_document
from ingest.integrity import derive_doc_id, provenance
from ingest.manifest import load_manifest
from wtguide.cli import main
from wtguide.errors import ManifestError
from wtguide.settings import Settings

WT2026 = ["--title", "Working Together to Safeguard Children 2026", "--edition", "2026", "--kind", "statutory"]


@pytest.fixture
def settings(corpus_copy: Path, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dir=corpus_copy, embedder="fake", _env_file=None)  # type: ignore[call-arg]


def test_a_byte_identical_copy_is_refused_naming_the_document(  # type: ignore[no-untyped-def]
    corpus_copy: Path, cli_env, tmp_path: Path, capsys
) -> None:
    cli_env(corpus_dir=corpus_copy)
    copy = tmp_path / "Working_together_2023.txt"
    copy.write_bytes((corpus_copy / "wt2023.txt").read_bytes())
    manifest = (corpus_copy / "manifest.yaml").read_bytes()
    assert main(["add", str(copy), *WT2026, "--supersedes", "wt2023"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "wtguide: error: Working_together_2023.txt is a copy of wt2023 (Working Together to Safeguard " \
                  "Children 2023), already held"
    assert (corpus_copy / "manifest.yaml").read_bytes() == manifest
    assert not (corpus_copy / "wt2026.txt").exists()


def test_the_same_words_in_other_bytes_are_refused(settings: Settings, tmp_path: Path) -> None:
    resaved = tmp_path / "wt2018-resaved.txt"
    resaved.write_bytes((settings.corpus_dir / "wt2018.txt").read_bytes().replace(b"\n", b"\r\n"))
    with pytest.raises(ManifestError, match="has the same text as wt2018"):
        add_document(settings, resaved, title="An explainer", edition="2018", kind="commentary",
                     publisher="Someone", reindex=lambda: None)


def test_commentary_names_its_publisher_and_is_never_crown_copyright(settings: Settings, tmp_path: Path) -> None:
    blog = tmp_path / "blog.txt"
    blog.write_text("Thoughts\n\nA blogger's view of the 2026 changes for schools.\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="--publisher is required for a commentary document"):
        add_document(settings, blog, title="A blog", edition="2026", kind="commentary", reindex=lambda: None)
    doc = add_document(settings, blog, title="A blog", edition="2026", kind="commentary",
                       publisher="A schools consultant", reindex=lambda: None)
    assert doc.publisher == "A schools consultant"
    assert "Open Government" not in doc.licence and "Open Government" not in doc.attribution
    assert doc.attribution == "A schools consultant. Commentary, not statutory guidance."
    statutory = provenance("statutory", None, None, None)
    assert statutory["publisher"].startswith("HM Government") and statutory["licence"].startswith("Open Government")


def test_one_current_statutory_edition_and_an_unbroken_chain(settings: Settings, make_pdf) -> None:  # type: ignore[no-untyped-def]
    new = make_pdf([["1. Everyone shares the duty to keep children safe in 2026.", "1"]], "new.pdf")
    add_document(settings, new, title="Working Together to Safeguard Children 2026", edition="2026",
                 kind="statutory", supersedes="wt2023", reindex=lambda: None)
    manifest = load_manifest(settings.manifest_path)
    assert manifest.get("wt2023").superseded_by == "wt2026"  # type: ignore[union-attr]
    later = make_pdf([["1. A later edition says something new in 2030.", "1"]], "later.pdf")
    with pytest.raises(ManifestError, match="wt2026 is the current statutory edition: pass --supersedes wt2026"):
        add_document(settings, later, title="Working Together to Safeguard Children 2030", edition="2030",
                     kind="statutory", reindex=lambda: None)
    with pytest.raises(ManifestError, match="--supersedes wt2018: it is already replaced by wt2023"):
        add_document(settings, later, title="Working Together to Safeguard Children 2030", edition="2030",
                     kind="statutory", supersedes="wt2018", reindex=lambda: None)
    doc = add_document(settings, later, title="Working Together to Safeguard Children 2030", edition="2030",
                       kind="statutory", supersedes="wt2026", reindex=lambda: None)
    assert doc.status == "current"
    assert load_manifest(settings.manifest_path).get("wt2026").superseded_by == "wt2030"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("title", "edition", "doc_id"),
    [
        ("Local safeguarding thresholds Guidance 2030", "2030", "local-safeguarding-thresholds-guidance-2030"),
        ("A very long title about multi-agency safeguarding arrangements in the region", "2026",
         "a-very-long-title-about-multi-agency-2026"),
        ("Working Together to Safeguard Children 2026", "2026", "wt2026"),
    ],
)
def test_derived_ids_keep_whole_words_and_years(title: str, edition: str, doc_id: str) -> None:
    assert derive_doc_id(title, edition) == doc_id


def test_an_in_place_amendment_is_a_version_not_a_new_edition(corpus_copy: Path, cli_env, capsys) -> None:  # type: ignore[no-untyped-def]
    from rag.store import IndexStore

    settings = cli_env(corpus_dir=corpus_copy)
    amended = corpus_copy.parent / "wt2023-feb-2024.txt"
    text = (corpus_copy / "wt2023.txt").read_text(encoding="utf-8")
    amended.write_text(text.replace("Nothing is more important than children", "Nothing matters more than children"),
                       encoding="utf-8")
    before = (corpus_copy / "wt2023.txt").read_text(encoding="utf-8")
    assert main(["add", str(amended), "--amends", "wt2023", "--note", "factual update February 2024"]) == 0
    assert "the amended text (factual update February 2024) is now the one indexed" in capsys.readouterr().out
    doc = load_manifest(corpus_copy / "manifest.yaml").get("wt2023")
    assert doc is not None and (doc.edition, doc.status, doc.file) == ("2023", "superseded", "wt2023.txt")
    assert doc.versions == ("wt2023.v1.txt — the text before: factual update February 2024",)
    assert doc.published == "December 2023 (factual update February 2024)"  # the manifest's own words kept
    assert (corpus_copy / "wt2023.v1.txt").read_text(encoding="utf-8") == before  # the earlier text is kept
    store = IndexStore.load(settings.index_root)
    assert [d for d in store.documents if d.startswith("wt2023")] == ["wt2023"]  # one document, not two
    assert "Nothing matters more than children" in " ".join(p.text for p in store.doc_paragraphs("wt2023"))
    # The same text again is refused, naming the document; so is a bare add without title.
    assert main(["add", str(amended), "--amends", "wt2023"]) == 2
    assert "--amends needs --note" in capsys.readouterr().err
    assert main(["add", str(amended), "--amends", "wt2023", "--note", "again"]) == 2
    assert "is a copy of wt2023" in capsys.readouterr().err
    assert main(["add", str(amended)]) == 2
    assert "add needs --title, --kind" in capsys.readouterr().err


def test_the_copy_is_named_first_and_an_older_edition_can_be_added(  # type: ignore[no-untyped-def]
    corpus_copy: Path, cli_env, tmp_path: Path, capsys
) -> None:
    cli_env(corpus_dir=corpus_copy)
    copy = tmp_path / "again.txt"
    copy.write_bytes((corpus_copy / "wt2023.txt").read_bytes())
    # Same id and same file: the copy is what the administrator needs to hear, not "pass --doc-id".
    assert main(["add", str(copy), "--title", "Working Together to Safeguard Children 2023", "--edition", "2023",
                 "--kind", "statutory"]) == 2
    assert "is a copy of wt2023" in capsys.readouterr().err
    old = tmp_path / "wt2015.txt"
    old.write_text("1. An older edition's only paragraph.\n", encoding="utf-8")
    args = ["--title", "Working Together to Safeguard Children 2015", "--edition", "2015", "--kind", "statutory",
            "--status", "superseded"]
    assert main(["add", str(old), *args]) == 2
    assert "--status superseded needs --superseded-by DOC_ID" in capsys.readouterr().err
    assert main(["add", str(old), *args, "--superseded-by", "wt2018"]) == 0
    doc = load_manifest(corpus_copy / "manifest.yaml").get("wt2015")
    assert doc is not None and (doc.status, doc.superseded_by) == ("superseded", "wt2018")
    blog = tmp_path / "blog.txt"
    blog.write_text("Thoughts\n\nA blogger's view of the changes for schools.\n", encoding="utf-8")
    assert main(["add", str(blog), "--title", "A blog", "--kind", "commentary", "--publisher", "A blogger"]) == 0
    assert load_manifest(corpus_copy / "manifest.yaml").get("a-blog").edition is None  # type: ignore[union-attr]
