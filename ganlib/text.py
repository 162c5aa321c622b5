r"""Discrete sequences: an oracle language model, REINFORCE and SeqGAN, Gumbel-softmax.

Chapter 11, "GANs for text and discrete data". A sequence
:math:`x = (x_1, \dots, x_T)` of tokens from a vocabulary of size :math:`V` is
generated one token at a time by a policy

.. math:: p_\theta(x) = \prod_{t=1}^{T} \pi_\theta(x_t \mid x_{<t}).

Sampling a token is not differentiable, so a discriminator's gradient cannot reach
:math:`\theta` through the sample. Two ways round it are implemented here:

* **REINFORCE** (the score function): :math:`\nabla_\theta \mathbb E_{p_\theta}[R(x)]
  = \mathbb E_{p_\theta}[(R(x) - b)\, \nabla_\theta \log p_\theta(x)]` for any
  baseline :math:`b` that does not depend on :math:`x`. SeqGAN (Yu et al. 2017)
  uses D's probability as the reward and gives every prefix :math:`x_{1:t}` the
  mean score of :math:`N` Monte Carlo completions (:func:`mc_rewards`); the dense
  variant asks a discriminator for one score per step (:func:`dense_g_step`).
* **Gumbel-softmax**: the generator emits relaxed one-hot vectors
  ``torch.nn.functional.gumbel_softmax(logits, tau)`` that D reads directly
  (:meth:`LanguageModel.sample_relaxed`).

Quality is measured with an **oracle**: a randomly initialised LSTM language model
(:class:`OracleLSTM`) plays the true distribution, so :func:`oracle_nll` (how likely
G's samples are under the truth) and :func:`reverse_nll` (how likely held-out true
samples are under G) are exact, not estimated by a proxy.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import checks
from .losses import bce_d_loss, nonsaturating_g_loss
from .train import frozen

__all__ = [
    "LanguageModel",
    "OracleLSTM",
    "SequenceGenerator",
    "SequenceDiscriminator",
    "oracle_nll",
    "reverse_nll",
    "mle_loss",
    "pretrain_mle",
    "reinforce_loss",
    "mc_rewards",
    "seqgan_g_step",
    "dense_g_step",
    "gumbel_g_step",
    "text_d_step",
    "pretrain_discriminator",
    "TextHistory",
    "train_text_gan",
]

KINDS = ("seqgan", "dense", "gumbel")


def _tokens(tokens: object, name: str, vocab_size: int, seq_len: int | None = None) -> Tensor:
    """A LongTensor (n, T) of token ids in [0, vocab_size); T = seq_len if given."""
    if not isinstance(tokens, Tensor) or tokens.dtype != torch.long:
        raise TypeError(f"{name} must be a LongTensor of token ids, shape (n, T); got {checks._got(tokens)}")
    if tokens.dim() != 2 or len(tokens) == 0 or (seq_len is not None and tokens.shape[1] != seq_len):
        want = f"(n, {seq_len})" if seq_len is not None else "(n, T)"
        raise ValueError(f"{name} must have shape {want} with n >= 1; got {tuple(tokens.shape)}")
    if tokens.min() < 0 or tokens.max() >= vocab_size:
        raise ValueError(f"{name} must hold token ids in [0, {vocab_size}); "
                         f"got values in [{tokens.min().item()}, {tokens.max().item()}]")
    return tokens


# --- the autoregressive model: oracle and generator share it ---------------------------


class LanguageModel(nn.Module):
    r"""An LSTM language model :math:`\pi(x_t \mid x_{<t}) = \mathrm{softmax}(W h_t + c)`.

    vocab_size: V tokens, ids 0..V-1 (id V is the start symbol, fed before x_1);
    seq_len: T, every sequence has exactly T tokens; embed_size, hidden_size: E, H.
    ``temperature`` τ > 0 divides the logits: τ < 1 sharpens π, τ > 1 flattens it.
    """

    def __init__(self, vocab_size: int, seq_len: int, *, embed_size: int = 32, hidden_size: int = 32):
        super().__init__()
        self.vocab_size = checks.integer(vocab_size, "vocab_size", low=2, what="an int >= 2")
        self.seq_len = checks.positive_int(seq_len, "seq_len")
        embed_size = checks.positive_int(embed_size, "embed_size")
        hidden_size = checks.positive_int(hidden_size, "hidden_size")
        self.embed = nn.Embedding(self.vocab_size + 1, embed_size)  # + the start symbol
        self.lstm = nn.LSTM(embed_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, self.vocab_size)

    def logits(self, tokens: Tensor, temperature: float = 1.0) -> Tensor:
        """Teacher forcing: the logits of π(· | x_<t) at every t, shape (n, T, V)."""
        tokens = _tokens(tokens, "tokens", self.vocab_size, self.seq_len)
        temperature = checks.positive(temperature, "temperature")
        start = torch.full_like(tokens[:, :1], self.vocab_size)  # (n, 1)
        inputs = torch.cat([start, tokens[:, :-1]], dim=1)  # (n, T): x_0 = start, x_1..x_{T-1}
        hidden, _ = self.lstm(self.embed(inputs))  # (n, T, H)
        return self.head(hidden) / temperature  # (n, T, V)

    def step_log_probs(self, tokens: Tensor, temperature: float = 1.0) -> Tensor:
        """log π(x_t | x_<t) for every t, shape (n, T); differentiable in θ."""
        log_pi = F.log_softmax(self.logits(tokens, temperature), dim=-1)  # (n, T, V)
        return log_pi.gather(-1, tokens[..., None])[..., 0]  # (n, T)

    def log_prob(self, tokens: Tensor, temperature: float = 1.0) -> Tensor:
        """log p(x) = Σ_t log π(x_t | x_<t), shape (n,)."""
        return self.step_log_probs(tokens, temperature).sum(dim=1)

    @torch.no_grad()
    def sample(self, n: int, temperature: float = 1.0, *, prefix: Tensor | None = None,
               prefix_len: Tensor | None = None, generator: torch.Generator | None = None) -> Tensor:
        """n sequences x ~ p(x) at temperature τ, a LongTensor (n, T).

        prefix, prefix_len: keep ``prefix[i, :prefix_len[i]]`` and sample only the rest
        (SeqGAN's Monte Carlo completions; every row may have its own prefix length).
        """
        n = checks.positive_int(n, "n")
        temperature = checks.positive(temperature, "temperature")
        checks.generator(generator)
        if (prefix is None) != (prefix_len is None):
            raise ValueError("prefix and prefix_len must be given together")
        if prefix is not None:
            prefix = _tokens(prefix, "prefix", self.vocab_size, self.seq_len)
            if not isinstance(prefix_len, Tensor) or prefix_len.shape != (n,) or prefix_len.dtype != torch.long:
                raise ValueError(f"prefix_len must be a LongTensor of shape ({n},); got {checks._got(prefix_len)}")
            if len(prefix) != n:
                raise ValueError(f"prefix must have n = {n} rows; got {len(prefix)}")
        device = self.head.weight.device
        x = torch.full((n,), self.vocab_size, dtype=torch.long, device=device)  # the start symbol
        tokens, state = torch.empty(n, self.seq_len, dtype=torch.long, device=device), None
        for t in range(self.seq_len):
            out, state = self.lstm(self.embed(x)[:, None], state)  # (n, 1, H)
            probs = F.softmax(self.head(out[:, 0]) / temperature, dim=-1)  # (n, V)
            u = torch.rand(n, 1, generator=generator, device=device)  # (n, 1)
            x = (probs.cumsum(-1) < u).sum(-1).clamp(max=self.vocab_size - 1)  # inverse CDF: P(x = k) = π_k
            if prefix is not None:
                x = torch.where(t < prefix_len, prefix[:, t], x)  # inside the prefix: keep it
            tokens[:, t] = x
        return tokens

    def sample_relaxed(self, n: int, tau: float, *, hard: bool = False) -> Tensor:
        r"""n relaxed sequences, shape (n, T, V): y_t = softmax((log π_t + g_t) / τ).

        g_t are Gumbel(0, 1) noises (``F.gumbel_softmax``); y_t is fed back to the
        LSTM as the mixture of embeddings y_t E, so the output is differentiable in θ.
        hard: one-hot forward, soft gradient backward (straight-through Gumbel).
        """
        n = checks.positive_int(n, "n")
        tau = checks.positive(tau, "tau")
        checks.boolean(hard, "hard")
        table = self.embed.weight[: self.vocab_size]  # (V, E): the token embeddings
        inp = self.embed.weight[self.vocab_size].expand(n, -1)  # (n, E): the start symbol
        ys, state = [], None
        for _ in range(self.seq_len):
            out, state = self.lstm(inp[:, None], state)  # (n, 1, H)
            y = F.gumbel_softmax(self.head(out[:, 0]), tau=tau, hard=hard)  # (n, V)
            ys.append(y)
            inp = y @ table  # (n, E)
        return torch.stack(ys, dim=1)  # (n, T, V)


class OracleLSTM(LanguageModel):
    r"""The "true" distribution of the synthetic experiment (SeqGAN's oracle).

    An LSTM language model whose every weight is drawn i.i.d. N(0, std²) (std = 1 as
    in SeqGAN) from ``seed``, then frozen. ``sample(n, temperature)`` and
    ``log_prob(tokens)`` as in :class:`LanguageModel`; embed_size defaults to
    hidden_size.
    """

    def __init__(self, vocab_size: int, hidden_size: int, seq_len: int, seed: int, *,
                 embed_size: int | None = None, std: float = 1.0):
        embed_size = hidden_size if embed_size is None else embed_size
        super().__init__(vocab_size, seq_len, embed_size=embed_size, hidden_size=hidden_size)
        seed = checks.nonnegative_int(seed, "seed")
        std = checks.positive(std, "std")
        gen = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=gen) * std)
        self.requires_grad_(False).eval()


class SequenceGenerator(LanguageModel):
    """The trainable generator G: a :class:`LanguageModel` with PyTorch's default init.

    Trained by :func:`pretrain_mle` (teacher forcing), then adversarially by
    :func:`train_text_gan` (REINFORCE with Monte Carlo or dense rewards, or Gumbel-softmax).
    """


class SequenceDiscriminator(nn.Module):
    """D: a GRU over token embeddings, one logit per step and per sequence.

    Reads a LongTensor of ids (n, T) or relaxed one-hots (n, T, V) (Gumbel-softmax);
    ``step_logits`` (n, T): the logit after reading x_1..x_t (a causal score of the
    prefix, for dense rewards); ``forward`` (n,): the logit of the whole sequence.
    """

    def __init__(self, vocab_size: int, *, embed_size: int = 32, hidden_size: int = 32):
        super().__init__()
        self.vocab_size = checks.integer(vocab_size, "vocab_size", low=2, what="an int >= 2")
        self.embed = nn.Embedding(self.vocab_size, checks.positive_int(embed_size, "embed_size"))
        self.gru = nn.GRU(embed_size, checks.positive_int(hidden_size, "hidden_size"), batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def _embed(self, x: Tensor) -> Tensor:
        if isinstance(x, Tensor) and x.is_floating_point():
            if x.dim() != 3 or x.shape[-1] != self.vocab_size:
                raise ValueError(f"x must be ids (n, T) or one-hots (n, T, {self.vocab_size}); got {tuple(x.shape)}")
            return x @ self.embed.weight  # (n, T, E): mixtures of embeddings
        return self.embed(_tokens(x, "x", self.vocab_size))  # (n, T, E)

    def step_logits(self, x: Tensor) -> Tensor:
        """The logit of every prefix x_1..x_t, shape (n, T)."""
        hidden, _ = self.gru(self._embed(x))  # (n, T, H)
        return self.head(hidden)[..., 0]  # (n, T)

    def forward(self, x: Tensor) -> Tensor:
        """The logit of the whole sequence, shape (n,)."""
        return self.step_logits(x)[:, -1]


# --- measuring quality and diversity against the oracle ----------------------------------


def _model(value: object, name: str) -> LanguageModel:
    if not isinstance(value, LanguageModel):
        raise TypeError(f"{name} must be a ganlib.text.LanguageModel (OracleLSTM, SequenceGenerator); "
                        f"got {checks._got(value)}")
    return value


@torch.no_grad()
def oracle_nll(oracle: LanguageModel, samples: Tensor) -> float:
    r"""NLL_oracle = −(1/(nT)) Σ_i log p_oracle(x_i), per token, x_i ~ G (quality).

    As SeqGAN's code computes it. Low when G's samples are likely under the truth, but
    also low for a G that repeats the oracle's most likely sequence: it cannot see
    missing diversity.
    """
    oracle = _model(oracle, "oracle")
    samples = _tokens(samples, "samples", oracle.vocab_size, oracle.seq_len)
    return float(-oracle.log_prob(samples).mean() / oracle.seq_len)


@torch.no_grad()
def reverse_nll(model: LanguageModel, real: Tensor, temperature: float = 1.0) -> float:
    r"""NLL_test = −(1/(nT)) Σ_i log p_G(x_i), per token, x_i held-out oracle samples (diversity).

    G sampled at temperature τ has the distribution p_G^τ ∝ Π_t softmax(logits/τ);
    this scores the real sequences under that distribution. A G that misses part of
    the truth gives those sequences low probability, and this number rises.
    """
    model = _model(model, "model")
    real = _tokens(real, "real", model.vocab_size, model.seq_len)
    return float(-model.log_prob(real, temperature).mean() / model.seq_len)


# --- maximum likelihood ---------------------------------------------------------------------


def mle_loss(model: LanguageModel, tokens: Tensor) -> Tensor:
    """L_MLE = −(1/(nT)) Σ_i Σ_t log π_θ(x_it | x_i,<t), teacher forcing (chapter 11)."""
    return -_model(model, "model").step_log_probs(tokens).mean()


def pretrain_mle(G: LanguageModel, data: Tensor, *, epochs: int, batch_size: int = 64, lr: float = 1e-2,
                 seed: int = 0) -> list[float]:
    """Maximum-likelihood training of G on ``data`` (n, T) with Adam; returns the mean loss per epoch."""
    G = _model(G, "G")
    data = _tokens(data, "data", G.vocab_size, G.seq_len)
    epochs, batch_size = checks.positive_int(epochs, "epochs"), checks.positive_int(batch_size, "batch_size")
    opt = torch.optim.Adam(G.parameters(), lr=checks.positive(lr, "lr"))
    gen = torch.Generator().manual_seed(checks.nonnegative_int(seed, "seed"))
    losses = []
    for _ in range(epochs):
        order, total = torch.randperm(len(data), generator=gen), 0.0
        for idx in order.split(batch_size):
            loss = mle_loss(G, data[idx.to(data.device)])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        losses.append(total / len(data))
    return losses


# --- REINFORCE and SeqGAN's rewards ----------------------------------------------------------


def reinforce_loss(log_probs: Tensor, rewards: Tensor, baseline: Tensor | float = 0.0) -> Tensor:
    r"""L = −(1/n) Σ_i Σ_t (Q_it − b_t) log π_θ(x_it | x_i,<t)   (chapter 11, REINFORCE).

    Its gradient is the score-function estimate of −∇θ E[R]. log_probs: (n, T) (or (n,)
    for whole sequences), attached to θ; rewards Q: the same shape, or (n,) for one
    reward per sequence; baseline b: a number or a tensor that broadcasts (no gradient).
    """
    log_probs = checks.tensor(log_probs, "log_probs", dims=(1, 2))
    rewards = checks.tensor(rewards, "rewards", dims=(1, 2))
    if len(rewards) != len(log_probs):
        raise ValueError(f"rewards must have one row per sequence ({len(log_probs)}); got {len(rewards)}")
    if rewards.dim() < log_probs.dim():
        rewards = rewards[:, None]  # (n, 1): one reward for every step of the sequence
    advantage = (rewards - baseline).detach()  # (n, T): no gradient through the reward
    per_seq = (advantage * log_probs).reshape(len(log_probs), -1).sum(dim=1)  # (n,)
    return -per_seq.mean()


@torch.no_grad()
def mc_rewards(G: LanguageModel, D: nn.Module, tokens: Tensor, n_rollouts: int, *,
               generator: torch.Generator | None = None) -> Tensor:
    r"""SeqGAN's action values Q(x_<t, x_t), shape (n, T)   (Yu et al. 2017; chapter 11).

    Q_t = (1/N) Σ_k σ(D(x_1..x_t ∘ completion_k)) for t < T, N completions sampled from G;
    Q_T = σ(D(x)). All (T − 1) · N · n completions are drawn in one batch.
    """
    G = _model(G, "G")
    tokens = _tokens(tokens, "tokens", G.vocab_size, G.seq_len)
    n_rollouts = checks.positive_int(n_rollouts, "n_rollouts")
    n, T = tokens.shape
    prefix = tokens.repeat((T - 1) * n_rollouts, 1)  # (rows, T), rows = (T-1)·N·n; row r is tokens[r % n]
    lengths = torch.arange(1, T, device=tokens.device).repeat_interleave(n_rollouts * n)  # (rows,): t = 1..T-1
    done = G.sample(len(prefix), prefix=prefix, prefix_len=lengths, generator=generator)  # (rows, T)
    scores = torch.sigmoid(D(done)).view(T - 1, n_rollouts, n).mean(dim=1)  # (T-1, n)
    last = torch.sigmoid(D(tokens))[None]  # (1, n): the whole sequence, no rollout
    return torch.cat([scores, last]).T  # (n, T)


def seqgan_g_step(G: LanguageModel, D: nn.Module, opt_g: torch.optim.Optimizer, batch_size: int, *,
                  n_rollouts: int = 8, baseline: bool = True) -> tuple[float, Tensor]:
    """One policy-gradient update of G with Monte Carlo rewards (SeqGAN's generator step).

    baseline: subtract the batch mean of Q at each step (SeqGAN itself uses none).
    Returns the mean reward σ(D(x)) of the sampled batch and the batch (n, T).
    """
    tokens = G.sample(batch_size)  # (n, T), no gradient
    q = mc_rewards(G, D, tokens, n_rollouts)  # (n, T)
    b = q.mean(dim=0, keepdim=True) if baseline else 0.0  # (1, T)
    loss = reinforce_loss(G.step_log_probs(tokens), q, b)
    opt_g.zero_grad(set_to_none=True)
    loss.backward()
    opt_g.step()
    return q[:, -1].mean().item(), tokens


def dense_g_step(G: LanguageModel, D: nn.Module, opt_g: torch.optim.Optimizer, batch_size: int, *,
                 gamma: float = 0.9) -> tuple[float, Tensor]:
    r"""One update with dense per-step rewards (ScratchGAN, de Masson d'Autume et al. 2019).

    r_t = σ(D_t(x_1..x_t)), D's score of each prefix; the return
    R_t = Σ_{s ≥ t} γ^{s−t} r_s; baseline: the batch mean of R_t. No rollouts.
    """
    tokens = G.sample(batch_size)  # (n, T)
    with torch.no_grad():
        r = torch.sigmoid(D.step_logits(tokens))  # (n, T)
        returns, running = torch.empty_like(r), torch.zeros_like(r[:, 0])
        for t in reversed(range(r.shape[1])):  # R_t = r_t + γ R_{t+1}
            running = r[:, t] + gamma * running
            returns[:, t] = running
    loss = reinforce_loss(G.step_log_probs(tokens), returns, returns.mean(dim=0, keepdim=True))
    opt_g.zero_grad(set_to_none=True)
    loss.backward()
    opt_g.step()
    return r[:, -1].mean().item(), tokens


def gumbel_g_step(G: LanguageModel, D: nn.Module, opt_g: torch.optim.Optimizer, batch_size: int, *,
                  tau: float = 1.0) -> tuple[float, Tensor]:
    """One update through the Gumbel-softmax relaxation: L_G = −E log D(y), y relaxed one-hots.

    Returns the mean σ(D(y)) and the relaxed batch (n, T, V), detached.
    """
    fake = G.sample_relaxed(batch_size, tau)  # (n, T, V), attached to θ
    with frozen(D):  # the gradient flows through D; D stays put
        logits = D(fake)  # (n,)
    loss = nonsaturating_g_loss(logits)
    opt_g.zero_grad(set_to_none=True)
    loss.backward()
    opt_g.step()
    return torch.sigmoid(logits).mean().item(), fake.detach()


def text_d_step(D: nn.Module, opt_d: torch.optim.Optimizer, real: Tensor, fake: Tensor, *,
                per_step: bool = False) -> tuple[float, float]:
    """One update of D with binary cross-entropy: real sequences 1, G's 0.

    per_step: train every prefix's logit (for dense rewards), not only the last.
    Returns L_D, D's accuracy on this batch (half real, half fake, threshold 0), and
    the mean D(x) and D(G(z)) (probabilities), as chapter 2's history logs them.
    """
    if per_step:
        real_logits, fake_logits = D.step_logits(real).flatten(), D.step_logits(fake).flatten()
    else:
        real_logits, fake_logits = D(real), D(fake)
    loss = bce_d_loss(real_logits, fake_logits)
    opt_d.zero_grad(set_to_none=True)
    loss.backward()
    opt_d.step()
    acc = 0.5 * ((real_logits > 0).float().mean() + (fake_logits < 0).float().mean())
    d_real, d_fake = torch.sigmoid(real_logits).mean(), torch.sigmoid(fake_logits).mean()
    return loss.item(), acc.item(), d_real.item(), d_fake.item()


def pretrain_discriminator(D: nn.Module, G: LanguageModel, real: Tensor, *, steps: int, batch_size: int = 64,
                           lr: float = 1e-3, per_step: bool = False, seed: int = 0) -> list[float]:
    """Train D alone against a fixed G (SeqGAN's D pretraining); returns D's accuracy per step."""
    checks.module(D, "D")
    G = _model(G, "G")
    real = _tokens(real, "real", G.vocab_size, G.seq_len)
    steps, batch_size = checks.positive_int(steps, "steps"), checks.positive_int(batch_size, "batch_size")
    opt_d = torch.optim.Adam(D.parameters(), lr=checks.positive(lr, "lr"), betas=(0.5, 0.999))
    gen = torch.Generator().manual_seed(checks.nonnegative_int(seed, "seed"))
    pool = G.sample(min(steps * batch_size, 10 * len(real)), generator=gen)  # G's samples, drawn once
    accs = []
    for _ in range(steps):
        x = real[torch.randint(len(real), (batch_size,), generator=gen).to(real.device)]
        fake = pool[torch.randint(len(pool), (batch_size,), generator=gen).to(pool.device)]
        accs.append(text_d_step(D, opt_d, x, fake, per_step=per_step)[1])
    return accs


@dataclass
class TextHistory:
    """What :func:`train_text_gan` recorded, one entry per G step in ``log``; ``evals``: (step, value)."""

    log: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in (
        "step", "d_acc", "reward", "d_loss", "d_real", "d_fake")})
    evals: list[tuple[int, object]] = field(default_factory=list)
    seconds: float = 0.0


def train_text_gan(G: LanguageModel, D: nn.Module, real: Tensor, *, kind: str, steps: int, d_steps: int = 1,
                   batch_size: int = 64, lr_g: float = 1e-3, lr_d: float = 1e-3, seed: int = 0,
                   n_rollouts: int = 8, baseline: bool = True, gamma: float = 0.9, tau: float = 1.0,
                   tau_end: float | None = None, evaluate=None, eval_every: int = 0) -> TextHistory:
    """Adversarial training of a sequence G against D on the real sequences ``real`` (n, T).

    For each of ``steps`` iterations: one G step of ``kind`` ("seqgan": Monte Carlo
    rollouts; "dense": per-step rewards; "gumbel": Gumbel-softmax with τ annealed
    geometrically from ``tau`` to ``tau_end``), then ``d_steps`` D steps on fresh real
    and fake batches. evaluate(G) -> value is called every ``eval_every`` steps and
    at the end. Adam(β = (0.5, 0.999)) for both players.
    """
    G = _model(G, "G")
    checks.module(D, "D")
    real = _tokens(real, "real", G.vocab_size, G.seq_len)
    kind = checks.choice(kind, "kind", KINDS)
    steps, d_steps = checks.positive_int(steps, "steps"), checks.nonnegative_int(d_steps, "d_steps")
    batch_size = checks.positive_int(batch_size, "batch_size")
    tau_end = tau if tau_end is None else checks.positive(tau_end, "tau_end")
    eval_every = checks.nonnegative_int(eval_every, "eval_every")
    if evaluate is not None:
        checks.function(evaluate, "evaluate")
    opt_g = torch.optim.Adam(G.parameters(), lr=checks.positive(lr_g, "lr_g"), betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=checks.positive(lr_d, "lr_d"), betas=(0.5, 0.999))
    torch.manual_seed(checks.nonnegative_int(seed, "seed"))
    history, start = TextHistory(), time.perf_counter()
    for step in range(1, steps + 1):
        if kind == "seqgan":
            reward, _ = seqgan_g_step(G, D, opt_g, batch_size, n_rollouts=n_rollouts, baseline=baseline)
        elif kind == "dense":
            reward, _ = dense_g_step(G, D, opt_g, batch_size, gamma=gamma)
        else:
            t = tau * (tau_end / tau) ** ((step - 1) / max(steps - 1, 1))  # geometric annealing
            reward, _ = gumbel_g_step(G, D, opt_g, batch_size, tau=t)
        if d_steps:  # all of this iteration's real and fake batches, drawn at once
            reals = real[torch.randint(len(real), (d_steps * batch_size,), device=real.device)]
            if kind == "gumbel":  # D sees G's relaxed outputs, and real one-hots
                reals = F.one_hot(reals, G.vocab_size).float()  # (k·n, T, V)
                with torch.no_grad():
                    fakes = G.sample_relaxed(d_steps * batch_size, t)
            else:
                fakes = G.sample(d_steps * batch_size)  # (k·n, T)
        for x, fake in zip(reals.split(batch_size), fakes.split(batch_size)) if d_steps else ():
            loss_d, acc, d_real, d_fake = text_d_step(D, opt_d, x, fake, per_step=kind == "dense")
        log = history.log
        log["step"].append(step)
        log["reward"].append(reward)
        log["d_acc"].append(acc if d_steps else math.nan)
        log["d_loss"].append(loss_d if d_steps else math.nan)
        log["d_real"].append(d_real if d_steps else math.nan)
        log["d_fake"].append(d_fake if d_steps else math.nan)
        if evaluate is not None and ((eval_every and step % eval_every == 0) or step == steps):
            history.evals.append((step, evaluate(G)))
    history.seconds = time.perf_counter() - start
    return history
