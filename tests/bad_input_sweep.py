"""A sweep of bad-input calls over ganlib's public functions and classes (issue 17).

Not a pytest module (pytest collects only ``test_*.py``); run it by hand:

    PYTHONPATH=$PWD .venv/bin/python tests/bad_input_sweep.py            # tables
    PYTHONPATH=$PWD .venv/bin/python tests/bad_input_sweep.py --details  # + every unclear/silent call

Each entry of :func:`entries` is one public callable with a *valid* baseline call. The
sweep first checks that the baseline runs, then replaces one argument at a time with a
bad value chosen by the baseline value's type (a tensor: wrong shape, empty, NaN, inf,
int64, uint8, a NumPy array, a string; an int: 0, -5, "10", 2.5; a float: NaN, inf, -1,
"0.1"; a string "kind": an unknown one, an int; a module or callable: a string; ...).
Each outcome is classified:

* ``clear``   -- an exception whose message names the argument;
* ``unclear`` -- an exception that does not name it;
* ``silent``  -- a result, no error; split into ``silent (documented)`` when the
  function's docstring says "NaN in gives NaN out" (for a NaN/inf mutation) or says that
  it converts (for an int/uint8/NumPy mutation), and ``silent`` otherwise;
* ``hang/crash`` -- no answer within 20 s, or the worker process died.

Mutations that are *valid* input for a given argument (an int64 tensor where the
docstring promises conversion is not that; a negative ``theta0`` is) are listed per
entry in ``valid`` and not run. Each module runs in its own worker process, so a crash
is seen as one.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import signal
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable

NAN, INF = float("nan"), float("inf")
TIMEOUT_S = 20


@dataclass
class Entry:
    """One public callable: ``fn(*args(), **kwargs())`` is a valid call."""

    module: str
    name: str
    fn: Callable[[], Callable]  # returns the callable (built fresh: calls may change state)
    kwargs: Callable[[], dict]  # the valid arguments, by name ("*tensors": positional varargs)
    fixed: tuple[str, ...] = ()  # arguments not mutated (free-form names, titles, ...)
    valid: dict[str, tuple[str, ...]] = field(default_factory=dict)  # arg -> mutations that are valid input
    doc: Callable[[], Any] | None = None  # where to read the docstring (default: fn())


def _mutations(value: Any) -> list[tuple[str, Any]]:
    """Bad replacements for one valid argument value, by kind."""
    import numpy as np
    import torch
    from torch import nn

    if isinstance(value, torch.Tensor):
        if value.is_floating_point():
            shape = value.unsqueeze(-1).expand(*value.shape, 3) if value.dim() else value.reshape(1, 1).expand(1, 3)
            out = [
                ("wrong shape", shape.clone()),
                ("nan", torch.full_like(value, NAN)),
                ("inf", torch.full_like(value, INF)),
                ("int64", value.long()),
                ("uint8", value.to(torch.uint8)),
                ("numpy", value.detach().numpy()),
                ("string", "abc"),
            ]
            if value.dim():
                out.insert(1, ("empty", value[:0]))
            return out
        return [
            ("float labels", value.float()),
            ("wrong shape", value.unsqueeze(-1).expand(*value.shape, 3).clone()),
            ("numpy", value.numpy()),
            ("string", "abc"),
        ]
    if isinstance(value, np.ndarray):
        shape = np.repeat(value[..., None], 3, axis=-1)
        return [
            ("wrong shape", shape),
            ("empty", value[:0]),
            ("nan", np.full_like(value, NAN, dtype=float)),
            ("inf", np.full_like(value, INF, dtype=float)),
            ("string", "abc"),
        ]
    if isinstance(value, bool):
        return [("string", "yes"), ("none", None)]
    if isinstance(value, int):
        return [("zero", 0), ("negative", -5), ("string", "10"), ("float", 2.5)]
    if isinstance(value, float):
        return [("nan", NAN), ("inf", INF), ("negative", -1.0), ("string", "0.1")]
    if isinstance(value, str):
        return [("unknown kind", "bogus"), ("int", 3)]
    if isinstance(value, (nn.Module,)) or callable(value):
        return [("string", "abc"), ("none", None)]
    if isinstance(value, tuple) and all(isinstance(v, (int, float)) for v in value):
        return [("string", "abc"), ("empty", ()), ("negative", tuple(-abs(v) - 1 for v in value)), ("nan", (NAN,) * len(value))]
    if isinstance(value, list):
        return [("string", "abc"), ("empty", [])]
    return [("string", "abc")]


def entries() -> list[Entry]:  # noqa: C901 - one table
    """The public API with one valid baseline call each."""
    import matplotlib

    matplotlib.use("Agg")
    import copy

    import numpy as np
    import torch
    from torch import nn

    import ganlib
    from ganlib import (checks, classifier, data, divergences, games, losses, metrics, nets, plot, regularizers,
                        runtime, sampling, train, vae, widgets)

    torch.manual_seed(0)
    T = lambda *s: torch.randn(*s)  # noqa: E731
    logit = lambda: dict(real_logits=T(8), fake_logits=T(8))  # noqa: E731
    G2 = lambda: nets.MLPGenerator(2, 2, hidden=(8,))  # noqa: E731
    D2 = lambda: nets.MLPDiscriminator(2, hidden=(8,))  # noqa: E731
    pts = lambda: dict(real=T(16, 2), fake=T(16, 2))  # noqa: E731
    probs = lambda: np.array([0.2, 0.3, 0.5])  # noqa: E731
    ae = lambda: vae.Autoencoder(2, in_shape=(4,), hidden=(8,))  # noqa: E731
    V = lambda **kw: vae.VAE(kw.pop("z_dim", 2), in_shape=(4,), hidden=(8,), **kw)  # noqa: E731
    x4 = lambda: torch.rand(8, 4) * 2 - 1  # noqa: E731
    img = lambda n=4: torch.rand(n, 1, 28, 28) * 2 - 1  # noqa: E731
    snaps = lambda: [(0, T(16, 2)), (5, T(16, 2))]  # noqa: E731
    isnaps = lambda: [(0, img(4)), (5, img(4))]  # noqa: E731
    feats = lambda n=20, d=3: np.random.default_rng(0).normal(size=(n, d))  # noqa: E731

    def vbn_D():
        D = nets.DCGANDiscriminator(width=4, norm="virtual", ref_size=2)
        return D

    EMPTY_BATCH = {"x": ("empty",), "z": ("empty",)}  # a forward pass maps an empty batch to an empty output (documented)

    def E(module, name, fn, kwargs, **kw):
        return Entry(module, name, fn, kwargs, **kw)

    out = []
    add = out.append
    # --- losses -----------------------------------------------------------------------
    for name in ("bce_d_loss", "wasserstein_d_loss", "lsgan_d_loss"):
        add(E("losses", name, lambda n=name: getattr(losses, n), logit))
    add(E("losses", "hinge_d_loss", lambda: losses.hinge_d_loss, lambda: {**logit(), "margin": 1.0},
          valid={"margin": ("negative",)}))
    for name in ("minimax_g_loss", "nonsaturating_g_loss", "maxlikelihood_g_loss", "wasserstein_g_loss",
                 "hinge_g_loss", "lsgan_g_loss"):
        add(E("losses", name, lambda n=name: getattr(losses, n), lambda: dict(fake_logits=T(8))))
    add(E("losses", "d_loss", lambda: losses.d_loss, lambda: dict(kind="hinge", **logit())))
    add(E("losses", "g_loss", lambda: losses.g_loss, lambda: dict(kind="hinge", fake_logits=T(8))))
    add(E("losses", "check_logits", lambda: losses.check_logits, lambda: dict(name="logits", logits=T(8)), fixed=("name",)))
    # --- regularizers -------------------------------------------------------------------
    add(E("regularizers", "clip_weights", lambda: regularizers.clip_weights, lambda: dict(module=D2(), c=0.01)))
    add(E("regularizers", "gradient_penalty", lambda: regularizers.gradient_penalty,
          lambda: dict(critic=D2(), **pts(), weight=10.0, target=1.0, one_sided=False)))
    add(E("regularizers", "spectral_norm", lambda: regularizers.spectral_norm, lambda: dict(module=D2())))
    add(E("regularizers", "spectral_norms", lambda: regularizers.spectral_norms, lambda: dict(module=D2())))
    add(E("regularizers", "r1_penalty", lambda: regularizers.r1_penalty, lambda: dict(critic=D2(), real=T(16, 2), weight=10.0)))
    add(E("regularizers", "r2_penalty", lambda: regularizers.r2_penalty, lambda: dict(critic=D2(), fake=T(16, 2), weight=10.0)))
    add(E("regularizers", "r1_d_penalty", lambda: regularizers.r1_d_penalty, lambda: dict(weight=10.0, every=2)))
    add(E("regularizers", "r2_d_penalty", lambda: regularizers.r2_d_penalty, lambda: dict(weight=10.0)))
    add(E("regularizers", "one_sided_smoothed_bce_d_loss", lambda: regularizers.one_sided_smoothed_bce_d_loss,
          lambda: dict(**logit(), real_target=0.9)))
    add(E("regularizers", "instance_noise", lambda: regularizers.instance_noise, lambda: dict(x=T(16, 2), std=0.1),
          valid={"x": ("wrong shape", "empty")}))  # any shape (N, ...), an empty batch too
    # --- nets ---------------------------------------------------------------------------
    add(E("nets", "one_hot_labels", lambda: nets.one_hot_labels,
          lambda: dict(y=torch.tensor([0, 1, 2]), n=3, n_classes=4, name="y"), fixed=("name",)))
    add(E("nets", "MLPGenerator", lambda: nets.MLPGenerator, lambda: dict(z_dim=2, out_shape=2, hidden=(8,), n_classes=0),
          valid={"n_classes": ("zero",), "hidden": ("empty",)}))
    add(E("nets", "MLPGenerator.forward", G2, lambda: dict(z=T(5, 2)),
          valid=EMPTY_BATCH))
    add(E("nets", "MLPDiscriminator", lambda: nets.MLPDiscriminator, lambda: dict(in_shape=2, hidden=(8,), n_classes=0),
          valid={"n_classes": ("zero",), "hidden": ("empty",)}))
    add(E("nets", "MLPDiscriminator.forward", D2, lambda: dict(x=T(5, 2)),
          valid=EMPTY_BATCH))
    add(E("nets", "StackedLinear", lambda: nets.StackedLinear, lambda: dict(members=3, in_dim=2, out_dim=4)))
    add(E("nets", "StackedLinear.forward", lambda: nets.StackedLinear(3, 2, 4), lambda: dict(x=T(3, 5, 2))))
    add(E("nets", "FourierFeatures", lambda: nets.FourierFeatures,
          lambda: dict(in_dim=2, n_features=8, scales=(1.0, 5.0), seed=0), valid={"seed": ("zero",)}))
    add(E("nets", "FourierFeatures.forward", lambda: nets.FourierFeatures(2, 8), lambda: dict(x=T(5, 2)),
          valid=EMPTY_BATCH))
    add(E("nets", "MLPEnsemble", lambda: nets.MLPEnsemble, lambda: dict(members=3, in_dim=2, out_dim=1, hidden=(8,)),
          valid={"hidden": ("empty",)}))
    add(E("nets", "MLPEnsemble.forward", lambda: nets.MLPEnsemble(3, 2, 1, hidden=(8,)), lambda: dict(x=T(6, 2)),
          valid=EMPTY_BATCH))
    add(E("nets", "MLPEnsemble.member_rows", lambda: nets.MLPEnsemble(3, 2, 1, hidden=(8,)).member_rows, lambda: dict(x=T(6, 2)),
          valid={"x": ("wrong shape", "empty", "nan", "inf", "int64", "uint8")}))  # a reshape of any (S·b, ...) rows
    add(E("nets", "VirtualBatchNorm2d", lambda: nets.VirtualBatchNorm2d, lambda: dict(num_features=3, ref_size=2, eps=1e-5)))
    add(E("nets", "VirtualBatchNorm2d.forward", lambda: nets.VirtualBatchNorm2d(3, 2), lambda: dict(x=T(5, 3, 4, 4))))
    add(E("nets", "DCGANGenerator", lambda: nets.DCGANGenerator,
          lambda: dict(z_dim=8, channels=1, image_size=28, width=4, norm="batch", upsample="transposed",
                       output_norm=False, n_classes=0, ref_size=4), valid={"n_classes": ("zero",)}))
    add(E("nets", "DCGANGenerator.forward", lambda: nets.DCGANGenerator(8, width=4), lambda: dict(z=T(3, 8)),
          valid=EMPTY_BATCH))
    add(E("nets", "DCGANDiscriminator", lambda: nets.DCGANDiscriminator,
          lambda: dict(channels=1, image_size=28, width=4, norm="batch", downsample="stride", input_norm=False,
                       activation="leaky", n_classes=0, ref_size=4), valid={"n_classes": ("zero",)}))
    add(E("nets", "DCGANDiscriminator.forward", lambda: nets.DCGANDiscriminator(width=4), lambda: dict(x=img(3)),
          valid=EMPTY_BATCH))
    add(E("nets", "DCGANDiscriminator.features", lambda: nets.DCGANDiscriminator(width=4).features, lambda: dict(x=img(3)),
          valid=EMPTY_BATCH))
    add(E("nets", "DCGANDiscriminator.set_reference", lambda: vbn_D().set_reference, lambda: dict(x_ref=img(2))))
    add(E("nets", "init_dcgan_weights", lambda: nets.init_dcgan_weights,
          lambda: dict(module=nets.DCGANDiscriminator(width=4), std=0.02)))
    # --- divergences --------------------------------------------------------------------
    for name in ("kl", "reverse_kl", "js", "total_variation"):
        add(E("divergences", name, lambda n=name: getattr(divergences, n), lambda: dict(p=probs(), q=probs()[::-1].copy())))
    add(E("divergences", "wasserstein1", lambda: divergences.wasserstein1, lambda: dict(x=np.arange(5.0), y=np.arange(5.0) + 1)))
    for name in ("wasserstein_discrete", "transport_plan"):
        add(E("divergences", name, lambda n=name: getattr(divergences, n),
              lambda: dict(a=np.array([0.5, 0.5]), b=np.array([0.25, 0.75]), xs=np.array([[0.0], [1.0]]),
                           ys=np.array([[0.0], [2.0]]), p=1.0)))
    add(E("divergences", "f_divergence", lambda: divergences.f_divergence, lambda: dict(p=probs(), q=probs()[::-1].copy(), kind="kl")))
    add(E("divergences", "variational_bound", lambda: divergences.variational_bound,
          lambda: dict(t_real=-torch.rand(8), t_fake=-torch.rand(8), kind="gan")))
    add(E("divergences", "optimal_discriminator (tensors)", lambda: divergences.optimal_discriminator,
          lambda: dict(p_data=torch.rand(8), p_g=torch.rand(8)),
          valid={"p_data": ("wrong shape", "numpy", "int64", "uint8"), "p_g": ("numpy", "int64", "uint8")}))
    add(E("divergences", "optimal_discriminator (arrays)", lambda: divergences.optimal_discriminator,
          lambda: dict(p_data=np.random.rand(8), p_g=np.random.rand(8))))
    # --- vae ----------------------------------------------------------------------------
    add(E("vae", "gaussian_kl", lambda: vae.gaussian_kl, lambda: dict(mu=T(8, 2), logvar=T(8, 2)),
          valid={"mu": ("empty",)}))
    add(E("vae", "reparameterize", lambda: vae.reparameterize, lambda: dict(mu=T(8, 2), logvar=T(8, 2), eps=T(8, 2))))
    add(E("vae", "standard_normal_log_prob", lambda: vae.standard_normal_log_prob, lambda: dict(z=T(8, 2)),
          valid={"z": ("wrong shape", "empty")}))
    add(E("vae", "bernoulli_log_likelihood", lambda: vae.bernoulli_log_likelihood, lambda: dict(x=x4(), logits=T(8, 4))))
    add(E("vae", "gaussian_log_likelihood", lambda: vae.gaussian_log_likelihood,
          lambda: dict(x=T(8, 4), mean=T(8, 4), log_sigma=T(4))))
    add(E("vae", "Autoencoder", lambda: vae.Autoencoder, lambda: dict(z_dim=2, in_shape=(4,), hidden=(8,)),
          valid={"hidden": ("empty",)}))
    add(E("vae", "Autoencoder.encode", lambda: ae().encode, lambda: dict(x=x4())))
    add(E("vae", "Autoencoder.logits", lambda: ae().logits, lambda: dict(z=T(8, 2))))
    add(E("vae", "Autoencoder.decode", lambda: ae().decode, lambda: dict(z=T(8, 2))))
    add(E("vae", "VAE", lambda: vae.VAE, lambda: dict(z_dim=2, in_shape=(4,), hidden=(8,), likelihood="gaussian", sigma=0.5),
          valid={"hidden": ("empty",)}))
    add(E("vae", "VAE.encode", lambda: V().encode, lambda: dict(x=x4())))
    add(E("vae", "VAE.decode", lambda: V().decode, lambda: dict(z=T(8, 2))))
    add(E("vae", "VAE.log_px_given_z", lambda: V().log_px_given_z, lambda: dict(x=x4(), z=T(8, 2))))
    add(E("vae", "VAE.mean", lambda: V().mean, lambda: dict(z=T(8, 2))))
    add(E("vae", "VAE.draw", lambda: V().draw, lambda: dict(z=T(8, 2))))
    add(E("vae", "elbo", lambda: vae.elbo, lambda: dict(vae=V(), x=x4())))
    add(E("vae", "iwae_bound", lambda: vae.iwae_bound, lambda: dict(vae=V(), x=x4(), k=3)))
    add(E("vae", "iwae_log_likelihood", lambda: vae.iwae_log_likelihood, lambda: dict(vae=V(), x=x4(), k=3, max_pairs=100)))
    add(E("vae", "log_marginal_quadrature", lambda: vae.log_marginal_quadrature,
          lambda: dict(vae=V(z_dim=1), x=x4(), lim=4.0, points=21)))
    add(E("vae", "sample", lambda: vae.sample, lambda: dict(vae=V(), n=4, mean=True)))
    add(E("vae", "train_autoencoder", lambda: vae.train_autoencoder,
          lambda: dict(ae=ae(), x=x4(), steps=2, batch_size=4, lr=1e-3, progress=False), valid={"seed": ("zero",)}))
    add(E("vae", "train_vae", lambda: vae.train_vae,
          lambda: dict(vae=V(), x=x4(), steps=2, batch_size=4, lr=1e-3, beta=1.0, objective="elbo", k=2, progress=False)))
    # --- sampling -----------------------------------------------------------------------
    add(E("sampling", "fit_density_ratio", lambda: sampling.fit_density_ratio,
          lambda: dict(classifier=D2(), G=G2(), real=T(16, 2), steps=2, batch_size=8, lr=1e-3, latent="normal")))
    add(E("sampling", "accept", lambda: sampling.accept, lambda: dict(log_ratio=T(16), cap_quantile=0.9),
          valid={"log_ratio": ("wrong shape",)}))  # (..., N): any leading dims
    # --- data ---------------------------------------------------------------------------
    add(E("data", "load_mnist", lambda: data.load_mnist, lambda: dict(split="test", source="shipped", device="cpu")))
    add(E("data", "batches", lambda: data.batches, lambda: {"*tensors": [T(16, 2)], "batch_size": 4, "drop_last": True},
          valid={"*tensors": ("wrong shape", "nan", "inf", "int64", "uint8")}))  # batches of any rows
    add(E("data", "ring_centers", lambda: data.ring_centers, lambda: dict(modes=8, radius=2.0)))
    add(E("data", "grid_centers", lambda: data.grid_centers, lambda: dict(side=5, spacing=2.0)))
    add(E("data", "ring", lambda: data.ring, lambda: dict(n=10, modes=8, radius=2.0, std=0.02)))
    add(E("data", "grid", lambda: data.grid, lambda: dict(n=10, side=5, spacing=2.0, std=0.05)))
    add(E("data", "spiral", lambda: data.spiral, lambda: dict(n=10, noise=0.05, turns=1.5, scale=2.0)))
    add(E("data", "toy_2d", lambda: data.toy_2d, lambda: dict(name="ring", n=10)))
    add(E("data", "toy_centers", lambda: data.toy_centers, lambda: dict(name="grid")))
    add(E("data", "Mixture1D", lambda: data.Mixture1D, lambda: dict(means=[0.0, 2.0], stds=[1.0, 0.5], weights=[0.5, 0.5])))
    mix = lambda: data.Mixture1D([0.0, 2.0], [1.0, 0.5])  # noqa: E731
    for meth in ("log_prob", "pdf"):
        add(E("data", f"Mixture1D.{meth}", lambda m=meth: getattr(mix(), m), lambda: dict(x=T(10)),
              valid={"x": ("wrong shape", "empty", "int64", "uint8", "numpy")}))  # elementwise, any shape, converts
    add(E("data", "Mixture1D.sample", lambda: mix().sample, lambda: dict(n=10)))
    # --- games --------------------------------------------------------------------------
    for name in ("f", "f_prime"):
        add(E("games", name, lambda n=name: getattr(games, n), lambda: dict(t=np.linspace(-2, 2, 5), kind="gan"),
              valid={"t": ("wrong shape", "empty")}))  # elementwise, any shape
    add(E("games", "objective", lambda: games.objective,
          lambda: dict(theta=np.linspace(-1, 1, 5), psi=np.linspace(-1, 1, 5), kind="gan", noise_std=0.5),
          valid={"theta": ("empty",), "psi": ("empty",)}))
    add(E("games", "vector_field", lambda: games.vector_field,
          lambda: dict(theta=np.linspace(-1, 1, 5), psi=np.linspace(-1, 1, 5), kind="gan", reg="r1", gamma=1.0,
                       noise_std=1.0), valid={"theta": ("empty",), "psi": ("empty",)}))
    add(E("games", "simulate", lambda: games.simulate,
          lambda: dict(theta0=1.0, psi0=1.0, steps=5, lr=0.1, mode="simultaneous", kind="gan", reg=None, gamma=1.0,
                       noise_std=1.0, clip=1.0), valid={"theta0": ("negative",), "psi0": ("negative",)}))
    add(E("games", "jacobian", lambda: games.jacobian, lambda: dict(kind="gan", reg="r1", gamma=1.0, noise_std=1.0)))
    add(E("games", "jacobian_eigenvalues", lambda: games.jacobian_eigenvalues,
          lambda: dict(kind="gan", reg="r1", gamma=1.0, noise_std=1.0)))
    add(E("games", "distance_to_equilibrium", lambda: games.distance_to_equilibrium,
          lambda: dict(trajectory=np.ones((4, 2)))))
    # --- metrics ------------------------------------------------------------------------
    add(E("metrics", "frechet_distance", lambda: metrics.frechet_distance,
          lambda: dict(mu1=np.zeros(3), sigma1=np.eye(3), mu2=np.ones(3), sigma2=2 * np.eye(3), eps=1e-6)))
    add(E("metrics", "feature_statistics", lambda: metrics.feature_statistics, lambda: dict(feats=feats())))
    add(E("metrics", "fid", lambda: metrics.fid, lambda: dict(feats_a=feats(), feats_b=feats() + 1, eps=1e-6)))
    add(E("metrics", "polynomial_kernel", lambda: metrics.polynomial_kernel,
          lambda: dict(x=feats(), y=feats(10), degree=3, coef0=1.0), valid={"coef0": ("negative",)}))
    add(E("metrics", "mmd2_unbiased", lambda: metrics.mmd2_unbiased,
          lambda: dict(k_xx=np.ones((4, 4)), k_yy=np.ones((5, 5)), k_xy=np.ones((4, 5)))))
    add(E("metrics", "kid", lambda: metrics.kid, lambda: dict(feats_a=feats(), feats_b=feats() + 1, subsets=2, subset_size=5, seed=0),
          valid={"seed": ("zero",)}))
    add(E("metrics", "inception_score", lambda: metrics.inception_score,
          lambda: dict(probs=np.full((6, 3), 1 / 3), splits=2)))
    add(E("metrics", "mode_coverage", lambda: metrics.mode_coverage,
          lambda: dict(samples=feats(20, 2), centers=np.zeros((4, 2)), std=0.1)))
    for name in ("digit_features", "digit_probs"):
        add(E("metrics", name, lambda n=name: getattr(metrics, n), lambda: dict(images=img(), batch_size=2)))
    add(E("metrics", "digit_fid", lambda: metrics.digit_fid, lambda: dict(images_a=img(), images_b=img(), batch_size=2)))
    add(E("metrics", "digit_inception_score", lambda: metrics.digit_inception_score,
          lambda: dict(images=img(), splits=2, batch_size=2)))
    # --- plot ---------------------------------------------------------------------------
    add(E("plot", "image_grid", lambda: plot.image_grid, lambda: dict(images=img(), nrow=2)))
    add(E("plot", "samples_2d", lambda: plot.samples_2d, lambda: dict(fake=T(16, 2), real=T(16, 2), lim=3.0, legend=True)))
    add(E("plot", "samples_over_training", lambda: plot.samples_over_training,
          lambda: dict(snapshots=snaps(), real=T(16, 2), cols=2, max_panels=4)))
    add(E("plot", "decision_surface_2d", lambda: plot.decision_surface_2d,
          lambda: dict(D=D2(), real=T(16, 2), fake=T(16, 2), resolution=10, lim=3.0, sigmoid=True)))
    add(E("plot", "loss_curves", lambda: plot.loss_curves,
          lambda: dict(history={"step": [1, 2, 3], "d_loss": [1.0, 0.9, 0.8], "g_loss": [1.0, 1.1, 1.2]}, smooth=1)))
    add(E("plot", "animate_2d", lambda: plot.animate_2d, lambda: dict(snapshots=snaps(), real=T(16, 2), interval=100)))
    add(E("plot", "animate_grid", lambda: plot.animate_grid,
          lambda: dict(snapshots=isnaps(), nrow=2, max_images=4, interval=100)))
    add(E("plot", "animation_html", lambda: plot.animation_html, lambda: dict(anim=plot.animate_2d(snaps()))))
    # --- widgets, classifier ------------------------------------------------------------
    add(E("widgets", "interactive", lambda: widgets.interactive,
          lambda: dict(fn=lambda lr=0.1: None, manual=False, lr=(0.01, 1.0)),
          valid={"lr": ("string",)}))  # a string control is a text box
    add(E("widgets", "Caption", lambda: widgets.Caption,
          lambda: dict(controls=[("lr", "lr", "lr: a slider")], values={"lr": 0.1}),
          valid={"controls": ("empty",)}))  # no controls: "Interactive in Jupyter or Colab."
    add(E("classifier", "DigitClassifier", lambda: classifier.DigitClassifier,
          lambda: dict(width=8, feature_dim=16, n_classes=10)))
    add(E("classifier", "DigitClassifier.forward", lambda: classifier.DigitClassifier(width=8).eval(), lambda: dict(x=img()),
          valid=EMPTY_BATCH))
    add(E("classifier", "DigitClassifier.features", lambda: classifier.DigitClassifier(width=8).eval().features, lambda: dict(x=img()),
          valid=EMPTY_BATCH))
    add(E("classifier", "load_digit_classifier", lambda: classifier.load_digit_classifier, lambda: dict(device="cpu")))
    # --- checks -------------------------------------------------------------------------
    # --- train and runtime (helper A1 validates these) -----------------------------------
    cfg = lambda **kw: train.TrainConfig(**{"steps": 2, "z_dim": 2, "batch_size": 8, "log_every": 1, **kw})  # noqa: E731
    add(E("train", "lr_factor", lambda: train.lr_factor, lambda: dict(schedule="linear", step=1, steps=10)))
    add(E("train", "sample_latent", lambda: train.sample_latent, lambda: dict(n=4, z_dim=2, kind="normal")))
    add(E("train", "TrainConfig", lambda: train.TrainConfig,
          lambda: dict(steps=2, z_dim=2, batch_size=8, loss="hinge", lr_g=1e-3, lr_d=1e-3, betas=(0.5, 0.999), seed=0,
                       snapshot_every=0, checkpoint_every=0, label_smoothing=0.0, instance_noise=0.0, ema=0.0),
          valid={"seed": ("zero",), "snapshot_every": ("zero",), "checkpoint_every": ("zero",),
                 "label_smoothing": (), "instance_noise": (), "ema": ()}))
    add(E("train", "make_optimizer", lambda: train.make_optimizer,
          lambda: dict(params=list(D2().parameters()), kind="adam", lr=1e-3, betas=(0.5, 0.999))))
    add(E("train", "grad_norm", lambda: train.grad_norm, lambda: dict(module=D2())))
    add(E("train", "update_ema", lambda: train.update_ema, lambda: dict(average=G2(), model=G2(), beta=0.9)))
    add(E("train", "train_gan", lambda: train.train_gan,
          lambda: dict(G=G2(), D=D2(), real=T(32, 2), config=cfg(), progress=False)))
    add(E("train", "generate", lambda: train.generate, lambda: dict(G=G2(), n=10, batch_size=4, latent="normal")))
    add(E("runtime", "get_device", lambda: runtime.get_device, lambda: dict(prefer="cpu")))
    add(E("runtime", "seed_everything", lambda: runtime.seed_everything, lambda: dict(seed=1)))
    add(E("runtime", "autocast", lambda: runtime.autocast, lambda: dict(device=torch.device("cpu"))))
    add(E("runtime", "setup", lambda: runtime.setup, lambda: dict(seed=1, device="cpu", verbose=False)))
    return out


def _call(entry: Entry, fn: Callable, kwargs: dict) -> Any:
    args = kwargs.pop("*tensors", [])
    result = fn(*args, **kwargs)
    if inspect.isgenerator(result) or type(result).__name__ == "generator":
        next(result)
    return result


def _doc(entry: Entry, fn: Callable) -> str:
    target = entry.doc() if entry.doc else fn
    doc = inspect.getdoc(target) or ""
    owner = getattr(target, "__self__", None)  # a bound method: its class's docstring counts too
    if owner is not None:
        doc += inspect.getdoc(type(owner)) or ""
    module = inspect.getmodule(target)
    doc += (module.__doc__ or "") if module is not None else ""  # a module-wide statement counts too
    if inspect.isclass(target):
        doc += inspect.getdoc(target.__init__) or ""
    return doc


def _classify(entry: Entry, arg: str, mutation: str, fn: Callable, error: BaseException | None) -> str:
    if error is None:
        doc = _doc(entry, fn).lower()
        if mutation in ("nan", "inf") and "nan in" in doc:
            return "silent (documented)"
        if mutation in ("int64", "uint8", "numpy") and "convert" in doc:
            return "silent (documented)"
        return "silent"
    return "clear" if names_argument(str(error), arg.lstrip("*")) else "unclear"


def names_argument(message: str, arg: str) -> bool:
    """Whether an error message names the argument ``arg`` (as a word; a one- or two-letter
    name such as ``n`` or ``x`` must be followed by " must", " is", " and", " has", " (" ...)."""
    import re

    if len(arg) > 2:
        return re.search(rf"(?<![\w.]){re.escape(arg)}(?!\w)", message) is not None
    return re.search(rf"(?<![\w.]){re.escape(arg)} (must|is|and|has|holds|needs|contains|are|\(|was)", message) is not None


def _alarm(signum, frame):
    raise TimeoutError("no answer")


def run_module(module: str) -> list[dict]:
    """Every mutation of every entry of one module, one dict per call."""
    import warnings

    import matplotlib.pyplot as plt
    import torch

    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    signal.signal(signal.SIGALRM, _alarm)
    rows = []
    for entry in (e for e in entries() if e.module == module):
        try:
            fn, kwargs = entry.fn(), entry.kwargs()
            _call(entry, fn, dict(kwargs))
        except Exception as error:  # the baseline itself fails: the entry is out of date
            rows.append(dict(module=module, name=entry.name, arg="", mutation="baseline",
                             outcome="baseline fails", message=f"{type(error).__name__}: {error}"[:200]))
            continue
        for arg, value in kwargs.items():
            if arg in entry.fixed:
                continue
            mutated_values = _mutations(value[0] if arg == "*tensors" else value)
            for mutation, bad in mutated_values:
                if mutation in entry.valid.get(arg, ()):
                    continue
                fn, call_kwargs = entry.fn(), entry.kwargs()
                call_kwargs[arg] = [bad] if arg == "*tensors" else bad
                error = None
                signal.alarm(TIMEOUT_S)
                try:
                    _call(entry, fn, call_kwargs)
                except TimeoutError:
                    error = None
                    outcome = "hang/crash"
                except Exception as e:  # noqa: BLE001 - classified below
                    error = e
                    outcome = _classify(entry, arg, mutation, fn, e)
                else:
                    outcome = _classify(entry, arg, mutation, fn, None)
                finally:
                    signal.alarm(0)
                    plt.close("all")
                message = f"{type(error).__name__}: {error}" if error is not None else ""
                rows.append(dict(module=module, name=entry.name, arg=arg, mutation=mutation, outcome=outcome,
                                 message=message.splitlines()[0][:200] if message else ""))
    return rows


OUTCOMES = ("clear", "unclear", "silent (documented)", "silent", "hang/crash")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--details", action="store_true", help="list every call that is not a clear error")
    parser.add_argument("--modules", nargs="*", help="only these modules")
    args = parser.parse_args(argv)
    if args.worker:
        for row in run_module(args.worker):
            print(json.dumps(row), flush=True)
        return 0
    modules = args.modules or sorted({e.module for e in entries()})
    rows = []
    for module in modules:
        proc = subprocess.run([sys.executable, __file__, "--worker", module], capture_output=True, text=True,
                              env={**os.environ, "GANLIB_PROFILE": "quick"})
        got = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        rows += got
        if proc.returncode != 0:
            rows.append(dict(module=module, name="(worker)", arg="", mutation="", outcome="hang/crash",
                             message=f"worker exited with {proc.returncode}: {proc.stderr[-300:]}"))
    broken = [r for r in rows if r["outcome"] == "baseline fails"]
    calls = [r for r in rows if r["outcome"] != "baseline fails"]
    by_module: dict[str, Counter] = defaultdict(Counter)
    for r in calls:
        by_module[r["module"]][r["outcome"]] += 1
    total = Counter(r["outcome"] for r in calls)
    n = sum(total.values())
    names = {(r["module"], r["name"]) for r in calls}
    print(f"{n} bad-input calls over {len(names)} public callables ({len(broken)} baselines failed)\n")
    header = f"{'module':<13}" + "".join(f"{o:>21}" for o in OUTCOMES) + f"{'calls':>7}{'% clear':>9}"
    print(header)
    print("-" * len(header))
    for module in sorted(by_module):
        c = by_module[module]
        m = sum(c.values())
        print(f"{module:<13}" + "".join(f"{c[o]:>21}" for o in OUTCOMES) + f"{m:>7}{100 * c['clear'] / m:>8.1f}%")
    print("-" * len(header))
    print(f"{'all':<13}" + "".join(f"{total[o]:>21}" for o in OUTCOMES) + f"{n:>7}{100 * total['clear'] / max(n, 1):>8.1f}%")
    for r in broken:
        print(f"baseline fails: {r['module']}.{r['name']}: {r['message']}")
    if args.details:
        print()
        for r in calls:
            if r["outcome"] != "clear":
                print(f"{r['outcome']:<20} {r['module']}.{r['name']}({r['arg']}={r['mutation']}): {r['message'][:150]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
