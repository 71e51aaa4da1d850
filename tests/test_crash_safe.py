"""Crash-safe corpus changes (issue 19): `add` killed at each stage leaves the corpus as it was
(the next run rolls it back) and a retry succeeds; four `add`s at once all land; a killed ingest's
temp build is removed by the next one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from ingest.index import current_dir
from rag.store import IndexStore
from wtguide.cli import main
from wtguide.settings import PROJECT_ROOT

# A child `wtguide` that stops at the stage named by STOP_AT (see ingest.durable.checkpoint),
# leaving a marker file, and waits there to be killed.
CHILD = """
import os, sys, time
sys.path.insert(0, os.environ["WORKTREE"])
from ingest import durable

def checkpoint(stage):
    if stage == os.environ.get("STOP_AT"):
        open(os.environ["STOP_MARKER"], "w").close()
        time.sleep(600)

durable.checkpoint = checkpoint
from wtguide.cli import main
sys.exit(main(sys.argv[1:]))
"""
LOCAL = ["--kind", "local", "--edition", "2026", "--publisher", "Riverside Safeguarding Children Partnership"]


@pytest.fixture
def data(corpus_copy: Path, tmp_path: Path, fake_index: Path, cli_env) -> Path:  # type: ignore[no-untyped-def]
    """A data dir holding the seed corpus's index, with the CLI pointed at it and the corpus copy."""
    shutil.copytree(fake_index, tmp_path / "data" / "index")
    cli_env(corpus_dir=corpus_copy, data_dir=tmp_path / "data")
    return tmp_path / "data"


def _env(corpus: Path, data: Path, stop_at: str = "", marker: Path | None = None) -> dict[str, str]:
    return {**os.environ, "WORKTREE": str(PROJECT_ROOT), "WTGUIDE_CORPUS_DIR": str(corpus),
            "WTGUIDE_DATA_DIR": str(data), "WTGUIDE_EMBEDDER": "fake", "STOP_AT": stop_at,
            "STOP_MARKER": str(marker or "")}


def _kill_at(stage: str, args: list[str], corpus: Path, data: Path, tmp_path: Path) -> None:
    """Run `wtguide ARGS` in a child process and kill -9 it when it reaches ``stage``."""
    marker = tmp_path / f"reached-{stage}"
    child = subprocess.Popen([sys.executable, "-c", CHILD, *args], env=_env(corpus, data, stage, marker),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, f"the child ended before {stage}: {child.stderr.read()!r}"  # type: ignore[union-attr]
        assert time.monotonic() < deadline, f"the child never reached {stage}"
        time.sleep(0.05)
    child.kill()
    child.wait(timeout=30)


def _doc(tmp_path: Path, name: str = "riverside") -> Path:
    text = tmp_path / f"{name}.txt"
    body = f"Thresholds\n\nThe {name.title()} threshold document sets four levels of need.\n"
    text.write_text(body, encoding="utf-8")
    return text


@pytest.mark.parametrize("stage", ["journal-written", "file-copied", "manifest-written", "index-built"])
def test_a_killed_add_is_rolled_back_and_a_retry_succeeds(
    stage: str, data: Path, corpus_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: a kill left the entry and the copied file (6 of 6 runs); the retry failed ("already
    # exists") and the next ingest indexed the half-added document.
    manifest = corpus_copy / "manifest.yaml"
    before = manifest.read_bytes()
    files_before = sorted(p.name for p in corpus_copy.iterdir() if not p.name.startswith("."))
    doc = _doc(tmp_path)
    args = ["add", str(doc), "--title", "Riverside thresholds", *LOCAL]
    _kill_at(stage, args, corpus_copy, data, tmp_path)

    # The next ingest undoes the half-done add first, and says so.
    assert main(["ingest"]) == 0
    out = capsys.readouterr().out
    assert "Rolled back an interrupted 'add riverside-thresholds-2026'" in out
    assert manifest.read_bytes() == before
    assert sorted(p.name for p in corpus_copy.iterdir() if not p.name.startswith(".")) == files_before
    assert not (corpus_copy / ".journal.json").exists()
    assert not [p for p in corpus_copy.iterdir() if p.name.startswith(".tmp-")]
    assert "riverside-thresholds-2026" not in IndexStore.load(data / "index").documents

    assert main(["add", *args[1:]]) == 0, capsys.readouterr().err
    assert "riverside-thresholds-2026" in IndexStore.load(data / "index").documents
    entries = yaml.safe_load(manifest.read_text())["documents"]
    assert [e["doc_id"] for e in entries].count("riverside-thresholds-2026") == 1


def test_a_killed_add_is_rolled_back_by_the_retry_itself(data: Path, corpus_copy: Path, tmp_path: Path) -> None:
    doc = _doc(tmp_path)
    args = ["add", str(doc), "--title", "Riverside thresholds", *LOCAL]
    _kill_at("manifest-written", args, corpus_copy, data, tmp_path)
    assert main(args) == 0
    assert "riverside-thresholds-2026" in IndexStore.load(data / "index").documents


def test_a_killed_amendment_puts_the_old_text_back(data: Path, corpus_copy: Path, tmp_path: Path) -> None:
    before = {p.name: p.read_bytes() for p in corpus_copy.iterdir() if p.is_file() and not p.name.startswith(".")}
    amended = tmp_path / "lgl.txt"
    amended.write_text((corpus_copy / "lgl-news.txt").read_text(encoding="utf-8") + "\nA new closing paragraph.\n",
                       encoding="utf-8")
    _kill_at("manifest-written", ["add", str(amended), "--amends", "lgl-news", "--note", "a correction"],
             corpus_copy, data, tmp_path)
    assert main(["ingest"]) == 0
    after = {p.name: p.read_bytes() for p in corpus_copy.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert after == before


def test_four_adds_at_once_all_land(data: Path, corpus_copy: Path, tmp_path: Path) -> None:
    # Before: 8 of 8 runs lost manifest entries and ended in a bare AssertionError.
    names = ["amber", "birch", "cedar", "delta"]
    children = [
        subprocess.Popen([sys.executable, "-c", CHILD, "add", str(_doc(tmp_path, n)), "--title", f"{n} thresholds",
                          *LOCAL], env=_env(corpus_copy, data), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for n in names
    ]
    results = [(c.wait(timeout=300), c.stderr.read()) for c in children]  # type: ignore[union-attr]
    assert [code for code, _ in results] == [0, 0, 0, 0], [err for _, err in results]
    ids = {e["doc_id"] for e in yaml.safe_load((corpus_copy / "manifest.yaml").read_text())["documents"]}
    assert {f"{n}-thresholds-2026" for n in names} <= ids
    assert {f"{n}-thresholds-2026" for n in names} <= set(IndexStore.load(data / "index").documents)


def test_a_killed_ingest_leaves_its_temp_build_until_the_next_run(
    data: Path, corpus_copy: Path, tmp_path: Path
) -> None:
    # Before: killed ingests left .tmp-build-* folders behind forever.
    root = data / "index"
    live = current_dir(root)
    _kill_at("build-written", ["ingest", "--rebuild"], corpus_copy, data, tmp_path)
    assert [p.name for p in root.iterdir() if p.name.startswith(".tmp-build-")]
    assert current_dir(root) == live  # the live index never moved
    IndexStore.load(root)
    # Attack probe: an ingest with nothing to build left it there; it cleans up too.
    assert main(["ingest"]) == 0 and current_dir(root) == live
    assert not [p.name for p in root.iterdir() if p.name.startswith(".tmp-")]
