import math
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from embedlab.errors import EmbedlabError
from embedlab.imdb.batches import LMBatches
from embedlab.imdb.generate import sample
from embedlab.imdb.model import (
    AWDLSTMEncoder,
    EmbeddingDropout,
    LanguageModel,
    LockedDropout,
    SentimentClassifier,
    WeightDropout,
    discriminative_lrs,
    freeze_to,
    geometric_cutoffs,
    layer_groups,
    load_encoder,
)
from embedlab.imdb.tokenize import SPECIAL_TOKENS
from embedlab.imdb.vocab import PAD_ID, UNK_ID
from embedlab.training import fit

WORDS = "the quick brown fox jumps over lazy dog .".split()
VOCAB = [*SPECIAL_TOKENS, *WORDS]
NO_DROPOUT = {"input_p": 0.0, "hidden_p": 0.0, "weight_p": 0.0, "embed_p": 0.0}
HEAD_PS = (0.4, 0.1)


def encoder(seed=0, vocab_size=len(VOCAB), emb_size=16, layers=3, **dropouts):
    torch.manual_seed(seed)
    return AWDLSTMEncoder(vocab_size, emb_size, 24, layers, **(dropouts or NO_DROPOUT))


def test_locked_dropout_keeps_one_mask_across_time():
    torch.manual_seed(0)
    drop = LockedDropout(0.5)
    out = drop(torch.ones(4, 10, 32))
    assert (out == 0).any() and (out == 2).any()
    assert torch.equal(out, out[:, :1].expand_as(out))
    assert torch.equal(drop.eval()(out), out)


def test_embedding_dropout_drops_whole_words():
    torch.manual_seed(0)
    emb = EmbeddingDropout(10, 8, padding_idx=PAD_ID, p=0.5)
    words = torch.tensor([[3, 4, 3, 5, 4, 3, 6, 7, 8, 9]])
    out = emb(words)[0]
    for w in words[0].unique():
        rows = out[words[0] == w]
        assert (rows == 0).all() or torch.allclose(rows, 2 * emb.weight[w].expand_as(rows))
    assert (out == 0).all(1).any() and (out != 0).any(1).any()
    assert torch.equal(emb.eval()(words), emb.weight[words])


def test_weight_dropout_changes_training_outputs_only():
    torch.manual_seed(0)
    lstm = nn.LSTM(6, 6, batch_first=True)
    raw = lstm.weight_hh_l0.detach().clone()
    drop = WeightDropout(lstm, 0.5)
    x = torch.randn(3, 7, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        first, second = drop(x)[0], drop(x)[0]
        assert not torch.allclose(first, second)
        first.sum().backward()
        assert lstm.weight_hh_l0.grad.abs().sum() > 0
        assert torch.equal(lstm.weight_hh_l0, raw)
        drop.eval()
        assert torch.equal(drop(x)[0], lstm(x)[0]) and torch.equal(drop(x)[0], drop(x)[0])
    assert [name for name, _ in drop.named_parameters()][:2] == ["module.weight_ih_l0", "module.weight_hh_l0"]


def test_encoder_carries_detached_state_until_reset():
    enc = encoder()
    a, b = torch.randint(8, len(VOCAB), (2, 2, 5))
    enc(a)
    carried = enc(b)
    assert all(not t.requires_grad for pair in enc.hidden for t in pair)
    enc.reset()
    assert not torch.allclose(enc(b), carried)


@pytest.mark.parametrize("cutoffs", [None, (9,)])
def test_decoder_is_the_embedding(cutoffs):
    lm = LanguageModel(encoder(), output_p=0.0, cutoffs=cutoffs)
    assert lm.decoder_weight is lm.encoder.embedding.weight
    # Word 12 is only ever a target, so only the decoder can send gradient to its row.
    x, y = torch.full((2, 6), 10), torch.full((2, 6), 12)
    lm.loss(lm(x), y).backward()
    assert lm.encoder.embedding.weight.grad[12].abs().sum() > 0


def test_adaptive_softmax_is_a_distribution_and_matches_its_loss():
    torch.manual_seed(0)
    lm = LanguageModel(encoder(), output_p=0.0, cutoffs=(9, 13))
    x, y = torch.randint(0, len(VOCAB), (2, 3, 8))
    out = lm(x)
    log_p = lm.log_probs(out)
    assert log_p.shape == (3, 8, len(VOCAB))
    torch.testing.assert_close(log_p.logsumexp(-1), torch.zeros(3, 8), atol=1e-5, rtol=0)
    expected = -log_p.gather(-1, y[..., None]).mean()
    torch.testing.assert_close(lm.loss(out, y), expected)


def test_geometric_cutoffs_double_below_the_vocabulary():
    assert geometric_cutoffs(5000) == (1000, 2000, 4000)
    assert geometric_cutoffs(17, first=4) == (4, 8, 16)
    assert geometric_cutoffs(1000) == ()


def test_bad_cutoffs_raise():
    with pytest.raises(EmbedlabError, match="cutoffs"):
        LanguageModel(encoder(), output_p=0.0, cutoffs=(9, 5))


@pytest.mark.parametrize("cutoffs", [None, (10,)])
def test_tiny_language_model_learns_a_repeated_text(cutoffs):
    text = [VOCAB.index("xxbos"), *(VOCAB.index(w) for w in WORDS)] * 80
    # One layer: with AWD-LSTM's small embedding init (+-0.1) and tied weights, a model this
    # tiny with more layers sits at the uniform loss for a hundred steps or more first.
    lm = LanguageModel(encoder(emb_size=32, layers=1), output_p=0.0, cutoffs=cutoffs)
    train = LMBatches(np.array(text), batch_size=4, bptt=20, seed=0)
    valid = LMBatches(np.array(text), batch_size=4, bptt=20, seed=1, variable=False)
    history = fit(lm, train, valid, lm.loss, epochs=6, lr=3e-2, weight_decay=0.0,
                  device=torch.device("cpu"), betas=(0.7, 0.99), clip=0.3)
    assert 6 * len(train) <= 60  # a few dozen steps
    assert history[-1]["valid_loss"] < 0.2 * math.log(len(VOCAB))


def _two_models():
    lm = LanguageModel(encoder(seed=1), output_p=0.1)
    clf = SentimentClassifier(encoder(seed=2, input_p=0.4, hidden_p=0.3, weight_p=0.5, embed_p=0.05),
                              head_ps=HEAD_PS)
    return lm, clf


def test_classifier_encoder_loads_from_the_language_model():
    lm, clf = _two_models()
    lm_state = lm.encoder.state_dict()
    assert all(not torch.equal(v, clf.encoder.state_dict()[k]) for k, v in lm_state.items())
    words = torch.randint(8, len(VOCAB), (4, 30))
    before = clf.eval()(words)
    load_encoder(clf, lm.state_dict())
    for key, value in clf.encoder.state_dict().items():
        assert torch.equal(value, lm_state[key]), key
        assert value.data_ptr() != lm_state[key].data_ptr(), "copied, not shared"
    assert not torch.allclose(clf(words), before)


def test_load_encoder_refuses_another_vocabulary():
    lm = LanguageModel(encoder(vocab_size=len(VOCAB) + 5), output_p=0.1)
    clf = SentimentClassifier(encoder(), head_ps=HEAD_PS)
    with pytest.raises(EmbedlabError, match="same vocabulary"):
        load_encoder(clf, lm.state_dict())


def test_pooling_reads_chunks_like_one_pass_and_ignores_right_padding():
    clf = SentimentClassifier(encoder(), head_ps=HEAD_PS, bptt=7, max_len=15).eval()
    words = torch.randint(8, len(VOCAB), (2, 40))
    words[1, 25:] = PAD_ID
    with torch.no_grad():
        pooled = clf.pool(words)
        for row, (length, start) in enumerate([(40, 25), (25, 10)]):
            clf.encoder.reset()
            out = clf.encoder(words[row : row + 1, :length])[0]
            expected = torch.cat([out[-1], out[start:].amax(0), out[start:].mean(0)])
            torch.testing.assert_close(pooled[row], expected)


def test_a_20000_token_review_trains_in_bounded_memory():
    clf = SentimentClassifier(encoder(), head_ps=HEAD_PS, bptt=70, max_len=200)

    def saved_bytes(n_tokens):
        torch.manual_seed(0)
        words = torch.randint(8, len(VOCAB), (2, n_tokens))
        total = 0

        def pack(t):
            nonlocal total
            total += t.numel() * t.element_size()
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            logits = clf(words)
        nn.functional.cross_entropy(logits, torch.tensor([0, 1])).backward()
        return total

    assert saved_bytes(20_000) < 1.5 * saved_bytes(300)


def test_freeze_to_trains_only_the_last_groups():
    clf = SentimentClassifier(encoder(), head_ps=HEAD_PS)
    groups = layer_groups(clf)
    assert len(groups) == 5  # embedding, 3 LSTMs, head
    assert sorted(map(id, (p for g in groups for p in g))) == sorted(map(id, clf.parameters()))
    for n, trainable in [(-1, [4]), (-2, [3, 4]), (-3, [2, 3, 4]), (0, [0, 1, 2, 3, 4])]:
        freeze_to(clf, n)
        assert [i for i, g in enumerate(groups) if all(p.requires_grad for p in g)] == trainable
        assert all(not p.requires_grad for i, g in enumerate(groups) if i not in trainable for p in g)
    with pytest.raises(EmbedlabError, match="freeze_to"):
        freeze_to(clf, 5)


def test_discriminative_lrs_decay_towards_the_input():
    assert discriminative_lrs(2.6e-2, 3, 2.6) == pytest.approx([1e-2 / 2.6, 1e-2, 2.6e-2])


def test_sampling_is_seeded_and_restores_the_model():
    lm = LanguageModel(encoder(), output_p=0.1)
    lm.train()
    prompt = ["xxbos", "the", "zebra"]
    words = sample(lm, VOCAB, prompt, n_words=12, temperature=1.0, seed=3)
    assert len(words) == 12 and set(words) <= set(VOCAB) - {VOCAB[UNK_ID], VOCAB[PAD_ID]}
    assert sample(lm, VOCAB, prompt, n_words=12, temperature=1.0, seed=3) == words
    assert sample(lm, VOCAB, prompt, n_words=12, temperature=1.0, seed=4) != words
    assert sample(lm, VOCAB, [], 5, temperature=0, seed=0) == sample(lm, VOCAB, [], 5, temperature=0, seed=1)
    assert lm.training and lm.encoder.hidden is None
    with pytest.raises(EmbedlabError):
        sample(lm, VOCAB[:-1], prompt, n_words=3)
