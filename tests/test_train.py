"""The training loop: it learns, counts its steps, stops on NaN, and resumes exactly."""

import copy

import pytest
import torch
from torch import nn

from ganlib import losses, nets, regularizers, train


def gaussian_data(n=4000, mean=3.0, std=0.5, seed=0):
    g = torch.Generator().manual_seed(seed)
    return mean + std * torch.randn(n, 1, generator=g)


def small_pair(seed=0):
    torch.manual_seed(seed)
    return nets.MLPGenerator(1, 1, hidden=(16,)), nets.MLPDiscriminator(1, hidden=(16,))


def test_learns_a_gaussian():
    G, D = small_pair()
    cfg = train.TrainConfig(steps=1500, z_dim=1, batch_size=128, lr_g=2e-3, lr_d=2e-3)
    train.train_gan(G, D, gaussian_data(), cfg, progress=False)
    x = train.generate(G, 5000)
    assert x.mean().item() == pytest.approx(3.0, abs=0.1)  # 2.99-3.00 measured (seeds 0-2 of small_pair)
    # The spread is NOT learned to within a tolerance that could tell: std 0.32, 0.27, 0.42 for
    # seeds 0, 1, 2 against the data's 0.5 (KS test against N(3, 0.5²) rejects all three).
    # What this checks is only that G neither collapsed (std -> 0) nor spread out.
    assert 0.2 < x.std().item() < 0.75
    # and an untrained generator does not pass the same test
    assert abs(train.generate(small_pair(1)[0], 5000).mean().item() - 3.0) > 1.0


def test_history_and_k_discriminator_steps():
    G, D = small_pair()
    d_updates = []
    cfg = train.TrainConfig(steps=20, z_dim=1, batch_size=32, d_steps=3, log_every=5, snapshot_every=10, n_fixed=8)
    h = train.train_gan(G, D, gaussian_data(), cfg, progress=False, after_d_step=lambda d: d_updates.append(1))
    assert len(d_updates) == 3 * 20
    assert h.log["step"] == [5, 10, 15, 20]
    assert set(h.log) >= {"d_loss", "g_loss", "d_real", "d_fake", "grad_d", "grad_g"}
    assert all(0 <= v <= 1 for v in h.log["d_real"] + h.log["d_fake"])
    assert [s for s, _ in h.snapshots] == [0, 10, 20] and h.snapshots[0][1].shape == (8, 1)
    for _, x in h.snapshots:  # detached copies on the CPU
        assert x.device.type == "cpu" and not x.requires_grad
    with torch.no_grad():  # the last snapshot is the trained G on the fixed noise
        G.eval()
        assert torch.allclose(h.snapshots[-1][1], G(h.fixed_z), atol=1e-6)
    assert not torch.allclose(h.snapshots[0][1], h.snapshots[-1][1], atol=1e-4)  # G moved
    assert all(p.requires_grad for p in D.parameters())  # D is unfrozen after training


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_snapshots_of_a_gpu_run_are_on_the_cpu():
    """On a CPU-only machine the check above holds whatever _snapshot does; here it can fail."""
    G, D = (m.cuda() for m in small_pair())
    cfg = train.TrainConfig(steps=4, z_dim=1, batch_size=32, snapshot_every=2, n_fixed=8)
    h = train.train_gan(G, D, gaussian_data().cuda(), cfg, progress=False)
    assert next(G.parameters()).is_cuda and h.fixed_z.is_cuda
    assert [s for s, _ in h.snapshots] == [0, 2, 4]
    for _, x in h.snapshots:
        assert x.device.type == "cpu" and not x.requires_grad
    with torch.no_grad():
        G.eval()
        torch.testing.assert_close(h.snapshots[-1][1], G(h.fixed_z).cpu())


def test_nan_stops_with_the_loss_and_step():
    class NaND(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(1))

        def forward(self, x):
            return (x.flatten(1)[:, 0] * self.w) * float("nan")

    G, _ = small_pair()
    cfg = train.TrainConfig(steps=10, z_dim=1, batch_size=8, log_every=5)
    with pytest.raises(FloatingPointError, match=r"discriminator loss \(nonsaturating\) became nan at step 1 \(seen at step 5\)"):
        train.train_gan(G, NaND(), gaussian_data(), cfg, progress=False)


def run(steps, ckpt, interrupt_at=None, checkpoint_every=10, d_penalty=None):
    G, D = small_pair()
    cfg = train.TrainConfig(steps=steps, z_dim=1, batch_size=64, log_every=5, snapshot_every=10,
                            checkpoint_every=checkpoint_every)

    def stop(step, _h):
        if step == interrupt_at:
            raise KeyboardInterrupt

    h = train.train_gan(G, D, gaussian_data(n=300), cfg, checkpoint=ckpt, progress=False, callback=stop,
                        d_penalty=d_penalty)
    return G, D, h


def test_interrupted_run_resumes_exactly(tmp_path):
    G_ref, D_ref, h_ref = run(40, tmp_path / "straight.pt")
    ckpt = tmp_path / "interrupted.pt"
    with pytest.raises(KeyboardInterrupt):
        run(40, ckpt, interrupt_at=25)  # the last checkpoint is at step 20
    assert torch.load(ckpt, weights_only=True)["step"] == 20  # loads with weights_only=True
    G, D, h = run(40, ckpt)  # picks up at step 21
    for a, b in zip(list(G.parameters()) + list(D.parameters()), list(G_ref.parameters()) + list(D_ref.parameters())):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert h.log == h_ref.log
    assert [s for s, _ in h.snapshots] == [s for s, _ in h_ref.snapshots]


@pytest.mark.parametrize("every", [3, 8])
def test_lazy_r1_resumes_exactly(tmp_path, every):
    """Lazy R1 applies its penalty on D steps 1, 1 + k, 1 + 2k, ...: its count is in the checkpoint.

    With a checkpoint at step 20 and k = 3 or 8 (not divisors of 20) a resumed run whose count
    restarted at 0 would penalise the wrong steps.
    """
    G_ref, D_ref, h_ref = run(40, tmp_path / "straight.pt", d_penalty=regularizers.r1_d_penalty(every=every))
    ckpt = tmp_path / "interrupted.pt"
    with pytest.raises(KeyboardInterrupt):
        run(40, ckpt, interrupt_at=25, d_penalty=regularizers.r1_d_penalty(every=every))
    G, D, h = run(40, ckpt, d_penalty=regularizers.r1_d_penalty(every=every))  # a fresh penalty object
    for a, b in zip(list(G.parameters()) + list(D.parameters()), list(G_ref.parameters()) + list(D_ref.parameters())):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert h.log == h_ref.log


def test_resume_refuses_a_different_config(tmp_path):
    ckpt = tmp_path / "c.pt"
    run(10, ckpt)
    G, D = small_pair()
    cfg = train.TrainConfig(steps=20, z_dim=1, batch_size=32)
    with pytest.raises(ValueError, match="made with batch_size=64 but config has batch_size=32"):
        train.train_gan(G, D, gaussian_data(), cfg, checkpoint=ckpt, progress=False)


def test_config_errors_name_the_argument():
    with pytest.raises(ValueError, match="loss must be one of"):
        train.TrainConfig(steps=1, z_dim=1, loss="wgan")
    with pytest.raises(ValueError, match="d_steps must be an int >= 1"):
        train.TrainConfig(steps=1, z_dim=1, d_steps=0)
    with pytest.raises(ValueError, match="latent must be one of"):
        train.TrainConfig(steps=1, z_dim=1, latent="cauchy")
    with pytest.raises(ValueError, match="batch_size .* must not exceed"):
        G, D = small_pair()
        train.train_gan(G, D, torch.zeros(10, 1), train.TrainConfig(steps=1, z_dim=1, batch_size=64), progress=False)
    with pytest.raises(TypeError, match="real must be a torch.Tensor"):
        train.train_gan(*small_pair(), [[0.0]], train.TrainConfig(steps=1, z_dim=1), progress=False)


def test_uniform_latent_range():
    z = train.sample_latent(10000, 3, kind="uniform")
    assert z.min() >= -1 and z.max() <= 1 and abs(z.mean()) < 0.05


def test_trains_a_dcgan_on_images():
    torch.manual_seed(0)
    G, D = nets.DCGANGenerator(8, width=4), nets.DCGANDiscriminator(width=4)
    images = torch.rand(64, 1, 28, 28) * 2 - 1
    before = [p.detach().clone() for p in G.parameters()]
    cfg = train.TrainConfig(steps=3, z_dim=8, batch_size=16, log_every=1, n_fixed=4)
    h = train.train_gan(G, D, images, cfg, progress=False)
    assert h.snapshots[-1][1].shape == (4, 1, 28, 28)
    assert all(not torch.equal(a, b) for a, b in zip(before, G.parameters()))  # G learned something
    assert len(h.log["step"]) == 3 and all(map(torch.isfinite, map(torch.tensor, h.log["d_loss"])))


# --- chapter 7's tricks: label smoothing, instance noise, weight averaging, labels ----------


class RecordingD(nn.Module):
    """A linear D that records the inputs it sees (to check what the loop feeds it)."""

    def __init__(self, n_classes=0):
        super().__init__()
        self.lin = nn.Linear(1 + n_classes, 1)
        self.n_classes, self.seen = n_classes, []

    def forward(self, x, y=None):
        self.seen.append((x.detach().clone(), None if y is None else y.clone()))
        h = x if y is None else torch.cat([x, nn.functional.one_hot(y, self.n_classes).float()], 1)
        return self.lin(h).squeeze(1)


def plain_loop(G, D, real, *, steps, z_dim, batch_size, seed=0, n_fixed=64, lr=2e-4, betas=(0.5, 0.999)):
    """Algorithm 1 without any trick, written out by hand: one generator draws, in order, the
    epoch's permutation, the fixed noise, then each step's z (a new permutation per epoch).
    Returns the D losses of every step."""
    rng = torch.Generator().manual_seed(seed)
    order, pos = torch.randperm(len(real), generator=rng), 0
    torch.randn(n_fixed, z_dim, generator=rng)  # the fixed noise of the snapshots
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=betas)
    d_losses = []
    for _ in range(steps):
        if pos + batch_size > len(real):
            order, pos = torch.randperm(len(real), generator=rng), 0
        x, pos = real[order[pos : pos + batch_size]], pos + batch_size
        fake = G(torch.randn(batch_size, z_dim, generator=rng))
        loss_d = losses.d_loss("nonsaturating", D(x), D(fake.detach()))
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        D.requires_grad_(False)
        loss_g = losses.g_loss("nonsaturating", D(fake))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        D.requires_grad_(True)
        d_losses.append(loss_d.item())
    return d_losses


def test_defaults_leave_the_loop_unchanged():
    """Switched-off tricks must not consume random numbers: the run is bit-identical to the
    plain loop written out by hand (the two configs below are equal: both spell the defaults)."""
    G_ref, D_ref = small_pair()
    ref_losses = plain_loop(G_ref, D_ref, gaussian_data(), steps=130, z_dim=1, batch_size=32)  # > 1 epoch
    for extra in ({}, {"label_smoothing": 0.0, "instance_noise": 0.0, "ema": 0.0}):
        G, D = small_pair()
        cfg = train.TrainConfig(steps=130, z_dim=1, batch_size=32, log_every=1, **extra)
        h = train.train_gan(G, D, gaussian_data(), cfg, progress=False)
        assert h.log["d_loss"] == ref_losses
        assert all(torch.equal(a, b) for a, b in zip(G.parameters(), G_ref.parameters()))
        assert all(torch.equal(a, b) for a, b in zip(D.parameters(), D_ref.parameters()))
        assert h.G_ema is None


def test_label_smoothing_is_the_one_sided_bce():
    """With α the first logged D loss equals BCE with real target 1 − α, computed by hand."""
    for alpha in (0.0, 0.2):
        G, _ = small_pair()
        D = RecordingD()
        D0 = copy.deepcopy(D)  # D before its first update: the logged loss was computed with it
        cfg = train.TrainConfig(steps=1, z_dim=1, batch_size=16, log_every=1, label_smoothing=alpha)
        h = train.train_gan(G, D, gaussian_data(), cfg, progress=False)
        (x, _), (fake, _) = D.seen[0], D.seen[1]
        with torch.no_grad():
            p_real, p_fake = torch.sigmoid(D0(x)), torch.sigmoid(D0(fake))
        target = 1 - alpha
        expected = -(target * p_real.log() + (1 - target) * (1 - p_real).log()).mean() - (1 - p_fake).log().mean()
        assert h.log["d_loss"][0] == pytest.approx(expected.item(), rel=1e-5)


def test_label_smoothing_needs_a_cross_entropy_loss():
    with pytest.raises(ValueError, match="label_smoothing needs a cross-entropy loss"):
        train.TrainConfig(steps=1, z_dim=1, loss="wasserstein", label_smoothing=0.1)
    with pytest.raises(ValueError, match=r"label_smoothing .* must be in \[0, 0.5\)"):
        train.TrainConfig(steps=1, z_dim=1, label_smoothing=0.7)


def test_instance_noise_reaches_both_inputs_of_d():
    """D sees x + σξ: with σ = 1 the real inputs' spread grows from 0.5 to about √(0.5² + 1)."""
    for sigma, expected_std in ((0.0, 0.5), (1.0, (0.25 + 1) ** 0.5)):
        G, _ = small_pair()
        D = RecordingD()
        cfg = train.TrainConfig(steps=40, z_dim=1, batch_size=256, instance_noise=sigma)
        train.train_gan(G, D, gaussian_data(), cfg, progress=False)
        reals = torch.cat([x for x, _ in D.seen[0::3]])  # per step D sees: real, fake (D step), fake (G step)
        assert reals.std().item() == pytest.approx(expected_std, rel=0.1)
        fakes_d, fakes_g = D.seen[1][0], D.seen[2][0]  # the same G(z), each with its own noise
        assert torch.equal(fakes_d, fakes_g) == (sigma == 0)


def test_ema_is_the_running_average_of_g():
    """Replaying G's parameter trajectory by hand gives the same average."""
    beta = 0.9
    G, D = small_pair()
    trajectory = []
    cfg = train.TrainConfig(steps=5, z_dim=1, batch_size=16, ema=beta, log_every=1)
    G_init = [p.detach().clone() for p in G.parameters()]

    def record(step, history):  # called after every step (log_every=1)
        trajectory.append([p.detach().clone() for p in history.G.parameters()])

    h = train.train_gan(G, D, gaussian_data(), cfg, progress=False, callback=record)
    average = G_init
    for params in trajectory:
        average = [beta * a + (1 - beta) * p for a, p in zip(average, params)]
    for a, p in zip(average, h.G_ema.parameters()):
        assert torch.allclose(a, p, atol=1e-6)
    assert not any(p.requires_grad for p in h.G_ema.parameters())
    assert not torch.equal(next(h.G_ema.parameters()), next(G.parameters()))


def test_ema_survives_a_resume(tmp_path):
    def go(steps, path):
        torch.manual_seed(0)
        G, D = small_pair()
        cfg = train.TrainConfig(steps=steps, z_dim=1, batch_size=16, ema=0.8, checkpoint_every=5)
        return train.train_gan(G, D, gaussian_data(), cfg, progress=False, checkpoint=path)

    straight = go(10, tmp_path / "a.pt")
    go(5, tmp_path / "b.pt")
    resumed = go(10, tmp_path / "b.pt")
    for a, b in zip(straight.G_ema.parameters(), resumed.G_ema.parameters()):
        assert torch.equal(a, b)


def test_labels_condition_both_networks():
    """Fake batches carry the real batch's classes, and a conditional G learns class means."""
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 2, (4000,), generator=g)
    x = torch.where(y == 0, -2.0, 2.0)[:, None] + 0.3 * torch.randn(4000, 1, generator=g)  # (N, 1)
    D = RecordingD(n_classes=2)
    G = nets.MLPGenerator(1, 1, hidden=(16,), n_classes=2)
    cfg = train.TrainConfig(steps=3, z_dim=1, batch_size=32)
    train.train_gan(G, D, x, cfg, progress=False, labels=y)
    (x_real, y_real), (_, y_fake) = D.seen[0], D.seen[1]
    assert torch.equal(y_real, y_fake)
    assert torch.equal(x_real.squeeze(1) > 0, y_real == 1)  # the labels belong to their rows

    torch.manual_seed(0)
    G = nets.MLPGenerator(1, 1, hidden=(32,), n_classes=2)
    D = nets.MLPDiscriminator(1, hidden=(32,), n_classes=2)
    cfg = train.TrainConfig(steps=800, z_dim=1, batch_size=128, lr_g=2e-3, lr_d=2e-3)
    h = train.train_gan(G, D, x, cfg, progress=False, labels=y)
    for k, mean in ((0, -2.0), (1, 2.0)):
        samples = train.generate(G, 2000, labels=torch.full((2000,), k))
        assert samples.mean().item() == pytest.approx(mean, abs=0.3)
    assert h.snapshots[-1][1].shape == (64, 1)


def test_label_errors_name_the_problem():
    x = gaussian_data(100)
    G, D = small_pair()
    cfg = train.TrainConfig(steps=1, z_dim=1, batch_size=8)
    with pytest.raises(ValueError, match="labels were given but G is unconditional"):
        train.train_gan(G, D, x, cfg, progress=False, labels=torch.zeros(100, dtype=torch.long))
    Gc = nets.MLPGenerator(1, 1, hidden=(8,), n_classes=3)
    Dc = nets.MLPDiscriminator(1, hidden=(8,), n_classes=3)
    with pytest.raises(ValueError, match=r"G is conditional \(n_classes=3\): pass labels=y"):
        train.train_gan(Gc, Dc, x, cfg, progress=False)
    with pytest.raises(ValueError, match=r"labels must be an int64 tensor of shape \(100,\)"):
        train.train_gan(Gc, Dc, x, cfg, progress=False, labels=torch.zeros(99, dtype=torch.long))
    with pytest.raises(ValueError, match=r"labels must lie in 0..2"):
        train.train_gan(Gc, Dc, x, cfg, progress=False, labels=torch.full((100,), 3))


def test_linear_lr_schedule():
    """lr_t = lr · (1 − (t − 1)/T): full at the first step, lr/T at the last; SGD shows it exactly."""
    assert [train.lr_factor("linear", t, 4) for t in (1, 2, 3, 4)] == [1.0, 0.75, 0.5, 0.25]
    assert train.lr_factor("constant", 3, 4) == 1.0

    class Const(nn.Module):  # G(z) = b, whose gradient under the minimax loss we can follow
        def __init__(self):
            super().__init__()
            self.b = nn.Parameter(torch.zeros(1))
            self.z_dim = 1

        def forward(self, z):
            return self.b.expand(len(z), 1)

    class Identity(nn.Module):  # t(x) = x: G's Wasserstein loss −mean t(G(z)) = −b has gradient −1
        def __init__(self):
            super().__init__()
            self.unused = nn.Parameter(torch.zeros(1))  # (D needs a parameter for its optimiser)

        def forward(self, x):
            return x[:, 0] + 0 * self.unused

    G, D = Const(), Identity()
    cfg = train.TrainConfig(steps=4, z_dim=1, batch_size=8, optimizer="sgd", lr_g=0.1, lr_d=0.1,
                            loss="wasserstein", lr_schedule="linear", log_every=1)
    before = [G.b.item()]
    train.train_gan(G, D, gaussian_data(100), cfg, progress=False,
                    callback=lambda step, h: before.append(G.b.item()))
    moves = [b - a for a, b in zip(before, before[1:])]
    assert moves == pytest.approx([0.1, 0.075, 0.05, 0.025], rel=1e-5)
    with pytest.raises(ValueError, match="lr_schedule must be one of"):
        train.TrainConfig(steps=1, z_dim=1, lr_schedule="cosine")


# --- sampling leaves G alone ---------------------------------------------------------------


def bn_state(G):
    return {k: v.clone() for k, v in G.state_dict().items() if "running" in k or "num_batches" in k}


def test_generate_leaves_batch_norm_statistics_unchanged():
    torch.manual_seed(0)
    G = nets.DCGANGenerator(8, width=4)  # batch norm by default
    assert any(isinstance(m, nn.BatchNorm2d) for m in G.modules())
    before = bn_state(G)
    for mode in (True, False):  # G's own mode comes back, whatever it was
        G.train(mode)
        x = train.generate(G, 10, batch_size=4)
        assert x.shape == (10, 1, 28, 28) and G.training == mode
        assert all(m.training == mode for m in G.modules())
        for k, v in bn_state(G).items():
            assert torch.equal(v, before[k]), k
    # sampling in training mode (chapter 7) is still possible, and it does move the statistics
    G.train()
    train.generate(G, 10, batch_size=4, train_mode=True)
    after = bn_state(G)
    assert G.training and int(after["net.1.num_batches_tracked"]) == 3
    assert not torch.equal(after["net.1.running_mean"], before["net.1.running_mean"])


def test_snapshots_leave_batch_norm_statistics_unchanged():
    """G's batch norm moves once per D step (the fakes), never for a snapshot."""
    states = []
    for snapshot_every in (0, 1):
        torch.manual_seed(0)
        G, D = nets.DCGANGenerator(8, width=4), nets.DCGANDiscriminator(width=4)
        images = torch.rand(64, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
        cfg = train.TrainConfig(steps=4, z_dim=8, batch_size=8, n_fixed=4, snapshot_every=snapshot_every)
        h = train.train_gan(G, D, images, cfg, progress=False)
        assert len(h.snapshots) == (2 if snapshot_every == 0 else 5) and G.training
        states.append(bn_state(G))
    for k, v in states[1].items():
        assert torch.equal(v, states[0][k]), k
    assert int(states[1]["net.1.num_batches_tracked"]) == 4  # 4 steps × 1 D step


def test_channels_last_is_an_explicit_choice():
    """On image data G and D come back channels-last unless channels_last=False; same values."""
    outs = {}
    for flag in (True, False):
        torch.manual_seed(0)
        G, D = nets.DCGANGenerator(8, width=4), nets.DCGANDiscriminator(width=4)
        images = torch.rand(32, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
        cfg = train.TrainConfig(steps=2, z_dim=8, batch_size=8, n_fixed=4)
        h = train.train_gan(G, D, images, cfg, progress=False, channels_last=flag)
        convs = [m.weight for m in list(G.modules()) + list(D.modules())
                 if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) and m.weight.shape[1] > 1]  # C = 1: same layout
        assert convs and all(w.is_contiguous(memory_format=torch.channels_last) == flag for w in convs)
        assert all(w.is_contiguous() != flag for w in convs)
        outs[flag] = h.snapshots[-1][1]
    torch.testing.assert_close(outs[True], outs[False], rtol=1e-4, atol=1e-5)  # a layout, not a new model
    with pytest.raises(TypeError, match="channels_last"):
        train.train_gan(*small_pair(), gaussian_data(), train.TrainConfig(steps=1, z_dim=1), channels_last="yes")


# --- faults: NaN, bad data, bad arguments, bad checkpoints (issue 17) ------------------------


class NaNAtCall(nn.Module):
    """A linear D whose output is NaN on its n-th call (3 calls a step: real, fake, G's step)."""

    def __init__(self, n):
        super().__init__()
        self.lin, self.n, self.calls = nn.Linear(1, 1), n, 0

    def forward(self, x):
        self.calls += 1
        out = self.lin(x).squeeze(1)
        return out * float("nan") if self.calls == self.n else out


@pytest.mark.parametrize("call, which", [(7, "discriminator loss \\(nonsaturating\\)"),
                                         (9, "generator loss \\(nonsaturating\\)")])
def test_nan_is_reported_at_the_step_where_it_happened(call, which):
    """A NaN at step 3 with log_every=10 is reported as step 3 (seen at the logging step 10)."""
    G, _ = small_pair()
    cfg = train.TrainConfig(steps=20, z_dim=1, batch_size=8, log_every=10)
    with pytest.raises(FloatingPointError, match=which + r" became nan at step 3 \(seen at step 10\)"):
        train.train_gan(G, NaNAtCall(call), gaussian_data(), cfg, progress=False)


def test_nan_in_the_data_is_caught_before_training():
    x = gaussian_data(100)
    x[17, 0] = float("nan")
    x[40, 0] = float("inf")
    G, D = small_pair()
    with pytest.raises(ValueError, match=r"real \(the training data\) has NaN or inf values in 2 of its 100 rows "
                                         r"\(the first is row 17\)"):
        train.train_gan(G, D, x, train.TrainConfig(steps=5, z_dim=1, batch_size=8), progress=False)
    with pytest.raises(TypeError, match="real must be a floating-point tensor"):
        train.train_gan(G, D, torch.zeros(100, 1, dtype=torch.uint8), train.TrainConfig(steps=5, z_dim=1),
                        progress=False)


@pytest.mark.parametrize("field, value, error", [
    ("lr_g", float("nan"), ValueError), ("lr_d", float("inf"), ValueError), ("lr_g", 0.0, ValueError),
    ("lr_d", "1e-3", TypeError), ("betas", (1.5, 0.999), ValueError), ("betas", (0.5, -0.1), ValueError),
    ("betas", (0.5,), ValueError), ("betas", 0.5, TypeError), ("seed", -1, ValueError), ("seed", "3", TypeError),
    ("seed", True, TypeError), ("seed", 1.0, TypeError), ("snapshot_every", -1, ValueError),
    ("checkpoint_every", -5, ValueError), ("steps", True, TypeError), ("steps", 0, ValueError),
    ("z_dim", 2.5, TypeError), ("batch_size", "64", TypeError), ("log_every", 0, ValueError),
    ("n_fixed", -1, ValueError), ("d_steps", None, TypeError), ("loss", 3, TypeError),
    ("g_loss_kind", "bogus", ValueError), ("optimizer", "lbfgs", ValueError), ("latent", None, TypeError),
    ("lr_schedule", "cosine", ValueError), ("label_smoothing", float("nan"), ValueError),
    ("label_smoothing", "0.1", TypeError), ("instance_noise", -0.1, ValueError),
    ("instance_noise", float("inf"), ValueError), ("ema", 1.0, ValueError), ("ema", False, TypeError),
])
def test_config_validates_every_field(field, value, error):
    with pytest.raises(error, match=field.split("_kind")[0]):
        train.TrainConfig(**{"steps": 1, "z_dim": 1, field: value})


def test_config_accepts_numpy_ints_and_list_betas():
    import numpy as np
    cfg = train.TrainConfig(steps=np.int64(3), z_dim=1, seed=np.int32(2), betas=[0.5, 0.9])
    assert cfg.steps == 3 and cfg.betas == (0.5, 0.9)


@pytest.mark.parametrize("kwargs, error, name", [
    ({"n": 0}, ValueError, "n"), ({"n": -5}, ValueError, "n"), ({"n": "10"}, TypeError, "n"),
    ({"n": 2.0}, TypeError, "n"), ({"n": 4, "z_dim": 0}, ValueError, "z_dim"),
    ({"n": 4, "z_dim": "1"}, TypeError, "z_dim"), ({"n": 4, "batch_size": 0}, ValueError, "batch_size"),
    ({"n": 4, "latent": "cauchy"}, ValueError, "latent"), ({"n": 4, "generator": 3}, TypeError, "generator"),
])
def test_generate_and_sample_latent_name_the_bad_argument(kwargs, error, name):
    G, _ = small_pair()
    with pytest.raises(error, match=name):
        train.generate(G, **kwargs)
    if set(kwargs) <= {"n", "z_dim"}:
        with pytest.raises(error, match=name):
            train.sample_latent(kwargs["n"], kwargs.get("z_dim", 2))
    with pytest.raises(TypeError, match="G must be an nn.Module"):
        train.generate("G", 4)


def test_checkpoint_path_is_checked_before_training(tmp_path):
    G, D = small_pair()
    before = [p.detach().clone() for p in G.parameters()]
    cfg = train.TrainConfig(steps=50, z_dim=1, batch_size=8)
    (tmp_path / "a_file").write_text("x")
    for path, message in ((tmp_path / "missing" / "run.pt", "does not exist; create it"),
                          (tmp_path / "a_file" / "run.pt", "does not exist"),
                          (tmp_path, "is a directory")):
        with pytest.raises(ValueError, match=f"checkpoint .*{message}"):
            train.train_gan(G, D, gaussian_data(), cfg, checkpoint=path, progress=False)
    with pytest.raises(TypeError, match="checkpoint must be a file path"):
        train.train_gan(G, D, gaussian_data(), cfg, checkpoint=3, progress=False)
    assert all(torch.equal(a, b) for a, b in zip(before, G.parameters()))  # no step was taken
    assert list(tmp_path.iterdir()) == [tmp_path / "a_file"]  # and nothing was left behind


def _bad_checkpoints(tmp_path):
    good = tmp_path / "good.pt"
    run(10, good)
    data = good.read_bytes()
    files = {
        "random bytes": (bytes(torch.randint(0, 256, (5000,), generator=torch.Generator().manual_seed(0)).tolist()),
                         "cannot be read as a checkpoint"),
        "empty": (b"", r"is empty \(0 bytes\)"),
        "truncated": (data[: len(data) // 2], "cannot be read as a checkpoint"),
    }
    for name, (content, message) in files.items():
        (tmp_path / name).write_bytes(content)
        yield tmp_path / name, message
    torch.save({"weights": torch.ones(3)}, tmp_path / "foreign.pt")  # a torch file, not ours
    yield tmp_path / "foreign.pt", "is a torch file but not a ganlib training checkpoint .*lacks step, config"


def test_bad_checkpoints_name_the_file_and_what_to_do(tmp_path):
    G, D = small_pair()
    cfg = train.TrainConfig(steps=20, z_dim=1, batch_size=64)
    for path, message in _bad_checkpoints(tmp_path):
        with pytest.raises(ValueError, match=message) as info:
            train.train_gan(G, D, gaussian_data(), cfg, checkpoint=path, progress=False)
        text = str(info.value)
        assert str(path) in text and "start a fresh run" in text and "weights_only" not in text
        shown = info.value.__cause__ or (None if info.value.__suppress_context__ else info.value.__context__)
        assert shown is None  # no chained torch error with its misleading advice


def test_checkpoints_are_written_through_a_temporary_file(tmp_path, monkeypatch):
    """A save that dies midway leaves the previous checkpoint as it was."""
    ckpt = tmp_path / "c.pt"
    run(10, ckpt)
    good = ckpt.read_bytes()

    def dying_save(obj, f, *args, **kwargs):
        f.write(b"half a checkpoint")
        raise KeyboardInterrupt  # killed while writing

    monkeypatch.setattr(train.torch, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        run(20, ckpt)
    assert ckpt.read_bytes() == good


def test_a_diverged_run_writes_no_checkpoint(tmp_path):
    """NaN at step 3, a checkpoint due at step 4, logging only at step 10: it stops at step 4."""
    G, _ = small_pair()
    cfg = train.TrainConfig(steps=20, z_dim=1, batch_size=8, log_every=10, checkpoint_every=4)
    with pytest.raises(FloatingPointError, match=r"at step 3 \(seen at step 4\)"):
        train.train_gan(G, NaNAtCall(7), gaussian_data(), cfg, checkpoint=tmp_path / "c.pt", progress=False)
    assert not (tmp_path / "c.pt").exists()


def test_mlp_digit_gan_is_chapter_twos_network_and_reproducible():
    x = torch.rand(256, 1, 28, 28) * 2 - 1
    a = train.mlp_digit_gan(x, steps=3, seed=1)
    b = train.mlp_digit_gan(x, steps=3, seed=1)
    c = train.mlp_digit_gan(x, steps=3, seed=2)
    widths = [m.out_features for m in a.G.modules() if isinstance(m, torch.nn.Linear)]
    assert widths == [128, 256, 784]
    assert [m.out_features for m in a.D.modules() if isinstance(m, torch.nn.Linear)] == [256, 128, 1]
    pa, pb, pc = (torch.cat([p.flatten() for p in h.G.parameters()]) for h in (a, b, c))
    assert torch.equal(pa, pb) and not torch.equal(pa, pc)
    z = torch.randn(5, 64)
    out = a.G(z)
    assert out.shape == (5, 1, 28, 28) and out.abs().max() <= 1  # tanh output


def test_frozen_lets_the_gradient_through_and_restores_each_flag_after_an_error():
    D = torch.nn.Linear(3, 1)
    D.bias.requires_grad_(False)  # a parameter frozen before: it must stay frozen
    x = torch.randn(4, 3, requires_grad=True)
    with train.frozen(D):
        D(x).sum().backward()
    assert D.weight.grad is None and D.bias.grad is None  # D got no gradient ...
    torch.testing.assert_close(x.grad, D.weight.detach().expand(4, 3))  # ... x did: dΣ(Wx+b)/dx = W
    with pytest.raises(RuntimeError, match="inside"):
        with train.frozen(D):
            raise RuntimeError("inside")
    assert D.weight.requires_grad and not D.bias.requires_grad
