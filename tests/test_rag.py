"""Answers: explicit references, abstention, verified citations, notices (fake embedder, real corpus)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from ingest.glossary import spell_out
from rag.answer import defines, definiendum, subject_of
from rag.query import typo_fixes
from rag.safeguard import _notice_texts as notice_texts
from rag.service import Assistant, messages
from rag.store import IndexStore
from rag.understand import WRITING_TASK
from rag.verify import normalise
from wtguide.settings import Settings


@pytest.fixture(scope="module")
def assistant(fake_index: Path) -> Assistant:
    return Assistant.from_settings(Settings(data_dir=fake_index.parent, embedder="fake"))


# What the answer says before a quotation, not itself quoted: what a myth-buster's reply answers,
# or that commentary or a local procedure follows (rag/compose.py).
LABEL = re.compile(
    r"^(?:On “[^”]+”:|The .+? \(commentary\) says:|Local procedure, not national guidance — .+? says:)\s*"
)


def sentences(answer: str) -> list[tuple[str, int]]:
    """(quoted sentence, citation number) pairs, framing labels taken off."""
    return [(LABEL.sub("", s.strip()), int(n)) for s, n in re.findall(r"(.+?)\s*\[(\d+)\]", answer)]


def test_paragraph_lookup_goes_to_the_paragraph_store(assistant: Assistant) -> None:
    ans = assistant.ask("what does paragraph 14 say?")
    assert not ans.abstained
    assert ans.citations[0].doc_id == "wt2023" and ans.citations[0].paragraph == "14"
    assert ans.citations[0].page == 12
    assert ans.answer.startswith("Anyone working with children should see and speak to the child")


def test_paragraph_of_older_edition_by_year(assistant: Assistant) -> None:
    ans = assistant.ask("para 12 of WT2018")
    assert ans.citations[0].doc_id == "wt2018" and ans.citations[0].paragraph == "12"
    assert any("replaced by Working Together to Safeguard Children 2023" in n for n in ans.notices)


def test_paragraph_that_does_not_exist_is_declined(assistant: Assistant) -> None:
    ans = assistant.ask("What does paragraph 150 of Working Together 2023 say?")
    assert ans.abstained and not ans.citations
    assert "paragraph 150" in ans.answer and "1–62" in ans.answer


@pytest.fixture(scope="module")
def real(minilm_index: Path, minilm) -> Assistant:  # type: ignore[no-untyped-def]
    """The assistant with the real model: abstention thresholds are tuned for it."""
    return Assistant(Settings(data_dir=minilm_index.parent), IndexStore.load(minilm_index), minilm)


@pytest.mark.slow
@pytest.mark.parametrize("question", ["What's the capital of France?", "How do I apply for a mortgage?"])
def test_off_topic_is_declined_without_citations(real: Assistant, question: str) -> None:
    ans = real.ask(question)
    assert ans.status == "declined" and ans.abstained and not ans.citations
    assert "in the guidance I hold" in ans.answer and "You could ask" in ans.answer


@pytest.mark.slow
def test_not_held_questions_are_not_answered(real: Assistant) -> None:
    assert real.ask("What does the 2026 edition say about LSPs?").reasons == ("screen:edition_not_held",)
    kcsie = real.ask("What does Keeping Children Safe in Education say about filtering?")
    assert kcsie.status != "answered" and "separate statutory guidance" in kcsie.answer
    assert real.ask("How long may a section 17 assessment take?").status != "answered"
    # Near the domain, in parts of the guidance we do not hold: the decision is measured on the dev,
    # test and blind splits, not pinned per question; some of these are still answered (a known
    # weakness: the passages name the Panel, governors, reviews). Fewer than two hedged is a slide.
    near = [
        "What are the criteria for ending a child protection plan?",
        "Who chairs a child death review meeting, and which practitioners should attend it?",
        "What safeguarding responsibilities do governors of young offender institutions have for the children?",
        "Who can request a young carer's needs assessment?",
        "How does the national panel decide whether a serious incident needs a national review?",
    ]
    assert sum(real.ask(q).status != "answered" for q in near) >= 2


@pytest.mark.slow
def test_what_changed_as_a_whole_quotes_the_summary_of_changes(real: Assistant) -> None:
    # A third trial: "whats changed from 2018 to 2023" opened with a blog's "In this blog, I intend to
    # provide a guide..." and named no change. The news item's summary of the changes is quoted now.
    # With the question vectors' adapter (rag.retrieve.QueryAdapter) the blog's introduction is
    # among the passages again, but the answer opens with the summary of changes, not with it.
    ans = real.ask("whats changed from 2018 to 2023")
    quoted = {c.paragraph for c in ans.citations if c.quoted}
    assert "government-issues-changes-to-working-tog-3" in quoted, quoted
    first, n = sentences(ans.answer)[0]
    assert "summary of changes" in first and "I intend to provide a guide" not in first, ans.answer


@pytest.mark.slow
def test_the_headline_question_is_answered_and_cited(real: Assistant) -> None:
    ans = real.ask("Who must the lead safeguarding partner for a council be?")
    assert not ans.abstained
    # The guidance comes first, and it is the paragraph that says it (not 47 or the commentary).
    assert (ans.citations[0].doc_id, ans.citations[0].paragraph) == ("wt2023", "48")
    assert "Head of Paid Service" in ans.answer.split("[1]")[0]
    assert "[1]" in ans.answer
    lines = [s for s, _ in sentences(ans.answer)]
    assert len(lines) == len(set(lines))


def test_lexically_unknown_question_is_declined(assistant: Assistant) -> None:
    ans = assistant.ask("What's the capital of France?")
    assert ans.abstained and not ans.citations


def test_every_cited_sentence_is_verbatim_in_its_citation(assistant: Assistant) -> None:
    for q in ["What is a DSP?", "Who should the DSPs be?", "Is consent needed to share personal information?"]:
        ans = assistant.ask(q)
        assert not ans.abstained, q
        cited = {c.id: c for c in ans.citations}
        pairs = sentences(ans.answer)
        assert pairs
        for sentence, n in pairs:
            assert normalise(sentence) in normalise(cited[n].text)
        assert all(c.verified for c in ans.citations)


def test_superseded_and_commentary_notices_come_from_the_manifest(assistant: Assistant) -> None:
    ans = assistant.ask("What does the schools blog suggest schools do about staff training?")
    kinds = {c.kind for c in ans.citations}
    if "commentary" in kinds:
        assert any("is commentary" in n for n in ans.notices)
    ans = assistant.ask("What is a DSP?")
    assert any("replaced by Working Together to Safeguard Children 2026" in n for n in ans.notices)


def test_danger_and_individual_case_notices(assistant: Assistant) -> None:
    ans = assistant.ask("A child in my class is in immediate danger at home, what do I do?")
    assert ans.notices and "999" in ans.notices[0]
    ans = assistant.ask("Should I refer my pupil to children's social care?")
    assert any("does not make decisions about individual cases" in n for n in ans.notices)


def test_notices_speak_to_a_neighbour_as_well_as_a_practitioner(assistant: Assistant) -> None:
    # Adults writing are practitioners and members of the public alike: each notice for an adult
    # gives a number anyone can call, and the DSL only to those who work with children.
    texts = notice_texts()
    for kind in ("crisis_adult", "crisis_any", "case", "case_any"):
        assert "{nspcc}" in texts[kind] and "if you work with children" in texts[kind].lower()


def test_a_case_story_the_guidance_does_not_answer_is_not_echoed_back(assistant: Assistant) -> None:
    story = "My neighbour's kids are always outside late at night and look hungry, I'm not sure if I should report it"
    q = assistant.understand(story)
    said = {"crisis": False, "writer": "adult", "case": True}
    ans = assistant._declined(q, story, "not_covered", (), [], {}, 0.0, said)
    assert ans.answer == " ".join(messages()["declined_case"].split()) and "outside late" not in ans.answer
    # Not about a particular child: what was asked is echoed, with what the guidance covers.
    plain = assistant._declined(q, story, "not_covered", (), [], {}, 0.0, {**said, "case": False})
    assert "outside late" in plain.answer


def test_follow_up_carries_the_subject(assistant: Assistant) -> None:
    history = [{"role": "user", "content": "What does a delegated safeguarding partner do?"}]
    hits = assistant.search("and who chairs them?", 5, history)
    found = {c.paragraph for c in hits if c.doc_id == "wt2023"}
    assert found & {"61", "62"}, found  # the partnership chair paragraphs
    alone = {c.paragraph for c in assistant.search("and who chairs them?", 5)}
    assert found != alone


def test_comparison_brings_back_both_editions(assistant: Assistant) -> None:
    hits = assistant.search("what changed since 2018 about who the guidance applies to?", 5)
    assert {"wt2018", "wt2023"} <= {c.doc_id for c in hits}


def test_crosswalk_links_the_editions(assistant: Assistant) -> None:
    links = assistant.crosswalks[("wt2018", "wt2023")]
    assert any(link.old_paragraph == "5" and link.new_paragraph == "5" for link in links)
    assert {link.status for link in links} <= {"unchanged", "changed", "removed", "new"}


def test_glossary_is_read_from_the_corpus(assistant: Assistant) -> None:
    assert assistant.glossary["LSP"] == "lead safeguarding partner"
    assert assistant.glossary["ICB"].startswith("integrated care board")


def test_acronyms_are_spelled_out_in_place() -> None:
    glossary = {"LSP": "lead safeguarding partner", "ICB": "integrated care boards"}
    spelled = spell_out("the LSPs and the LSP", glossary)
    assert spelled == "the lead safeguarding partners and the lead safeguarding partner"
    assert spell_out("for ICBs the ICB", glossary) == "for integrated care boards the integrated care boards"
    assert spell_out("the DfE and the NHS", glossary) == "the DfE and the NHS"


def test_a_sentence_holding_the_question_words_together_ranks_first(assistant: Assistant) -> None:
    retriever = assistant.retriever
    q = assistant.understand("Who must the LSP for a council be?")
    # "council" is met by "local authority" and "LSP" by "lead safeguarding partner".
    concepts = retriever.concepts(q)
    assert any(frozenset({"local", "autho"}) in alts for _, alts in concepts)
    coverage = {
        p: retriever.sentence_coverage(assistant.store.chunk_index[c.id], q)
        for p in ("47", "48")
        for c in assistant.store.chunks_of("wt2023", p)
    }
    assert coverage["48"] == 1.0 > coverage["47"]
    ranked = [assistant._key(h) for h in assistant.search_hits(q, 5)]
    assert ("wt2023", "48") in ranked


def test_other_forms_of_corpus_words_are_not_typos(assistant: Assistant) -> None:
    q = assistant.understand("Which edition did the 2018 guidance replace, seeing the changes?")
    assert q.typos == ()
    q = assistant.understand("who r the 3 safegaurding partners??")
    assert q.typos == ("safegaurding",)
    # The misspelling does not count against the question; its correction does the work.
    assert "safegaurd" not in assistant.retriever.key_terms(q)


def test_a_word_the_corpus_has_only_with_another_ending_finds_that_form(assistant: Assistant) -> None:
    vocabulary = assistant.lexicon.vocabulary
    assert typo_fixes("What is the guidance silent on?", vocabulary) == {"silent": ["silences"]}
    assert "silences" in assistant.understand("What does the schools blog say WT 2023 is silent on?").resolved
    # A longer word sharing the start is another word, not another form.
    assert "author" not in typo_fixes("What does the blog author think?", vocabulary)


def test_words_that_name_a_source_are_told_from_title_words_used_as_content(assistant: Assistant) -> None:
    source_words = assistant.retriever.source_words
    assert source_words("What are the chapter 2 changes, according to the Local Government Lawyer article?") == {
        "local",
        "government",
        "lawyer",
        "article",
    }  # "changes" is in the news article's title, but here it is what is asked about
    assert source_words("What does the explainer say about early help?") == {"explainer"}
    assert source_words("What does the schools blog suggest schools do?") == {"blog"}


def test_a_follow_up_about_commentary_is_not_a_comparison_of_editions(assistant: Assistant) -> None:
    history = [{"role": "user", "content": "How long is Working Together 2023 according to the schools blog?"}]
    q = assistant.understand("and did it change the law?", history)
    assert q.commentary and not q.comparison
    # "The law" is held as legislation or as "statutory", either one.
    law = next(alts for _, alts in assistant.retriever.concepts(q, None) if frozenset({"law"}) in alts)
    assert frozenset({"statutory"}) in law and frozenset({"legislation"}) in law


def test_sector_shorthand_reaches_the_guidance_terms(assistant: Assistant) -> None:
    q = assistant.understand("our MAT works across loads of LAs")
    assert "multi-academy trust" in q.resolved and "local authorities" in q.resolved
    assert "three" in assistant.understand("who r the 3 partners").resolved


@pytest.mark.slow
@pytest.mark.parametrize("question", ["What is a DSCO?", "What is CP-IS?"])
def test_an_acronym_the_model_does_not_know_is_still_answered(real: Assistant, question: str) -> None:
    # The model scores these below the similarity floor, but one passage holds every key word.
    ans = real.ask(question)
    assert not ans.abstained
    assert question.split()[-1].rstrip("?") in ans.answer


def test_the_subject_of_a_what_is_question() -> None:
    assert subject_of("What is a strategy discussion after a referral?")[1] == ["strategy", "discussion"]
    assert subject_of("What are the three categories of offender?")[1] == ["category"]
    assert subject_of("What's an ICB?")[1] == ["icb"]
    assert subject_of("What's the point of the role?")[1] == []  # an aspect, not a thing to name
    # The part someone plays is asked about through whom it is asked of.
    assert subject_of("What is the job of the partnership chair?")[1] == ["partnership", "chair"]
    assert subject_of("What are the criteria for ending a plan?") == ("the criteria for ending a plan", ["criteria"])
    assert subject_of("Who chairs the partnership?")[1] == []


def test_a_chapter_we_do_not_hold_is_evidence_not_a_rule(assistant: Assistant) -> None:
    # A chapter not held is one of the decision's features: commentary may still answer it.
    q = assistant.understand("What does chapter 3 of Working Together 2023 say about strategy discussions?")
    assert q.unheld_chapter and q.chapter == 3
    assert not assistant.understand("What does chapter 2 of Working Together 2023 say?").unheld_chapter
    ans = assistant.ask("What does chapter 3 of Working Together 2023 say about strategy discussions?")
    assert ans.trace["features"]["unheld_chapter"] == 1.0


def test_a_request_for_writing_is_declined_but_a_question_about_writing_is_not(assistant: Assistant) -> None:
    ans = assistant.ask("Could you help me write a cover letter for a job?")
    assert ans.abstained and "do not write letters" in ans.answer
    assert not WRITING_TASK.match("Write a summary of what Working Together says about LSPs")
    assert not WRITING_TASK.match("What should I write in a referral?")


def test_both_editions_marks_a_comparison(assistant: Assistant) -> None:
    assert assistant.understand("Both editions call it fundamental. Do they explain it the same way?").comparison
    assert assistant.understand("What does each edition say about data?").comparison is False  # singular: one edition
    assert assistant.understand("What do the two editions say about data?").comparison


def test_a_footnote_counts_as_part_of_its_paragraph_in_the_ranking(assistant: Assistant) -> None:
    intro = next(c for c in assistant.store.chunks if c.doc_id == "wt2018" and c.paragraph == "introduction-1")
    assert any("18th birthday" in f for f in intro.footnotes)
    q = assistant.understand("How did Working Together 2018 define a child as anyone under 18th birthday?")
    assert assistant.retriever.sentence_coverage(assistant.store.chunk_index[intro.id], q) == 1.0


def test_the_thing_a_definition_question_asks_about() -> None:
    assert definiendum("How did Working Together 2018 define a child?") == ["child"]
    assert definiendum("How is child protection defined in Working Together 2023?") == ["child", "protection"]
    assert definiendum("What does the term practitioner mean in Working Together 2023?") == ["practitioner"]
    assert definiendum("What is early help?") == ["early", "help"]
    assert definiendum("What are relevant agencies in multi-agency safeguarding arrangements?") == [
        "relevant",
        "agency",
    ]
    assert definiendum("Who chairs the partnership?") == []
    # "Who are the X?" asks what the group is, as "What are the X?" does; typed as people do.
    assert definiendum("who are the safeguarding partners") == definiendum("who r the 3 safeguarding partners")
    assert definiendum("who are the safeguarding partners") == definiendum("what are the safeguarding partners")
    assert definiendum("Who are the DSPs?") == ["dsp"]
    assert definiendum("Who is the LSP for a council?") == []


@pytest.mark.slow
def test_who_are_the_partners_is_answered_with_the_list_however_it_is_typed(real: Assistant) -> None:
    # "three" and a typo had pulled the answer to paragraphs that only count the partners; the
    # sentence that says who they are ("...defined in legislation as follows:") brings its list.
    for q in ("who r the 3 safeguardin partners", "Who are the three safeguarding partners?"):
        ans = real.ask(q)
        assert ans.status == "answered", q
        for member in ("the local authority", "integrated care board", "chief officer of police"):
            assert member in ans.answer, (q, member)


def test_a_defining_sentence_is_told_from_one_using_the_term() -> None:
    assert defines(
        "In this document, a child is defined as anyone who has not yet reached their 18th birthday.", ["child"]
    )
    assert defines(
        "‘Relevant agencies’ are those organisations whose involvement is necessary.", ["relevant", "agency"]
    )
    assert defines("Early help is support for children that improves their outcomes.", ["early", "help"])
    # The thing is named, but the sentence says what it must do, or defines something larger.
    assert not defines("As part of that, ICBs are required to have executive lead roles.", ["icb"])
    assert not defines("Safeguarding and promoting the welfare of children is defined as: protecting...", ["child"])
    assert not defines("Children who need help deserve high quality and effective support.", ["child"])


@pytest.mark.slow
def test_a_definition_question_ranks_and_quotes_the_definition_first(real: Assistant) -> None:
    """Working Together 2018 defines a child in a footnote: the answer quotes it, and the citation
    carries the footnote so that the quote is checked against what is shown."""
    ans = real.ask("How did Working Together 2018 define a child?")
    assert not ans.abstained
    first, n = sentences(ans.answer)[0]
    assert first.startswith("In this document, a child is defined as anyone")
    cited = next(c for c in ans.citations if c.id == n)
    assert (cited.doc_id, cited.paragraph) == ("wt2018", "introduction-1")
    assert "[^1] In this document, a child is defined" in cited.text
    assert normalise(first) in normalise(cited.text)
    # A definition held only by commentary still comes back (in the top five) for a term the guidance uses.
    hits = real.search("What are relevant agencies in multi-agency safeguarding arrangements?")
    assert "lg-explainer" in [c.doc_id for c in hits]


def test_a_myth_busters_reply_says_what_it_answers(assistant: Assistant) -> None:
    ans = assistant.ask("Is consent needed to share personal information?")
    assert "On “Consent is needed to share personal information”: No, you do not need consent" in ans.answer


@pytest.mark.slow
def test_retrieval_reads_the_story_before_a_question(real: Assistant) -> None:
    # dev3 f027: the last sentence alone never reached the paragraph on sharing without consent.
    story = ("I run a small nursery. Yesterday one of our three-year-olds came in with what look like "
             "finger-mark bruises on her upper arm. When I mentioned it to her mum at pick-up she got very "
             "upset, said she didn't want anything written down or passed on, and that she'd take her "
             "daughter out of the nursery if we did. One of my room leaders is convinced that under GDPR we "
             "can't pass anything on without mum agreeing. I don't want to lose the family but I'm worried "
             "about the child. Do I need mum's permission before I contact children's social care?")
    # Read by the model's own vectors: the question vectors' adapter (fitted on dev, f027 among its
    # questions) finds the paragraph from the last sentence alone too.
    plain = Assistant(real.settings.model_copy(update={"query_adapter": ""}), real.store, real.embedder)
    q = plain.understand(story)
    with_story = [plain._key(h) for h in plain.search_hits(q, 5)]
    alone = [plain._key(h) for h in plain.search_hits(replace(q, context=""), 5)]
    assert ("wt2023", "31") in with_story and ("wt2023", "31") not in alone
    assert ("wt2023", "31") in [real._key(h) for h in real.search_hits(real.understand(story), 5)]


@pytest.mark.slow
def test_a_decline_after_a_danger_told_earlier_answers_this_message(real: Assistant) -> None:
    # A fifth trial: after a 14-year-old's message got the crisis notice, "would they tell my mum i said
    # it" and "ok thx" each got "please call the numbers above now" again. The notice is still shown
    # (the conversation's), but the reply is to this message.
    told = "im 14 and my stepdad hits me and hes coming home soon, what happens if i tell my teacher"
    first = real.ask(told)
    assert first.safeguarding["crisis"] and first.answer.startswith("If you or a child are in danger")
    history = [{"role": "user", "content": told}, {"role": "assistant", "content": first.answer}]
    follow = real.ask("would they tell my mum i said it", history=history)
    assert follow.safeguarding["crisis"] and "crisis" in follow.safeguarding["carried"]
    assert not follow.answer.startswith("If you or a child are in danger")
    thanks = real.ask("ok thx", history=history)
    assert thanks.safeguarding["crisis"] and thanks.answer.startswith("Ask me about Working Together")
    # An eleventh trial: a neighbour's "its still going on" under the 999 notice was told what else
    # to ask about, with examples. A message going on from a danger told, which the guidance does
    # not answer, points to the notice (one of its own is declined as alone: the next test).
    heard = "i can hear the kid next door screaming and a man shouting hes hitting him right now what do i do"
    history = [{"role": "user", "content": heard}, {"role": "assistant", "content": real.ask(heard).answer}]
    for message in ("its still going on", "will the family know it was me"):
        still = real.ask(message, history=history)
        assert still.status == "declined" and still.safeguarding["notices"][0].startswith("crisis"), message
        assert "notice above says who else to contact" in still.answer and "for example" not in still.answer


@pytest.mark.slow
def test_a_crisis_reply_hears_that_help_was_called_or_cannot_be(real: Assistant) -> None:
    # A sixth trial: a neighbour who had rung 999, then had the police at the door, was told each time
    # to "call the numbers above now"; so was a child who wrote that they could not ring anyone. The
    # 999 notice stays first; the words under it answer what they said.
    told = ("theres screaming next door and i can hear a kid crying, the dad is shouting hes going to kill him. "
            "what do i do")
    first = real.ask(told)
    history = [{"role": "user", "content": told}, {"role": "assistant", "content": first.answer}]
    rung = real.ask("ok ive rung 999. what happens now will social services take him away", history=history)
    assert rung.safeguarding["crisis"] and rung.safeguarding["notices"][0].startswith("crisis")
    assert rung.safeguarding["help"] == "called"
    assert rung.answer.startswith("You have done the right thing")
    child = "my mums boyfriend keeps hitting me when she's at work. i dont no what to do"
    history = [{"role": "user", "content": child}, {"role": "assistant", "content": real.ask(child).answer}]
    silent = real.ask("i cant ring anyone hes in the house he will hear me", history=history)
    assert silent.safeguarding["notices"][0].startswith("crisis") and silent.safeguarding["help"] == "cannot_call"
    assert "press 55" in silent.answer and "childline.org.uk" in silent.answer
    # An eighth trial: a child's disclosure, and a neighbour's "its still going on", were told under the
    # 999 notice that they could ask "whether you need consent to share information". The reply speaks
    # to whoever is writing, a child included.
    now = real.ask(told)
    assert now.status == "declined" and "Childline" in now.answer and "consent" not in now.answer, now.answer
    # A ninth session's trial: the neighbour, whose danger was told one message before, wrote that their
    # phone had no credit and was told only to call 999; then that the police were "on there way", and
    # was told again to call. 999 is free, and a call made is heard, when the danger was told earlier too.
    history = [{"role": "user", "content": told}, {"role": "assistant", "content": now.answer}]
    broke = real.ask("i cant ring 999 my phone has no credit", history=history)
    assert broke.safeguarding["notices"][0].startswith("crisis") and "999 are free" in broke.answer, broke.answer
    coming = real.ask("ok police are on there way. what happens after", history=history)
    assert coming.safeguarding["help"] == "called" and coming.answer.startswith("You have done the right thing"), \
        coming.answer



def test_which_edition_is_current_is_said_from_the_manifest(assistant: Assistant) -> None:
    # A sixth trial: "is 2023 still the one we follow or has it been replaced" was answered "This
    # document replaces Working together to safeguard children (2018)... It should be read and
    # followed", a replaced edition presenting itself as current; "and 2026?" after a question on the
    # editions got a paragraph on geography.
    current = "Working Together to Safeguard Children 2026 is the current edition"
    for q in ("is 2023 still the one we follow or has it been replaced",
              "which version of working together is the latest", "hi is working together 2018 still in force??",
              "is the 2023 version still statutory then"):
        assert assistant.understand(q).request == "edition", q
        assert current in assistant.ask(q).answer.split("[1]")[0], q
    older = assistant.ask("hi is working together 2018 still in force??").answer
    assert older.startswith("Working Together to Safeguard Children 2018 was replaced by Working Together to Safeguard "
                            "Children 2023.")
    for q in ("what does the latest version say about the safeguarding partners", "what changed in the new edition",
              "has the LSP been replaced by the DSP?"):
        assert assistant.understand(q).request == "question", q
    first = "what changed from 2018 to 2023"
    follow = assistant.ask("and 2026?", history=[{"role": "user", "content": first},
                                                 {"role": "assistant", "content": assistant.ask(first).answer}])
    # Ninth trial: "is the 2026 one in force yet" was declined "I do not hold the 2026 edition's
    # text" while the page's footer said 2026 was current. An edition the manifest knows of, not
    # held, is declined with what the manifest says of it; one it does not know, as before.
    for ans in (follow, assistant.ask("is the 2026 one in force yet")):
        assert ans.status == "declined" and ans.answer.startswith(current), ans.answer
        assert "I do not hold its text" in ans.answer
    unknown = assistant.ask("what does working together 2030 say about early help")
    assert unknown.status == "declined" and "I do not hold the 2030 edition's text" in unknown.answer


@pytest.mark.slow
def test_what_an_acronym_means_is_answered_from_where_it_is_introduced(real: Assistant) -> None:
    # Third and sixth trials: "whats an LSP" and "what does LSP mean" never said what an LSP is;
    # paragraph 47, which introduces the term, was not among the hits.
    for q in ("whats an LSP", "what does LSP mean"):
        ans = real.ask(q)
        assert (ans.citations[0].doc_id, ans.citations[0].paragraph) == ("wt2023", "47"), q
        assert "hereafter ‘lead safeguarding partner’ or ‘LSP’" in ans.answer, q


def test_a_paragraph_asked_for_says_each_sentence_once(assistant: Assistant) -> None:
    # "what does paragraph 47 say" said its first sentence twice: the second ("It is therefore...")
    # leans on it and brought it along.
    for doc in assistant.store.documents.values():
        if doc.kind != "statutory":
            continue
        for para in (p for p in assistant.store.doc_paragraphs(doc.doc_id) if p.numbered):
            ans = assistant.ask(f"what does paragraph {para.paragraph} of {doc.title} say")
            lines = [s for s, _ in sentences(ans.answer)]
            assert len(lines) == len(set(lines)), (doc.doc_id, para.paragraph, ans.answer[:300])


def test_the_main_changes_after_a_preamble_are_the_changes_as_a_whole(assistant: Assistant) -> None:
    # A sixth trial: "Hi, I'm a newly qualified social worker. What are the main changes between
    # Working Together 2018 and 2023?" was answered with the definition of a practitioner: the
    # preamble was read as the subject, and so was "main".
    for q in ("Hi, I'm a newly qualified social worker. What are the main changes between Working Together 2018 "
              "and 2023?", "what are the biggest differences between wt 2018 and 2023"):
        parsed = assistant.understand(q)
        assert parsed.overview and parsed.commentary, q
    # A subject of its own keeps the comparison of the two editions' paragraphs.
    assert not assistant.understand("Was the definition of safeguarding the same in the old 2018 guidance?").overview


def test_a_paragraph_in_two_named_editions_is_each_editions_paragraph(assistant: Assistant) -> None:
    # A sixth trial: "what does paragraph 14 say in 2018 and what is it in 2023" cited neither
    # paragraph 14 (the Data Protection Act 2018 came first).
    for q in ("what does paragraph 14 say in 2018 and what is it in 2023", "compare paragraph 14 in 2018 and 2023"):
        ans = assistant.ask(q)
        quoted = {(c.doc_id, c.paragraph) for c in ans.citations if c.quoted}
        assert quoted == {("wt2023", "14"), ("wt2018", "14")}, (q, quoted)


@pytest.mark.slow
def test_a_question_of_its_own_after_a_case_story_is_not_declined_as_the_case(real: Assistant) -> None:
    # A seventh trial: after a neighbour's crisis, "what is a strategy discussion" was declined with
    # "The guidance I hold does not say what to do in a particular case"; asked alone it is told that
    # chapter 3 holds it. The notices stay the conversation's.
    story = "pls help the man next door is screaming at his little boy and i can hear hitting what do i do"
    history = [{"role": "user", "content": story}, {"role": "assistant", "content": "..."}]
    after = real.ask("what is a strategy discussion", history=history)
    alone = real.ask("what is a strategy discussion")
    assert after.safeguarding["case"] and "case" in after.safeguarding["carried"]
    assert after.status == alone.status == "declined" and after.answer == alone.answer

