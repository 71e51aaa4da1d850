"""The chat page, the embeddable widget, the paragraph viewer, and `wtguide serve` / `wtguide feedback`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.feedback import FeedbackStore, feedback_path
from ingest.embed import FakeEmbedder
from ingest.pipeline import ingest
from rag.service import Assistant
from wtguide import cli
from wtguide.settings import PROJECT_ROOT, Settings


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    data = tmp_path_factory.mktemp("api-pages-data")
    ingest(PROJECT_ROOT / "corpus" / "manifest.yaml", data / "index", FakeEmbedder, FakeEmbedder.name, 1200)
    settings = Settings(data_dir=data, embedder="fake")
    with TestClient(create_app(settings, Assistant.from_settings(settings))) as c:
        yield c


def test_chat_page(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in r.text
    assert 'src="/widget.js"' in r.text and 'data-mount="#chat"' in r.text
    # What it holds is said before anyone asks (a seventh trial found the limit only by failing).
    held = r.text.split('<p class="held">')[1].split("</p>")[0]
    assert "Working Together to Safeguard Children 2023 (paragraphs 1–62)" in held
    assert "Working Together to Safeguard Children 2026 is the current edition" in held


def test_widget_script_and_styles(client: TestClient) -> None:
    js = client.get("/widget.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    for needle in ("dataset.api", "aria-live", "/api/ask/stream", "/api/feedback", "New conversation",
                   "Copy reference", "Open paragraph", "Commentary", "There is a problem"):
        assert needle in js.text
    css = client.get("/static/widget.css")
    assert css.status_code == 200 and "#ffdd00" in css.text


def test_paragraph_viewer(client: TestClient) -> None:
    r = client.get("/documents/wt2023")
    assert r.status_code == 200
    html = r.text
    assert "<h1>Working Together to Safeguard Children 2023</h1>" in html
    assert "2023 — replaced by Working Together to Safeguard Children 2026" in html
    for n in ("1", "10", "62"):
        assert f'id="para-{n}"' in html
    assert html.index('id="para-9"') < html.index('id="para-10"') < html.index('id="para-11"')
    assert "/static/viewer.js" in html
    assert ":target" in client.get("/static/site.css").text


def test_viewer_marks_commentary(client: TestClient) -> None:
    html = client.get("/documents/schools-guide").text
    assert "Commentary" in html and "commentary on the 2023 edition" in html


def test_viewer_404_is_plain_words_with_a_way_back(client: TestClient) -> None:
    r = client.get("/documents/<script>")
    assert r.status_code == 404
    assert "<script>" not in r.text and "We could not find that document" in r.text
    assert "/api/documents" not in r.text and "corpus" not in r.text  # no developer words
    assert '<a href="/documents/wt2023">Working Together to Safeguard Children 2023</a>' in r.text
    assert '<a href="/">Back to the assistant</a>' in r.text


def test_viewer_keeps_edition_on_screen_and_links_addresses(client: TestClient) -> None:
    html = client.get("/documents/wt2023").text
    bar = html[html.index('class="doc-bar"'):]
    assert bar.index("Working Together to Safeguard Children 2023") < bar.index("replaced by")
    css = client.get("/static/site.css").text
    assert ".doc-bar { position: sticky" in css and "overflow-wrap: anywhere" in css
    from api.routes.pages import _links

    assert _links("see https://www.gov.uk/guidance/x.") == (
        'see <a href="https://www.gov.uk/guidance/x" class="url">https://www.gov.uk/guidance/x</a>.')


def test_citation_urls_open_in_the_viewer(client: TestClient) -> None:
    c = client.post("/api/ask", json={"question": "What does paragraph 10 of Working Together 2023 say?"})
    url = c.json()["citations"][0]["url"]
    page, anchor = url.split("#")
    assert f'id="{anchor}"' in client.get(page).text


def test_serve_runs_uvicorn_with_the_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append((app, kw)))
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "8123", "--workers", "2"]) == 0
    app, kw = calls[0]
    assert app == "api.app:create_app"
    assert kw["factory"] is True and (kw["host"], kw["port"], kw["workers"]) == ("0.0.0.0", 8123, 2)


def test_serve_rejects_zero_workers(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: pytest.fail("must not start a server"))
    assert cli.main(["serve", "--workers", "0"]) == 2
    assert "--workers must be at least 1" in capsys.readouterr().err


def test_feedback_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    FeedbackStore(feedback_path(tmp_path)).add("up", "citation", question="q", doc_id="wt2023", paragraph="10")
    monkeypatch.setattr(cli, "get_settings", lambda: Settings(data_dir=tmp_path))
    out = tmp_path / "fb.json"
    assert cli.main(["feedback", "--format", "json", "-o", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert rows[0]["rating"] == "up" and rows[0]["paragraph"] == "10" and rows[0]["question"] is None


def test_serve_names_the_port_setting_when_the_port_is_taken(monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import socket

    calls = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append(kw))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["serve", "--host", "127.0.0.1", "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"port {port} on 127.0.0.1 is in use" in err[0] and "WTGUIDE_PORT=" in err[0]
    assert "Serving on" not in err[0] and not calls


def test_viewer_shows_list_items_as_a_list(client: TestClient) -> None:
    html = client.get("/documents/wt2023").text
    para = html[html.index('id="para-47"'):]
    para = para[:para.index("</section>")]
    assert "<ul><li>" in para and "\u2022" not in para
