r"""Exercise checkers for chapter 6, "WGAN and Lipschitz critics".

Each checker runs the reader's function on a few cases whose answers are computed here
independently (NumPy closed forms, ``numpy.linalg.svd``), not with
:mod:`ganlib.regularizers` or :mod:`ganlib.losses`, prints a report and returns True
when every case passes. None of them raises.

* :func:`check_critic_loss`: L_f = mean f(x̃) − mean f(x), the critic's Wasserstein loss.
* :func:`check_gradient_penalty`: λ mean_n (‖∇f(x̂_n)‖₂ − 1)², x̂_n = ε_n x_n + (1 − ε_n) x̃_n,
  and the result must carry a gradient to the critic's parameters.
* :func:`check_power_step`: one step of power iteration for the largest singular value.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor

from .core import Case, check

__all__ = ["check_critic_loss", "check_gradient_penalty", "check_power_step"]


# --- exercise 1: the critic's loss -------------------------------------------------------


def _critic_loss_cases() -> list[Case]:
    gen = torch.Generator().manual_seed(6)
    r5, f5 = torch.randn(5, generator=gen, dtype=torch.float64), torch.randn(5, generator=gen, dtype=torch.float64)
    r3, f7 = torch.randn(3, generator=gen, dtype=torch.float64), torch.randn(7, generator=gen, dtype=torch.float64) + 2
    cases = [
        (torch.tensor([2.0, 4.0]), torch.tensor([-1.0, 1.0]), "real scores 3 on average, fake 0: the loss is 0 − 3"),
        (r5, f5, "five real and five fake scores"),
        (r3, f7, "3 real and 7 fake scores: average each set on its own"),
        (torch.tensor([50.0, -50.0]), torch.tensor([100.0, 300.0]), "large scores: no sigmoid, no log"),
    ]
    return [
        Case((r, f), torch.tensor(float(np.mean(f.numpy()) - np.mean(r.numpy())), dtype=r.dtype), note=note)
        for r, f, note in cases
    ]


def check_critic_loss(fn: Callable[[Tensor, Tensor], Tensor]) -> bool:
    """Check ``fn(real_scores, fake_scores) -> L_f = E[f(x̃)] − E[f(x)]`` (a 0-d tensor).

    real_scores: the critic's scores f(x) on real samples, shape (N,);
    fake_scores: f(x̃) on generated samples, shape (M,), M may differ from N.
    """
    return check(fn, _critic_loss_cases(), name="critic_loss", atol=1e-6, rtol=1e-6)


# --- exercise 2: the gradient penalty ------------------------------------------------------


def _reference_gp(grad_of: Callable[[np.ndarray], np.ndarray], real: Tensor, fake: Tensor, eps: Tensor,
                  weight: float) -> float:
    """λ mean_n (‖∇f(x̂_n)‖ − 1)² with ∇f given in closed form, all in NumPy."""
    r, f, e = real.numpy(), fake.numpy(), eps.numpy().reshape((-1,) + (1,) * (real.dim() - 1))
    mixed = e * r + (1 - e) * f  # (N, ...)
    norms = np.sqrt((grad_of(mixed) ** 2).reshape(len(r), -1).sum(axis=1))  # (N,)
    return float(weight * np.mean((norms - 1) ** 2))


def _half_square(x: Tensor) -> Tensor:  # f(x) = ½‖x‖² per sample: ∇f(x) = x
    return 0.5 * x.flatten(1).pow(2).sum(dim=1)


def _sum_sin(x: Tensor) -> Tensor:  # f(x) = Σ sin(x_i) per sample: ∇f(x) = cos(x)
    return x.flatten(1).sin().sum(dim=1)


class _Linear(torch.nn.Module):
    """f(x) = w·x, ∇_x f = w everywhere: the penalty is λ(‖w‖ − 1)², its w-gradient 2λ(‖w‖ − 1) w/‖w‖."""

    def __init__(self, w: list[float]):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor(w, dtype=torch.float64))

    def forward(self, x: Tensor) -> Tensor:
        return x @ self.w


def _with_parameter_gradient(fn: Callable) -> Callable:
    """Calls fn on a linear critic and returns (penalty, ∂penalty/∂w): the penalty must train the critic."""

    def run(critic, real, fake, eps, weight):
        penalty = fn(critic, real, fake, eps, weight=weight)
        if not isinstance(penalty, Tensor):
            raise TypeError(f"expected a tensor, got a {type(penalty).__name__}")
        if not penalty.requires_grad:
            raise ValueError(
                "the penalty carries no gradient back to the critic's parameters: compute the input "
                "gradient with torch.autograd.grad(..., create_graph=True) so that the penalty can be trained"
            )
        (dw,) = torch.autograd.grad(penalty, critic.w)
        return penalty.detach(), dw

    run.__name__ = getattr(fn, "__name__", "gradient_penalty")
    return run


def _gp_cases() -> list[Case]:
    gen = torch.Generator().manual_seed(60)

    def rand(*shape, shift=0.0):
        return torch.randn(*shape, generator=gen, dtype=torch.float64) + shift

    cases = []
    real, fake, eps = rand(6, 2), rand(6, 2, shift=3.0), torch.rand(6, generator=gen, dtype=torch.float64)
    cases.append(Case((_half_square, real, fake, eps, 10.0), torch.tensor(_reference_gp(lambda x: x, real, fake, eps, 10.0),
                 dtype=torch.float64), note="f(x) = ½‖x‖², points in the plane: ∇f(x̂) = x̂ = εx + (1 − ε)x̃"))
    real, fake, eps = rand(4, 1, 3, 3), rand(4, 1, 3, 3, shift=1.0), torch.rand(4, generator=gen, dtype=torch.float64)
    cases.append(Case((_half_square, real, fake, eps, 10.0), torch.tensor(_reference_gp(lambda x: x, real, fake, eps, 10.0),
                 dtype=torch.float64), note="images (N, 1, 3, 3): one ε per image, one norm per image over all its pixels"))
    real, fake, eps = rand(5, 3), rand(5, 3, shift=-1.0), torch.rand(5, generator=gen, dtype=torch.float64)
    cases.append(Case((_sum_sin, real, fake, eps, 1.0), torch.tensor(_reference_gp(np.cos, real, fake, eps, 1.0),
                 dtype=torch.float64), note="f(x) = Σ sin(x_i) with weight λ = 1"))
    real, fake, eps = rand(8, 2), rand(8, 2), torch.rand(8, generator=gen, dtype=torch.float64)
    w = torch.tensor([3.0, 4.0], dtype=torch.float64)  # ‖w‖ = 5
    expected = (torch.tensor(10.0 * 16.0, dtype=torch.float64), 2 * 10.0 * 4.0 * w / 5)
    cases.append(Case((_Linear([3.0, 4.0]), real, fake, eps, 10.0), expected,
                      note="f(x) = w·x with w = (3, 4): penalty 10·(5 − 1)² = 160, and it must train w"))
    return cases


def check_gradient_penalty(fn: Callable[..., Tensor]) -> bool:
    """Check ``fn(critic, real, fake, eps, weight=10.0) -> λ mean_n (‖∇f(x̂_n)‖₂ − 1)²``.

    critic: f, maps (N, ...) to (N,). real, fake: x and x̃, shape (N, ...). eps: ε, shape (N,),
    one per sample: x̂_n = ε_n x_n + (1 − ε_n) x̃_n. The norm runs over all non-batch dimensions,
    and the result must be differentiable with respect to the critic's parameters.
    """
    cases = _gp_cases()
    plain = [Case(c.args[:4] + ({"weight": c.args[4]},), c.expected, note=c.note) for c in cases[:3]]

    def call_plain(critic, real, fake, eps, kw):
        return fn(critic, real, fake, eps, **kw)

    call_plain.__name__ = getattr(fn, "__name__", "gradient_penalty")
    if not check(call_plain, plain, name=call_plain.__name__, atol=1e-6, rtol=1e-6):
        return False
    return check(_with_parameter_gradient(fn), cases[3:], name=call_plain.__name__ + " (training the critic)",
                 atol=1e-6, rtol=1e-6)


# --- exercise 3: one step of power iteration ----------------------------------------------


def _power_ref(W: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, float]:
    v = W.T @ u
    v = v / np.linalg.norm(v)
    u_new = W @ v
    u_new = u_new / np.linalg.norm(u_new)
    return u_new, float(u_new @ W @ v)


def _iterated(fn: Callable) -> Callable:
    """Runs fn 100 times from u and returns the final σ: it should reach σ_max from the SVD."""

    def run(W, u):
        sigma = None
        for _ in range(100):
            u, sigma = fn(W, u)
        return sigma

    run.__name__ = getattr(fn, "__name__", "power_step")
    return run


def _power_cases() -> tuple[list[Case], list[Case]]:
    rng = np.random.default_rng(66)
    one_step = []
    for W, u, note in (
        (np.diag([3.0, 1.0]), np.array([1.0, 1.0]), "W = diag(3, 1), u = (1, 1)"),
        (rng.normal(size=(5, 3)), rng.normal(size=5), "a 5×3 matrix: v = Wᵀu has 3 entries, u = Wv has 5"),
        (rng.normal(size=(4, 4)) * 10, rng.normal(size=4) * 0.01, "u not of unit length: normalise v and u"),
    ):
        Wt, ut = torch.tensor(W), torch.tensor(u)
        u_new, sigma = _power_ref(W, u)
        one_step.append(Case((Wt, ut), (torch.tensor(u_new), torch.tensor(sigma)), note=note))
    converged = []
    for shape in ((6, 4), (3, 7)):
        W = rng.normal(size=shape)
        sigma_max = float(np.linalg.svd(W, compute_uv=False)[0])  # the independent reference
        converged.append(Case((torch.tensor(W), torch.tensor(rng.normal(size=shape[0]))), torch.tensor(sigma_max),
                              note=f"100 steps on a random {shape[0]}×{shape[1]} matrix reach σ_max from the SVD"))
    return one_step, converged


def check_power_step(fn: Callable[[Tensor, Tensor], tuple[Tensor, Tensor]]) -> bool:
    """Check ``fn(W, u) -> (u_new, sigma)``: v = Wᵀu/‖Wᵀu‖, u_new = Wv/‖Wv‖, σ = u_newᵀ W v.

    W: (m, n) tensor; u: (m,) tensor. Returns u_new of shape (m,) and σ as a 0-d tensor or a float.
    """
    one_step, converged = _power_cases()
    if not check(fn, one_step, name=getattr(fn, "__name__", "power_step"), atol=1e-8, rtol=1e-6):
        return False
    return check(_iterated(fn), converged, name=getattr(fn, "__name__", "power_step") + " (iterated)",
                 atol=1e-6, rtol=1e-6)
