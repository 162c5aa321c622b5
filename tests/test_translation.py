"""ganlib.translation: the update steps against hand computations, and fit's bookkeeping."""

import pytest
import torch
from torch import nn

from ganlib import nets, translation as T


class Scale(nn.Module):
    """x ↦ s·x with one learnable scalar s: a translator whose every loss is known by hand."""

    def __init__(self, s: float, n_domains: int = 0):
        super().__init__()
        self.s = nn.Parameter(torch.tensor(float(s)))
        self.n_domains = n_domains
        self.calls: list = []

    def forward(self, x, domain=None):
        self.calls.append(domain)
        return self.s * x


def _images(n=8, seed=0):
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_cycle_losses_by_hand():
    # G = 2·, F = ½·: F(G(a)) = a and G(F(b)) = b, so the cycle loss is 0;
    # identity: ‖G(b) − b‖₁ + ‖F(a) − a‖₁ = mean|b| + ½ mean|a|.
    a, b = _images(seed=1), _images(seed=2)
    G, F = Scale(2.0), Scale(0.5)
    D_A, D_B = nets.PatchDiscriminator(width=4), nets.PatchDiscriminator(width=4)
    opt = torch.optim.SGD([G.s, F.s], lr=0.0)  # lr 0: the nets stay put, the losses are what we check
    out, fake_a, fake_b = T.cycle_g_step(G, F, D_A, D_B, opt, a, b, loss="lsgan", lam_cycle=10.0, lam_identity=5.0)
    assert out["cycle"].item() == pytest.approx(0.0, abs=1e-6)
    assert out["identity"].item() == pytest.approx(b.abs().mean().item() + 0.5 * a.abs().mean().item(), rel=1e-5)
    # CycleGAN's code: G's adversarial term is nn.MSELoss()(D(fake), 1), with no ½
    adv = ((D_B(2 * a) - 1) ** 2).mean() + ((D_A(0.5 * b) - 1) ** 2).mean()
    assert out["g_adv"].item() == pytest.approx(adv.item(), rel=1e-5)
    assert out["g_loss"].item() == pytest.approx(adv.item() + 5.0 * out["identity"].item(), rel=1e-5)
    torch.testing.assert_close(fake_b, 2 * a)
    torch.testing.assert_close(fake_a, 0.5 * b)


def test_cycle_loss_gradient_by_hand():
    # λ_cyc ‖F(G(a)) − a‖₁ with G = g·, F = 1·: d/dg mean|g a − a| = mean(|a|) sign(g − 1)
    a, b = _images(seed=3), _images(seed=4)
    G, F = Scale(1.5), Scale(1.0)
    D = nets.PatchDiscriminator(width=4)
    lr = 0.1
    opt = torch.optim.SGD([G.s], lr=lr)
    with torch.no_grad():  # D ≡ 0 (all weights 0): its logits carry no gradient back to G,
        for p in D.parameters():  # so the step follows the cycle term alone
            p.zero_()
    T.cycle_g_step(G, F, D, D, opt, a, b, loss="lsgan", lam_cycle=1.0, lam_identity=0.0)
    # cycle = mean|g a − a| + mean|g b − b|: derivative mean|a| + mean|b| (g > 1)
    expected = 1.5 - lr * (a.abs().mean() + b.abs().mean()).item()
    assert G.s.item() == pytest.approx(expected, rel=1e-5)


def test_pix2pix_l1_only_step_by_hand():
    # D = None: one SGD step on λ mean|y − g x| with y = 2x, g = 1: gradient −λ mean|x|
    x = _images(seed=5)
    G = Scale(1.0)
    model = T.Pix2Pix(G, None, lam=3.0)
    opt = torch.optim.SGD(G.parameters(), lr=0.01)
    out = model.step(opt, None, T.TranslationConfig(steps=1), x, 2 * x)
    assert out["l1"].item() == pytest.approx(x.abs().mean().item(), rel=1e-5)
    assert G.s.item() == pytest.approx(1.0 + 0.01 * 3.0 * x.abs().mean().item(), rel=1e-5)


def test_pix2pix_conditional_d_sees_the_pair():
    x, y = _images(4, seed=6), _images(4, seed=7)
    G, D = nets.UNet(width=4), nets.PatchDiscriminator(2, width=4)
    seen = []
    D.register_forward_pre_hook(lambda mod, inp: seen.append(inp[0].detach().clone()))
    opt_g, opt_d = torch.optim.SGD(G.parameters(), lr=0.0), torch.optim.SGD(D.parameters(), lr=0.0)
    T.Pix2Pix(G, D, lam=1.0).step(opt_g, opt_d, T.TranslationConfig(steps=1, loss="nonsaturating"), x, y)
    assert seen[0].shape == (4, 2, 28, 28)
    torch.testing.assert_close(seen[0][:, :1], x)  # the input ...
    torch.testing.assert_close(seen[0][:, 1:], y)  # ... stacked on the real target
    assert len(seen) == 3  # then (x, G(x)) in D's step and again in G's step
    with torch.no_grad():
        fake = G(x)
    for pair in seen[1:]:
        torch.testing.assert_close(pair[:, :1], x)
        torch.testing.assert_close(pair[:, 1:], fake)


def _snapshot(*modules):
    return [p.detach().clone() for m in modules for p in m.parameters()]


def _unchanged(before, *modules):
    after = [p for m in modules for p in m.parameters()]
    return all(torch.equal(b, a) and a.grad is None for b, a in zip(before, after))


@pytest.mark.parametrize("model", ["pix2pix", "cyclegan", "stargan"])
def test_generator_updates_leave_the_discriminators_alone(model):
    # lr > 0: G's update moves G, and neither moves D nor leaves a gradient on it
    x, y, c = _images(4, seed=11), _images(4, seed=12), torch.tensor([0, 1, 2, 0])
    if model == "pix2pix":
        G, Ds = nets.UNet(width=4), [nets.PatchDiscriminator(2, width=4)]
        step = lambda opt: T.pix2pix_g_step(Ds[0], opt, x, y, G(x), loss="lsgan", lam=1.0, conditional=True)
    elif model == "cyclegan":
        G, F = nets.UNet(width=4), nets.UNet(width=4)
        Ds = [nets.PatchDiscriminator(width=4), nets.PatchDiscriminator(width=4)]
        step = lambda opt: T.cycle_g_step(G, F, *Ds, opt, x, y, loss="lsgan", lam_cycle=10.0, lam_identity=5.0)
    else:
        G, Ds = nets.UNet(width=4, n_domains=3), [nets.PatchDiscriminator(width=4, n_classes=3)]
        step = lambda opt: T.star_g_step(G, Ds[0], opt, x, c, (c + 1) % 3, loss="lsgan", lam_cls=1.0, lam_rec=10.0)
    g_before, d_before = _snapshot(G), _snapshot(*Ds)
    step(torch.optim.SGD(G.parameters(), lr=0.1))
    assert _unchanged(d_before, *Ds)
    assert not all(torch.equal(b, a) for b, a in zip(g_before, G.parameters()))  # G did move
    assert all(p.requires_grad for d in Ds for p in d.parameters())  # D is trainable again


def test_stargan_targets_are_other_domains():
    x, c = _images(64, seed=8), torch.arange(64) % 3
    G = Scale(1.0, n_domains=3)
    D = nets.PatchDiscriminator(width=4, n_classes=3)
    model = T.StarGAN(G, D, lam_identity=1.0)
    opt_g, opt_d = torch.optim.SGD(G.parameters(), lr=0.0), torch.optim.SGD(D.parameters(), lr=0.0)
    out = model.step(opt_g, opt_d, T.TranslationConfig(steps=1), x, c, generator=torch.Generator().manual_seed(0))
    c_trg = G.calls[0]
    assert (c_trg != c).all()  # never the domain x came from
    assert set(c_trg.tolist()) == {0, 1, 2}
    assert G.calls[-2] is c and G.calls[-1] is c  # reconstruction and identity: the source domain
    assert out["cycle"].item() == pytest.approx(0.0, abs=1e-6)  # G = identity: G(G(x, c), c') = x
    assert out["identity"].item() == pytest.approx(0.0, abs=1e-6)


def test_fit_learns_a_paired_map():
    # y = −x is a deterministic per-pixel map: L1 alone learns it
    x = _images(64, seed=9)
    torch.manual_seed(0)
    model = T.Pix2Pix(nets.UNet(width=4, norm="none"), None, lam=1.0)
    hist = T.fit(model, [(x, -x)], T.TranslationConfig(steps=200, batch_size=16, lr_g=3e-3, log_every=20))
    assert hist.log["step"][-1] == 200
    assert hist.log["l1"][-1] < 0.3 * hist.log["l1"][0]


def _cycle_model(seed=0):
    torch.manual_seed(seed)
    return T.CycleGAN(nets.UNet(width=4), nets.UNet(width=4),
                      nets.PatchDiscriminator(width=4), nets.PatchDiscriminator(width=4))


def test_fit_resumes_bit_for_bit(tmp_path):
    a, b = _images(40, seed=10), _images(30, seed=11)
    config = T.TranslationConfig(steps=6, batch_size=8, log_every=1, seed=3)
    straight = _cycle_model()
    T.fit(straight, [(a,), (b,)], config)
    resumed = _cycle_model()
    path = tmp_path / "run.pt"
    T.fit(resumed, [(a,), (b,)], T.TranslationConfig(steps=3, batch_size=8, log_every=1, seed=3), checkpoint=path)
    fresh = _cycle_model(seed=99)  # other initial weights: everything must come from the checkpoint
    hist = T.fit(fresh, [(a,), (b,)], config, checkpoint=path)
    assert hist.log["step"] == [1, 2, 3, 4, 5, 6]
    for p, q in zip(straight.parameters(), fresh.parameters()):
        torch.testing.assert_close(p, q, rtol=0, atol=0)


class _Diverging(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(()))

    def generator_parameters(self):
        return [self.w]

    def discriminator_parameters(self):
        return []

    def step(self, opt_g, opt_d, config, x):
        self.n = getattr(self, "n", 0) + 1
        bad = torch.tensor(float("nan")) if self.n >= 4 else torch.tensor(1.0)
        return {"g_loss": torch.tensor(1.0), "cycle": bad}


def test_fit_stops_at_the_first_nan_and_names_the_loss():
    with pytest.raises(FloatingPointError, match=r"'cycle'.* at step 4"):
        T.fit(_Diverging(), [(_images(8),)], T.TranslationConfig(steps=10, batch_size=2, log_every=5))


def test_clip_bounds_d_weights():
    a, b = _images(16, seed=12), _images(16, seed=13)
    model = _cycle_model()
    T.fit(model, [(a,), (b,)], T.TranslationConfig(steps=2, batch_size=4, loss="wasserstein", clip=0.01,
                                                    optimizer="rmsprop", lr_d=5e-5, lr_g=5e-5))
    for D in (model.D_A, model.D_B):
        assert max(p.abs().max().item() for p in D.parameters()) <= 0.01
    assert max(p.abs().max().item() for p in model.G.parameters()) > 0.01  # only D is clipped


@pytest.mark.parametrize("kwargs, arg", [
    ({"steps": 0}, "steps"), ({"steps": 5, "loss": "l2"}, "loss"), ({"steps": 5, "clip": -1.0}, "clip"),
    ({"steps": 5, "lr_g": 0.0}, "lr_g"), ({"steps": 5, "betas": 0.5}, "betas"),
])
def test_config_rejects_bad_values(kwargs, arg):
    with pytest.raises((TypeError, ValueError), match=arg):
        T.TranslationConfig(**kwargs)


def test_fit_rejects_misaligned_streams():
    model = T.Pix2Pix(Scale(1.0), None)
    with pytest.raises(ValueError, match=r"streams\[0\]"):
        T.fit(model, [(_images(8), _images(7))], T.TranslationConfig(steps=1, batch_size=2))
    with pytest.raises(TypeError, match="streams"):
        T.fit(model, _images(8), T.TranslationConfig(steps=1, batch_size=2))
    with pytest.raises(TypeError, match="config"):
        T.fit(model, [(_images(8), _images(8))], {"steps": 1})


def test_models_reject_bad_parts():
    with pytest.raises(ValueError, match="lam"):
        T.Pix2Pix(Scale(1.0), None, lam=0.0)
    with pytest.raises(ValueError, match="n_domains"):
        T.StarGAN(Scale(1.0), nets.PatchDiscriminator(width=4, n_classes=3))
    with pytest.raises(TypeError, match="forward_with_classes"):
        T.StarGAN(Scale(1.0, n_domains=3), nn.Conv2d(1, 1, 3))
    with pytest.raises(ValueError, match="lam_cycle"):
        T.CycleGAN(Scale(1.0), Scale(1.0), Scale(1.0), Scale(1.0), lam_cycle=-1.0)


def test_binary_distance_by_hand():
    x = torch.tensor([[-1.0, 1.0], [0.0, 0.5]]).reshape(1, 1, 2, 2)  # distances 0, 0, 1, 0.5
    y = -torch.ones(1, 1, 2, 2)
    torch.testing.assert_close(T.binary_distance(torch.cat([x, y])), torch.tensor([0.375, 0.0]))
    with pytest.raises(ValueError, match="images"):
        T.binary_distance(torch.zeros(2, 2))


def test_translate_batches_in_eval_mode_and_restores_the_mode():
    G = nets.UNet(width=4, norm="batch")
    G.train()
    x = _images(7, seed=14)
    out = T.translate(G, x, batch_size=3)
    G.eval()
    with torch.no_grad():
        torch.testing.assert_close(out, G(x))  # eval mode: batch statistics never used
    G.train()
    T.translate(G, x)
    assert G.training
    star = nets.UNet(width=4, n_domains=3)
    c = torch.arange(7) % 3
    with torch.no_grad():
        torch.testing.assert_close(T.translate(star, x, c, batch_size=2), star.eval()(x, c))


def test_stargan_identity_and_reconstruction_by_hand():
    # G = 2·: reconstruction ‖x − 4x‖₁ = 3 mean|x|, identity ‖x − 2x‖₁ = mean|x|
    x, c = _images(16, seed=15), torch.arange(16) % 3
    G, D = Scale(2.0, n_domains=3), nets.PatchDiscriminator(width=4, n_classes=3)
    opt_g = torch.optim.SGD(G.parameters(), lr=0.0)
    out = T.star_g_step(G, D, opt_g, x, c, (c + 1) % 3, loss="lsgan", lam_cls=1.0, lam_rec=10.0, lam_identity=2.0)
    m = x.abs().mean().item()
    assert out["cycle"].item() == pytest.approx(3 * m, rel=1e-5)
    assert out["identity"].item() == pytest.approx(m, rel=1e-5)
    expected = out["g_adv"].item() + out["g_cls"].item() + 10.0 * 3 * m + 2.0 * m
    assert out["g_loss"].item() == pytest.approx(expected, rel=1e-5)
