"""The training loop: it learns, counts its steps, stops on NaN, and resumes exactly."""

import pytest
import torch
from torch import nn

from ganlib import nets, train


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
    assert x.mean().item() == pytest.approx(3.0, abs=0.25)
    assert x.std().item() == pytest.approx(0.5, abs=0.25)
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
    assert torch.equal(h.snapshots[0][1], h.snapshots[0][1])  # snapshots are tensors on the CPU
    assert all(p.requires_grad for p in D.parameters())  # D is unfrozen after training


def test_nan_stops_with_the_loss_and_step():
    class NaND(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(1))

        def forward(self, x):
            return (x.flatten(1)[:, 0] * self.w) * float("nan")

    G, _ = small_pair()
    cfg = train.TrainConfig(steps=10, z_dim=1, batch_size=8, log_every=5)
    with pytest.raises(FloatingPointError, match=r"discriminator loss \(nonsaturating\) became nan at step 5"):
        train.train_gan(G, NaND(), gaussian_data(), cfg, progress=False)


def run(steps, ckpt, interrupt_at=None, checkpoint_every=10):
    G, D = small_pair()
    cfg = train.TrainConfig(steps=steps, z_dim=1, batch_size=64, log_every=5, snapshot_every=10,
                            checkpoint_every=checkpoint_every)

    def stop(step, _h):
        if step == interrupt_at:
            raise KeyboardInterrupt

    h = train.train_gan(G, D, gaussian_data(n=300), cfg, checkpoint=ckpt, progress=False, callback=stop)
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
    with pytest.raises(ValueError, match="d_steps must be a positive int"):
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
