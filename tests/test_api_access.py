"""Who is asking and how much: real client behind trusted proxies, buckets per key or address, a
budget for wrong keys, RateLimit headers, page sessions, publishable keys, the viewer with keys on."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.app import create_app
from rag.service import Assistant
from wtguide.settings import Settings

PROXY = ("10.0.0.5", 40000)
SEARCH = {"query": "early help"}
KEY = "s3cret-key-value"
PARTNER = "https://partnership.example"


@pytest.fixture(scope="module")
def assistant(fake_index: Path) -> Assistant:
    return Assistant.from_settings(Settings(data_dir=fake_index.parent, embedder="fake", _env_file=None))  # type: ignore[call-arg]


def make_app(tmp_path: Path, assistant: object, **overrides: object):  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, embedder="fake", _env_file=None, **overrides)  # type: ignore[arg-type]
    app = create_app(settings, assistant)

    @app.get("/whoami")
    def whoami(request: Request) -> str:  # what every part of the app sees as the client
        return request.client.host if request.client else ""

    return app


def client(app, peer: tuple[str, int] = PROXY) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app, client=peer, raise_server_exceptions=False)


# ---- proxies -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "seen"),
    [
        (["10.0.0.0/8"], PROXY, "203.0.113.7", "203.0.113.7"),
        # A client's own X-Forwarded-For is kept by the proxy in front of what it appends: ignored.
        (["10.0.0.0/8"], PROXY, "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        (["10.0.0.5"], PROXY, "2001:DB8::1", "2001:db8::1"),
        (["10.0.0.5"], PROXY, "::ffff:203.0.113.7", "203.0.113.7"),  # one client, one bucket (attack probe)
        (["10.0.0.0/8"], PROXY, "garbage", "10.0.0.5"),
        (["10.0.0.0/8"], PROXY, "1.2.3.4:port", "10.0.0.5"),
        (["10.0.0.0/8"], ("192.0.2.9", 5000), "203.0.113.7", "192.0.2.9"),  # not a proxy we trust
        (["127.0.0.1", "::1"], PROXY, "203.0.113.7", "10.0.0.5"),  # the default: loopback only
    ],
)
def test_client_address_behind_proxies(tmp_path: Path, assistant: Assistant, trusted: list[str],
                                       peer: tuple[str, int], forwarded: str, seen: str) -> None:
    with client(make_app(tmp_path, assistant, trusted_proxies=trusted), peer) as c:
        assert c.get("/whoami", headers={"X-Forwarded-For": forwarded}).json() == seen


def test_two_clients_behind_one_trusted_proxy_get_their_own_budget(tmp_path: Path, assistant: Assistant) -> None:
    app = make_app(tmp_path, assistant, trusted_proxies=["10.0.0.0/8"], rate_limit="2/minute")
    with client(app) as c:
        first = [c.post("/api/search", json=SEARCH, headers={"X-Forwarded-For": "203.0.113.7"}).status_code
                 for _ in range(3)]
        other = c.post("/api/search", json=SEARCH, headers={"X-Forwarded-For": "203.0.113.8"})
    assert first == [200, 200, 429]
    assert other.status_code == 200


def test_garbage_forwarded_for_opens_no_new_bucket(tmp_path: Path, assistant: Assistant) -> None:
    app = make_app(tmp_path, assistant, trusted_proxies=["10.0.0.0/8"], rate_limit="2/minute")
    with client(app) as c:
        codes = [c.post("/api/search", json=SEARCH, headers={"X-Forwarded-For": f"garbage{i}"}).status_code
                 for i in range(3)]
    assert codes == [200, 200, 429]


def test_untrusted_peer_cannot_pick_a_bucket(tmp_path: Path, assistant: Assistant) -> None:
    app = make_app(tmp_path, assistant, rate_limit="2/minute")
    with client(app) as c:
        codes = [c.post("/api/search", json=SEARCH, headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                 for i in range(3)]
    assert codes == [200, 200, 429]


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("trusted_proxies", ["proxy.internal"], "is not an IP address or network"),
        ("rate_limit", "lots", "is not a rate limit"),
        ("key_failure_limit", "10 a minute", "is not a rate limit"),
        ("publishable_keys", {"partnership.example": "pk_1"}, "give each key as an origin"),
        ("redis_url", "http://cache:6379", "is not a Redis URL"),
        # Attack probe: these were accepted and left a service no key could open, or none could use.
        ("rate_limit", "0/minute", "would refuse every request"),
        ("api_keys", ["sk-1", " "], "an empty key can never be presented"),
        ("page_session_seconds", -5, "would end every session at once"),
    ],
)
def test_bad_settings_are_named(field: str, value: object, says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        Settings(**{field: value})  # type: ignore[arg-type]


# ---- limits and their headers -------------------------------------------------------------------

def test_rate_limit_headers(tmp_path: Path, assistant: Assistant) -> None:
    with client(make_app(tmp_path, assistant, rate_limit="2/minute")) as c:
        ok = c.post("/api/search", json=SEARCH)
        bad = c.post("/api/ask", json={"question": ""})  # counted before validation, and says so
        refused = c.post("/api/search", json=SEARCH)
        page = c.get("/")
    assert ok.headers["RateLimit-Limit"] == "2" and ok.headers["RateLimit-Remaining"] == "1"
    assert 55 <= int(ok.headers["RateLimit-Reset"]) <= 60
    assert ok.headers["RateLimit-Policy"] == "2;w=60"
    assert "retry-after" not in ok.headers
    assert bad.status_code == 422 and bad.headers["RateLimit-Remaining"] == "0"
    assert refused.status_code == 429 and refused.headers["RateLimit-Remaining"] == "0"
    assert refused.headers["Retry-After"] == refused.headers["RateLimit-Reset"]
    assert refused.json()["detail"].startswith("Too many questions from this network in the last minute.")
    assert "ratelimit-limit" not in page.headers  # pages are not counted


def test_rate_limit_headers_readable_by_the_widget(tmp_path: Path, assistant: Assistant) -> None:
    with client(make_app(tmp_path, assistant, cors_origins=[PARTNER])) as c:
        r = c.post("/api/search", json=SEARCH, headers={"Origin": PARTNER})
    exposed = r.headers["access-control-expose-headers"].lower()
    assert "ratelimit-remaining" in exposed and "retry-after" in exposed


def test_a_valid_key_has_its_own_budget(tmp_path: Path, assistant: Assistant) -> None:
    app = make_app(tmp_path, assistant, api_keys=[KEY, "other-key"], rate_limit="2/minute")
    with client(app) as c:
        codes = [c.post("/api/search", json=SEARCH, headers={"X-API-Key": KEY}).status_code for _ in range(3)]
        spent = c.post("/api/search", json=SEARCH, headers={"X-API-Key": KEY})
        other = c.post("/api/search", json=SEARCH, headers={"Authorization": "Bearer other-key"})
        c.get("/")  # a page session from the same address counts in the address's budget, not the key's
        session = c.post("/api/search", json=SEARCH)
    assert codes == [200, 200, 429]
    assert spent.json()["detail"].startswith("Too many questions with this API key in the last minute.")
    assert other.status_code == 200 and session.status_code == 200
    stored = repr(app.state.limiter.storage.storage)
    assert "key:" in stored and KEY not in stored  # bucketed by a keyed hash, never the key


def test_wrong_keys_spend_a_budget_then_even_a_right_key_waits(tmp_path: Path, assistant: Assistant) -> None:
    app = make_app(tmp_path, assistant, api_keys=[KEY], key_failure_limit="3/minute")
    with client(app) as c:
        wrong = [c.post("/api/search", json=SEARCH, headers={"X-API-Key": f"guess{i}"}).status_code
                 for i in range(3)]
        right = c.post("/api/search", json=SEARCH, headers={"X-API-Key": KEY})
    with client(app, ("192.0.2.50", 1)) as elsewhere:
        other_address = elsewhere.post("/api/search", json=SEARCH, headers={"X-API-Key": KEY})
    assert wrong == [401, 401, 401]
    assert right.status_code == 429
    detail = right.json()["detail"]
    assert detail.startswith("Too many wrong API keys from this address. Please try again in ")
    assert detail.endswith("seconds; until then no key is accepted from it.")
    assert 55 <= int(right.headers["Retry-After"]) <= 60
    assert other_address.status_code == 200


def test_missing_key_is_not_a_wrong_key(tmp_path: Path, assistant: Assistant) -> None:
    app = make_app(tmp_path, assistant, api_keys=[KEY], key_failure_limit="2/minute")
    with client(app) as c:
        codes = [c.post("/api/search", json=SEARCH).status_code for _ in range(3)]
        right = c.post("/api/search", json=SEARCH, headers={"X-API-Key": KEY})
    assert codes == [401, 401, 401] and right.status_code == 200


# ---- the site's own pages with keys on ------------------------------------------------------------

@pytest.mark.parametrize("page", ["/", "/check", "/trainer", "/documents/wt2023"])
def test_pages_start_a_session_that_stands_in_for_a_key(tmp_path: Path, assistant: Assistant, page: str) -> None:
    app = make_app(tmp_path, assistant, api_keys=[KEY])
    with client(app) as browser:
        r = browser.get(page)
        asked = browser.post("/api/ask", json={"question": "What is early help?"})
        quiz = browser.post("/api/quiz", json={"topic": "early help", "count": 1})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"].lower()
    assert cookie.startswith("wtguide_session=") and "httponly" in cookie and "samesite=lax" in cookie
    assert asked.status_code == 200 and quiz.status_code == 200
    with client(app) as script:
        bare = script.post("/api/ask", json={"question": "What is early help?"})
    assert bare.status_code == 401
    assert bare.json() == {"detail": "an API key is required: send it in the X-API-Key header or as a Bearer token"}


def test_a_forged_session_is_no_session(tmp_path: Path, assistant: Assistant) -> None:
    app = make_app(tmp_path, assistant, api_keys=[KEY])
    with client(app) as c:
        c.cookies.set("wtguide_session", "eyJwYWdlcyI6IHRydWV9.forged.signature")
        assert c.post("/api/search", json=SEARCH).status_code == 401


def test_a_session_from_another_install_is_no_session(tmp_path: Path, assistant: Assistant) -> None:
    ours = make_app(tmp_path / "a", assistant, api_keys=[KEY], secret_key="one")
    theirs = make_app(tmp_path / "b", assistant, api_keys=[KEY], secret_key="two")
    with client(theirs) as c:
        c.get("/")
        stolen = c.cookies["wtguide_session"]
    with client(ours) as c:
        c.cookies.set("wtguide_session", stolen)
        assert c.post("/api/search", json=SEARCH).status_code == 401


def test_keys_off_pages_set_no_cookie(tmp_path: Path, assistant: Assistant) -> None:
    with client(make_app(tmp_path, assistant)) as c:
        assert "set-cookie" not in c.get("/").headers
    assert not (tmp_path / "secret.key").exists()  # no secret is made for nothing


def test_viewer_text_needs_a_key_or_a_session(tmp_path: Path, assistant: Assistant) -> None:
    app = make_app(tmp_path, assistant, api_keys=[KEY])
    with client(app) as script:
        text = script.get("/documents/wt2023/text")
        keyed = script.get("/documents/wt2023/text", headers={"X-API-Key": KEY})
    assert text.status_code == 401
    assert keyed.status_code == 200 and 'id="para-10"' in keyed.text
    with client(app) as browser:
        page = browser.get("/documents/wt2023")
        loaded = browser.get("/documents/wt2023/text")
        missing = browser.get("/documents/wt1999/text")
    assert page.status_code == 200
    assert 'data-src="/documents/wt2023/text"' in page.text and 'id="para-10"' not in page.text
    assert loaded.status_code == 200 and 'id="para-10"' in loaded.text
    assert missing.status_code == 404


def test_viewer_keys_off_is_one_page(tmp_path: Path, assistant: Assistant) -> None:
    with client(make_app(tmp_path, assistant)) as c:
        page = c.get("/documents/wt2023")
    assert 'id="para-10"' in page.text and "data-src" not in page.text


# ---- publishable keys for the widget on a partner's site -------------------------------------------

def partner_app(tmp_path: Path, assistant: Assistant, **overrides: object):  # type: ignore[no-untyped-def]
    return make_app(tmp_path, assistant, api_keys=[KEY], publishable_keys={PARTNER: "pk_partner"},
                    cors_origins=["https://lscp.example.org"], **overrides)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/ask", {"question": "What is early help?"}),
        ("/api/ask/stream", {"question": "What is early help?"}),
        ("/api/search", SEARCH),
        ("/api/feedback", {"rating": "up", "question": "What is early help?"}),
    ],
)
def test_publishable_key_works_from_its_origin(tmp_path: Path, assistant: Assistant, path: str, body: dict) -> None:
    with client(partner_app(tmp_path, assistant)) as c:
        r = c.post(path, json=body, headers={"Origin": PARTNER, "X-Publishable-Key": "pk_partner"})
    assert r.status_code in (200, 201)
    assert r.headers["access-control-allow-origin"] == PARTNER  # its origin is let through CORS too


@pytest.mark.parametrize(
    ("origin", "key"),
    [("https://elsewhere.example", "pk_partner"), (None, "pk_partner"), (PARTNER, "pk_other")],
)
def test_publishable_key_refused_from_another_origin(tmp_path: Path, assistant: Assistant,
                                                     origin: str | None, key: str) -> None:
    headers = {"X-Publishable-Key": key} | ({"Origin": origin} if origin else {})
    with client(partner_app(tmp_path, assistant)) as c:
        r = c.post("/api/search", json=SEARCH, headers=headers)
    assert r.status_code == 401
    assert r.json() == {"detail": "that publishable key is not valid from this origin"}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("GET", "/api/documents", None), ("POST", "/api/quiz", {"topic": "early help"}),
     ("POST", "/api/check", {"text": "See paragraph 10 of Working Together 2023."}),
     ("GET", "/documents/wt2023/text", None)],
)
def test_publishable_key_opens_no_other_route(tmp_path: Path, assistant: Assistant, method: str, path: str,
                                              body: dict | None) -> None:
    with client(partner_app(tmp_path, assistant)) as c:
        r = c.request(method, path, json=body, headers={"Origin": PARTNER, "X-Publishable-Key": "pk_partner"})
    assert r.status_code == 403
    assert r.json() == {"detail": "a publishable key may only ask, search and send feedback: "
                                  "this route needs an API key"}


def test_wrong_publishable_keys_spend_the_failure_budget(tmp_path: Path, assistant: Assistant) -> None:
    with client(partner_app(tmp_path, assistant, key_failure_limit="1/minute")) as c:
        first = c.post("/api/search", json=SEARCH, headers={"Origin": PARTNER, "X-Publishable-Key": "pk_guess"})
        then = c.post("/api/search", json=SEARCH, headers={"Origin": PARTNER, "X-Publishable-Key": "pk_partner"})
    assert (first.status_code, then.status_code) == (401, 429)
