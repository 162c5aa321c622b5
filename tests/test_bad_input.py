"""Bad input gets a clear error at every public entry point of ganlib (issue 17).

The contract: a value of the wrong *type* raises TypeError, a value or shape that is
wrong raises ValueError, and the message names the argument. The public callables are
listed from the modules themselves (``__all__`` if a module has one, else the public
functions and classes it defines), so a new public function without a case here makes
:func:`test_every_public_callable_has_a_bad_input_case` fail.

For a wider, exploratory count of outcomes see ``tests/bad_input_sweep.py`` (not run by pytest).
"""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import ganlib
from bad_input_sweep import names_argument  # tests/ is on sys.path under pytest
from public_api import public_names
from ganlib import (checks, classifier, data, divergences, games, losses, metrics, nets, plot, regularizers, runtime,
                    sampling, text, train, vae, widgets)
from ganlib import conditional
from ganlib import relations
from ganlib import distributed
from ganlib import translation

# Modules whose public API is covered here. Not covered: ganlib.bench (a command-line
# benchmark, `python -m ganlib.bench`, not reader API) and ganlib.exercises (the exercise
# checkers, which grade a reader's function and report, rather than raise, on bad answers).
MODULES = (checks, classifier, data, divergences, games, losses, metrics, nets, plot, regularizers, runtime, sampling,
           text, train, vae, widgets)
MODULES += (conditional,)  # chapter 8
MODULES += (relations,)  # chapter 12
MODULES += (distributed,)  # the scaling appendix
MODULES += (translation,)  # chapter 9

# Public callables with nothing to validate (no arguments, or plain records).
EXEMPT = {
    "data.data_dir",  # no arguments: reads $GANLIB_DATA
    "classifier.weights_path",  # no arguments
    "widgets.static_mode",  # no arguments
    "runtime.profile",  # no arguments (its environment variable is checked: see test_runtime.py)
    "runtime.budget",  # returns one of its arguments unchanged: any value is valid
    "runtime.Runtime",  # a frozen record that setup() fills with checked values
    "train.History",  # a record of a run, filled by train_gan
    "vae.ElboTerms",  # a NamedTuple of three tensors, returned by elbo()
    "vae.FitHistory",  # a record of a run, filled by the trainers
    "divergences.FDivergence",  # a record of four functions: the table F_DIVERGENCES
    # One update each, called by train_gan on every step: train_gan checks its arguments
    # once before step 1, so the hot path does no checks of its own (see train.py).
    "train.d_step",
    "train.g_step",
    "text.TextHistory",  # a record of a run, filled by train_text_gan
    # One update each, called by train_text_gan on every step, which checks its arguments once.
    "text.seqgan_g_step",
    "text.dense_g_step",
    "text.gumbel_g_step",
    "text.text_d_step",
    # The same for chapter 8's loops (ganlib.conditional): each update is called by a
    # train_* function that checks its arguments once before step 1.
    "conditional.matching_aware_d_step",
    "conditional.infogan_step",
    "conditional.semi_supervised_step",
    # The same for chapter 9's translators (ganlib.translation): fit checks the data and
    # the config once; each model's constructor checks its networks and weights.
    "translation.pix2pix_d_step",
    "translation.pix2pix_g_step",
    "translation.cycle_g_step",
    "translation.cycle_d_step",
    "translation.star_d_step",
    "translation.star_g_step",
    "translation.patch_logits",  # a reshape: any tensor is valid
    "distributed.DistEnv",  # a frozen record that init_from_env fills with checked values
}

def public_callables() -> list[str]:
    return sorted(f"{module.__name__.split('.')[-1]}.{n}" for module in MODULES for n in public_names(module))


# --- small valid arguments --------------------------------------------------------------

T = torch.randn


def G2():
    return nets.MLPGenerator(2, 2, hidden=(8,))


def D2():
    return nets.MLPDiscriminator(2, hidden=(8,))


def V(**kw):
    return vae.VAE(kw.pop("z_dim", 2), in_shape=(4,), hidden=(8,), **kw)


def AE():
    return vae.Autoencoder(2, in_shape=(4,), hidden=(8,))


def x4():
    return torch.rand(8, 4) * 2 - 1


def img(n=4):
    return torch.rand(n, 1, 28, 28) * 2 - 1


P = np.array([0.2, 0.3, 0.5])
FEATS = np.random.default_rng(0).normal(size=(20, 3))
SNAPS = [(0, torch.randn(16, 2)), (5, torch.randn(16, 2))]
NAN = float("nan")


def cfg(**kw):
    return train.TrainConfig(**{"steps": 2, "z_dim": 2, "batch_size": 8, "log_every": 1, **kw})


# name -> [(call, expected exception, the argument the message must name, marks)]
CASES: dict[str, list[tuple]] = {}


def case(name, call, exc, arg, *marks):
    CASES.setdefault(name, []).append((call, exc, arg, marks))


# --- checks -----------------------------------------------------------------------------
case("checks.integer", lambda: checks.integer("3", "steps"), TypeError, "steps")
case("checks.image_batch", lambda: checks.image_batch(T(2, 3, 8, 8), "images", 1), ValueError, "images")
case("checks.image_batch", lambda: checks.image_batch(T(3, 8, 8), "x", 3), ValueError, "x")
case("checks.image_batch", lambda: checks.image_batch(T(0, 1, 8, 8), "x", 1), ValueError, "x")
case("checks.integer", lambda: checks.integer(0, "steps", low=1), ValueError, "steps")
case("checks.positive_int", lambda: checks.positive_int(2.0, "n"), TypeError, "n")
case("checks.positive_int", lambda: checks.positive_int(-1, "n"), ValueError, "n")
case("checks.nonnegative_int", lambda: checks.nonnegative_int(-1, "seed"), ValueError, "seed")
case("checks.as_shape", lambda: checks.as_shape("28", "in_shape"), TypeError, "in_shape")
case("checks.as_shape", lambda: checks.as_shape((1, 0), "in_shape"), ValueError, "in_shape")
case("checks.widths", lambda: checks.widths(8, "hidden"), TypeError, "hidden")
case("checks.widths", lambda: checks.widths((8, -1), "hidden"), ValueError, "hidden")
case("checks.number", lambda: checks.number("0.1", "lr"), TypeError, "lr")
case("checks.number", lambda: checks.number(NAN, "lr"), ValueError, "lr")
case("checks.positive", lambda: checks.positive(0.0, "lr"), ValueError, "lr")
case("checks.nonnegative", lambda: checks.nonnegative(-1e-9, "weight"), ValueError, "weight")
case("checks.probability", lambda: checks.probability(1.5, "p"), ValueError, "p")
case("checks.boolean", lambda: checks.boolean("False", "legend"), TypeError, "legend")
case("checks.choice", lambda: checks.choice("wgan", "kind", ("hinge",)), ValueError, "kind")
case("checks.choice", lambda: checks.choice(3, "kind", ("hinge",)), TypeError, "kind")
case("checks.function", lambda: checks.function(3, "critic"), TypeError, "critic")
case("checks.module", lambda: checks.module(len, "G"), TypeError, "G")
case("checks.generator", lambda: checks.generator(0, "generator"), TypeError, "generator")
case("checks.tensor", lambda: checks.tensor(np.zeros(3), "x"), TypeError, "x")
case("checks.tensor", lambda: checks.tensor(torch.zeros(3, dtype=torch.long), "x"), TypeError, "x")
case("checks.tensor", lambda: checks.tensor(torch.zeros(3), "x", dims=2), ValueError, "x")
case("checks.logits", lambda: checks.logits(T(8, 5), "fake_logits"), ValueError, "fake_logits")
case("checks.logits", lambda: checks.logits(T(8).long(), "fake_logits"), TypeError, "fake_logits")
case("checks.batch", lambda: checks.batch(T(4, 3), "x", (2,)), ValueError, "x")
case("checks.batch", lambda: checks.batch(T(4, 2).numpy(), "x", (2,)), TypeError, "x")
case("checks.same_shape", lambda: checks.same_shape(T(3), T(4), "real", "fake"), ValueError, "real")
case("checks.same_length", lambda: checks.same_length(T(3), T(4), "x", "y"), ValueError, "x")
case("checks.finite", lambda: checks.finite(torch.tensor([NAN]), "feats"), ValueError, "feats")
case("checks.in_range", lambda: checks.in_range(torch.tensor([255.0]), "x", -1, 1), ValueError, "x")
case("checks.array", lambda: checks.array("abc", "p"), TypeError, "p")
case("checks.array", lambda: checks.array([NAN], "p"), ValueError, "p")
case("checks.finite_loss", lambda: checks.finite_loss(torch.tensor(NAN), "d_loss", 3), FloatingPointError, "d_loss")

# --- losses -----------------------------------------------------------------------------
for _name in ("bce_d_loss", "wasserstein_d_loss", "lsgan_d_loss", "hinge_d_loss"):
    _fn = getattr(losses, _name)
    case(f"losses.{_name}", lambda f=_fn: f(T(8, 5), T(8)), ValueError, "real_logits")  # (8, 5): not one logit each
    case(f"losses.{_name}", lambda f=_fn: f(T(8), T(8).long()), TypeError, "fake_logits")
    case(f"losses.{_name}", lambda f=_fn: f(T(8).numpy(), T(8)), TypeError, "real_logits")
    case(f"losses.{_name}", lambda f=_fn: f(T(8), T(0)), ValueError, "fake_logits")
for _name in ("minimax_g_loss", "nonsaturating_g_loss", "maxlikelihood_g_loss", "wasserstein_g_loss", "hinge_g_loss",
              "lsgan_g_loss"):
    _fn = getattr(losses, _name)
    case(f"losses.{_name}", lambda f=_fn: f(T(8, 5)), ValueError, "fake_logits")
    case(f"losses.{_name}", lambda f=_fn: f(torch.ones(8, dtype=torch.uint8)), TypeError, "fake_logits")
case("losses.hinge_d_loss", lambda: losses.hinge_d_loss(T(8), T(8), margin="1"), TypeError, "margin")
case("losses.d_loss", lambda: losses.d_loss("wgan", T(8), T(8)), ValueError, "kind")
case("losses.d_loss", lambda: losses.d_loss("hinge", T(8), T(8, 2)), ValueError, "fake_logits")
case("losses.g_loss", lambda: losses.g_loss(None, T(8)), ValueError, "kind")
case("losses.check_logits", lambda: losses.check_logits("t", [0.0]), TypeError, "t")

# --- regularizers -----------------------------------------------------------------------
case("regularizers.clip_weights", lambda: regularizers.clip_weights(D2(), -0.01), ValueError, "c")
case("regularizers.clip_weights", lambda: regularizers.clip_weights("D", 0.01), TypeError, "module")
case("regularizers.gradient_penalty", lambda: regularizers.gradient_penalty(D2(), T(16, 2), T(8, 2)), ValueError, "real")
case("regularizers.gradient_penalty", lambda: regularizers.gradient_penalty(D2(), T(16, 2).long(), T(16, 2)), TypeError, "real")
case("regularizers.gradient_penalty", lambda: regularizers.gradient_penalty(D2(), T(16, 2), T(16, 2), weight=NAN), ValueError, "weight")
case("regularizers.gradient_penalty", lambda: regularizers.gradient_penalty("D", T(16, 2), T(16, 2)), TypeError, "critic")
case("regularizers.spectral_norm", lambda: regularizers.spectral_norm(None), TypeError, "module")
case("regularizers.spectral_norms", lambda: regularizers.spectral_norms("D"), TypeError, "module")
case("regularizers.r1_penalty", lambda: regularizers.r1_penalty(D2(), T(16, 2).numpy()), TypeError, "real")
case("regularizers.r1_penalty", lambda: regularizers.r1_penalty(D2(), T(16, 2), weight="10"), TypeError, "weight")
case("regularizers.r2_penalty", lambda: regularizers.r2_penalty(D2(), T(0, 2)), ValueError, "fake")
case("regularizers.r1_d_penalty", lambda: regularizers.r1_d_penalty(every=0), ValueError, "every")
case("regularizers.r1_d_penalty", lambda: regularizers.r1_d_penalty(every="4"), TypeError, "every")
case("regularizers.r2_d_penalty", lambda: regularizers.r2_d_penalty(weight=-1.0), ValueError, "weight")
case("regularizers.one_sided_smoothed_bce_d_loss",
     lambda: regularizers.one_sided_smoothed_bce_d_loss(T(8), T(8), real_target=1.5), ValueError, "real_target")
case("regularizers.one_sided_smoothed_bce_d_loss",
     lambda: regularizers.one_sided_smoothed_bce_d_loss(T(8, 5), T(8)), ValueError, "real_logits")
case("regularizers.instance_noise", lambda: regularizers.instance_noise(T(8, 2), -0.1), ValueError, "std")
case("regularizers.instance_noise", lambda: regularizers.instance_noise(T(8, 2).numpy(), 0.1), TypeError, "x")

# --- nets -------------------------------------------------------------------------------
case("nets.one_hot_labels", lambda: nets.one_hot_labels(torch.tensor([0, 1]), 2, -2), ValueError, "n_classes")
case("nets.one_hot_labels", lambda: nets.one_hot_labels(torch.tensor([0.0, 1.0]), 2, 3), TypeError, "y")
case("nets.one_hot_labels", lambda: nets.one_hot_labels(torch.tensor([0, 5]), 2, 3), ValueError, "y")
case("nets.MLPGenerator", lambda: nets.MLPGenerator(0, 2), ValueError, "z_dim")
case("nets.MLPGenerator", lambda: nets.MLPGenerator(2, 2, hidden=8), TypeError, "hidden")
case("nets.MLPGenerator", lambda: nets.MLPGenerator(2, 2, hidden=(8, 0)), ValueError, "hidden")
case("nets.MLPGenerator", lambda: G2()(T(5, 3)), ValueError, "z")
case("nets.MLPGenerator", lambda: G2()(T(5, 2).numpy()), TypeError, "z")
case("nets.MLPGenerator", lambda: G2()(T(5, 2).long()), TypeError, "z")
case("nets.MLPDiscriminator", lambda: nets.MLPDiscriminator("2"), TypeError, "in_shape")
case("nets.MLPDiscriminator", lambda: D2()(T(5, 3)), ValueError, "x")
case("nets.MLPDiscriminator", lambda: D2()(T(5, 2).to(torch.uint8)), TypeError, "x")
case("nets.StackedLinear", lambda: nets.StackedLinear(3, 0, 4), ValueError, "in_dim")
case("nets.StackedLinear", lambda: nets.StackedLinear(3, 2, 4)(T(2, 5, 2)), ValueError, "x")
case("nets.FourierFeatures", lambda: nets.FourierFeatures(2, -8), ValueError, "n_features")
case("nets.FourierFeatures", lambda: nets.FourierFeatures(2, 8, scales=(5.0, 1.0)), ValueError, "scales")
case("nets.FourierFeatures", lambda: nets.FourierFeatures(2, 8)(T(5, 3)), ValueError, "x")
case("nets.MLPEnsemble", lambda: nets.MLPEnsemble(0, 2, 1), ValueError, "members")
case("nets.MLPEnsemble", lambda: nets.MLPEnsemble(3, 2, 1, hidden=16), TypeError, "hidden")
case("nets.MLPEnsemble", lambda: nets.MLPEnsemble(3, 2, 1)(T(5, 2)), ValueError, "x")
case("nets.MLPEnsemble", lambda: nets.MLPEnsemble(3, 2, 1).member_rows([1, 2, 3]), TypeError, "x")
case("nets.VirtualBatchNorm2d", lambda: nets.VirtualBatchNorm2d(3, 0), ValueError, "ref_size")
case("nets.VirtualBatchNorm2d", lambda: nets.VirtualBatchNorm2d(0, 2), ValueError, "num_features")
case("nets.VirtualBatchNorm2d", lambda: nets.VirtualBatchNorm2d(3, 2)(T(2, 3, 4, 4)), ValueError, "VirtualBatchNorm2d")
case("nets.DCGANGenerator", lambda: nets.DCGANGenerator(0), ValueError, "z_dim")
case("nets.DCGANGenerator", lambda: nets.DCGANGenerator(8, width=0), ValueError, "width")
case("nets.DCGANGenerator", lambda: nets.DCGANGenerator(8, image_size=64), ValueError, "image_size")
case("nets.DCGANGenerator", lambda: nets.DCGANGenerator(8, norm="group"), ValueError, "norm")
case("nets.DCGANGenerator", lambda: nets.DCGANGenerator(8, width=4)(T(3, 8).long()), TypeError, "z")
case("nets.DCGANDiscriminator", lambda: nets.DCGANDiscriminator(width=-4), ValueError, "width")
case("nets.DCGANDiscriminator", lambda: nets.DCGANDiscriminator(channels="1"), TypeError, "channels")
case("nets.DCGANDiscriminator", lambda: nets.DCGANDiscriminator(width=4)(img().numpy()), TypeError, "x")
case("nets.DCGANDiscriminator", lambda: nets.DCGANDiscriminator(width=4).features(T(3, 1, 32, 32)), ValueError, "x")
case("nets.DCGANDiscriminator",
     lambda: nets.DCGANDiscriminator(width=4, norm="virtual", ref_size=2).set_reference(img(3)), ValueError, "x_ref")
case("nets.init_dcgan_weights", lambda: nets.init_dcgan_weights("G"), TypeError, "module")
case("nets.init_dcgan_weights", lambda: nets.init_dcgan_weights(G2(), std=-0.02), ValueError, "std")

# --- divergences ------------------------------------------------------------------------
for _name in ("kl", "reverse_kl", "js", "total_variation"):
    _fn = getattr(divergences, _name)
    case(f"divergences.{_name}", lambda f=_fn: f(P, np.array([0.5, NAN, 0.5])), ValueError, "q")
    case(f"divergences.{_name}", lambda f=_fn: f("0.2 0.8", P), TypeError, "p")
    case(f"divergences.{_name}", lambda f=_fn: f(np.array([1.2, -0.2]), np.array([0.5, 0.5])), ValueError, "p")
case("divergences.wasserstein1", lambda: divergences.wasserstein1(np.zeros((3, 2)), np.zeros(3)), ValueError, "x")
case("divergences.wasserstein1", lambda: divergences.wasserstein1(np.zeros(3), np.array([NAN])), ValueError, "y")
case("divergences.wasserstein_discrete",
     lambda: divergences.wasserstein_discrete([0.5, 0.5], [1.0], [[0.0], [1.0]], [[0.0]], p="2"), TypeError, "p")
case("divergences.wasserstein_discrete",
     lambda: divergences.wasserstein_discrete([0.5, 0.5], [1.0], [[0.0]], [[0.0]]), ValueError, "xs")
case("divergences.transport_plan", lambda: divergences.transport_plan([0.5, 0.6], [1.0], [[0.0], [1.0]], [[0.0]]),
     ValueError, "a")
case("divergences.f_divergence", lambda: divergences.f_divergence(P, P, "wasserstein"), ValueError, "kind")
case("divergences.f_divergence", lambda: divergences.f_divergence(P, P, 2), TypeError, "kind")
case("divergences.variational_bound", lambda: divergences.variational_bound(T(8, 2), T(8), "gan"), ValueError, "t_real")
case("divergences.variational_bound", lambda: divergences.variational_bound(T(8), T(8).numpy(), "gan"), TypeError, "t_fake")
case("divergences.optimal_discriminator",
     lambda: divergences.optimal_discriminator(torch.tensor([NAN, 1.0]), torch.ones(2)), ValueError, "p_data")
case("divergences.optimal_discriminator",
     lambda: divergences.optimal_discriminator(np.ones(2), np.array([1.0, -1.0])), ValueError, "p_g")
case("divergences.optimal_discriminator", lambda: divergences.optimal_discriminator(np.ones, 1.0), TypeError, "p_data")

# --- vae --------------------------------------------------------------------------------
case("vae.gaussian_kl", lambda: vae.gaussian_kl(T(8, 2), T(8, 3)), ValueError, "mu")
case("vae.gaussian_kl", lambda: vae.gaussian_kl(T(8, 2).numpy(), T(8, 2)), TypeError, "mu")
case("vae.reparameterize", lambda: vae.reparameterize(T(8, 2), T(8, 2), T(8, 3)), ValueError, "eps")
case("vae.reparameterize", lambda: vae.reparameterize(T(8, 2), T(8, 2).long()), TypeError, "logvar")
case("vae.standard_normal_log_prob", lambda: vae.standard_normal_log_prob([0.0, 1.0]), TypeError, "z")
case("vae.bernoulli_log_likelihood", lambda: vae.bernoulli_log_likelihood(x4() * 255, T(8, 4)), ValueError, "x")
case("vae.bernoulli_log_likelihood", lambda: vae.bernoulli_log_likelihood(x4(), T(8, 5)), ValueError, "logits")
case("vae.gaussian_log_likelihood", lambda: vae.gaussian_log_likelihood(T(8, 4), T(8, 4), T(5)), ValueError, "log_sigma")
case("vae.gaussian_log_likelihood", lambda: vae.gaussian_log_likelihood(T(8, 4), T(8, 4).numpy(), T(4)), TypeError, "mean")
case("vae.Autoencoder", lambda: vae.Autoencoder(0), ValueError, "z_dim")
case("vae.Autoencoder", lambda: vae.Autoencoder(2, hidden=64), TypeError, "hidden")
case("vae.Autoencoder", lambda: AE().encode(T(8, 5)), ValueError, "x")
case("vae.Autoencoder", lambda: AE().decode(T(8, 2).long()), TypeError, "z")
case("vae.VAE", lambda: vae.VAE(2, likelihood="poisson"), ValueError, "likelihood")
case("vae.VAE", lambda: vae.VAE(2, likelihood="gaussian", sigma=-1.0), ValueError, "sigma")
case("vae.VAE", lambda: V().encode(x4().numpy()), TypeError, "x")
case("vae.VAE", lambda: V().log_px_given_z(x4(), T(8, 3)), ValueError, "z")
case("vae.elbo", lambda: vae.elbo("vae", x4()), TypeError, "vae")
case("vae.elbo", lambda: vae.elbo(V(), T(8, 5)), ValueError, "x")
case("vae.iwae_bound", lambda: vae.iwae_bound(V(), x4(), 0), ValueError, "k")
case("vae.iwae_log_likelihood", lambda: vae.iwae_log_likelihood(V(), x4(), 3, max_pairs=-1), ValueError, "max_pairs")
case("vae.log_marginal_quadrature", lambda: vae.log_marginal_quadrature(V(z_dim=1), x4(), lim=-1.0), ValueError, "lim")
case("vae.log_marginal_quadrature", lambda: vae.log_marginal_quadrature(V(z_dim=1), x4(), points="21"), TypeError, "points")
case("vae.sample", lambda: vae.sample(V(), -5), ValueError, "n")
case("vae.sample", lambda: vae.sample(V(), 4, z=T(4, 3)), ValueError, "z")
case("vae.train_autoencoder", lambda: vae.train_autoencoder(AE(), x4() * 127.5 + 127.5, steps=1, progress=False),
     ValueError, "x")
case("vae.train_autoencoder", lambda: vae.train_autoencoder(AE(), x4(), steps=0, progress=False), ValueError, "steps")
case("vae.train_vae", lambda: vae.train_vae(V(likelihood="bernoulli"), x4() * 255, steps=1, progress=False),
     ValueError, "x")
case("vae.train_vae", lambda: vae.train_vae(V(), torch.full((8, 4), NAN), steps=1, progress=False), ValueError, "x")
case("vae.train_vae", lambda: vae.train_vae(V(), x4(), steps=1, lr="1e-3", progress=False), TypeError, "lr")
case("vae.train_vae", lambda: vae.train_vae(V(), x4(), steps=1, objective="kl", progress=False), ValueError, "objective")

# --- sampling ---------------------------------------------------------------------------
case("sampling.fit_density_ratio", lambda: sampling.fit_density_ratio(D2(), G2(), T(16, 2), steps=0), ValueError, "steps")
case("sampling.fit_density_ratio", lambda: sampling.fit_density_ratio(D2(), G2(), T(16, 2).numpy(), steps=1),
     TypeError, "real")
case("sampling.fit_density_ratio", lambda: sampling.fit_density_ratio(D2(), G2(), torch.full((4, 2), NAN), steps=1),
     ValueError, "real")
case("sampling.fit_density_ratio", lambda: sampling.fit_density_ratio(D2(), G2(), T(16, 2), steps=1, lr=0.0),
     ValueError, "lr")
case("sampling.accept", lambda: sampling.accept(T(16), cap_quantile=0.0), ValueError, "cap_quantile")
case("sampling.accept", lambda: sampling.accept(T(16).numpy()), TypeError, "log_ratio")
case("sampling.accept", lambda: sampling.accept(torch.tensor([NAN])), ValueError, "log_ratio")

# --- data -------------------------------------------------------------------------------
case("data.load_mnist", lambda: data.load_mnist("val"), ValueError, "split")
case("data.load_mnist", lambda: data.load_mnist("test", source="web"), ValueError, "source")
case("data.load_mnist", lambda: data.load_mnist("test", source="shipped", device="gpu0"), ValueError, "device")
case("data.batches", lambda: next(data.batches(T(16, 2), batch_size=0)), ValueError, "batch_size")
case("data.batches", lambda: next(data.batches(T(16, 2).numpy(), batch_size=4)), TypeError, "tensors")
case("data.batches", lambda: next(data.batches(T(16, 2), batch_size=4, drop_last="no")), TypeError, "drop_last")
case("data.ring_centers", lambda: data.ring_centers(0), ValueError, "modes")
case("data.ring_centers", lambda: data.ring_centers(8, "2"), TypeError, "radius")
case("data.grid_centers", lambda: data.grid_centers(5, NAN), ValueError, "spacing")
case("data.ring", lambda: data.ring(-5), ValueError, "n")
case("data.ring", lambda: data.ring("10"), TypeError, "n")
case("data.grid", lambda: data.grid(10, std="0.1"), TypeError, "std")
case("data.spiral", lambda: data.spiral(10, turns=0.0), ValueError, "turns")
case("data.toy_2d", lambda: data.toy_2d("moons", 10), ValueError, "name")
case("data.toy_2d", lambda: data.toy_2d("ring", 0), ValueError, "n")
case("data.toy_centers", lambda: data.toy_centers("spiral"), ValueError, "name")
case("data.Mixture1D", lambda: data.Mixture1D([0.0], [-1.0]), ValueError, "stds")
case("data.Mixture1D", lambda: data.Mixture1D(["a"], [1.0]), TypeError, "means")
case("data.Mixture1D", lambda: data.Mixture1D([0.0, 1.0], [1.0, 1.0], [0.7, 0.7]), ValueError, "weights")
case("data.Mixture1D", lambda: data.Mixture1D([0.0], [1.0]).log_prob("0.5"), TypeError, "x")
case("data.Mixture1D", lambda: data.Mixture1D([0.0], [1.0]).sample(0), ValueError, "n")

# --- games ------------------------------------------------------------------------------
case("games.f", lambda: games.f(0.0, kind="hinge"), ValueError, "kind")
case("games.f", lambda: games.f("0.5"), TypeError, "t")
case("games.f_prime", lambda: games.f_prime([0.0], kind=None), ValueError, "kind")
case("games.objective", lambda: games.objective(0.0, 1.0, noise_std=-1.0), ValueError, "noise_std")
case("games.objective", lambda: games.objective("x", 1.0), TypeError, "theta")
case("games.vector_field", lambda: games.vector_field(np.zeros(3), np.zeros(4)), ValueError, "theta")
case("games.vector_field", lambda: games.vector_field(0.0, 0.0, reg="l2"), ValueError, "reg")
case("games.vector_field", lambda: games.vector_field(0.0, 0.0, gamma=NAN), ValueError, "gamma")
case("games.simulate", lambda: games.simulate(1.0, 1.0, steps=10, lr=-0.1), ValueError, "lr")
case("games.simulate", lambda: games.simulate("1", 1.0, steps=10, lr=0.1), TypeError, "theta0")
case("games.simulate", lambda: games.simulate(1.0, 1.0, steps=10, lr=0.1, mode="async"), ValueError, "mode")
case("games.jacobian", lambda: games.jacobian("gan", "r1", gamma=0.0), ValueError, "gamma")
case("games.jacobian", lambda: games.jacobian("gan", "gp"), ValueError, "reg")
case("games.jacobian_eigenvalues", lambda: games.jacobian_eigenvalues("lsgan"), ValueError, "kind")
case("games.distance_to_equilibrium", lambda: games.distance_to_equilibrium(np.ones((3, 3))), ValueError, "trajectory")
case("games.distance_to_equilibrium", lambda: games.distance_to_equilibrium("path"), TypeError, "trajectory")

# --- metrics ----------------------------------------------------------------------------
_ASYM = np.array([[1.0, 0.9], [0.0, 1.0]])
case("metrics.frechet_distance", lambda: metrics.frechet_distance(np.zeros(2), _ASYM, np.zeros(2), np.eye(2)),
     ValueError, "sigma1")
case("metrics.frechet_distance", lambda: metrics.frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(2)),
     ValueError, "mu1")
case("metrics.frechet_distance", lambda: metrics.frechet_distance("0", np.eye(1), 0.0, np.eye(1)), TypeError, "mu1")
case("metrics.feature_statistics", lambda: metrics.feature_statistics(FEATS[:1]), ValueError, "feats")
case("metrics.feature_statistics", lambda: metrics.feature_statistics(np.full((4, 2), NAN)), ValueError, "feats")
case("metrics.fid", lambda: metrics.fid(FEATS, FEATS[:, :2]), ValueError, "feats_a")
case("metrics.fid", lambda: metrics.fid(FEATS, FEATS, eps=-1.0), ValueError, "eps")
case("metrics.polynomial_kernel", lambda: metrics.polynomial_kernel(FEATS, FEATS[:, :2]), ValueError, "x")
case("metrics.polynomial_kernel", lambda: metrics.polynomial_kernel(FEATS, FEATS, degree=0), ValueError, "degree")
case("metrics.mmd2_unbiased", lambda: metrics.mmd2_unbiased(np.ones((4, 3)), np.ones((5, 5)), np.ones((4, 5))),
     ValueError, "k_xx")
case("metrics.mmd2_unbiased", lambda: metrics.mmd2_unbiased(np.ones((4, 4)), np.ones((5, 5)), np.ones((5, 4))),
     ValueError, "k_xy")
case("metrics.mmd2_unbiased", lambda: metrics.mmd2_unbiased(np.ones((4, 4)), np.full((5, 5), NAN), np.ones((4, 5))),
     ValueError, "k_yy")
case("metrics.kid", lambda: metrics.kid(FEATS, FEATS, subsets="2"), TypeError, "subsets")
case("metrics.kid", lambda: metrics.kid(FEATS, FEATS, subsets=2, subset_size=1), ValueError, "subset_size")
case("metrics.inception_score", lambda: metrics.inception_score(np.full((4, 2), 0.7)), ValueError, "probs")
case("metrics.inception_score", lambda: metrics.inception_score(np.full((4, 2), 0.5), splits=2.0), TypeError, "splits")
case("metrics.mode_coverage", lambda: metrics.mode_coverage(FEATS[:, :2], np.zeros((4, 2)), "0.1"), TypeError, "std")
case("metrics.mode_coverage", lambda: metrics.mode_coverage(FEATS[:, :2], np.zeros((4, 3)), 0.1), ValueError, "samples")
case("metrics.digit_features", lambda: metrics.digit_features(img() * 127), ValueError, "images")
case("metrics.digit_features", lambda: metrics.digit_features(img().to(torch.uint8)), TypeError, "images")
case("metrics.digit_probs", lambda: metrics.digit_probs(img(), batch_size=0), ValueError, "batch_size")
case("metrics.digit_probs", lambda: metrics.digit_probs(img().numpy()), TypeError, "images")
case("metrics.digit_fid", lambda: metrics.digit_fid(img(), T(4, 1, 32, 32)), ValueError, "images_b")
case("metrics.digit_inception_score", lambda: metrics.digit_inception_score(img(), splits=9), ValueError, "splits")
case("metrics.digit_inception_score", lambda: metrics.digit_inception_score(torch.full((4, 1, 28, 28), NAN)),
     ValueError, "images")

# --- plot, widgets, classifier ----------------------------------------------------------
case("plot.image_grid", lambda: plot.image_grid(T(4, 2, 28, 28)), ValueError, "channels")
case("plot.image_grid", lambda: plot.image_grid(img(), nrow=0), ValueError, "nrow")
case("plot.samples_2d", lambda: plot.samples_2d(T(16, 3)), ValueError, "fake")
case("plot.samples_2d", lambda: plot.samples_2d(T(16, 2), lim=-1.0), ValueError, "lim")
case("plot.samples_2d", lambda: plot.samples_2d("points"), TypeError, "fake")
case("plot.samples_over_training", lambda: plot.samples_over_training([]), ValueError, "snapshots")
case("plot.samples_over_training", lambda: plot.samples_over_training(SNAPS, real=torch.full((4, 2), NAN)),
     ValueError, "real")
case("plot.samples_over_training", lambda: plot.samples_over_training(SNAPS, cols=0), ValueError, "cols")
case("plot.decision_surface_2d", lambda: plot.decision_surface_2d(D2(), T(16, 2), T(16, 2), resolution=1),
     ValueError, "resolution")
case("plot.decision_surface_2d", lambda: plot.decision_surface_2d(lambda x: x, T(16, 2), T(16, 2)), ValueError, "D")
case("plot.loss_curves", lambda: plot.loss_curves([1.0, 2.0]), TypeError, "history")
case("plot.loss_curves", lambda: plot.loss_curves({"step": [1], "d_loss": [1.0]}, smooth=0), ValueError, "smooth")
case("plot.animate_2d", lambda: plot.animate_2d([(0, T(16, 3))]), ValueError, "snapshots")
case("plot.animate_grid", lambda: plot.animate_grid([(0, T(4, 5, 28, 28))]), ValueError, "channels")
case("plot.animation_html", lambda: plot.animation_html("anim"), TypeError, "anim")
case("widgets.interactive", lambda: widgets.interactive("fn"), TypeError, "fn")
case("widgets.interactive", lambda: widgets.interactive(lambda lr=0.1: None, manual="no"), TypeError, "manual")
case("widgets.Caption", lambda: widgets.Caption("lr", {}), TypeError, "controls")
case("widgets.Caption", lambda: widgets.Caption([("lr", "lr", "a slider")], {}), ValueError, "values")
case("classifier.DigitClassifier", lambda: classifier.DigitClassifier(width=0), ValueError, "width")
case("classifier.DigitClassifier", lambda: classifier.DigitClassifier(n_classes="10"), TypeError, "n_classes")
case("classifier.DigitClassifier", lambda: classifier.DigitClassifier(width=8)(T(4, 1, 32, 32)), ValueError, "x")
case("classifier.DigitClassifier", lambda: classifier.DigitClassifier(width=8).features(img().numpy()), TypeError, "x")
case("classifier.load_digit_classifier", lambda: classifier.load_digit_classifier(device="gpu0"), ValueError, "device")
case("classifier.load_digit_classifier", lambda: classifier.load_digit_classifier(device=0.5), TypeError, "device")

# --- train and runtime ---------------------------------------------------------------------
case("runtime.share_cores", lambda: runtime.share_cores(0), ValueError, "jobs")
case("runtime.share_cores", lambda: runtime.share_cores("2"), TypeError, "jobs")
case("train.lr_factor", lambda: train.lr_factor("cosine", 1, 10), ValueError, "schedule")
case("train.lr_factor", lambda: train.lr_factor("linear", 0, 10), ValueError, "step")
case("train.sample_latent", lambda: train.sample_latent(0, 2), ValueError, "n")
case("train.sample_latent", lambda: train.sample_latent(-5, 2), ValueError, "n")
case("train.sample_latent", lambda: train.sample_latent("10", 2), TypeError, "n")
case("train.sample_latent", lambda: train.sample_latent(4, 2, kind="gauss"), ValueError, "kind")
case("train.TrainConfig", lambda: cfg(lr_g=NAN), ValueError, "lr_g")
case("train.TrainConfig", lambda: cfg(lr_d=float("inf")), ValueError, "lr_d")
case("train.TrainConfig", lambda: cfg(betas=(1.5, 0.999)), ValueError, "betas")
case("train.TrainConfig", lambda: cfg(seed=-1), ValueError, "seed")
case("train.TrainConfig", lambda: cfg(seed="0"), TypeError, "seed")
case("train.TrainConfig", lambda: cfg(snapshot_every=-1), ValueError, "snapshot_every")
case("train.TrainConfig", lambda: cfg(checkpoint_every=-5), ValueError, "checkpoint_every")
case("train.TrainConfig", lambda: cfg(steps=True), TypeError, "steps")
case("train.TrainConfig", lambda: cfg(loss="wgan"), ValueError, "loss")
case("train.make_optimizer", lambda: train.make_optimizer(D2().parameters(), "adamw", 1e-3, (0.5, 0.9)),
     ValueError, "kind")
case("train.make_optimizer", lambda: train.make_optimizer(D2().parameters(), "adam", 1e-3, (1.5, 0.9)),
     ValueError, "betas")
case("train.make_optimizer", lambda: train.make_optimizer([], "adam", 1e-3, (0.5, 0.9)), ValueError, "params")
case("train.update_ema", lambda: train.update_ema("G_ema", G2(), 0.9), TypeError, "average")
case("train.make_optimizer", lambda: train.make_optimizer(D2().parameters(), "adam", -1e-3, (0.5, 0.9)),
     ValueError, "lr")
case("train.grad_norm", lambda: train.grad_norm("D"), TypeError, "module")
case("train.frozen", lambda: train.frozen(D2(), "D").__enter__(), TypeError, "modules")
case("train.update_ema", lambda: train.update_ema(G2(), G2(), 1.5), ValueError, "beta")
case("train.update_ema", lambda: train.update_ema(G2(), D2(), 0.9), ValueError, "model")
case("train.train_gan", lambda: train.train_gan(G2(), D2(), T(32, 2).numpy(), cfg(), progress=False), TypeError, "real")
case("train.train_gan", lambda: train.train_gan(G2(), D2(), T(32, 3), cfg(), progress=False), ValueError, "real")
case("train.train_gan", lambda: train.train_gan(G2(), D2(), torch.full((32, 2), NAN), cfg(), progress=False),
     ValueError, "real")
case("train.train_gan", lambda: train.train_gan(G2(), D2(), T(32, 2), {"steps": 2}, progress=False),
     TypeError, "config")
case("train.train_gan", lambda: train.train_gan(G2(), D2(), T(32, 2), cfg(), checkpoint="/no/such/dir/ck.pt",
                                                progress=False), ValueError, "checkpoint")
case("train.generate", lambda: train.generate(G2(), 0), ValueError, "n")
case("train.generate", lambda: train.generate(G2(), "10"), TypeError, "n")
case("train.generate", lambda: train.generate(G2(), 10, batch_size=-1), ValueError, "batch_size")
case("runtime.get_device", lambda: runtime.get_device("gpu0"), ValueError, "prefer")
case("runtime.seed_everything", lambda: runtime.seed_everything(-1), ValueError, "seed")
case("runtime.seed_everything", lambda: runtime.seed_everything("0"), TypeError, "seed")
case("runtime.autocast", lambda: runtime.autocast("cuda"), TypeError, "device")
case("runtime.setup", lambda: runtime.setup(-3, verbose=False), ValueError, "seed")
case("runtime.setup", lambda: runtime.setup(0, device="tpu", verbose=False), ValueError, "device")

# --- chapter 10's scores, the chapters' FID helpers, lazy R1, sampling mode -------------
case("metrics.knn_radii", lambda: metrics.knn_radii(FEATS, 0), ValueError, "k")
case("metrics.knn_radii", lambda: metrics.knn_radii(FEATS[:2], 3), ValueError, "feats")
case("metrics.precision_recall", lambda: metrics.precision_recall(FEATS, np.zeros((20, 4))),
     ValueError, "fake_feats")
case("metrics.precision_recall", lambda: metrics.precision_recall(FEATS, np.full((20, 3), NAN)),
     ValueError, "fake_feats")
case("metrics.density_coverage", lambda: metrics.density_coverage(FEATS, FEATS, k=0), ValueError, "k")
case("metrics.one_nn_accuracy", lambda: metrics.one_nn_accuracy(FEATS, np.zeros((20, 4))), ValueError, "y")
_TS = torch.zeros(4, 3)
case("metrics.classifier_two_sample_accuracy",
     lambda: metrics.classifier_two_sample_accuracy(_TS, torch.zeros(4, 2), _TS, _TS, steps=1), ValueError, "fake_train")
case("metrics.classifier_two_sample_accuracy",
     lambda: metrics.classifier_two_sample_accuracy(_TS, _TS, _TS.numpy(), _TS, steps=1), TypeError, "real_test")
case("metrics.classifier_two_sample_accuracy",
     lambda: metrics.classifier_two_sample_accuracy(_TS, _TS, _TS, _TS, steps=0), ValueError, "steps")
case("metrics.memorisation", lambda: metrics.memorisation(FEATS, FEATS, threshold=-1), ValueError, "threshold")
case("metrics.memorisation", lambda: metrics.memorisation(FEATS, np.zeros((20, 4))), ValueError, "train")
case("metrics.fit_inverse_n", lambda: metrics.fit_inverse_n([10, 10], [1.0, 2.0]), ValueError, "sizes")
case("metrics.fit_inverse_n", lambda: metrics.fit_inverse_n([10, 20], [1.0]), ValueError, "values")
case("metrics.fid_infinity", lambda: metrics.fid_infinity(FEATS, FEATS, [0, 5]), ValueError, "sizes")
case("metrics.is_infinity", lambda: metrics.is_infinity(np.ones((20, 3)), [5, 10]), ValueError, "probs")
case("metrics.is_infinity", lambda: metrics.is_infinity(np.ones((20, 3)) / 3, [5, 10], repeats=0),
     ValueError, "repeats")
case("metrics.digit_fid_against", lambda: metrics.digit_fid_against(FEATS, "images"), TypeError, "images")
case("metrics.generator_digit_fid", lambda: metrics.generator_digit_fid("G", FEATS, 10), TypeError, "G")
case("metrics.generator_digit_fid", lambda: metrics.generator_digit_fid(G2(), FEATS, 1), ValueError, "n")
case("regularizers.LazyR1", lambda: regularizers.LazyR1(1.0, 0), ValueError, "every")
case("regularizers.LazyR1", lambda: regularizers.LazyR1(-1.0, 2), ValueError, "weight")
case("train.sampling_mode", lambda: train.sampling_mode("G").__enter__(), TypeError, "G")
case("train.sampling_mode", lambda: train.sampling_mode(G2(), "yes").__enter__(), TypeError, "train_mode")
case("train.mlp_digit_gan", lambda: train.mlp_digit_gan(T(4, 1, 8, 8), steps=1), ValueError, "real")
case("train.mlp_digit_gan", lambda: train.mlp_digit_gan(T(4, 1, 28, 28), steps=0), ValueError, "steps")
case("train.mlp_digit_gan", lambda: train.mlp_digit_gan(T(4, 1, 28, 28), steps=1, seed=-1), ValueError, "seed")


# --- chapter 11's text models ------------------------------------------------------------
def ORC():
    return text.OracleLSTM(5, 8, 4, seed=0)


def TOK():
    return torch.randint(5, (6, 4))


case("text.LanguageModel", lambda: text.LanguageModel(1, 4), ValueError, "vocab_size")
case("text.LanguageModel", lambda: text.LanguageModel(5, 4).sample(0), ValueError, "n")
case("text.LanguageModel", lambda: text.LanguageModel(5, 4).log_prob(TOK(), temperature=0), ValueError, "temperature")
case("text.OracleLSTM", lambda: text.OracleLSTM(5, 8, 4, seed=-1), ValueError, "seed")
case("text.OracleLSTM", lambda: text.OracleLSTM(5, 8, "4", seed=0), TypeError, "seq_len")
case("text.SequenceGenerator", lambda: text.SequenceGenerator(5, 0), ValueError, "seq_len")
case("text.SequenceGenerator", lambda: text.SequenceGenerator(5, 4).log_prob(TOK().float()), TypeError, "tokens")
case("text.SequenceGenerator", lambda: text.SequenceGenerator(5, 4).sample_relaxed(2, tau=0), ValueError, "tau")
case("text.SequenceDiscriminator", lambda: text.SequenceDiscriminator(5, hidden_size=0), ValueError, "hidden_size")
case("text.SequenceDiscriminator", lambda: text.SequenceDiscriminator(5)(torch.rand(2, 4, 3)), ValueError, "x")
case("text.oracle_nll", lambda: text.oracle_nll("oracle", TOK()), TypeError, "oracle")
case("text.oracle_nll", lambda: text.oracle_nll(ORC(), torch.full((2, 4), 9)), ValueError, "samples")
case("text.reverse_nll", lambda: text.reverse_nll(ORC(), TOK(), temperature=-1.0), ValueError, "temperature")
case("text.reverse_nll", lambda: text.reverse_nll(ORC(), torch.randint(5, (6, 3))), ValueError, "real")
case("text.mle_loss", lambda: text.mle_loss("G", TOK()), TypeError, "model")
case("text.pretrain_mle", lambda: text.pretrain_mle(text.SequenceGenerator(5, 4), TOK(), epochs=0), ValueError, "epochs")
case("text.reinforce_loss", lambda: text.reinforce_loss(T(6, 4), T(5)), ValueError, "rewards")
case("text.reinforce_loss", lambda: text.reinforce_loss(np.zeros((6, 4)), T(6)), TypeError, "log_probs")
case("text.mc_rewards", lambda: text.mc_rewards(ORC(), text.SequenceDiscriminator(5), TOK(), 0), ValueError,
     "n_rollouts")
case("text.pretrain_discriminator", lambda: text.pretrain_discriminator(text.SequenceDiscriminator(5), ORC(), TOK(),
                                                                        steps=0), ValueError, "steps")
case("text.train_text_gan", lambda: text.train_text_gan(text.SequenceGenerator(5, 4), text.SequenceDiscriminator(5),
                                                        TOK(), kind="wgan", steps=1), ValueError, "kind")
case("text.train_text_gan", lambda: text.train_text_gan(text.SequenceGenerator(5, 4), "D", TOK(), kind="seqgan",
                                                        steps=1), TypeError, "D")
# --- chapter 8: conditional GANs, InfoGAN, semi-supervised GANs --------------------------
L = torch.tensor  # noqa: E731
case("metrics.cluster_accuracy", lambda: metrics.cluster_accuracy([0, 1, 2], [0, 1]), ValueError, "pred")
case("metrics.cluster_accuracy", lambda: metrics.cluster_accuracy([0, -1], [0, 1]), ValueError, "pred")
case("metrics.cluster_accuracy", lambda: metrics.cluster_accuracy([0.5, 1.0], [0, 1]), TypeError, "pred")
case("metrics.cluster_accuracy", lambda: metrics.cluster_accuracy([0, 1], "01"), TypeError, "labels")
case("metrics.label_accuracy", lambda: metrics.label_accuracy("images", [0, 1]), TypeError, "images")
case("metrics.label_accuracy", lambda: metrics.label_accuracy(img(4), [0, 1]), ValueError, "images")
case("metrics.label_accuracy", lambda: metrics.label_accuracy(img(2), [0, -1]), ValueError, "labels")
case("losses.matching_aware_d_loss", lambda: losses.matching_aware_d_loss(T(8), T(8), T(8, 3)), ValueError,
     "mismatch_logits")
case("losses.matching_aware_d_loss", lambda: losses.matching_aware_d_loss(T(8).long(), T(8), T(8)), TypeError,
     "real_logits")
case("losses.info_categorical_nll", lambda: losses.info_categorical_nll(T(8), L([0] * 8)), ValueError, "code_logits")
case("losses.info_categorical_nll", lambda: losses.info_categorical_nll(T(8, 3), T(8)), TypeError, "codes")
case("losses.info_categorical_nll", lambda: losses.info_categorical_nll(T(8, 3), L([0] * 7)), ValueError, "codes")
case("losses.info_gaussian_nll", lambda: losses.info_gaussian_nll(T(8, 2), T(8, 3), T(8, 2)), ValueError, "log_std")
case("losses.info_gaussian_nll", lambda: losses.info_gaussian_nll(T(8, 2), T(8, 2), L([[0, 1]] * 8)), TypeError,
     "codes")
case("losses.info_lower_bound", lambda: losses.info_lower_bound(1.0, 2.0), TypeError, "nll")
case("losses.info_lower_bound", lambda: losses.info_lower_bound(T(()), "log 10"), TypeError, "code_entropy")
case("losses.semi_supervised_d_loss", lambda: losses.semi_supervised_d_loss(T(4, 3), L([0, 1, 2, 0]), T(5), T(5, 3)),
     ValueError, "real_logits")
case("losses.semi_supervised_d_loss", lambda: losses.semi_supervised_d_loss(T(4, 3), T(4), T(5, 3), T(5, 3)),
     TypeError, "labels")
case("losses.feature_matching_g_loss", lambda: losses.feature_matching_g_loss(T(4, 3), T(5, 2)), ValueError,
     "real_features")
case("losses.feature_matching_g_loss", lambda: losses.feature_matching_g_loss(T(4, 3).numpy(), T(5, 3)), TypeError,
     "real_features")
case("nets.LabelBlind", lambda: nets.LabelBlind("D", 10), TypeError, "net")
case("nets.LabelBlind", lambda: nets.LabelBlind(D2(), 0), ValueError, "n_classes")
case("nets.SemiSupervisedDiscriminator", lambda: nets.SemiSupervisedDiscriminator(0), ValueError, "n_classes")
case("nets.SemiSupervisedDiscriminator", lambda: nets.SemiSupervisedDiscriminator(10, input_noise=-1.0), ValueError,
     "input_noise")
case("nets.InfoGANDiscriminator", lambda: nets.InfoGANDiscriminator(0), ValueError, "n_cat")
case("nets.InfoGANDiscriminator", lambda: nets.InfoGANDiscriminator(10, 2, width=2.5), TypeError, "width")
case("nets.InfoGANGenerator", lambda: nets.InfoGANGenerator(0), ValueError, "in_dim")
case("nets.InfoGANGenerator", lambda: nets.InfoGANGenerator(12, hidden=8)(T(3, 11)), ValueError, "inp")
case("nets.InfoGANGenerator", lambda: nets.InfoGANGenerator(12, width=4.0), TypeError, "width")
case("conditional.infogan_nets", lambda: conditional.infogan_nets(0), ValueError, "z_dim")
case("conditional.infogan_nets", lambda: conditional.infogan_nets(8, 10, -1), ValueError, "n_cont")
case("conditional.q_cluster_accuracy", lambda: conditional.q_cluster_accuracy(
    nets.InfoGANDiscriminator(3, 1, width=2, hidden=4), img(4), L([0, 1, 2])), ValueError, "y")
case("conditional.q_cluster_accuracy", lambda: conditional.q_cluster_accuracy(
    nets.InfoGANDiscriminator(3, 1, width=2, hidden=4), T(4, 784), L([0, 1, 2, 0])), ValueError, "x")
case("conditional.infogan_run", lambda: conditional.infogan_run(img(8), img(4), L([0] * 4), steps=0), ValueError,
     "steps")
case("conditional.infogan_run", lambda: conditional.infogan_run(img(8), img(4), L([0] * 4), steps=1, eval_every=0),
     ValueError, "eval_every")
case("conditional.infogan_run", lambda: conditional.infogan_run(img(8), img(4), L([0] * 4), steps=1,
                                                                settings={"fixed_sd": 1.0}), ValueError, "settings")
case("conditional.load_infogan", lambda: conditional.load_infogan("/nonexistent/infogan.pt"), FileNotFoundError,
     "train_infogan")
case("nets.split_label", lambda: nets.split_label(L([0, 30]), (10, 3)), ValueError, "y")
case("nets.split_label", lambda: nets.split_label(T(3), (10, 3)), TypeError, "y")
case("nets.split_label", lambda: nets.split_label(L([0, 1]), (10,)), ValueError, "label_factors")
case("nets.join_label", lambda: nets.join_label([L([0]), L([3])], (10, 3)), ValueError, "parts[1]")
case("nets.join_label", lambda: nets.join_label([L([0])], (10, 3)), ValueError, "parts")
case("nets.join_label", lambda: nets.join_label([L([0]), L([0])], "ab"), TypeError, "label_factors")
case("nets.FactorisedEmbedding", lambda: nets.FactorisedEmbedding((10, 1), 4), ValueError, "label_factors")
case("nets.FactorisedEmbedding", lambda: nets.FactorisedEmbedding((10, 3), 0), ValueError, "dim")
case("nets.DCGANGenerator", lambda: nets.DCGANGenerator(8, width=2, n_classes=10, label_factors=(10, 3)), ValueError,
     "n_classes")
case("nets.DCGANDiscriminator", lambda: nets.DCGANDiscriminator(width=2, label_factors=[10.0, 3]), TypeError,
     "label_factors")
case("conditional.colourise", lambda: conditional.colourise(T(2, 3, 4, 4), L([0, 1])), ValueError, "x")
case("conditional.colourise", lambda: conditional.colourise(T(2, 1, 4, 4), L([0, 3])), ValueError, "colour")
case("conditional.decolourise", lambda: conditional.decolourise(T(2, 1, 4, 4)), ValueError, "x")
case("conditional.colour_of", lambda: conditional.colour_of(T(3, 4, 4)), ValueError, "x")
case("conditional.wrong_labels", lambda: conditional.wrong_labels(L([0, 1]), 1), ValueError, "n_classes")
case("conditional.wrong_labels", lambda: conditional.wrong_labels(T(2), 3), TypeError, "y")
case("conditional.wrong_labels", lambda: conditional.wrong_labels(L([0, 5]), 3), ValueError, "y")
case("conditional.train_cgan", lambda: conditional.train_cgan(
    nets.DCGANGenerator(2, width=2, n_classes=3), D2(), img(8), L([0] * 8), "config"), TypeError, "config")
case("conditional.train_cgan", lambda: conditional.train_cgan(
    nets.DCGANGenerator(2, width=2), D2(), img(8), L([0] * 8), cfg()), ValueError, "G.n_classes")
case("conditional.train_cgan", lambda: conditional.train_cgan(
    nets.DCGANGenerator(2, width=2, n_classes=3), D2(), img(8), L([0] * 7), cfg()), ValueError, "y")
case("conditional.sample_codes", lambda: conditional.sample_codes(4, 0, 2), ValueError, "n_cat")
case("conditional.sample_codes", lambda: conditional.sample_codes(4, 10, -1), ValueError, "n_cont")
case("conditional.code_entropy", lambda: conditional.code_entropy(10.0, 2), TypeError, "n_cat")
case("conditional.infogan_input", lambda: conditional.infogan_input(T(3, 4), L([0, 1]), T(3, 2), 3), ValueError,
     "c_cat")
case("conditional.infogan_input", lambda: conditional.infogan_input(T(3, 4), L([0, 1, 2]), T(2, 2), 3), ValueError,
     "c_cont")
case("conditional.info_nll", lambda: conditional.info_nll(nets.InfoGANDiscriminator(3, 1, width=2, hidden=4),
                                                          img(4), T(4), T(4, 1)), TypeError, "codes")
case("conditional.train_infogan", lambda: conditional.train_infogan(
    nets.DCGANGenerator(6, width=2), D2(), img(8), steps=1, z_dim=2), TypeError, "DQ")
case("conditional.train_infogan", lambda: conditional.train_infogan(
    nets.DCGANGenerator(6, width=2), nets.InfoGANDiscriminator(3, 1, width=2, hidden=4), img(8), steps=0, z_dim=2),
    ValueError, "steps")
case("conditional.train_infogan", lambda: conditional.train_infogan(
    nets.DCGANGenerator(6, width=2), nets.InfoGANDiscriminator(3, 1, width=2, hidden=4), img(8), steps=1, z_dim=2,
    lam=-1.0), ValueError, "lam")
case("conditional.train_infogan", lambda: conditional.train_infogan(
    nets.DCGANGenerator(6, width=2), nets.InfoGANDiscriminator(3, 1, width=2, hidden=4), img(8), steps=1, z_dim=2,
    callback="print"), TypeError, "callback")
case("conditional.train_infogan", lambda: conditional.train_infogan(
    nets.DCGANGenerator(6, width=2), nets.InfoGANDiscriminator(3, 1, width=2, hidden=4), img(8), steps=1, z_dim=2,
    fixed_std=0.0), ValueError, "fixed_std")
case("conditional.info_nll", lambda: conditional.info_nll(nets.InfoGANDiscriminator(3, 1, width=2, hidden=4),
                                                          img(4), L([0] * 4), T(4, 1), fixed_std=-1.0),
     ValueError, "fixed_std")
case("conditional.train_semi_supervised", lambda: conditional.train_semi_supervised(
    D2(), img(4), L([0, 1, 2, 3]), steps=1), ValueError, "D.n_classes")
case("conditional.train_semi_supervised", lambda: conditional.train_semi_supervised(
    nets.SemiSupervisedDiscriminator(4, hidden=(4,)), img(4), L([0, 1, 2, 3]), None, G2(), steps=1), ValueError,
    "x_unl")
case("conditional.train_semi_supervised", lambda: conditional.train_semi_supervised(
    nets.SemiSupervisedDiscriminator(4, hidden=(4,)), img(4), L([0, 1, 2, 9]), steps=1), ValueError, "y_lab")

# --- chapter 12: GANs among other ideas (ganlib.relations) -----------------------------
_K3 = torch.zeros(3)
case("relations.mixture_log_prob", lambda: relations.mixture_log_prob(T(4), _K3, torch.zeros(2), _K3), ValueError,
     "means")
case("relations.mixture_log_prob", lambda: relations.mixture_log_prob(np.zeros(4), _K3, _K3, _K3), TypeError, "x")
case("relations.mixture_log_prob", lambda: relations.mixture_log_prob(T(4), torch.zeros(3, 1), _K3, _K3), ValueError,
     "logits")
case("relations.mixture_expectation", lambda: relations.mixture_expectation("f", _K3, _K3, _K3, T(8)), TypeError, "f")
case("relations.mixture_expectation", lambda: relations.mixture_expectation(torch.sin, _K3, _K3, _K3, T(8, 2)),
     ValueError, "z")
case("relations.mixture_expectation", lambda: relations.mixture_expectation(torch.sin, _K3, _K3, T(3).long(), T(8)),
     TypeError, "log_stds")
case("relations.guided_cost_logit", lambda: relations.guided_cost_logit(T(5), T(4)), ValueError, "cost")
case("relations.guided_cost_logit", lambda: relations.guided_cost_logit(T(5), np.zeros(5)), TypeError, "log_q")
case("relations.nce_logit", lambda: relations.nce_logit(T(5), T(5), nu=0.0), ValueError, "nu")
case("relations.nce_logit", lambda: relations.nce_logit(T(5), T(5), nu="1"), TypeError, "nu")
case("relations.nce_logit", lambda: relations.nce_logit(T(5).long(), T(5)), TypeError, "log_model")
case("relations.total_variance", lambda: relations.total_variance(T(1, 3)), ValueError, "grads")
case("relations.total_variance", lambda: relations.total_variance(T(6)), ValueError, "grads")
case("relations.total_variance", lambda: relations.total_variance(np.zeros((4, 2))), TypeError, "grads")


# --- distributed (the scaling appendix) ------------------------------------------------------
def ENV(world_size=1):
    return distributed.DistEnv(0, world_size, 0, torch.device("cpu"), False)


case("distributed.init_from_env", lambda: distributed.init_from_env("mpi"), ValueError, "backend")
case("distributed.init_from_env", lambda: distributed.init_from_env(3), TypeError, "backend")
case("distributed.init_from_env", lambda: distributed.init_from_env(device="tpu"), ValueError, "device")
case("distributed.shard", lambda: distributed.shard(np.zeros((4, 2)), 0, 2), TypeError, "data")
case("distributed.shard", lambda: distributed.shard(T(4, 2), 2, 2), ValueError, "rank")
case("distributed.shard", lambda: distributed.shard(T(4, 2), 0, 0), ValueError, "world_size")
case("distributed.shard", lambda: distributed.shard(T(4, 2), 0, "2"), TypeError, "world_size")
case("distributed.shard", lambda: distributed.shard(T(1, 2), 0, 2), ValueError, "data")
case("distributed.rank_seed", lambda: distributed.rank_seed(-1, 0), ValueError, "seed")
case("distributed.rank_seed", lambda: distributed.rank_seed(0, 1.5), TypeError, "rank")
case("distributed.has_batch_norm", lambda: distributed.has_batch_norm("G"), TypeError, "module")
case("distributed.wrap", lambda: distributed.wrap("G", ENV()), TypeError, "module")
case("distributed.wrap", lambda: distributed.wrap(G2(), "env"), TypeError, "env")
case("distributed.wrap", lambda: distributed.wrap(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2)),
                                                  ENV(2)), ValueError, "sync_batchnorm")
case("distributed.wrap", lambda: distributed.wrap(G2(), ENV(), sync_batchnorm="yes"), TypeError, "sync_batchnorm")
case("distributed.unwrap", lambda: distributed.unwrap(3), TypeError, "module")
case("distributed.train_gan_ddp", lambda: distributed.train_gan_ddp(G2(), D2(), T(16, 2), cfg(), ENV(3)), ValueError,
     "batch_size")
case("distributed.train_gan_ddp", lambda: distributed.train_gan_ddp(G2(), D2(), T(16, 2), cfg(), "env"), TypeError,
     "env")
case("distributed.train_gan_ddp", lambda: distributed.train_gan_ddp(G2(), D2(), T(16, 2).numpy(), cfg(), ENV()),
     TypeError, "real")
case("distributed.train_gan_ddp", lambda: distributed.train_gan_ddp(G2(), D2(), T(4, 2), cfg(batch_size=8), ENV()),
     ValueError, "real")
case("distributed.cleanup", lambda: distributed.cleanup(None), TypeError, "env")

case("nets.UNet", lambda: nets.UNet(depth=0), ValueError, "depth")
case("nets.UNet", lambda: nets.UNet(skips="yes"), TypeError, "skips")
case("nets.UNet", lambda: nets.UNet(norm="layer"), ValueError, "norm")
case("nets.UNet", lambda: nets.UNet(width=4, depth=3)(T(2, 1, 28, 28)), ValueError, "depth")
case("nets.UNet", lambda: nets.UNet(width=4)(T(2, 3, 28, 28)), ValueError, "x")
case("nets.UNet", lambda: nets.UNet(width=4, n_domains=3)(T(2, 1, 28, 28)), ValueError, "domain")
case("nets.UNet", lambda: nets.UNet(width=4, n_domains=3)(T(2, 1, 28, 28), torch.tensor([0, 3])), ValueError, "domain")
case("nets.UNet", lambda: nets.UNet(width=4)(T(2, 1, 28, 28), torch.tensor([0, 1])), ValueError, "domain")
case("nets.receptive_field", lambda: nets.receptive_field([4, 4], [2]), ValueError, "strides")
case("nets.receptive_field", lambda: nets.receptive_field([4, 0], [2, 1]), ValueError, "kernel_sizes[1]")
case("nets.receptive_field", lambda: nets.receptive_field("44", [1, 1]), TypeError, "kernel_sizes")
case("nets.PatchDiscriminator", lambda: nets.PatchDiscriminator(n_layers=-1), ValueError, "n_layers")
case("nets.PatchDiscriminator", lambda: nets.PatchDiscriminator(norm="virtual"), ValueError, "norm")
case("nets.PatchDiscriminator", lambda: nets.PatchDiscriminator(2, width=4)(T(2, 1, 28, 28)), ValueError, "x")
case("nets.PatchDiscriminator", lambda: nets.PatchDiscriminator(width=4, n_layers=3)(T(1, 1, 20, 20)), ValueError, "x")
case("nets.PatchDiscriminator", lambda: nets.PatchDiscriminator(width=4).classify(T(2, 1, 28, 28)), ValueError, "n_classes")
case("losses.l1_loss", lambda: losses.l1_loss(T(2, 1, 4, 4), T(2, 1, 4, 5)), ValueError, "target")
case("losses.l1_loss", lambda: losses.l1_loss(T(2, 1, 4, 4), T(2, 1, 4, 4).long()), TypeError, "output")
case("losses.cycle_loss", lambda: losses.cycle_loss(T(2, 1, 4, 4), T(1, 1, 4, 4)), ValueError, "reconstruction")
case("losses.cycle_loss", lambda: losses.cycle_loss(T(2, 1, 4, 4).numpy(), T(2, 1, 4, 4)), TypeError, "x")
case("losses.identity_loss", lambda: losses.identity_loss(T(0, 1, 4, 4), T(0, 1, 4, 4)), ValueError, "y")
case("losses.identity_loss", lambda: losses.identity_loss(T(2, 1, 4, 4), [0.0]), TypeError, "mapped")
case("losses.domain_classification_loss", lambda: losses.domain_classification_loss(T(2, 3), torch.tensor([0.0, 1.0])), TypeError, "domains")
case("losses.domain_classification_loss", lambda: losses.domain_classification_loss(T(2, 3), torch.tensor([0, 3])), ValueError, "domains")
case("losses.domain_classification_loss", lambda: losses.domain_classification_loss(T(3), torch.tensor([0, 1, 2])), ValueError, "class_logits")
case("data.typeset_digits", lambda: data.typeset_digits(0), ValueError, "n")
case("data.typeset_digits", lambda: data.typeset_digits(4, fonts=[]), ValueError, "fonts")
case("data.typeset_digits", lambda: data.typeset_digits(4, scale=(1.2, 0.8)), ValueError, "scale")
case("data.typeset_digits", lambda: data.typeset_digits(4, rotation=-1.0), ValueError, "rotation")
case("data.thicken", lambda: data.thicken(img(), radius=0), ValueError, "radius")
case("data.thicken", lambda: data.thicken(img().numpy()), TypeError, "images")
case("data.inpainting_pair", lambda: data.inpainting_pair(img(), keep_rows=28), ValueError, "keep_rows")
case("classifier.train_classifier", lambda: classifier.train_classifier(img(), torch.tensor([0, 1, 2, 3]),
                                                                        n_classes=3), ValueError, "y")
case("classifier.train_classifier", lambda: classifier.train_classifier(img(), torch.zeros(4, dtype=torch.long),
                                                                        n_classes=1), ValueError, "n_classes")
case("classifier.train_classifier", lambda: classifier.train_classifier(img(), torch.zeros(4, dtype=torch.long),
                                                                        n_classes=2, steps=0), ValueError, "steps")
case("translation.TranslationConfig", lambda: translation.TranslationConfig(steps=0), ValueError, "steps")
case("translation.TranslationConfig", lambda: translation.TranslationConfig(steps=2, loss="l1"), ValueError, "loss")
case("translation.TranslationConfig", lambda: translation.TranslationConfig(steps=2, clip=-0.1), ValueError, "clip")
case("translation.Pix2Pix", lambda: translation.Pix2Pix(nets.UNet(width=2), None, lam=0.0), ValueError, "lam")
case("translation.Pix2Pix", lambda: translation.Pix2Pix("G"), TypeError, "G")
case("translation.CycleGAN", lambda: translation.CycleGAN(G2(), G2(), D2(), D2(), lam_identity=-1.0), ValueError,
     "lam_identity")
case("translation.Pix2Pix", lambda: translation.Pix2Pix(nets.UNet(width=2), nets.PatchDiscriminator(1, width=2)),
     ValueError, "D.in_channels")
case("translation.StarGAN", lambda: translation.StarGAN(nets.UNet(width=2), nets.PatchDiscriminator(width=2,
                                                                                                  n_classes=2)),
     ValueError, "G.n_domains")
case("translation.StarGAN", lambda: translation.StarGAN(nets.UNet(width=2, n_domains=2), D2()), TypeError, "D")
case("translation.StarGAN", lambda: translation.StarGAN(nets.UNet(width=2, n_domains=3),
                                                        nets.PatchDiscriminator(width=2, n_classes=5)),
     ValueError, "D.n_classes")
case("translation.TranslationConfig", lambda: translation.TranslationConfig(steps=2, betas=(2.0, 0.9)), ValueError,
     "betas")
case("translation.TranslationConfig", lambda: translation.TranslationConfig(steps=2, betas=("a", 0.5)), TypeError,
     "betas")
case("translation.translate", lambda: translation.translate(nets.UNet(width=2, n_domains=2), img(4), [0, 1, 0, 1]),
     TypeError, "cond")
case("translation.fit", lambda: translation.fit(translation.Pix2Pix(nets.UNet(width=2)), [(img(4), img(3))],
                                                translation.TranslationConfig(steps=1, batch_size=2)), ValueError,
     "streams[0]")
case("translation.fit", lambda: translation.fit(translation.Pix2Pix(nets.UNet(width=2)), [(img(4), img(4))],
                                                {"steps": 1}), TypeError, "config")
case("translation.fit", lambda: translation.fit(G2(), [(img(4),)], translation.TranslationConfig(steps=1)),
     TypeError, "model.step")
case("translation.translate", lambda: translation.translate(nets.UNet(width=2), img(4).numpy()), TypeError, "x")
case("translation.translate", lambda: translation.translate(nets.UNet(width=2), img(4), batch_size=0), ValueError,
     "batch_size")
case("translation.binary_distance", lambda: translation.binary_distance(T(4, 28)), ValueError, "images")
case("plot.html_table", lambda: plot.html_table({}), TypeError, "rows")
case("plot.html_table", lambda: plot.html_table({"a": {"x": 1.0}}, digits=-1), ValueError, "digits")

def _flat_cases():
    for name, items in sorted(CASES.items()):
        for i, (call, exc, arg, marks) in enumerate(items):
            yield pytest.param(call, exc, arg, id=f"{name}-{i}", marks=marks)


def test_every_public_callable_has_a_bad_input_case():
    missing = [n for n in public_callables() if n not in CASES and n not in EXEMPT]
    assert not missing, f"public callables without a bad-input case in tests/test_bad_input.py: {missing}"
    stale = [n for n in list(CASES) + sorted(EXEMPT) if n not in public_callables()]
    assert not stale, f"cases or exemptions for names that are not public callables: {stale}"


@pytest.mark.parametrize("call, exc, arg", list(_flat_cases()))
def test_bad_input_raises_a_clear_error(call, exc, arg):
    import matplotlib.pyplot as plt

    try:
        with pytest.raises(exc) as info:
            call()
    finally:
        plt.close("all")
    assert type(info.value) is exc or exc is not TypeError, f"expected {exc.__name__}, got {type(info.value).__name__}"
    assert names_argument(str(info.value), arg), f"the message does not name {arg!r}: {info.value}"


# --- hypothesis: varying inputs ---------------------------------------------------------

_non_ints = st.one_of(st.text(max_size=5), st.floats(allow_nan=True), st.booleans(), st.none(),
                      st.lists(st.integers(), max_size=2))


@settings(max_examples=60, deadline=None)
@given(value=st.one_of(st.integers(max_value=0), _non_ints))
def test_sizes_refuse_anything_but_a_positive_int(value):
    expected = ValueError if isinstance(value, int) and not isinstance(value, bool) else TypeError
    with pytest.raises(expected, match="^n must be a positive int"):
        data.ring(value)
    with pytest.raises(expected, match="^z_dim must be a positive int"):
        nets.MLPGenerator(value, 2)


@settings(max_examples=60, deadline=None)
@given(shape=st.lists(st.integers(0, 4), min_size=0, max_size=4))
def test_losses_accept_one_logit_per_sample_and_refuse_other_shapes(shape):
    logits = torch.randn(tuple(shape))
    valid = (len(shape) == 1 and shape[0] > 0) or (len(shape) == 2 and shape[1] == 1 and shape[0] > 0)
    for name in ("bce_d_loss", "hinge_d_loss", "wasserstein_d_loss", "lsgan_d_loss"):
        fn = getattr(losses, name)
        if valid:
            assert torch.isfinite(fn(logits, torch.randn(3)))
        else:
            with pytest.raises(ValueError, match="real_logits"):
                fn(logits, torch.randn(3))


@settings(max_examples=60, deadline=None)
@given(x=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4), st.booleans()),
       low=st.floats(-10, 10), high=st.floats(-10, 10))
def test_number_check_matches_its_interval(x, low, high):
    if isinstance(x, (bool, str)):
        with pytest.raises(TypeError, match="^lr must be"):
            checks.number(x, "lr", low=low, high=high)
    elif math.isfinite(x) and low <= x <= high:
        assert checks.number(x, "lr", low=low, high=high) == x
    else:
        with pytest.raises(ValueError, match="^lr must be"):
            checks.number(x, "lr", low=low, high=high)


@settings(max_examples=40, deadline=None)
@given(a=st.floats(-5, 5), b=st.floats(-5, 5))
def test_frechet_distance_refuses_every_asymmetric_covariance(a, b):
    sigma = np.array([[2.0, a], [b, 2.0]])
    if abs(a - b) > 1e-3:
        with pytest.raises(ValueError, match="sigma2 must be a symmetric"):
            metrics.frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), sigma)


@settings(max_examples=40, deadline=None)
@given(m=st.integers(2, 5), n=st.integers(2, 5), mx=st.integers(1, 6), nx=st.integers(1, 6))
def test_mmd2_unbiased_refuses_mismatched_kernels(m, n, mx, nx):
    k_xy = np.ones((mx, nx))
    if (mx, nx) == (m, n):
        assert metrics.mmd2_unbiased(np.ones((m, m)), np.ones((n, n)), k_xy) == pytest.approx(0.0)
    else:
        with pytest.raises(ValueError, match="k_xy"):
            metrics.mmd2_unbiased(np.ones((m, m)), np.ones((n, n)), k_xy)


@settings(max_examples=40, deadline=None)
@given(lo=st.floats(-300, 0), hi=st.floats(0, 300))
def test_bernoulli_likelihood_refuses_pixels_outside_minus_one_one(lo, hi):
    x = torch.tensor([[lo, hi]])
    if lo >= -1 and hi <= 1:
        assert torch.isfinite(vae.bernoulli_log_likelihood(x, torch.zeros(1, 2))).all()
    else:
        with pytest.raises(ValueError, match=r"x must hold values in \[-1.0, 1.0\]"):
            vae.bernoulli_log_likelihood(x, torch.zeros(1, 2))


def test_the_ganlib_package_lists_only_real_submodules():
    for name in ganlib._SUBMODULES:
        importlib.import_module(f"ganlib.{name}")
