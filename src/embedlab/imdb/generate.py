"""Text from the language model, one sampled word at a time."""
from __future__ import annotations

from typing import Sequence

import torch

from embedlab.errors import EmbedlabError
from embedlab.imdb.model import LanguageModel
from embedlab.imdb.vocab import BOS_ID, PAD_ID, UNK_ID, check_vocab_matches

# Never produced: padding is not text, and "unknown word" says nothing to a reader.
_NEVER = (UNK_ID, PAD_ID)


def sample(lm: LanguageModel, vocab: Sequence[str], prompt_tokens: Sequence[str], n_words: int,
           temperature: float = 1.0, seed: int = 0) -> list[str]:
    """`n_words` tokens continuing `prompt_tokens` (tokenized text; empty starts at xxbos).

    Each word is drawn from the model's distribution sharpened by `temperature` (< 1 is more
    conservative; 0 always takes the likeliest word), with a generator seeded by `seed`, so
    the same call gives the same text. The model's mode and state are restored afterwards.
    """
    check_vocab_matches(vocab, lm.vocab_size)
    if temperature < 0 or n_words < 0:
        raise EmbedlabError(
            f"temperature and n_words cannot be negative, got {temperature} and {n_words}"
        )
    index = {token: i for i, token in enumerate(vocab)}
    ids = [index.get(token, UNK_ID) for token in prompt_tokens] or [BOS_ID]
    generator = torch.Generator().manual_seed(seed)
    device = lm.bias.device
    was_training = lm.training
    lm.eval()
    lm.reset()
    words: list[int] = []
    try:
        with torch.no_grad():
            x = torch.tensor([ids], device=device)
            for _ in range(n_words):
                log_p = lm.log_probs(lm(x)[:, -1])[0].cpu()
                log_p[list(_NEVER)] = float("-inf")
                if temperature == 0:
                    word = int(log_p.argmax())
                else:
                    probs = torch.softmax(log_p / temperature, dim=-1)
                    word = int(torch.multinomial(probs, 1, generator=generator))
                words.append(word)
                x = torch.tensor([[word]], device=device)
    finally:
        lm.train(was_training)
        lm.reset()
    return [vocab[i] for i in words]
