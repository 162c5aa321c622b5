"""ganlib.text against enumeration: on a tiny vocabulary every sequence can be listed,
so probabilities, expectations and exact gradients are sums, not estimates."""

from __future__ import annotations

import itertools

import ganlib  # noqa: F401  (before torch: ganlib sets OMP_WAIT_POLICY, see ganlib/__init__.py)
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import stats

from ganlib import text

V, T = 3, 3


def all_sequences(v=V, t=T) -> torch.Tensor:
    return torch.tensor(list(itertools.product(range(v), repeat=t)))  # (v^t, t)


def chi2_p(seen, p) -> float:
    """Pearson's chi-square p-value of the counts ``seen`` against probabilities ``p``."""
    seen, p = np.asarray(seen, dtype=float), np.asarray(p, dtype=float)
    return stats.chisquare(seen, seen.sum() * p / p.sum()).pvalue


def counts(samples: torch.Tensor, v=V) -> np.ndarray:
    """How often each sequence of all_sequences() occurs (base-v index)."""
    index = (samples * v ** torch.arange(samples.shape[1] - 1, -1, -1)).sum(1)
    return np.bincount(index.numpy(), minlength=v ** samples.shape[1])


@pytest.fixture(scope="module")
def oracle():
    return text.OracleLSTM(V, 8, T, seed=0)


@pytest.mark.parametrize("temperature", [1.0, 0.5, 2.0])
def test_probabilities_of_all_sequences_sum_to_one(oracle, temperature):
    for model in (oracle, text.OracleLSTM(4, 6, 4, seed=3), text.SequenceGenerator(V, T)):
        seqs = all_sequences(model.vocab_size, model.seq_len)
        total = torch.logsumexp(model.log_prob(seqs, temperature), 0)
        assert abs(total.item()) < 1e-5, total


def test_oracle_is_seeded_and_far_from_uniform(oracle):
    again = text.OracleLSTM(V, 8, T, seed=0)
    other = text.OracleLSTM(V, 8, T, seed=1)
    seqs = all_sequences()
    torch.testing.assert_close(oracle.log_prob(seqs), again.log_prob(seqs))
    assert not torch.allclose(oracle.log_prob(seqs), other.log_prob(seqs))
    assert all(not p.requires_grad for p in oracle.parameters())
    p = oracle.log_prob(seqs).exp()
    assert p.max() > 5 / len(seqs)  # N(0, 1) weights: a peaked distribution


@pytest.mark.parametrize("temperature", [1.0, 0.5, 2.0])
def test_samples_follow_log_prob_chi_square(oracle, temperature):
    n = 20_000
    seen = counts(oracle.sample(n, temperature, generator=torch.Generator().manual_seed(0)))
    p = oracle.log_prob(all_sequences(), temperature).exp().double().numpy()
    assert chi2_p(seen, p) > 1e-3
    q = oracle.log_prob(all_sequences(), 1.5 * temperature).exp().double().numpy()  # the wrong τ
    assert chi2_p(seen, q) < 1e-6  # the test can fail


def test_prefix_is_kept_and_the_rest_follows_the_conditional(oracle):
    n = 12_000
    prefix = torch.tensor([[2, 0, 1]]).repeat(n, 1)
    lengths = torch.full((n,), 2)
    done = oracle.sample(n, prefix=prefix, prefix_len=lengths, generator=torch.Generator().manual_seed(1))
    assert (done[:, :2] == prefix[:, :2]).all()
    seqs = torch.tensor([[2, 0, k] for k in range(V)])
    p = oracle.step_log_probs(seqs)[:, 2].exp().double().numpy()  # π(x_3 | 2, 0)
    assert abs(p.sum() - 1) < 1e-6
    assert chi2_p(np.bincount(done[:, 2].numpy(), minlength=V), p) > 1e-3


def test_sampling_cuts_the_gradient():
    G = text.SequenceGenerator(V, T)
    x = G.sample(4)
    assert x.dtype == torch.long and not x.requires_grad
    assert F.one_hot(x, V).float().grad_fn is None  # nothing to backpropagate into G


def flat_grad(G, loss):
    G.zero_grad()
    loss.backward()
    return torch.cat([p.grad.flatten() for p in G.parameters()]).clone()


def counts_index(x, v=V):
    return (x * v ** torch.arange(x.shape[1] - 1, -1, -1)).sum(1)


def setting(offset=0.0):
    """A tiny G, a reward for each of the 27 sequences, the exact gradient of E[r] and E[r]."""
    torch.manual_seed(0)
    G = text.SequenceGenerator(V, T, embed_size=4, hidden_size=4)
    reward = offset + torch.rand(V**T)
    seqs = all_sequences()
    exact = flat_grad(G, (G.log_prob(seqs).exp() * reward).sum())  # ∇θ Σ_x p(x) r(x)
    mean_r = (G.log_prob(seqs).exp() * reward).sum().item()
    return G, reward, exact, mean_r


def per_sample_estimates(G, reward, baseline, n=20_000, sign=1.0):
    """(r(x_i) − b) ∇θ log p(x_i) for n samples x_i ~ G, via the gradient of reinforce_loss."""
    seqs = all_sequences()
    score = torch.stack([flat_grad(G, -text.reinforce_loss(G.log_prob(seqs[i:i + 1]), torch.ones(1)))
                         for i in range(len(seqs))])  # (27, params): ∇ log p(x) for every x
    idx = counts_index(G.sample(n, generator=torch.Generator().manual_seed(5)))
    return sign * (reward[idx] - baseline)[:, None] * score[idx]  # (n, params)


@pytest.mark.parametrize("use_baseline", [False, True])
def test_reinforce_mean_matches_the_exact_gradient_within_its_standard_error(use_baseline):
    G, reward, exact, mean_r = setting()
    b = mean_r if use_baseline else 0.0
    x = G.sample(64, generator=torch.Generator().manual_seed(1))  # one batch, through reinforce_loss
    batch = flat_grad(G, -text.reinforce_loss(G.log_prob(x), reward[counts_index(x)], b))
    rows = per_sample_estimates(G, reward, b)
    idx = counts_index(x)
    score_x = torch.stack([flat_grad(G, -text.reinforce_loss(G.log_prob(x[i:i + 1]), torch.ones(1)))
                           for i in range(len(x))])
    torch.testing.assert_close(batch, ((reward[idx] - b)[:, None] * score_x).mean(0))  # the formula
    se = rows.std(0) / len(rows) ** 0.5
    z = (rows.mean(0) - exact) / se
    assert z.abs().max() < 4.5, z.abs().max()
    assert 0.3 < (z**2).mean() < 2.0  # variance 1 (correlated coordinates: loose)
    wrong = per_sample_estimates(G, reward, b, sign=-1.0)  # the wrong sign is caught
    assert ((wrong.mean(0) - exact) / se).abs().max() > 10


def test_a_baseline_lowers_the_variance():
    G, reward, exact, mean_r = setting(offset=5.0)  # a large offset: the plain estimator is noisy
    plain = per_sample_estimates(G, reward, 0.0, n=5000).var(0).sum()
    based = per_sample_estimates(G, reward, mean_r, n=5000).var(0).sum()
    assert based < 0.2 * plain, (based, plain)


def test_reinforce_loss_broadcasts_a_sequence_reward():
    lp = torch.randn(5, T, requires_grad=True)
    r = torch.randn(5)
    torch.testing.assert_close(text.reinforce_loss(lp, r), -(r * lp.sum(1)).mean())
    torch.testing.assert_close(text.reinforce_loss(lp, r[:, None].expand(5, T), 0.5),
                               -((r - 0.5) * lp.sum(1)).mean())
    text.reinforce_loss(lp, r).backward()
    torch.testing.assert_close(lp.grad, -(r[:, None] / 5).expand(5, T))


def test_mc_rewards_match_the_exact_expected_score():
    torch.manual_seed(1)
    G = text.SequenceGenerator(V, T, embed_size=4, hidden_size=4)
    D = text.SequenceDiscriminator(V, embed_size=4, hidden_size=4)
    seqs = all_sequences()
    with torch.no_grad():
        score, p = torch.sigmoid(D(seqs)), G.log_prob(seqs).exp()
    x = torch.tensor([[0, 2, 1], [1, 1, 0]])
    q = text.mc_rewards(G, D, x, 4000, generator=torch.Generator().manual_seed(2))
    assert q.shape == (2, T)
    for i, row in enumerate(x):
        for t in range(1, T + 1):  # E[σ(D(x)) | x_1..x_t] by enumeration
            match = (seqs[:, :t] == row[:t]).all(1)
            exact = (p[match] * score[match]).sum() / p[match].sum()
            assert abs(q[i, t - 1] - exact) < 0.01, (i, t, q[i, t - 1], exact)


@pytest.mark.parametrize("tau", [0.1, 0.5, 1.0, 5.0])
def test_gumbel_softmax_hard_samples_follow_softmax_for_every_tau(tau):
    torch.manual_seed(0)
    logits = torch.tensor([1.0, -0.5, 0.3, 2.0, 0.0]).repeat(20_000, 1)
    hard = F.gumbel_softmax(logits, tau=tau, hard=True)
    assert torch.all(hard.sum(1) == 1) and set(hard.unique().tolist()) == {0.0, 1.0}
    seen = hard.sum(0).numpy()
    p = torch.softmax(logits[0], 0).double().numpy()
    assert chi2_p(seen, p) > 1e-3
    if tau != 1.0:  # softmax(logits / τ) is not what the argmax follows
        q = torch.softmax(logits[0] / tau, 0).double().numpy()
        assert chi2_p(seen, q) < 1e-6


def test_soft_samples_carry_gradient():
    logits = torch.randn(4, 5, requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5)
    torch.testing.assert_close(soft.sum(1), torch.ones(4))
    (soft * torch.arange(5.0)).sum().backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0
    G, D = text.SequenceGenerator(V, T), text.SequenceDiscriminator(V)
    y = G.sample_relaxed(6, 0.5)
    assert y.shape == (6, T, V)
    torch.testing.assert_close(y.sum(-1), torch.ones(6, T))
    D(y).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in G.parameters())


def test_oracle_nll_of_oracle_samples_is_its_entropy_per_token(oracle):
    seqs = all_sequences()
    logp = oracle.log_prob(seqs)
    entropy = -(logp.exp() * logp).sum().item() / T  # exact, by enumeration
    x = oracle.sample(20_000, generator=torch.Generator().manual_seed(3))
    se = (oracle.log_prob(x) / T).std().item() / len(x) ** 0.5
    assert abs(text.oracle_nll(oracle, x) - entropy) < 4 * se
    assert text.reverse_nll(oracle, x) == pytest.approx(text.oracle_nll(oracle, x))
    one = seqs[logp.argmax()].repeat(10, 1)  # the most likely sequence, repeated
    assert text.oracle_nll(oracle, one) < entropy  # low NLL without any diversity


def test_discriminator_is_causal_and_reads_one_hots():
    D = text.SequenceDiscriminator(5)
    x = torch.randint(5, (4, 6))
    y = x.clone()
    y[:, 4:] = (y[:, 4:] + 1) % 5  # change the last two tokens
    torch.testing.assert_close(D.step_logits(x)[:, :4], D.step_logits(y)[:, :4])
    assert not torch.allclose(D.step_logits(x)[:, 4:], D.step_logits(y)[:, 4:])
    torch.testing.assert_close(D(x), D.step_logits(x)[:, -1])
    torch.testing.assert_close(D(F.one_hot(x, 5).float()), D(x))


def test_mle_learns_the_oracle():
    oracle = text.OracleLSTM(V, 8, T, seed=2)
    data = oracle.sample(3000, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    G = text.SequenceGenerator(V, T, embed_size=8, hidden_size=16)
    seqs = all_sequences()

    def kl():  # KL(p_oracle || p_G), exact
        with torch.no_grad():
            lp, lq = oracle.log_prob(seqs), G.log_prob(seqs)
        return (lp.exp() * (lp - lq)).sum().item()

    before = kl()
    losses = text.pretrain_mle(G, data, epochs=6, batch_size=128, lr=3e-2)
    assert losses[-1] < losses[0]
    assert kl() < 0.03 < before, (kl(), before)


@pytest.mark.parametrize("kind", ["seqgan", "dense", "gumbel"])
def test_train_text_gan_runs_and_records(kind):
    oracle = text.OracleLSTM(5, 8, 4, seed=0)
    real = oracle.sample(200)
    G, D = text.SequenceGenerator(5, 4), text.SequenceDiscriminator(5)
    h = text.train_text_gan(G, D, real, kind=kind, steps=3, batch_size=8, n_rollouts=2, tau_end=0.5,
                            evaluate=lambda g: text.oracle_nll(oracle, g.sample(50)), eval_every=2)
    assert h.log["step"] == [1, 2, 3]
    assert all(0 <= a <= 1 for a in h.log["d_acc"]) and all(0 < r < 1 for r in h.log["reward"])
    assert [s for s, _ in h.evals] == [2, 3] and all(np.isfinite(v) for _, v in h.evals)
