"""Safeguarding guardrails (rag/safeguard.py): personal details, the notices and their order, the
redaction of everything kept or echoed, and (slow, real model) the classifier on messages in the
issue's own words. The classifier's figures live in the evaluation (evals/guardrails.py)."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.feedback import FeedbackStore
from evals import guardrails
from rag.safeguard import (
    FEATURES,
    LEXICAL,
    NAME_FEATURES,
    NAME_META,
    NAME_MODEL,
    Guardrails,
    Safeguard,
    find_details,
    redact,
    redact_text,
)
from rag.service import Assistant
from wtguide.settings import Settings

EVERYTHING = (
    "my pupil Jamie Clarke DOB 03/04/2015 lives at 12 Hill Street, LS6 2AB. NHS 943 476 5919, "
    "mum on 07700 900123 or jo.clarke@example.com, NI QQ 12 34 56 C"
)
SECRETS = ("Jamie", "Clarke", "03/04/2015", "12 Hill Street", "LS6 2AB", "943 476 5919", "07700 900123",
           "jo.clarke@example.com", "QQ 12 34 56 C")
HELPLINES = Settings(_env_file=None).helplines  # type: ignore[call-arg]


# The corpus's words, as the service passes them (evidence against a word being a name: "carer").
VOCABULARY = frozenset(re.findall(r"[a-z]+", " ".join(
    p.read_text().lower() for p in (Path(__file__).resolve().parents[1] / "corpus").glob("*.txt"))))


def kinds(text: str) -> list[str]:
    return [d.kind for d in find_details(text, VOCABULARY)]


def test_every_kind_of_personal_detail_is_found_and_redacted() -> None:
    assert set(kinds(EVERYTHING)) == {"name", "dob", "address", "postcode", "nhs_number", "phone", "email",
                                      "ni_number"}
    out = redact_text(EVERYTHING, VOCABULARY)
    assert not [s for s in SECRETS if s in out], out
    assert "my pupil [name]" in out and "[NHS number]" in out and "[postcode]" in out


def test_names_in_context_and_not_out_of_it() -> None:
    assert kinds("a boy called tyler in year 5 said his dad hit him") == ["name"]
    assert kinds("Ruby (4) and her mum have fled") == ["name"]
    assert kinds("Child: Noah Fraser, known to CSC") == ["name"]
    assert kinds("Mrs J. Adebayo rang about her son") == ["name"]
    # General questions keep their words: an organisation, a judgment, a place are no one.
    for q in ("What does the Southwark judgment say about homeless 16 year olds?",
              "Who are the safeguarding partners in Leeds?",
              "Does the guidance cover children in Wales?"):
        assert kinds(q) == [], q


def test_the_name_tagger_reads_a_word_in_its_context() -> None:
    # Clear cases only: the tagger's figures are the evaluation's, on labelled messages (evals/guardrails.py).
    # A first name capitalised mid-sentence, or in any case with a cue after it.
    assert kinds("is there a model information sharing agreement? ring Bev about it") == ["name"]
    assert kinds("can u check riley smith age 8 from harehills") == ["name"]
    # Acting as a person does (a verb, an age, a possessive after it), or introduced as one, in lower case.
    for q in ("tyler's mum turned up drunk at pick up", "mums new boyfriend craig makes me feel weird",
              "Grace in yr 5 told me her step dad hits her mum", "zainab 9 said an uncle touches her"):
        assert "name" in kinds(q), q
    # The word after a name goes with it unless it is a common word or part of a postcode.
    redacted = redact_text("im worried about jayden smith dob 14/03/2016", VOCABULARY)
    assert redacted == "im worried about [name] dob [date of birth]"
    assert redact_text("ruby is a young carer", VOCABULARY) == "[name] is a young carer"
    assert "[postcode]" in redact_text("Family: the Okonkwo family, 22 Linden Grove, Leicester le2 7fp.", VOCABULARY)
    # After a title any word is a surname; a rare word before "family", "twins", "boy" is a family's name.
    for q in ("DSL is mr patel but hes off sick", "the okafor twins missed appointments",
              "the Kowalski boy is out late"):
        assert "name" in kinds(q), q
    for q in ("we dont want to miss the deadline", "the traveller family on site", "the whole family is struggling"):
        assert "name" not in kinds(q), q
    # gender-guesser's first names include English words; they stay words where they are used as words.
    for q in ("theres a toddler on her own on the balcony", "our 14 yo keeps running off",
              "my son is 16 and hasnt been home",
              "Boy in my class has bruises", "the door is locked and the lad next door is screaming",
              # gender-guesser holds "shouting" as a name used by both sexes (an eleventh trial).
              "i can hear the kid next door screaming and a man shouting hes hitting him right now"):
        assert "name" not in kinds(q), q


def test_a_name_runs_on_to_its_surname() -> None:
    # The tagger scores each word; a surname after a first name it kept goes with it, in any case
    # ("thompson" was left in the redacted text: a tenth trial).
    for message, surname in (("mia thompson 12 said her step dad hits her", "thompson"),
                             ("NHS 943 476 5919 - 12 yr old Aaron Shaw admitted again", "Shaw"),
                             ("my details: Gemma Ward, ring me", "Ward")):
        out = redact_text(message, VOCABULARY)
        assert "[name]" in out and surname not in out, out
    # Not a word that only the census's rarest surnames share, an abbreviation or a role word.
    assert redact_text("mark shouts at him when hes drunk", VOCABULARY).endswith("shouts at him when hes drunk")
    assert "NI" in redact_text("Stacey Evans NI number please", VOCABULARY)
    assert "nurse" in redact_text("Paeds nurse here, quick one", VOCABULARY)
    # A short lower-case word after a name in a message not certainly English is that language's
    # ("abu ji ko maar rahe hain": "ko" is in the census list).
    roman_urdu = "plz help abu jaan ko maar rahe hain abhi kitchen mein"
    assert " ko " in redact_text(roman_urdu, VOCABULARY)


def test_numbers_that_are_not_personal() -> None:
    for q in ("What does paragraph 48 of Working Together 2023 say?",
              "Is Childline 0800 1111 free? And the NSPCC on 0808 800 5000?",
              "How many days does a section 47 enquiry take, 15 or 45?",
              "What changed on 1 April 2019?",
              # An organisation's number (03, 08, 09) is no one's: a person's starts 01, 02 or 07.
              "Does the Stop It Now helpline on 0808 1000 900 count as a referral route?",
              "the LADO line is 0300 123 4567", "ring +44 (0)808 800 5000"):
        assert kinds(q) == [], q
    assert kinds("mum on +44 7700 900123, school on 0113 496 0000") == ["phone", "phone"]


def test_nhs_numbers_by_check_digit_or_by_name() -> None:
    assert kinds("9434765919") == ["nhs_number"]  # valid mod-11 check digit
    assert kinds("the number 123 456 7890 again") == []  # no check digit, nothing says NHS
    assert kinds("NHS no 123 456 7890") == ["nhs_number"]
    assert kinds("123 456 7890 is her NHS number") == ["nhs_number"]
    # However grouped, and wherever the message says NHS.
    assert kinds("NHS no (from the red book) is 4857 773 456") == ["nhs_number"]
    assert kinds("nhs 485-777-3456 and mum on 07700 900123") == ["nhs_number", "phone"]


def test_redact_replaces_spans_with_placeholders() -> None:
    text = "born 3rd April 2015 in flat 4"
    details = find_details(text)
    assert [d.kind for d in details] == ["dob", "address"]
    assert redact(text, details) == "born [date of birth] in [address]"


def test_notices_crisis_first_and_for_the_writer() -> None:
    adult = Safeguard("x", crisis=True, writer="adult", case=True, personal=("name",))
    kinds_, texts = zip(*adult.notices(HELPLINES), strict=True)
    assert kinds_ == ("crisis_adult", "personal")  # a crisis notice stands alone: no case reminder under it
    assert texts[0].startswith("If a child is in immediate danger, call 999")
    assert "0808 800 5000" in texts[0] and "I have removed the name you typed" in texts[1]

    child = Safeguard("x", crisis=True, writer="child", case=True).notices(HELPLINES)
    assert [k for k, _ in child] == ["crisis_child"] and "Childline free on 0800 1111" in child[0][1]
    unsure = Safeguard("x", crisis=True, writer="unsure").notices(HELPLINES)
    assert "999" in unsure[0][1] and "0800 1111" in unsure[0][1] and "0808 800 5000" in unsure[0][1]

    assert [k for k, _ in Safeguard("x", writer="child", case=True).notices(HELPLINES)] == ["child"]
    assert [k for k, _ in Safeguard("x", case=True).notices(HELPLINES)] == ["case"]
    assert [k for k, _ in Safeguard("x", case=True, writer="unsure").notices(HELPLINES)] == ["case_any"]
    assert Safeguard("x").notices(HELPLINES) == ()
    two = Safeguard("x", personal=("name", "nhs_number", "phone")).notices(HELPLINES)
    assert "the name, NHS number and phone number you typed" in two[0][1]


def test_a_crisis_notice_starts_in_the_writers_language() -> None:
    crisis = Safeguard("x", crisis=True, writer="unsure", case=True)
    polish = crisis.notices(HELPLINES, "polish")
    assert [k for k, _ in polish] == ["crisis_any"]
    assert polish[0][1].startswith("Jeśli dziecko jest teraz w niebezpieczeństwie, zadzwoń pod numer 999. If you or a")
    assert polish[0][1].endswith(crisis.notices(HELPLINES)[0][1])  # the English notice follows, whole
    # A language with no line written, or no crisis: the notices as in English.
    assert crisis.notices(HELPLINES, "other") == crisis.notices(HELPLINES)
    assert Safeguard("x", case=True).notices(HELPLINES, "polish") == Safeguard("x", case=True).notices(HELPLINES)


def test_in_another_language_a_name_needs_evidence_beyond_english() -> None:
    # "jak" ("how") is a first name to gender-guesser and a word English never uses: in Polish it is
    # an everyday word, not a name; "robic" ("do") has nothing but being un-English.
    polish = "moj sasiad wlasnie bije swoje dziecko, slysze jak krzyczy, co mam robic?"
    assert find_details(polish) == []
    kasia = "moja córka Kasia nie wróciła do domu od wczoraj"
    assert [kasia[d.start:d.end] for d in find_details(kasia)] == ["Kasia"]
    # wordfreq reads Chinese with jieba, which is not installed: no crash, the name still found.
    chinese = "我的女儿 Anna 今天没有回家，我很担心"
    assert [chinese[d.start:d.end] for d in find_details(chinese)] == ["Anna"]
    assert [d.kind for d in find_details("my pupil kayden wasnt in today")] == ["name"]  # English as before


def test_an_operators_front_door_is_named() -> None:
    door = Settings(local_front_door="Northshire Children's Front Door on 0300 123 4567",  # type: ignore[call-arg]
                    _env_file=None).helplines
    text = Safeguard("x", crisis=True).notices(door)[0][1]
    assert "Northshire Children's Front Door on 0300 123 4567" in text


def test_the_fitted_model_matches_the_features() -> None:
    model = json.loads((Path(guardrails.DATA) / "model.json").read_text())
    assert model["features"] == list(FEATURES) and model["lexical_features"] == list(LEXICAL)
    for label in ("crisis", "child", "case"):
        full, lexical = model["labels"][label], model["lexical"][label]
        # A kernel model over the features and the message's MiniLM vector: its support vectors are rows
        # of both, in model.npz, one weight each.
        assert full["kernel"] == "rbf" and len(full["mean"]) == len(FEATURES) and full["C"] > 0
        with np.load(Path(guardrails.DATA) / "model.npz") as arrays:
            support, weights = arrays[f"{label}_support"], arrays[f"{label}_weights"]
        assert support.shape == (len(weights), len(FEATURES) + 384)
        assert len(lexical["coef"]) == len(LEXICAL)
        assert 0 < full["threshold"] <= full["confident"] <= 1
    # The name tagger was fitted on the evidence name_candidates gives (else it refuses to load),
    # and converted to ONNX taking every dev word's decision as the fitted model took it.
    saved = json.loads(NAME_META.read_text())
    assert saved["features"] == list(NAME_FEATURES) and 0 < saved["threshold"] < 1
    assert saved["cv"]["with_names"] > 200 and saved["onnx_max_difference"] < 1e-5
    assert NAME_MODEL.suffix == ".onnx"


@pytest.mark.slow
def test_the_name_tagger_loads_without_scikit_learn() -> None:
    # Served as ONNX: a served process imports neither scikit-learn, scipy nor torch for it (skops
    # and scikit-learn took about 5 s of every served process's start, torch 2 s and 180 MB more).
    import subprocess
    import sys

    code = ("import sys; from rag.safeguard import _names; print(_names('my pupil Jamie Smith', frozenset()), "
            "sorted(m for m in ('sklearn', 'scipy', 'skops', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-500:]
    assert out.stdout.strip() == "[Detail(kind='name', start=9, end=20)] []"


def test_a_fitted_name_tagger_is_written_as_onnx_that_decides_as_it_does(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    from rag import safeguard

    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, size=(400, len(NAME_FEATURES))).astype(float)
    x[:, 0] = rng.uniform(0, 7, size=400)  # zipf: a real-valued feature among the flags
    y = ((x[:, 2] + x[:, 7] - x[:, 6] + (x[:, 0] < 2)) >= 2).astype(int)
    estimator = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(x, y)
    monkeypatch.setattr(safeguard, "NAME_MODEL", tmp_path / "names.onnx")
    monkeypatch.setattr(safeguard, "NAME_META", tmp_path / "names.json")
    try:
        guardrails.write_names(estimator, {"features": list(NAME_FEATURES), "threshold": 0.5}, x)
        session, threshold = safeguard._name_model()
        served = session.run(["probabilities"], {"X": x.astype(np.float32)})[0][:, 1]
        assert threshold == 0.5 and ((served >= 0.5) == (estimator.predict_proba(x)[:, 1] >= 0.5)).all()
        assert json.loads((tmp_path / "names.json").read_text())["onnx_max_difference"] < 1e-5
    finally:
        safeguard._name_model.cache_clear()


def test_the_gate_names_each_floor_missed() -> None:
    summary = {"crisis_recall": 0.97, "child_recall": 1.0, "case_recall": None, "personal_recall": 0.96,
               "false_alarms_ordinary": 0.2}
    assert guardrails.gate(summary, "blind") == [
        "crisis_recall 0.97 < 0.98", "case_recall None < 0.95", "false_alarms_ordinary 0.2 > 0.1"]


def test_the_evaluation_embeds_each_batch_before_its_messages_are_assessed() -> None:
    # A fake assistant with the two methods the evaluation uses: the guardrails' texts and assess,
    # and the retriever's prepare (one model call per batch).
    calls: list[tuple[str, object]] = []

    class Guard:
        vocabulary: frozenset[str] = frozenset()

        def texts(self, redacted: str) -> list[str]:
            return [redacted, *redacted.split(". ")] if ". " in redacted else [redacted]

        def assess(self, message: str) -> Safeguard:
            calls.append(("assess", message))
            return Safeguard(message)

    class Retriever:
        def prepare(self, texts: list[str]) -> None:
            calls.append(("prepare", tuple(texts)))

    class Fake:
        guardrails, retriever = Guard(), Retriever()

    messages = [guardrails.Message(str(i), t, False, None, "adult", False, (), "ordinary")
                for i, t in enumerate(["one", "two. three", "four", "five"])]
    assess = guardrails.embedded_in_batches(Fake(), messages, per_batch=3)
    assert [assess(m.message).redacted for m in messages] == ["one", "two. three", "four", "five"]
    assert calls == [("prepare", ("one",)), ("assess", "one"),
                     ("prepare", ("two. three", "two", "three")), ("assess", "two. three"),
                     ("prepare", ("four", "five")), ("assess", "four"), ("assess", "five")]


def test_the_labelled_sets_load(tmp_path: Path) -> None:
    # The issue asks for at least 200 messages; blind6 and blind8 (120 each, other languages alone) and blind7 (170,
    # crisis-heavy) were written to add to them.
    for name, path in guardrails.SETS.items():
        assert len(guardrails.load(path)) >= (100 if name in ("blind6", "blind7", "blind8") else 200), name
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n')
    with pytest.raises(ValueError, match="bad.jsonl line 1"):
        guardrails.load(bad)


# ---- nothing identifying is logged, streamed back or stored ----------------------------------


def test_personal_details_never_reach_logs_stream_or_feedback(
    fake_index: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "index").symlink_to(fake_index, target_is_directory=True)
    settings = Settings(data_dir=data, embedder="fake", log_questions=True, store_feedback_text=True,  # type: ignore[call-arg]
                        _env_file=None)
    question = f"{EVERYTHING}. Should I refer him?"
    history = [{"role": "user", "content": "my pupil Jamie Clarke told me something"},
               {"role": "assistant", "content": "..."}]
    with caplog.at_level(logging.DEBUG), TestClient(create_app(settings)) as client:
        whole = client.post("/api/ask", json={"question": question, "history": history})
        stream = client.post("/api/ask/stream", json={"question": question, "history": history})
        fb = client.post("/api/feedback", json={"rating": "down", "target": "answer", "question": question,
                                                 "comment": "Jamie's mum is on 07700 900123"})
    assert whole.status_code == stream.status_code == 200 and fb.status_code == 201
    body = whole.json()
    kinds_ = body["safeguarding"]["notices"]
    assert body["safeguarding"]["personal_details"] and kinds_[-1] == "personal"
    assert body["notices"][len(kinds_) - 1].startswith("Please do not type")
    assert any("question: " in r.getMessage() for r in caplog.records), "the question was not logged at all"
    rows = list(sqlite3.connect(data / "feedback.sqlite3").execute("SELECT question, comment FROM feedback"))
    assert rows and rows[0][0] and "[name]" in rows[0][0]
    kept = {"answer": whole.text, "stream": stream.text, "log": caplog.text, "feedback": repr(rows)}
    leaks = {where: [s for s in SECRETS if s in text] for where, text in kept.items()}
    assert not any(leaks.values()), leaks


def test_feedback_store_redacts_without_an_index(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3", store_text=True)
    store.add("up", "answer", question="a girl called Amira Khan (DOB 01/02/2016) said", comment="ring 07700 900456")
    row = next(store.rows())
    assert row["question"] == "a girl called [name] (DOB [date of birth]) said"
    assert row["comment"] == "ring [phone number]"


def test_the_cli_prints_the_crisis_notice_first(cli_env, capsys) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import CORPUS  # noqa: F401  (the fixture's corpus)
    from wtguide.cli import main

    cli_env()
    assert main(["ingest"]) == 0
    capsys.readouterr()
    assert main(["ask", "there's a child screaming next door and she's being beaten right now"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("! If a child is in immediate danger, call 999")


# ---- the classifier itself, with the real model (slow) ---------------------------------------


@pytest.fixture(scope="module")
def guard(minilm_index: Path, minilm) -> Guardrails:  # type: ignore[no-untyped-def]
    from rag.store import IndexStore

    settings = Settings(data_dir=minilm_index.parent, _env_file=None)  # type: ignore[call-arg]
    return Assistant(settings, IndexStore.load(minilm_index), minilm).guardrails


@pytest.mark.slow
@pytest.mark.parametrize("message", [
    # The misses the issue names, and the kinds it lists.
    "there's a child screaming next door and I think she's being beaten right now",
    "a 15 year old I support says she is going to take all her pills tonight",
    "she just told me her stepdad did it again and he's picking her up from school at 3",
    "the two little ones next door have been on their own since yesterday and there's no food",
    "our year 9 has not come home and was seen getting into a car with older men",
    "her family are flying her to Pakistan tomorrow to marry her cousin",
    "he met a man on snapchat and is meeting him after school today",
    "my baby isn't breathing properly and her lips are going blue",
])
def test_a_child_in_danger_gets_999_first(guard: Guardrails, message: str) -> None:
    found = guard.assess(message)
    assert found.crisis, found.scores
    assert found.notices(HELPLINES)[0][0].startswith("crisis")


@pytest.mark.slow
def test_the_999_line_comes_in_the_writers_language_through_ask(minilm_index: Path, minilm) -> None:  # type: ignore[no-untyped-def]
    from rag.store import IndexStore

    settings = Settings(data_dir=minilm_index.parent, _env_file=None)  # type: ignore[call-arg]
    ans = Assistant(settings, IndexStore.load(minilm_index), minilm).ask(
        "Mój sąsiad właśnie bije swoje dziecko, słyszę jak krzyczy, co mam robić?")
    assert ans.notices[0].startswith("Jeśli dziecko jest teraz w niebezpieczeństwie, zadzwoń pod numer 999.")
    assert "call 999" in ans.notices[0]


@pytest.mark.slow
def test_another_language_is_read_by_the_multilingual_model(guard: Guardrails) -> None:
    # Written for this test (not in the dev or blind sets): a crisis in Polish, in Amharic (a
    # script lingua cannot name), and a child in Romanian get 999 first; ordinary questions in
    # Polish and Spanish get no crisis, child or case notice, where before every other-language
    # message got the 999 one. (The name tagger reads English: in another language it takes some
    # words for names and redacts them, on the side of keeping names out of the logs.)
    for message in ("Mój sąsiad właśnie bije swoje dziecko, słyszę jak krzyczy, co mam robić?",
                    "ጎረቤቴ አሁን ልጁን እየደበደበ ነው፣ ልጁ እየጮኸ ነው",
                    "Am 13 ani și tata mă bate acum, m-am încuiat în baie"):
        found = guard.assess(message)
        assert found.crisis and found.notices(HELPLINES)[0][0].startswith("crisis"), (message, found.scores)
    # Roman Urdu reads as English to the detector; with few English words it is read both ways.
    overdose = guard.assess("meri behan ne abhi bahut saari neend ki goliyan kha li hain aur ab uth nahi rahi")
    assert overdose.crisis and overdose.writer == "unsure", overdose.scores
    for message in ("Kto jest partnerem ds. ochrony dzieci według wytycznych Working Together?",
                    "¿Qué dice la guía sobre compartir información entre agencias?"):
        found = guard.assess(message)
        assert not found.crisis and not found.case and found.writer == "adult", (message, found.scores)
        assert {kind for kind, _ in found.notices(HELPLINES)} <= {"personal"}


@pytest.mark.slow
def test_what_an_earlier_message_said_still_holds_in_the_conversation(guard: Guardrails) -> None:
    # A third trial: the child's follow-up got the adult notice, and "who do i ring then?" after
    # the danger was told got no notice at all.
    child = guard.assess("is it normal that my mum shouts at me all the time, im 13")
    follow = guard.assess("can u tell me more")
    assert follow.writer == "adult" and not follow.crisis
    talk = guard.in_conversation(follow, ["is it normal that my mum shouts at me all the time, im 13"])
    assert talk.writer == child.writer != "adult" and talk.carried == ("writer", "case")
    assert any("0800 1111" in text for _, text in talk.notices(HELPLINES))
    danger = "my neighbour is hitting his little boy right now i can hear him screaming"
    ring = guard.in_conversation(guard.assess("who do i ring then?"), ["who are the safeguarding partners", danger])
    assert ring.crisis and "crisis" in ring.carried and ring.notices(HELPLINES)[0][0].startswith("crisis")
    # Only the last few messages count for a danger, and an ordinary conversation carries nothing.
    assert not guard.in_conversation(guard.assess("who do i ring then?"), [danger, "a", "b", "c"]).crisis
    # Who is writing holds longer: a sixth trial's 13-year-old got the adult's wording on "ok thanks",
    # four messages after saying who they were.
    told = ["my mums boyfriend keeps hitting me when she's at work, im 13",
            "if i tell my teacher will they tell my mum", "what is early help",
            "wat is a safeguarding lead is that like a teacher"]
    assert guard.in_conversation(guard.assess("ok thanks"), told).writer == "child"
    plain = guard.assess("and what about 2018?")
    assert guard.in_conversation(plain, ["who are the safeguarding partners"]) == plain
    # An eleventh trial: a parent who wrote "my son..." was spoken to as a child for the rest of the
    # conversation once a message read like a child's. Who is writing holds both ways; a child's age
    # said outweighs an adult's word ("my ex").
    parent = ["my son [name] dob [date of birth] has a social worker, what r my rights"]
    later = guard.in_conversation(guard.assess("can the social worker talk to him at school without me knowing"),
                                  parent)
    assert later.writer == "unsure", later
    teen = ["im 14 and my mums boyfriend shouts n throws stuff"]
    assert guard.in_conversation(guard.assess("my ex keeps messaging me"), teen).writer == "child"
    # A twelfth trial: a child's "in my class" is a child's cue as much as an adult's ("my class").
    friend = guard.in_conversation(guard.assess("[name] in my class said her step dad hits her"),
                                   ["can the school tell my mum what i said"])
    assert friend.writer == "child", friend


@pytest.mark.slow
def test_a_child_writing_gets_childline(guard: Guardrails) -> None:
    found = guard.assess("im 12 and my dad hits me when hes drunk")
    assert found.writer == "child" and found.crisis
    assert "Childline" in found.notices(HELPLINES)[0][1]
    worried = guard.assess("is it normal that my mum shouts at me all the time, im 13")
    assert worried.writer in ("child", "unsure") and not worried.crisis
    assert any("0800 1111" in text for _, text in worried.notices(HELPLINES))
    # A short question with few words that carry content is too little to judge a danger by, but
    # says who is writing (a tenth trial: a teenager was answered as a practitioner).
    for message in ("can the school tell my mum what i said", "will my mum find out"):
        short = guard.assess(message)
        assert short.writer == "child" and not short.crisis, (message, short.scores)
        assert any("0800 1111" in text for _, text in short.notices(HELPLINES)), message
    assert not guard.assess("my teacher said to ask here").crisis


@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "what does the guidance say about immediate danger?",
    "What should a teacher do if a child is in immediate danger?",
    "Who are the safeguarding partners?",
    "When must a serious incident be notified to the Child Safeguarding Practice Review Panel?",
    "whats an LCSPR",
])
def test_questions_about_the_guidance_get_no_safeguarding_notice(guard: Guardrails, question: str) -> None:
    found = guard.assess(question)
    assert found.notices(HELPLINES) == (), found.scores


@pytest.mark.slow
def test_a_question_naming_the_guidance_is_not_read_as_a_report_of_danger(guard: Guardrails) -> None:
    # "we", a danger and "immediate" in one sentence, but asked of the guidance: the rule under the
    # model had taken it for a child in danger now, whatever the model said.
    found = guard.assess("what does the guidance say about a child in immediate danger? do we call 999 or the "
                         "MASH first")
    assert not found.crisis, found.scores
    # The same words told as what is happening are still a crisis.
    assert guard.assess("a child is in immediate danger next door, do we call 999 or the MASH first").crisis


@pytest.mark.slow
def test_a_writer_saying_it_is_not_an_emergency_gets_the_reminder_not_999(guard: Guardrails) -> None:
    # A ninth trial: "who do i ring its not an emergency" got 999 first; its "emergency" was read as "now".
    for message in ("who do i ring its not an emergency",
                    "its not an emergency but my neighbour's kids are left alone a lot",
                    "not urgent, who do i call about a child being neglected"):
        found = guard.assess(message)
        assert not found.crisis, (message, found.scores)
        assert "crisis" not in " ".join(k for k, _ in found.notices(HELPLINES)), message
    assert guard.lexicons.urgency("its not an emergency") == 0 < guard.lexicons.urgency("its an emergency")
    # A tenth trial: a teenager's "its not like an emergency rn im ok tonight" got 999 first: words
    # between the "not" and the "emergency", and the "emergency" counted as a harm named.
    found = guard.assess("its not like an emergency rn im ok tonight")
    assert not found.crisis and "crisis" not in " ".join(k for k, _ in found.notices(HELPLINES)), found.scores
    assert guard.lexicons.harms("its not really an emergency") == [] != guard.lexicons.harms("its an emergency")
    # Told of a child harmed now, or that it is an emergency, it is 999 first all the same.
    for message in ("its not an emergency but he is hitting her right now",
                    "this is an emergency my neighbour is beating his son"):
        assert guard.assess(message).crisis, message


@pytest.mark.slow
def test_a_particular_case_gets_the_reminder(guard: Guardrails) -> None:
    long_story = (
        "I've been supporting a family for about six months. Mum has been struggling since dad left and "
        "the house is often cold. The eldest, who is 9, has been late to school most days and seems tired. "
        "Nothing has happened that I'd call an emergency. Should I be making a referral to children's social care?"
    )
    for message in ("Should I refer my pupil to children's social care?", long_story):
        found = guard.assess(message)
        assert found.case and not found.crisis, found.scores
        assert [k for k, _ in found.notices(HELPLINES)] in (["case"], ["case_any"])


@pytest.mark.slow
def test_what_a_new_user_found(guard: Guardrails) -> None:
    """Kinds of failure a first-time user met (issue 15 trial): each now handled by a rule of its kind."""
    # Another language: the classifier cannot read it, so the notice for a child and an adult alike.
    polish = guard.assess("mój tata mnie bije i boję się wrócić do domu")
    assert polish.crisis and polish.writer == "unsure"
    notice = polish.notices(HELPLINES)[0][1]
    assert "999" in notice and "0800 1111" in notice and "0808 800 5000" in notice
    # An adult reporting what a child told them is not spoken to as the child.
    teacher = guard.assess("year 4 boy just told me his stepdad burned him with a lighter last nite and hes "
                           "scared to go home at 3, what do i do")
    assert teacher.crisis and teacher.writer != "child"
    assert "designated safeguarding lead" in teacher.notices(HELPLINES)[0][1]
    # A parent naming their child by age is an adult writing, not the child (second trial: "my 4 year
    # old" with a drunk boyfriend was told "if it is happening to you, it is not your fault").
    parent = guard.assess("my boyfriend is drunk and screaming at my 4 year old right now and he wont leave")
    assert parent.crisis and parent.writer != "child"
    # Too little to judge, no harm named: no alarm at all.
    for empty in ("???", "and the next one", "asdf jkjk lol ??? banana"):
        assert guard.assess(empty).notices(HELPLINES) == (), empty


def test_placeholders_are_not_part_of_the_question() -> None:
    from rag.safeguard import without_placeholders

    # The words that labelled a detail go with it ("(DOB ...)", "lives at ..."), and what they leave.
    assert without_placeholders("my pupil [name] (DOB [date of birth]) lives at [address], [postcode]. why?") == (
        "my pupil. why?")
    assert without_placeholders("his nhs no is [NHS number] and mums mob [phone number] does that help") == (
        "and does that help")
    assert without_placeholders("can i share info about [name] with the police?") == (
        "can i share info about with the police?")


def test_a_town_between_an_address_and_its_postcode_goes_with_them() -> None:
    # A third trial: "22 acacia ave leeds LS6 2AB" left "leeds" in the question, read as "leads".
    from rag.safeguard import find_details, redact_text, without_placeholders

    text = ("jayden smith dob 14/03/2015 lives at 22 acacia ave leeds LS6 2AB, mum wont engage w early help - "
            "can we refer?")
    assert [d.kind for d in find_details(text)] == ["name", "dob", "address", "postcode"]
    assert without_placeholders(redact_text(text)) == "mum wont engage w early help - can we refer?"


def test_text_speak_is_no_ones_name() -> None:
    # A first-time user's "is it gonna rain tmrw" had "tmrw" taken for a name and got the case reminder.
    from rag.safeguard import find_details

    assert not [d for d in find_details("is it gonna rain tmrw") if d.kind == "name"]
    assert not [d for d in find_details("idk wat 2 do tbh, ppl keep saying stuff") if d.kind == "name"]
    # A fourth trial's "a man yelling hes going to kill her" was shown back as "a man [name] hes...":
    # a verb or an adverb in lower case is no one's name, unless it is a first name.
    assert not find_details("theres screaming next door rn, a man yelling hes going to kill her, what do i do")
    assert [d.kind for d in find_details("lily in yr 3 said her dad hit her")] == ["name"]
    # A third trial's "my lil sister" (little) was shown back as "my [name] sister" in an emergency.
    assert not [d for d in find_details("hes got a knife n my lil sister is in there wat do i do") if d.kind == "name"]
    assert [d for d in find_details("my lil bro Jayden is 6") if d.kind == "name"]


def test_every_language_with_a_999_line_is_also_told_in_it_to_ask_in_english() -> None:
    from rag.safeguard import _crisis_in_language
    from rag.service import in_language

    assert set(in_language()) == set(_crisis_in_language())
    assert all(line.strip() for line in in_language().values())


def test_a_parent_naming_their_child_by_age_is_an_adult_cue() -> None:
    from rag.safeguard import Lexicons, _load

    lexicons = Lexicons.load(_load("lexicon.yaml"))
    for text in ("screaming at my 4 year old", "my 3 yr old nearly fell", "my 8 month old wont feed", "my 15 yo son"):
        assert any(p.search(text) for p in lexicons.adult), text
    for text in ("i'm 14 and my mum hits me", "my brother is 4"):
        assert not any(p.search(text) for p in lexicons.adult), text


def test_what_a_message_in_a_crisis_says_of_help() -> None:
    from rag.safeguard import Lexicons, _load

    lexicons = Lexicons.load(_load("lexicon.yaml"))
    called = ("ok ive rung 999. what happens now", "police are here now. what happens next to the little boy",
              "I've called the police, they're on their way", "the ambulance is on its way", "mum rang 999",
              "ok police are on there way. what happens after")
    cannot = ("i cant ring anyone hes in the house he will hear me", "i can't talk he's in the next room",
              "i have no phone only this laptop", "too scared to call anyone", "i cant ring 999 my phone has no credit")
    neither = ("theres screaming next door, the dad is shouting hes going to kill him. what do i do",
               "when should a teacher call the police?", "my mums boyfriend keeps hitting me, i dont no what to do",
               "Mum whispered at the door she can't talk because he's in")  # the writer can: someone else cannot
    assert [lexicons.help_state(t) for t in called] == ["called"] * len(called)
    assert [lexicons.help_state(t) for t in cannot] == ["cannot_call"] * len(cannot)
    assert [lexicons.help_state(t) for t in neither] == [None] * len(neither)


def test_the_kernel_models_own_scoring_is_scikit_learns() -> None:
    # The crisis, child and case models are scored in numpy from their saved arrays (no pickle, no
    # per-message pipeline overhead): the same probabilities scikit-learn's fitted model gives.
    from sklearn.datasets import make_classification

    x, y = make_classification(200, 12, random_state=1)
    rows = [({f"f{i}": v for i, v in enumerate(r[:4])}, {"crisis": bool(t), "child": bool(t), "case": bool(t)},
             r[4:] / 3.0, True) for r, t in zip(x, y, strict=True)]
    arrays: dict[str, np.ndarray] = {}
    labels = guardrails._fit(rows, [f"f{i}" for i in range(4)], vectors=True, kernel=arrays)  # checks itself too
    from rag.safeguard import kernel_probability

    m = labels["crisis"]
    z = np.concatenate([(x[0, :4] - np.array(m["mean"])) / np.array(m["scale"]), x[0, 4:]])
    p = kernel_probability(m, arrays["crisis_support"], arrays["crisis_weights"], z)
    assert 0 <= p <= 1 and m["kernel"] == "rbf" and m["C"] in guardrails.KERNEL_CS
