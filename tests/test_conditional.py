"""Chapter 8's pieces against independent references: brute force, closed forms, scipy."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.stats
import torch
import torch.nn.functional as F

from ganlib import conditional, data, losses, metrics, nets, train


# --- cluster_accuracy: Hungarian vs brute force over every one-to-one map ----------------


def brute_force_cluster_accuracy(pred, labels):
    """max over injective maps cluster -> label of the fraction mapped right (all maps tried)."""
    pred, labels = np.asarray(pred), np.asarray(labels)
    clusters, classes = np.unique(pred), np.arange(labels.max() + 1)
    best = 0
    k = min(len(clusters), len(classes))
    for chosen in itertools.combinations(clusters, k):  # which clusters get a label
        for image in itertools.permutations(classes, k):
            mapping = dict(zip(chosen, image))
            hits = sum(mapping.get(p, -1) == y for p, y in zip(pred, labels))
            best = max(best, hits)
    return best / len(pred)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k_pred, k_true", [(3, 3), (4, 4), (5, 3), (3, 5)])
def test_cluster_accuracy_matches_brute_force(seed, k_pred, k_true):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k_true, 40)
    noisy = rng.permutation(k_pred)[labels % k_pred]  # a relabelled copy of the labels ...
    pred = np.where(rng.random(40) < 0.3, rng.integers(0, k_pred, 40), noisy)  # ... with 30 % noise
    assert metrics.cluster_accuracy(pred, labels) == pytest.approx(brute_force_cluster_accuracy(pred, labels))


def test_cluster_accuracy_is_invariant_to_renaming_and_not_to_errors():
    labels = torch.arange(30) % 3
    assert metrics.cluster_accuracy((labels + 1) % 3, labels) == 1.0  # renamed clusters: perfect
    assert metrics.cluster_accuracy(torch.zeros(30, dtype=torch.long), labels) == pytest.approx(1 / 3)  # one cluster
    assert metrics.cluster_accuracy(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])) == 0.5


@pytest.mark.parametrize("pred, labels, exc, name", [
    ([0, 1, 2], [0, 1], ValueError, "same length"),
    ([0, -1, 2], [0, 1, 2], ValueError, "pred"),
    ([0, 1, 2], [0, 1, -2], ValueError, "labels"),
    ([0.0, 1.0], [0, 1], TypeError, "pred"),
    (torch.tensor([0.0, 1.0]), [0, 1], TypeError, "pred"),
    ([], [], ValueError, "pred"),
    ([[0, 1]], [[0, 1]], ValueError, "pred"),
])
def test_cluster_accuracy_clear_errors(pred, labels, exc, name):
    with pytest.raises(exc, match=name):
        metrics.cluster_accuracy(pred, labels)


# --- label accuracy: a generator that ignores its label must fail ------------------------


class RealDigits(torch.nn.Module):
    """A 'generator' that returns a held-out real digit of the class asked for."""

    n_classes, z_dim = 10, 4

    def __init__(self):
        super().__init__()
        x, y = data.load_mnist("test")
        self.bank = [x[y == k] for k in range(10)]
        self.w = torch.nn.Parameter(torch.zeros(1))  # so that it has a device

    def forward(self, z, y):
        index = (z[:, 0].abs() * 1000).long()  # a different real digit for each z
        return torch.stack([self.bank[int(k)][int(i) % len(self.bank[int(k)])] for k, i in zip(y, index)])


def test_label_accuracy_passes_a_generator_that_obeys_and_fails_one_that_ignores():
    y = torch.arange(500) % 10
    z = torch.randn(500, 4, generator=torch.Generator().manual_seed(0))
    obeys = RealDigits()
    assert metrics.label_accuracy(obeys(z, y), y) >= 0.95
    blind = nets.LabelBlind(lambda_free := _FixedClass(obeys), n_classes=10)  # always draws a 3
    acc = metrics.label_accuracy(blind(z, y), y)
    assert acc < 0.2, acc  # only the requested 3s are right: about 1/10
    assert lambda_free is blind.net


class _FixedClass(torch.nn.Module):
    def __init__(self, gen):
        super().__init__()
        self.gen = gen

    def forward(self, z):
        return self.gen(z, torch.full((len(z),), 3))


def test_label_blind_ignores_its_label_but_checks_it():
    D = nets.MLPDiscriminator((1, 28, 28), hidden=(8,))
    blind = nets.LabelBlind(D, n_classes=10)
    x = torch.rand(5, 1, 28, 28)
    torch.testing.assert_close(blind(x, torch.zeros(5, dtype=torch.long)), blind(x, torch.full((5,), 9)))
    with pytest.raises(ValueError, match="y"):
        blind(x, torch.full((5,), 10))
    with pytest.raises(ValueError, match="y"):
        blind(x)


# --- losses: closed forms and explicit probabilities ----------------------------------------


def test_matching_aware_loss_against_bce_on_probabilities():
    g = torch.Generator().manual_seed(0)
    t_real, t_fake, t_mis = (torch.randn(16, generator=g) for _ in range(3))
    bce = F.binary_cross_entropy
    ref = (bce(torch.sigmoid(t_real), torch.ones(16))
           + 0.5 * bce(torch.sigmoid(t_fake), torch.zeros(16)) + 0.5 * bce(torch.sigmoid(t_mis), torch.zeros(16)))
    torch.testing.assert_close(losses.matching_aware_d_loss(t_real, t_fake, t_mis), ref)
    zero = torch.zeros(4)
    torch.testing.assert_close(losses.matching_aware_d_loss(zero, zero, zero), torch.tensor(2 * math.log(2)))
    # the mismatch term matters: a D that scores mismatched pairs as real pays for it
    assert losses.matching_aware_d_loss(zero, zero, zero + 5) > losses.matching_aware_d_loss(zero, zero, zero - 5) + 2


def test_info_nll_against_scipy_and_categorical():
    g = torch.Generator().manual_seed(1)
    logits, c = torch.randn(12, 10, generator=g), torch.randint(0, 10, (12,), generator=g)
    ref = -torch.distributions.Categorical(logits=logits).log_prob(c).mean()
    torch.testing.assert_close(losses.info_categorical_nll(logits, c), ref)
    mean, log_std, codes = torch.randn(12, 2, generator=g), torch.randn(12, 2, generator=g) * 0.3, torch.rand(12, 2)
    ref = -scipy.stats.norm.logpdf(codes.numpy(), mean.numpy(), np.exp(log_std.numpy())).sum(1).mean()
    assert losses.info_gaussian_nll(mean, log_std, codes).item() == pytest.approx(ref, rel=1e-5)


def test_info_nll_with_a_fixed_std_ignores_q_s_predicted_std():
    """fixed_std = s: the continuous term is -log N(c; mu, s), whatever log_std Q predicts (scipy)."""
    torch.manual_seed(3)
    DQ = nets.InfoGANDiscriminator(4, 2, width=2, hidden=8).eval()
    x, c, u = torch.rand(6, 1, 28, 28) * 2 - 1, torch.randint(0, 4, (6,)), torch.rand(6, 2) * 2 - 1
    _, logits, mean, log_std = DQ.heads(x)
    cat = -torch.distributions.Categorical(logits=logits).log_prob(c).mean()
    for s, lam_cont in ((1.0, 1.0), (0.5, 0.1)):
        gauss = -scipy.stats.norm.logpdf(u.numpy(), mean.detach().numpy(), s).sum(1).mean()
        _, nll = conditional.info_nll(DQ, x, c, u, lam_cont=lam_cont, fixed_std=s)
        assert nll.item() == pytest.approx(cat.item() + lam_cont * gauss, rel=1e-5)
    fixed_before, learned_before = (conditional.info_nll(DQ, x, c, u, fixed_std=1.0)[1].item(),
                                    conditional.info_nll(DQ, x, c, u)[1].item())
    with torch.no_grad():  # Q's head now predicts log_std 3 higher (the last 2 of 4 + 2 + 2 outputs)
        DQ.q_head[-1].bias[4 + 2:] += 3.0
    assert conditional.info_nll(DQ, x, c, u, fixed_std=1.0)[1].item() == pytest.approx(fixed_before)
    assert abs(conditional.info_nll(DQ, x, c, u)[1].item() - learned_before) > 1.0  # it counts without


def test_info_lower_bound_is_zero_for_a_blind_q_and_entropy_for_a_perfect_one():
    c = torch.arange(20) % 10
    h = conditional.code_entropy(10, 0)
    assert h == pytest.approx(math.log(10))
    blind = losses.info_categorical_nll(torch.zeros(20, 10), c)  # Q(c|x) = 1/10: knows nothing
    assert losses.info_lower_bound(blind, h).item() == pytest.approx(0.0, abs=1e-6)
    perfect = losses.info_categorical_nll(30 * F.one_hot(c, 10).float(), c)  # Q puts all mass on c
    assert losses.info_lower_bound(perfect, h).item() == pytest.approx(math.log(10), abs=1e-6)
    assert conditional.code_entropy(10, 2) == pytest.approx(math.log(10) + 2 * math.log(2))


def test_semi_supervised_loss_against_explicit_k_plus_one_softmax():
    g = torch.Generator().manual_seed(2)
    lab, real, fake = torch.randn(6, 10, generator=g), torch.randn(8, 10, generator=g), torch.randn(7, 10, generator=g)
    y = torch.randint(0, 10, (6,), generator=g)

    def probs(logits):  # softmax over K real classes and the fake class with logit 0
        return torch.softmax(torch.cat([logits, torch.zeros(len(logits), 1)], 1), dim=1)

    p_lab = probs(lab)
    supervised = -torch.log(p_lab[torch.arange(6), y] / (1 - p_lab[:, -1])).mean()  # p(y | x, real)
    unsup = -torch.log(1 - probs(real)[:, -1]).mean() - torch.log(probs(fake)[:, -1]).mean()
    torch.testing.assert_close(losses.semi_supervised_d_loss(lab, y, real, fake), supervised + unsup)


def test_feature_matching_closed_form():
    real = torch.tensor([[1.0, 2.0], [3.0, 4.0]])  # mean (2, 3)
    fake = torch.tensor([[0.0, 0.0], [0.0, 2.0], [0.0, 1.0]])  # mean (0, 1)
    torch.testing.assert_close(losses.feature_matching_g_loss(real, fake), torch.tensor(8.0))
    with pytest.raises(ValueError, match="width"):
        losses.feature_matching_g_loss(real, torch.zeros(3, 3))


# --- nets and loops ------------------------------------------------------------------------------


def test_nets_shapes():
    x = torch.rand(5, 1, 28, 28) * 2 - 1
    DQ = nets.InfoGANDiscriminator(10, 2)
    t, logits, mean, log_std = DQ.heads(x)
    assert t.shape == (5,) and logits.shape == (5, 10) and mean.shape == log_std.shape == (5, 2)
    torch.testing.assert_close(DQ.eval()(x), DQ.heads(x)[0])
    D = nets.SemiSupervisedDiscriminator(10, hidden=(16, 8)).eval()
    assert D(x).shape == (5, 10) and D.features(x).shape == (5, 8)
    torch.testing.assert_close(D(x), D(x))  # eval mode: no noise


def test_wrong_labels_are_always_wrong_and_uniform():
    y = torch.arange(10).repeat(2000)
    w = conditional.wrong_labels(y, 10, generator=torch.Generator().manual_seed(0))
    assert (w != y).all()
    counts = torch.bincount(w[y == 3], minlength=10).float()
    assert counts[3] == 0 and (counts[counts > 0] - 2000 / 9).abs().max() < 80


def test_infogan_input_layout():
    z, c, u = torch.zeros(3, 4), torch.tensor([0, 2, 1]), torch.full((3, 2), 0.5)
    inp = conditional.infogan_input(z, c, u, 3)
    assert inp.shape == (3, 9)
    torch.testing.assert_close(inp[:, 4:7], F.one_hot(c, 3).float())
    torch.testing.assert_close(inp[:, 7:], u)


def test_short_runs_of_each_loop():
    x, y = data.load_mnist("test")
    x, y = x[:256], y[:256]
    torch.manual_seed(0)
    G = nets.DCGANGenerator(8, width=4, n_classes=10)
    for D, aware in ((nets.DCGANDiscriminator(width=4, n_classes=10), True),
                     (nets.LabelBlind(nets.DCGANDiscriminator(width=4), 10), False)):
        h = conditional.train_cgan(G, D, x, y, train.TrainConfig(steps=3, z_dim=8, batch_size=16, log_every=1),
                                   matching_aware=aware)
        assert h.log["step"] == [1, 2, 3] and all(math.isfinite(v) for v in h.log["d_loss"])
    DQ = nets.InfoGANDiscriminator(10, 2, width=4, hidden=16)
    G = nets.DCGANGenerator(8 + 12, width=4)
    h = conditional.train_infogan(G, DQ, x, steps=3, z_dim=8, batch_size=16, log_every=1)
    assert len(h.log["nll"]) == 3
    D = nets.SemiSupervisedDiscriminator(10, hidden=(16,))
    h = conditional.train_semi_supervised(D, x[:20], y[:20], x, nets.MLPGenerator(8, (1, 28, 28), hidden=(16,)),
                                          steps=3, batch_size=8, log_every=1)
    assert len(h.log["g_loss"]) == 3


def test_infogan_generator_shapes_and_range():
    G = nets.InfoGANGenerator(20, width=4, hidden=8).eval()
    out = G(torch.randn(5, 20))
    assert out.shape == (5, 1, 28, 28) and out.abs().max() <= 1.0
    G3, DQ = conditional.infogan_nets(8, 3, 1, width=4, hidden=8)
    assert G3.in_dim == 8 + 3 + 1 and DQ.n_cat == 3 and DQ.n_cont == 1
    with pytest.raises(ValueError, match="inp"):
        G(torch.randn(5, 19))


class CodeInPixel(torch.nn.Module):
    """A stand-in DQ whose Q reads the class written in pixel (0, 0) and names it perm[class]."""

    n_cat, n_cont = 10, 0

    def __init__(self, perm):
        super().__init__()
        self.perm = perm
        self.bn = torch.nn.BatchNorm1d(1)  # only so that eval/train mode matters

    def heads(self, x):
        cls = ((x[:, 0, 0, 0] + 1) * 4.5).round().long()  # pixel value encodes the class 0..9
        logits = F.one_hot(self.perm[cls], 10).float() * 5
        return torch.zeros(len(x)), logits, torch.zeros(len(x), 0), torch.zeros(len(x), 0)


def test_q_cluster_accuracy_sees_through_renaming_and_keeps_the_mode():
    y = torch.arange(200) % 10
    x = -torch.ones(200, 1, 28, 28)
    x[:, 0, 0, 0] = y / 4.5 - 1
    DQ = CodeInPixel(torch.randperm(10, generator=torch.Generator().manual_seed(0))).train()
    assert conditional.q_cluster_accuracy(DQ, x, y) == 1.0 and DQ.training
    wrong = y.clone()
    wrong[:20] = (wrong[:20] + 1) % 10  # 20 of 200 labels disagree with the pixel
    assert conditional.q_cluster_accuracy(DQ.eval(), x, wrong) == pytest.approx(0.9) and not DQ.training


def test_infogan_callback_sees_each_logging_step_and_changes_nothing():
    x, _ = data.load_mnist("test")
    x = x[:128]

    def run(callback):
        torch.manual_seed(0)
        G, DQ = conditional.infogan_nets(8, 3, 1, width=4, hidden=8)
        conditional.train_infogan(G, DQ, x, steps=4, z_dim=8, batch_size=16, log_every=2, callback=callback)
        return G

    seen = []

    def evaluate(step, history):  # an evaluation in eval mode, as data/train_infogan.py does
        seen.append((step, len(history.log["step"])))
        conditional.q_cluster_accuracy(DQ_ref[0], x[:32], torch.arange(32) % 3)

    DQ_ref = [conditional.infogan_nets(8, 3, 1, width=4, hidden=8)[1]]
    plain, watched = run(None), run(evaluate)
    assert seen == [(2, 1), (4, 2)]
    for a, b in zip(plain.state_dict().values(), watched.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_infogan_run_measures_a_curve_and_load_infogan_round_trips(tmp_path):
    x, y = data.load_mnist("test")
    run = conditional.infogan_run(x[:256], x[:100], y[:100], steps=3, seed=1, eval_every=2)
    assert [s for s, _ in run["curve"]] == [2, 3] and run["cluster_accuracy"] == run["curve"][-1][1]
    assert not run["G"].training and not run["DQ"].training
    half = lambda net: {k: v.half() if v.is_floating_point() else v for k, v in net.state_dict().items()}
    torch.save({"config": {**conditional.INFOGAN_CONFIG, "steps": 3},
                "runs": {"r": {**run, "G": half(run["G"]), "DQ": half(run["DQ"])}}}, tmp_path / "w.pt")
    loaded = conditional.load_infogan(tmp_path / "w.pt")["runs"]["r"]
    assert loaded["curve"] == run["curve"] and loaded["seed"] == 1
    z = torch.randn(4, 74)
    torch.testing.assert_close(loaded["G"](z), run["G"](z), atol=2e-2, rtol=0)  # float16 storage
    with pytest.raises(FileNotFoundError, match="train_infogan.py"):
        conditional.load_infogan(tmp_path / "missing.pt")


def test_infogan_run_settings_reach_the_training_loop():
    """settings change the run as the same arguments to train_infogan would; the defaults are INFOGAN_CONFIG."""
    x, y = data.load_mnist("test")
    x, x_eval, y_eval = x[:256], x[:50], y[:50]
    authors = {"fixed_std": 1.0, "lam_cont": 1.0}  # data/train_infogan.py --fixed-std
    runs = {name: conditional.infogan_run(x, x_eval, y_eval, steps=3, seed=2, settings=s)["G"]
            for name, s in (("default", None), ("authors", authors))}
    c = {**conditional.INFOGAN_CONFIG, **authors}
    torch.manual_seed(2)
    G, DQ = conditional.infogan_nets(c["z_dim"], c["n_cat"], c["n_cont"], width=c["width"], hidden=c["hidden"])
    conditional.train_infogan(G, DQ, x, steps=3, z_dim=c["z_dim"], lam=c["lam"], lam_cont=c["lam_cont"],
                              fixed_std=c["fixed_std"], batch_size=c["batch_size"], lr_g=c["lr_g"],
                              lr_d=c["lr_d"], seed=2)
    by_hand, default = G.state_dict(), runs["default"].state_dict()
    for k, v in runs["authors"].state_dict().items():
        torch.testing.assert_close(v, by_hand[k], rtol=0, atol=0)
    assert any(not torch.equal(v, default[k]) for k, v in by_hand.items() if v.is_floating_point())


def test_shipped_infogan_runs_reproduce_their_recorded_accuracy():
    """The file in data/ holds what its script measured: Q's accuracy again from the float16 weights."""
    shipped = conditional.load_infogan()
    assert shipped["config"]["steps"] >= 1000 and len(shipped["runs"]) == 4
    x, y = data.load_mnist("test")
    for name, run in shipped["runs"].items():
        again = conditional.q_cluster_accuracy(run["DQ"], x, y)
        assert abs(again - run["cluster_accuracy"]) <= 0.01, (name, again, run["cluster_accuracy"])


def test_q_learns_the_code_when_g_writes_it_into_the_image():
    """With a G that paints the code's value as a bright column, Q's NLL falls well below H(c)."""
    torch.manual_seed(0)
    DQ = nets.InfoGANDiscriminator(4, 0, width=4, hidden=16)
    opt = torch.optim.Adam(DQ.parameters(), 1e-2)
    for _ in range(60):
        c, _ = conditional.sample_codes(32, 4, 0)
        x = -torch.ones(32, 1, 28, 28)
        x[torch.arange(32), 0, :, 4 + 5 * c] = 1.0  # column 4, 9, 14 or 19
        _, nll = conditional.info_nll(DQ, x, c, torch.zeros(32, 0))
        opt.zero_grad()
        nll.backward()
        opt.step()
    assert losses.info_lower_bound(nll.detach(), conditional.code_entropy(4, 0)) > 0.9 * math.log(4)


def test_exercise_checkers_accept_ganlib_and_reject_a_blind_answer():
    from ganlib.exercises import ch08

    assert ch08.check_cluster_accuracy_3(metrics.cluster_accuracy)
    assert ch08.check_matching_aware_d_loss(losses.matching_aware_d_loss)
    assert not ch08.check_cluster_accuracy_3(lambda p, y: 1.0)
    for case in ch08._cluster_cases():  # the Hungarian expected values agree with brute force
        assert case.expected == pytest.approx(brute_force_cluster_accuracy(*case.args))


# --- two conditions at once: factorised labels and coloured digits --------------------------


def test_split_and_join_label_are_mixed_radix_inverses():
    factors = (10, 3, 2)
    y = torch.arange(60)
    parts = nets.split_label(y, factors)
    brute = [(a, b, c) for c in range(2) for b in range(3) for a in range(10)]  # y = a + 10 b + 30 c
    assert [tuple(int(p[i]) for p in parts) for i in range(60)] == brute
    assert torch.equal(nets.join_label(parts, factors), y)


def test_factorised_generator_reads_one_one_hot_per_factor():
    torch.manual_seed(0)
    G = nets.DCGANGenerator(5, channels=3, width=2, label_factors=(10, 3)).eval()
    plain = nets.DCGANGenerator(5 + 13, channels=3, width=2).eval()  # the same net, fed by hand
    plain.load_state_dict(G.state_dict())
    z, digit, colour = torch.randn(6, 5), torch.tensor([0, 7, 9, 2, 4, 7]), torch.tensor([0, 0, 2, 1, 2, 1])
    y = digit + 10 * colour
    by_hand = torch.cat([z, F.one_hot(digit, 10).float(), F.one_hot(colour, 3).float()], 1)
    assert G.n_classes == 30
    torch.testing.assert_close(G(z, y), plain(by_hand))


def test_factorised_projection_sums_one_embedding_per_factor():
    torch.manual_seed(0)
    D = nets.init_dcgan_weights(nets.DCGANDiscriminator(channels=3, width=2, label_factors=(10, 3))).eval()
    x, y = torch.randn(4, 3, 28, 28), torch.tensor([7, 17, 27, 3])
    unconditional = D.net(x).flatten()
    torch.testing.assert_close(D(x, y), unconditional)  # embeddings start at zero
    for table in D.embed.tables:
        torch.nn.init.normal_(table.weight)
    e = D.embed.tables[0].weight[y % 10] + D.embed.tables[1].weight[y // 10]  # e_digit + e_colour
    torch.testing.assert_close(D(x, y), unconditional + (e * D.features(x)).sum(1))
    # a pair never seen still has a score made of trained parts: red 7 = e_7 + e_red
    torch.testing.assert_close(D.embed(torch.tensor([7])), D.embed(torch.tensor([17])) - D.embed.tables[1].weight[1]
                               + D.embed.tables[1].weight[0])


def test_colourise_puts_the_ink_in_one_channel_and_decolourise_undoes_it():
    x, _ = data.load_mnist("test")
    x = x[:30]
    colour = torch.arange(30) % 3
    c = conditional.colourise(x, colour)
    assert c.shape == (30, 3, 28, 28)
    for i in range(30):
        for ch in range(3):
            expected = x[i, 0] if ch == colour[i] else torch.full((28, 28), -1.0)
            torch.testing.assert_close(c[i, ch], expected)
    torch.testing.assert_close(conditional.decolourise(c), x)
    assert torch.equal(conditional.colour_of(c), colour)
    # a grey digit (ink in every channel equally) has no single colour
    grey = x[:3].expand(3, 3, 28, 28).clone()
    grey[0, 1] -= 0.5  # dim the green and blue a little: red wins
    grey[0, 2] -= 0.5
    assert int(conditional.colour_of(grey)[0]) == 0
