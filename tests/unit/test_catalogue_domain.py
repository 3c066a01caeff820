"""The catalogue's pure rules: picking a language, normalising search text, matching services."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.catalogue import FALLBACK_LANGUAGE, Service, localized, normalize_for_search

# "ज़" written two ways: the precomposed letter U+095B and JA + NUKTA (U+091C U+093C).
ZA_PRECOMPOSED = "\u095b"
ZA_DECOMPOSED = "\u091c\u093c"


def water_connection(**overrides: object) -> Service:
    fields: dict[str, object] = {
        "code": "WATER_NEW_CONNECTION",
        "department": "WATER",
        "names": {"en": "New water connection", "hi": "नया जल कनेक्शन"},
        "sla_days": 15,
        "description": {"en": "Apply for a domestic tap at your house.", "hi": "घर पर नल के लिए आवेदन।"},
        "keywords": {"en": ["tap", "pipeline"], "hi": ["पानी"]},
    }
    fields.update(overrides)
    return Service(**fields)  # type: ignore[arg-type]


# --- localized() ---------------------------------------------------------------------------


def test_localized_answers_in_the_requested_language():
    texts = {"en": "Water", "hi": "पानी", "or": "ପାଣି"}

    assert localized(texts, "hi") == "पानी"
    assert localized(texts, "or") == "ପାଣି"


def test_localized_falls_back_to_english_when_the_language_is_missing_or_blank():
    assert FALLBACK_LANGUAGE == "en"
    # Given a catalogue entry with no Odia, and one whose Odia is an empty string
    missing = {"hi": "पानी", "en": "Water"}
    blank = {"hi": "पानी", "or": "", "en": "Water"}

    # Then the citizen asking for Odia reads English, never an empty name
    assert localized(missing, "or") == "Water"
    assert localized(blank, "or") == "Water"


@pytest.mark.parametrize("language", [None, ""])
def test_localized_without_a_language_is_english(language):
    assert localized({"hi": "पानी", "en": "Water"}, language) == "Water"


def test_localized_falls_back_to_any_language_present_when_english_is_missing():
    # Given neither the requested language nor English, but a blank entry before a real one
    texts = {"en": "", "pa": "", "hi": "पानी"}

    assert localized(texts, "or") == "पानी"


@pytest.mark.parametrize("texts", [{}, {"en": "", "hi": ""}])
def test_localized_with_nothing_readable_is_empty(texts):
    assert localized(texts, "hi") == ""


# --- normalize_for_search() ----------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("WATER", "water"),
        ("  Water Connection ", "water connection"),
        ("ＷＡＴＥＲ", "water"),  # full-width latin, as some Indic keyboards emit it
        ("Straße", "strasse"),  # casefold, not lower()
        ("ﬁle", "file"),  # compatibility ligature
        ("ପେନ୍\u200cସନ", "ପେନ୍ସନ"),  # a zero-width non-joiner, as Odia phone keyboards type it
        ("क्\u200dष", "क्ष"),  # a zero-width joiner in Devanagari
    ],
)
def test_normalize_for_search_ignores_case_width_and_compatibility_forms(typed, stored):
    assert normalize_for_search(typed) == normalize_for_search(stored)
    assert normalize_for_search(typed) == stored


def test_normalize_for_search_equates_devanagari_nukta_forms():
    # Given the two spellings really are different code points
    assert ZA_PRECOMPOSED != ZA_DECOMPOSED

    # Then both normalise to one key (U+095B is a composition exclusion: NFKC decomposes it)
    assert normalize_for_search(ZA_PRECOMPOSED) == normalize_for_search(ZA_DECOMPOSED)
    assert normalize_for_search("ज़मीन") == normalize_for_search(f"{ZA_DECOMPOSED}मीन")


def test_normalize_for_search_composes_decomposed_latin():
    assert normalize_for_search("Cafe\u0301") == normalize_for_search("CAFÉ") == "café"


# --- Service.matches() ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "water connection",  # every word of the English name
        "CONNECTION water",  # in any order and case
        "जल कनेक्शन",  # the Hindi name
        "पानी",  # a Hindi keyword
        "pipeline",  # an English keyword
        "domestic tap",  # words of the description
        "नल",  # a word of the Hindi description
        "water_new",  # part of the code
        "water पानी",  # words from different languages and texts together
    ],
)
def test_matches_finds_words_in_names_keywords_and_descriptions(query):
    assert water_connection().matches(query)


def test_matches_accepts_either_nukta_form_in_the_query():
    # Given a service whose Hindi keyword is typed with the precomposed "ज़"
    service = water_connection(keywords={"hi": [f"{ZA_PRECOMPOSED}मीन"]})

    # When the citizen types it decomposed, it still matches
    assert service.matches(f"{ZA_DECOMPOSED}मीन")


def test_matches_accepts_full_width_queries():
    assert water_connection().matches("ＴＡＰ")


@pytest.mark.parametrize("query", ["", "   ", "\t\n"])
def test_an_empty_or_blank_query_matches_every_service(query):
    assert water_connection().matches(query)


@pytest.mark.parametrize(
    "query",
    [
        "submarine",
        "water submarine",  # one word present is not enough: every word must match
        "पनडुब्बी",
    ],
)
def test_a_word_present_in_no_text_does_not_match(query):
    assert not water_connection().matches(query)


def test_matches_does_not_search_eligibility():
    # Eligibility is shown to citizens but is not part of what a search looks at.
    service = water_connection(eligibility={"en": "Residents holding a ration card"})

    assert not service.matches("ration")


def test_keywords_count_only_when_present():
    # Given the same service without its keywords
    bare = water_connection(keywords={})

    # Then a word found only in a keyword no longer matches
    assert water_connection().matches("pipeline")
    assert not bare.matches("pipeline")


# --- property --------------------------------------------------------------------------------

names = st.text(min_size=1, max_size=40)
words_in_a_name = st.lists(st.text(min_size=1, max_size=12).filter(lambda w: w.split() == [w]), min_size=1)


@given(
    english_words=words_in_a_name,
    separator=st.sampled_from([" ", "  ", "\t", "\u3000", "\n"]),
    hindi=names,
    description=st.dictionaries(st.sampled_from(["en", "hi", "or"]), names, max_size=3),
    keywords=st.dictionaries(st.sampled_from(["en", "hi"]), st.lists(names, max_size=3), max_size=2),
    data=st.data(),
)
def test_any_word_of_the_english_name_matches(english_words, separator, hindi, description, keywords, data):
    # Given a service named by arbitrary words in any script, joined by any whitespace
    english = separator.join(english_words)
    service = Service(
        code="SVC",
        department="DEPT",
        names={"en": english, "hi": hindi},
        sla_days=7,
        description=description,
        keywords=keywords,
    )

    # When a citizen searches for any one word of its English name, as it is or in another form
    word = data.draw(st.sampled_from(english.split()), label="word")
    form = data.draw(st.sampled_from(["NFC", "NFD", "NFKC", "NFKD"]), label="form")

    # Then the service is found
    assert service.matches(word)
    assert service.matches(unicodedata.normalize(form, word))
