"""Chapter 9: the small GPT of minigrad.gpt trains on any text (here one the test writes)
and samples from it; generation keeps to the block size and the generator."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.gpt import GPT, CharacterCorpus, generate, train_characters

pytestmark = pytest.mark.ch09


def test_a_character_model_learns_a_text_written_here(tmp_path):
    path = tmp_path / "poem.txt"
    path.write_text("the cat sat on the mat. " * 20, encoding="utf-8")
    model, corpus, losses = train_characters(path.read_text(encoding="utf-8"), steps=120,
                                             block_size=16, batch_size=16, dim=32, heads=2)
    assert corpus.vocab_size == len(set("the cat sat on the mat. "))
    assert np.mean(losses[:10]) > 2.0 and np.mean(losses[-10:]) < 0.5, losses[::20]
    continuation = corpus.decode(generate(model, corpus.encode("the c"), 19, temperature=0))
    assert continuation == "the cat sat on the mat. ", continuation
    sampled = corpus.decode(generate(model, corpus.encode("the"), 30, rng=np.random.default_rng(1)))
    assert len(sampled) == 33 and set(sampled) <= set(corpus.chars)


def test_generation_crops_to_the_block_size_and_replays_with_a_seed():
    mg.manual_seed(0)
    model = GPT(vocab_size=5, block_size=4, dim=8, heads=2, layers=1)
    first = generate(model, [1, 2, 3], 10, rng=np.random.default_rng(7))
    again = generate(model, [1, 2, 3], 10, rng=np.random.default_rng(7))
    assert first == again and len(first) == 13 and first[:3] == [1, 2, 3]
    with pytest.raises(ValueError, match="GPT: sequences of 5 tokens, but the block size is 4"):
        model(np.zeros((1, 5), dtype=int))


def test_the_corpus_refuses_unknown_characters():
    corpus = CharacterCorpus("abc")
    assert corpus.decode(corpus.encode("cab")) == "cab"
    with pytest.raises(ValueError, match=r"characters not in the corpus: \['z'\]"):
        corpus.encode("az")
