"""The reading stage on a tiny model built here: windows, span decoding, training, the compact
artefact, and the answer-or-decline decision."""

from __future__ import annotations

import json

from pathlib import Path

import pytest

from qa.reading import Decider, Reader, Span, features
from qa.reading.decide import FEATURES
from qa.reading.data import Example, facqa_held_out
from qa.reading.metrics import squad2_f1

CONTEXT = ("Jembatan Teluk dibuka pada 12 Maret 2024 oleh Wali Kota Rina Hartono. Jembatan itu "
           "memiliki enam lajur dan panjangnya 1,4 kilometer. Biaya pembangunannya mencapai 2 triliun rupiah.")
EXAMPLES = [
    Example("a", "Kapan jembatan dibuka?", CONTEXT, (("12 Maret 2024", CONTEXT.index("12 Maret 2024")),), "t"),
    Example("b", "Siapa wali kota itu?", CONTEXT, (("Rina Hartono", CONTEXT.index("Rina Hartono")),), "t"),
    Example("c", "Berapa panjang jembatan?", CONTEXT, (("1,4 kilometer", CONTEXT.index("1,4 kilometer")),), "t"),
    Example("d", "Berapa biaya pembangunannya?", CONTEXT, (("2 triliun rupiah", CONTEXT.index("2 triliun rupiah")),), "t"),
]


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-layer BERT with a WordPiece tokenizer that frames pairs as [CLS] q [SEP] c [SEP]."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    work = tmp_path_factory.mktemp("tiny-qa")
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    corpus = [CONTEXT] + [e.question for e in EXAMPLES]
    tokenizer.train_from_iterator(corpus, trainers.WordPieceTrainer(vocab_size=300, special_tokens=specials))
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    config = BertConfig(vocab_size=tokenizer.get_vocab_size(), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=128,
                        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    base = work / "base"
    BertModel(config).save_pretrained(base)
    fast.save_pretrained(base)
    return base


@pytest.fixture(scope="module")
def trained(tiny_base: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A tiny reader trained for a few dozen steps on EXAMPLES, and its run state."""
    import torch

    from qa.reading.train import Run, Settings

    torch.manual_seed(0)
    settings = Settings(layers=2, max_length=64, stride=16, batch_size=4, lr=2e-3, span_epochs=300,
                        null_epochs=0.0, warmup=0.0)
    run = Run(settings, tmp_path_factory.mktemp("work"), base=tiny_base)
    state = run.train(EXAMPLES, [])
    return run, state


def test_long_contexts_are_read_in_overlapping_windows(tiny_base: Path) -> None:
    from transformers import AutoTokenizer

    from qa.reading.reader import encode

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_base))
    long = " ".join([CONTEXT] * 6)
    feats = encode(tokenizer, ["Kapan jembatan dibuka?"], [long], max_length=48, stride=12)
    assert len(feats["input_ids"]) > 3 and set(feats["overflow_to_sample_mapping"]) == {0}
    assert all(len(ids) <= 48 for ids in feats["input_ids"])
    covered = [max(e for (s, e), q in zip(feats["offset_mapping"][w], feats.sequence_ids(w)) if q == 1)
               for w in range(len(feats["input_ids"]))]
    assert covered == sorted(covered) and covered[-1] == len(long)  # the last window reaches the end


def test_span_decoding_respects_order_length_and_context() -> None:
    import torch

    from qa.reading.reader import best_spans

    start = torch.tensor([9.0, 0.0, 5.0, 1.0, 0.0, 0.0])
    end = torch.tensor([9.0, 0.0, 0.0, 4.0, 0.0, 6.0])
    context = torch.tensor([False, True, True, True, True, True])
    spans = best_spans(start, end, context, max_tokens=3, k=2)
    assert spans[0] == (2, 3, 9.0)  # token 0 is not context; (2, 5) is four tokens long
    assert all(context[a] and context[b] and a <= b and b - a < 3 for a, b, _ in spans)


def test_training_lowers_the_loss_and_learns_the_spans(trained) -> None:  # type: ignore[no-untyped-def]
    run, state = trained
    losses = run.losses
    assert len(losses) == state["step"] > 0
    assert sum(losses[-5:]) / 5 < 0.5 * sum(losses[:5]) / 5
    reader = Reader.from_loaded(run.tokenizer, run.model, "tiny")
    per_pair = reader.read_pairs([e.question for e in EXAMPLES], [e.context for e in EXAMPLES])
    for ex, spans in zip(EXAMPLES, per_pair):
        best = spans[0]
        assert best.text == ex.context[best.start:best.end]
    right = sum(spans[0].text == ex.answers[0][0] for ex, spans in zip(EXAMPLES, per_pair))
    assert right >= 2  # of four questions over one context, told apart by the question alone


def test_training_resumes_from_its_checkpoint(trained, tiny_base: Path) -> None:  # type: ignore[no-untyped-def]
    from qa.reading.train import Run

    run, state = trained
    again = Run(run.s, run.work, base=tiny_base)
    resumed = again.train(EXAMPLES, [])
    assert resumed["step"] == state["step"] and again.losses == run.losses  # nothing left to do
    # the run's training time is kept in the checkpoint, for a total over every sitting
    assert 0 < state["seconds"] == resumed["seconds"]


def test_artefact_round_trips_bit_identically(trained, tiny_base: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from qa.reading.model import WEIGHTS, WORD_EMBEDDINGS, load_reader_model, save_artefact

    run, _ = trained
    first = save_artefact(run.model, tmp_path / "one", {"base": str(tiny_base)})
    tokenizer, model, _ = load_reader_model(first)
    second = save_artefact(model, tmp_path / "two", {"base": str(tiny_base)})
    assert (first / WEIGHTS).read_bytes() == (second / WEIGHTS).read_bytes()
    from safetensors import safe_open
    from transformers import BertModel

    with safe_open(str(first / WEIGHTS), framework="pt") as f:
        assert WORD_EMBEDDINGS not in f.keys()  # taken from the base at load time
    base_words = BertModel.from_pretrained(str(tiny_base)).embeddings.word_embeddings.weight
    assert model.bert.embeddings.word_embeddings.weight.equal(base_words)
    reader = Reader(str(first))
    spans = reader.read(EXAMPLES[0].question, [CONTEXT])
    assert spans and spans[0].text == CONTEXT[spans[0].start:spans[0].end]


def test_a_reader_that_cannot_be_loaded_is_one_line(tmp_path: Path) -> None:
    from qa.reading import ReaderError

    with pytest.raises(ReaderError) as err:
        Reader(str(tmp_path / "nowhere")).warm_up()
    message = str(err.value)
    assert "\n" not in message and "QA_READER_MODEL" in message and "nowhere" in message


def test_margin_rule_answers_when_the_span_beats_no_answer() -> None:
    rule = Decider.margin_rule()
    good = Span(0, 0, 3, "abc", score=6.0, null=2.0)
    weak = Span(0, 0, 3, "abc", score=1.0, null=2.0)
    assert rule.probability(features(good, [good], [1.0])) > rule.threshold
    assert rule.probability(features(weak, [weak], [1.0])) < rule.threshold


def test_calibration_is_read_from_the_reader_folder(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    n = len(FEATURES)
    fitted = Decider((0.0, 0.0, 2.0) + (0.0,) * (n - 3), -1.0, (0.0,) * n, (1.0,) * n, 0.7, "test")
    fitted.save(tmp_path)
    loaded = Decider.for_reader(tmp_path)
    assert loaded == fitted
    assert Decider.for_reader(tmp_path / "missing") == Decider.margin_rule()
    # A calibration fitted on other features is not applied to these: the margin rule decides,
    # and the log says which command fits a new one.
    stale = json.loads((tmp_path / "calibration.json").read_text())
    stale["features"] = stale["features"][:-1]
    (tmp_path / "calibration.json").write_text(json.dumps(stale))
    assert Decider.for_reader(tmp_path) == Decider.margin_rule()
    assert "python -m qa.reading.calibrate" in caplog.text


def test_off_topic_questions_are_about_paragraphs_outside_the_corpus() -> None:
    import random

    from qa.reading.calibrate import off_topic


    examples = [Example(f"q{i}", f"question {i}", f"context {i % 10}", (("x", 0),), "test") for i in range(100)]
    corpus, asked = off_topic(examples, 4, 30, random.Random(1))
    assert len(corpus) == 4 and len(set(corpus)) == 4 and len(asked) == 30
    assert not {e.context for e in asked} & set(corpus)


def test_the_decision_sees_the_questions_language() -> None:
    span = Span(0, 0, 3, "abc", score=6.0, null=2.0)
    assert features(span, [span], [1.0], english=True)[FEATURES.index("english")] == 1.0
    assert features(span, [span], [1.0])[FEATURES.index("english")] == 0.0


def test_a_share_of_the_calibration_questions_is_also_asked_in_english() -> None:
    import random

    from qa.question import parse_question
    from qa.reading.calibrate import in_english

    examples = [Example(f"q{i}", q, f"context {i}", (("x", 0),), "test") for i, q in enumerate(
        ["Berapa lama panggilan video itu?", "Siapa wali kota Port Halvern?", "Kapan jembatan itu dibuka?",
         "Di mana gedung parlemen berada?"] * 5)]
    english = in_english(examples, 0.5, random.Random(3))
    assert len(english) == 10 and all(e.id.endswith("-en") for e in english)
    by_id = {e.id: e for e in examples}
    for e in english:
        source = by_id[e.id[:-3]]
        assert (e.context, e.answers) == (source.context, source.answers)
        assert parse_question(e.question).english and not parse_question(source.question).english
    assert any(e.question.startswith("How long") for e in english if "lama" in by_id[e.id[:-3]].question)
    assert any("Port Halvern" in e.question for e in english)  # names stay as they are


def test_squad2_scoring() -> None:
    assert squad2_f1(None, ()) == 1.0 and squad2_f1("x", ()) == 0.0
    assert squad2_f1(None, ("Rina Hartono",)) == 0.0
    assert squad2_f1("Wali Kota Rina Hartono", ("Rina Hartono",)) == pytest.approx(2 / 3)


def test_facqa_held_out_fifth_ignores_spacing() -> None:
    assert facqa_held_out("G - 8 bertemu di Roma .") == facqa_held_out("G-8 bertemu di Roma.")
    picks = [facqa_held_out(f"passage number {i}") for i in range(1000)]
    assert 150 < sum(picks) < 250


def test_any_transformers_qa_folder_reads_through_the_same_code(tiny_base: Path, tmp_path: Path) -> None:
    from transformers import AutoTokenizer, BertForQuestionAnswering

    folder = tmp_path / "plain-qa"
    BertForQuestionAnswering.from_pretrained(str(tiny_base)).save_pretrained(folder)
    AutoTokenizer.from_pretrained(str(tiny_base)).save_pretrained(folder)
    reader = Reader(str(folder))
    spans = reader.read("Siapa wali kota?", [CONTEXT, "Jembatan itu panjang."])
    assert reader.name == str(folder) and {s.passage for s in spans} == {0, 1}
    assert all(s.text == [CONTEXT, "Jembatan itu panjang."][s.passage][s.start:s.end] for s in spans)
    assert Decider.for_reader(reader.folder) == Decider.margin_rule()  # no calibration shipped


def test_the_reader_shares_the_embedders_tokenizer_and_word_embeddings(embedder, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import torch

    import index.embedder as emb
    from qa.reading.model import load_reader_model

    assert embedder.model is not None  # the embedder's SentenceTransformer is loaded
    tokenizer, model, _ = load_reader_model()
    shared = emb.shared_parts(emb.packaged_model_path())
    assert shared is not None and tokenizer is shared[0]
    assert model.bert.embeddings.word_embeddings.weight is shared[1]
    monkeypatch.setattr(emb, "_LOADED", {})
    own_tokenizer, alone, _ = load_reader_model()
    assert own_tokenizer is not tokenizer and alone.bert.embeddings.word_embeddings.weight is not shared[1]
    ids = tokenizer("Siapa asisten pemerintah Rusia?", "Asisten pemerintah Rusia, Yuri Ushakov, berkata.",
                    return_tensors="pt")
    with torch.no_grad():
        a, b = model(**ids), alone(**ids)
    assert torch.equal(a.start_logits, b.start_logits) and torch.equal(a.end_logits, b.end_logits)
