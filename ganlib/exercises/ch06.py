r"""Exercises of chapter 6, "WGAN and Lipschitz critics" (see :mod:`.registry`).

The expected values are computed independently (NumPy closed forms,
``numpy.linalg.svd``), not with :mod:`ganlib.regularizers` or :mod:`ganlib.losses`:

* ``check_critic_loss``: L_f = mean f(x̃) − mean f(x), the critic's Wasserstein loss.
* ``check_gradient_penalty``: λ mean_n (‖∇f(x̂_n)‖₂ − 1)², x̂_n = ε_n x_n + (1 − ε_n) x̃_n,
  and the result must carry a gradient to the critic's parameters.
* ``check_power_step``: one step of power iteration for the largest singular value.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .core import Case, Mistake
from .registry import Chapter, Exercise, Part, Wrong

__all__ = ["CHAPTER", "check_critic_loss", "check_gradient_penalty", "check_power_step"]


# --- exercise 1: the critic's loss -------------------------------------------------------


def critic_loss(real_scores, fake_scores):
    # minimising it maximises the gap
    return fake_scores.mean() - real_scores.mean()


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


CRITIC_LOSS = Exercise(
    "critic_loss", label="ex-ch06-critic-loss", title="The critic's loss",
    task=r"""Write `critic_loss(real_scores, fake_scores)`: given the critic's scores $f(x)$ on $N$ real
samples and $f(\tilde x)$ on $M$ generated ones (1-D tensors, $M$ may differ from $N$),
return the loss $L_f$ of {eq}`eq-ch06-losses` that the critic *minimises*, as a 0-d tensor.""",
    solution=critic_loss, cases=_critic_loss_cases, atol=1e-6, rtol=1e-6,
    wrong=(
        Wrong(lambda r, f: r.mean() - f.mean(), says="real scores 3"),  # sign flipped
        Wrong(lambda r, f: (f - r).mean() if len(f) == len(r) else f.sum() - r.sum(), says="3 real and 7"),
        Wrong(lambda r, f: F.softplus(-r).mean() + F.softplus(f).mean(), says="real scores 3"),  # BCE
        Wrong(lambda r, f: torch.sigmoid(f).mean() - torch.sigmoid(r).mean(), says="real scores 3"),
    ),
)


# --- exercise 2: the gradient penalty ------------------------------------------------------


def gradient_penalty(critic, real, fake, eps, weight=10.0):
    eps = eps.reshape(-1, *[1] * (real.dim() - 1))  # (N, 1, ..., 1)
    mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(
        critic(mixed).sum(), mixed, create_graph=True
    )
    norms = grad.flatten(1).norm(dim=1)  # (N,): one per sample
    return weight * ((norms - 1) ** 2).mean()


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
            raise Mistake(f"expected a tensor, got a {type(penalty).__name__}")
        if not penalty.requires_grad:
            raise Mistake(
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


def _weight_by_keyword(fn: Callable) -> Callable:
    """Calls fn(critic, real, fake, eps, weight=...) with the weight as a keyword."""

    def gradient_penalty(critic, real, fake, eps, kw):
        return fn(critic, real, fake, eps, **kw)

    return gradient_penalty


def _gp_plain_cases() -> list[Case]:
    return [Case(c.args[:4] + ({"weight": c.args[4]},), c.expected, note=c.note) for c in _gp_cases()[:3]]


def _gp_variant(norms_of: Callable, penalty: Callable = lambda n: (n - 1) ** 2, create_graph: bool = True):
    """A wrong gradient penalty that differs from the solution in one step."""

    def gp(critic, real, fake, eps, weight=10.0):
        e = eps.reshape(-1, *[1] * (real.dim() - 1))
        mixed = (e * real + (1 - e) * fake).requires_grad_(True)
        (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=create_graph)
        return weight * penalty(norms_of(grad)).mean()

    return gp


def _per_sample(grad: Tensor) -> Tensor:
    return grad.flatten(1).norm(dim=1)


GRADIENT_PENALTY = Exercise(
    "gradient_penalty", label="ex-ch06-gradient-penalty", title="The gradient penalty",
    task=r"""Write `gradient_penalty(critic, real, fake, eps, weight=10.0)`, the penalty {eq}`eq-ch06-gp`:
`real` and `fake` have shape $(N, \dots)$ (points or images), `eps` has shape $(N,)$, one
$\epsilon$ per pair, and $\hat x_n = \epsilon_n x_n + (1 - \epsilon_n)\tilde x_n$. Take one
gradient norm per sample over all its dimensions, and make sure the result can be
back-propagated into the critic's parameters (hint: `torch.autograd.grad(...,
create_graph=True)`).""",
    solution=gradient_penalty, cases=_gp_plain_cases, adapt=_weight_by_keyword, atol=1e-6, rtol=1e-6,
    then=(Part(lambda: _gp_cases()[3:], _with_parameter_gradient, "training the critic", 1e-6, 1e-6),),
    wrong=(
        Wrong(_gp_variant(lambda g: g.norm()), says="points in the plane"),  # one norm for the batch
        Wrong(_gp_variant(lambda g: g.norm(dim=-1)), says="images (N, 1, 3, 3)"),  # the last axis only
        # penalises the real points (the labml slip)
        Wrong(lambda c, r, f, e, weight=10.0: gradient_penalty(c, r, f, torch.ones_like(e), weight),
              says="points in the plane"),
        Wrong(lambda c, r, f, e, weight=10.0: gradient_penalty(c, f, r, e, weight),  # ε x̃ + (1 − ε) x
              says="points in the plane"),
        Wrong(_gp_variant(_per_sample, penalty=lambda n: (n - 1).abs()), says="points in the plane"),
        Wrong(lambda c, r, f, e, weight=10.0: gradient_penalty(c, r, f, e, 10.0), says="weight λ = 1"),
        Wrong(_gp_variant(_per_sample, create_graph=False), says="create_graph=True"),
    ),
)


# --- exercise 3: one step of power iteration ----------------------------------------------


def power_step(W, u):
    v = W.T @ u
    v = v / v.norm()  # (n,)
    u = W @ v
    u = u / u.norm()  # (m,)
    return u, u @ W @ v  # sigma = u^T W v = ||W v||


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


def _power_norm(W, u):  # σ = ‖Wv‖ is the same number
    v = W.T @ u / (W.T @ u).norm()
    Wv = W @ v
    return Wv / Wv.norm(), Wv.norm()


def _power_no_normalise(W, u):
    v = W.T @ u
    u = W @ v
    return u, u @ W @ v


def _power_transposed(W, u):  # W u instead of Wᵀ u: wrong shapes for non-square W
    v = W @ u
    v = v / v.norm()
    u = W.T @ v
    u = u / u.norm()
    return u, u @ W.T @ v


POWER_STEP = Exercise(
    "power_step", label="ex-ch06-power-step", title="One step of power iteration",
    task=r"""Write `power_step(W, u)`, one iteration of {eq}`eq-ch06-power`: from a matrix $W$ of shape
$(m, n)$ and a vector $u$ of shape $(m,)$, return the new $u$ (unit length) and the
estimate $\sigma = u^\top W v$. The checker also runs your step 100 times and compares
$\sigma$ with the largest singular value from an SVD.""",
    solution=power_step, cases=lambda: _power_cases()[0], atol=1e-8, rtol=1e-6,
    then=(Part(lambda: _power_cases()[1], _iterated, "iterated", 1e-6, 1e-6),),
    right=(_power_norm,),
    wrong=(
        Wrong(_power_no_normalise, says="diag(3, 1)"),
        Wrong(_power_transposed, says="5×3"),
        Wrong(lambda W, u: (u, torch.linalg.norm(W)), says="diag(3, 1)"),  # the Frobenius norm
    ),
)


CHAPTER = Chapter("06_wgan", (CRITIC_LOSS, GRADIENT_PENALTY, POWER_STEP), call_as="ch06")
check_critic_loss = CRITIC_LOSS.checker()
check_gradient_penalty = GRADIENT_PENALTY.checker()
check_power_step = POWER_STEP.checker()
