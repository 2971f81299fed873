"""The shipped static embedding model: paraphrases meet, unrelated texts stay apart.

No database and no network: the model is read from `activator/matching/static_model/`. The
paraphrase pairs share no word at all, so only the semantic model (not a lexical index) can tell
that they are about the same thing.
"""

import re
import time
from pathlib import Path

import numpy as np
import pytest

from activator.matching import embeddings
from activator.matching.embeddings import embed, similarity

# (challenge text, a paraphrase sharing no word with it, unrelated texts it must beat)
PARAPHRASES = [
    (
        "reduce traffic jams downtown",
        "congestion management for city streets",
        ["library opening hours", "school lunch menu", "museum ticket prices"],
    ),
    (
        "garbage collection routes",
        "waste pickup optimisation",
        ["library opening hours", "online tax payment", "music festival programme"],
    ),
    (
        "citizen complaints app",
        "residents report problems to the municipality",
        ["solar panels on rooftops", "library opening hours", "football stadium seating"],
    ),
    (
        "air pollution sensors",
        "measuring smog and particulate matter",
        ["school enrolment system", "library opening hours", "tourist information kiosk"],
    ),
    (
        "smart street lighting",
        "adaptive LED lamps that dim at night",
        ["online tax payment", "citizen complaints app", "hospital waiting lists"],
    ),
    (
        "flood early warning",
        "alerts before rivers overflow",
        ["bike sharing scheme", "library opening hours", "building permit application"],
    ),
    (
        "find a free parking spot",
        "vacant car bays detected by sensors in real time",
        ["library opening hours", "elderly care at home", "open data portal"],
    ),
    (
        "water leak detection",
        "finding losses in drinking pipes",
        ["participatory budgeting", "tourist information kiosk", "school enrolment system"],
    ),
    (
        "electric buses",
        "zero-emission public transport vehicles",
        ["library opening hours", "online tax payment", "noise complaints at night"],
    ),
    (
        "elderly care monitoring",
        "helping senior citizens who live alone",
        ["garbage collection routes", "parking fines", "solar panels on rooftops"],
    ),
]


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


@pytest.mark.parametrize(("query", "paraphrase", "unrelated"), PARAPHRASES)
def test_paraphrase_with_no_shared_word_scores_above_unrelated_texts(query, paraphrase, unrelated):
    assert not _words(query) & _words(paraphrase), "the pair must share no word"
    vectors = embed([query, paraphrase, *unrelated])

    scores = similarity(vectors[0], vectors[1:])

    assert scores[0] > scores[1:].max(), dict(zip([paraphrase, *unrelated], scores, strict=True))


def test_identical_texts_have_similarity_one():
    text = "Integrated platform for urban mobility data"
    vectors = embed([text, text])

    assert similarity(vectors[0], vectors[1:])[0] == pytest.approx(1.0, abs=1e-5)


def test_rows_are_float32_unit_vectors_of_the_model_dimension():
    vectors = embed(["smart city", "Public Wi-Fi in parks", "Ciudad inteligente"])

    assert vectors.dtype == np.float32
    assert vectors.shape == (3, embeddings.dimension())
    assert np.linalg.norm(vectors, axis=1) == pytest.approx([1.0, 1.0, 1.0], abs=1e-5)


def test_a_text_embeds_the_same_alone_and_in_a_batch():
    alone = embed(["waste pickup optimisation"])[0]
    in_batch = embed(["library opening hours", "waste pickup optimisation", ""])[1]

    assert np.allclose(alone, in_batch, atol=1e-6)


def test_empty_and_blank_texts_give_zero_rows_that_score_zero():
    vectors = embed(["", "   ", "garbage collection routes"])

    assert not vectors[:2].any()
    assert similarity(vectors[2], vectors[:2]).tolist() == [0.0, 0.0]
    assert similarity(vectors[0], vectors).tolist() == [0.0, 0.0, 0.0]


def test_an_empty_list_gives_an_empty_matrix():
    vectors = embed([])

    assert vectors.shape == (0, embeddings.dimension())
    assert vectors.dtype == np.float32


def test_a_single_string_is_refused_rather_than_read_as_characters():
    with pytest.raises(TypeError):
        embed("garbage collection routes")


def test_similarity_is_the_cosine_for_rows_that_are_not_normalised():
    query = np.array([3.0, 4.0])
    matrix = np.array([[6.0, 8.0], [-4.0, 3.0], [0.0, 0.0], [1.0, 0.0]])

    assert similarity(query, matrix) == pytest.approx([1.0, 0.0, 0.0, 0.6])


def test_similarity_refuses_vectors_of_another_length():
    with pytest.raises(ValueError):
        similarity(np.ones(3), np.ones((2, 4)))


def test_the_model_is_loaded_once_per_process():
    assert embeddings.get_model() is embeddings.get_model()


def test_a_missing_model_folder_fails_with_its_path_instead_of_reaching_for_a_hub(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        embeddings._load(tmp_path)


def test_the_shipped_model_keeps_its_licence_notice_and_stays_small():
    folder = Path(embeddings.MODEL_DIR)

    assert "Apache License" in (folder / "LICENSE").read_text()
    assert "all-MiniLM-L6-v2" in (folder / "NOTICE").read_text()
    assert "Kevin Atkinson" in (folder / "LICENSE.SCOWL").read_text()
    assert sum(path.stat().st_size for path in folder.iterdir()) < 10_000_000


def test_a_thousand_short_texts_embed_in_one_call():
    texts = [f"smart city challenge number {i}: reduce traffic and waste" for i in range(1000)]

    started = time.perf_counter()
    vectors = embed(texts)
    elapsed = time.perf_counter() - started

    assert vectors.shape == (1000, embeddings.dimension())
    print(f"embedded 1,000 short texts in {elapsed * 1000:.0f} ms")  # shown with pytest -s
