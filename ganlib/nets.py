"""The networks of the book, each built bottom-up and readable in one screen.

* :class:`MLPGenerator`, :class:`MLPDiscriminator` — fully connected nets for toy
  2-D data and for flattened digits (chapter 2).
* :class:`DCGANGenerator`, :class:`DCGANDiscriminator` — the all-convolutional
  architecture of Radford et al. (2016) for 28×28 (MNIST) and 32×32 (CIFAR-sized)
  images (chapter 5 explains every rule they follow):

  - no pooling: G upsamples with strided transposed convolutions, D downsamples
    with strided convolutions;
  - batch norm everywhere except G's output layer and D's input layer;
  - ReLU in G with tanh at the output (images live in [-1, 1]); LeakyReLU(0.2) in D;
  - D returns a *logit*: no sigmoid at the end (losses take logits, see
    :mod:`ganlib.losses`).

  Keyword options switch each rule off for the ablations of chapter 5 (norm, upsample,
  downsample, output_norm, input_norm, activation), add class conditioning (n_classes) and
  expose D's features (``D.features(x)``). :class:`VirtualBatchNorm2d` is Salimans et al.'s
  (2016) virtual batch norm.

* :class:`FourierFeatures` — a fixed random sine/cosine embedding of 2-D points, for
  sharp density-ratio classifiers (chapter 7's rejection sampling).
* Image-to-image translation (chapter 9): :class:`UNet`, pix2pix's generator (Isola et
  al., 2017) with or without its skip connections, and StarGAN's (Choi et al., 2018) when
  it reads a target domain; :class:`PatchDiscriminator`, pix2pix's PatchGAN, with an
  optional auxiliary domain classifier (StarGAN); :func:`receptive_field`, the size of
  the input window one output unit of a convolution stack sees.

Every discriminator returns one logit per sample, shape ``(N,)`` -- except
:class:`PatchDiscriminator`, which returns one logit per patch, shape ``(N, 1, h, w)``.

Bad input: constructors check every size and option (TypeError for a wrong type,
ValueError for a wrong value, the message naming the argument). Forward passes check
the input's type, float dtype and shape only -- metadata, no GPU sync -- so NaN in
gives NaN out, and an empty batch (N = 0) gives an empty output.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import torch
from torch import Tensor, nn

from . import checks


def _mlp(in_dim: int, hidden: Sequence[int], out_dim: int, activation: Callable[[], nn.Module]) -> nn.Sequential:
    """Linear → act → … → Linear, with the hidden widths given."""
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(in_dim, width), activation()]
        in_dim = width
    layers.append(nn.Linear(in_dim, out_dim))
    return nn.Sequential(*layers)


def _check_n_classes(n_classes: int) -> int:
    return checks.integer(n_classes, "n_classes", low=0, what="an int >= 0 (0: unconditional)")


def _check_label_factors(label_factors: Sequence[int] | None, n_classes: int) -> tuple[int, ...] | None:
    """None, or the sizes (k_1, ..., k_m) of a label's factors; then n_classes must be 0 or k_1 ⋯ k_m."""
    if label_factors is None:
        return None
    what = "a tuple of at least two ints >= 2 (the number of values of each condition), e.g. (10, 3)"
    if isinstance(label_factors, (str, bytes)) or not isinstance(label_factors, Sequence) or any(
            isinstance(k, bool) or not isinstance(k, int) for k in label_factors):
        raise TypeError(f"label_factors must be {what}; got {label_factors!r}")
    factors = tuple(int(k) for k in label_factors)
    if len(factors) < 2 or min(factors) < 2:
        raise ValueError(f"label_factors must be {what}; got {factors}")
    if n_classes not in (0, math.prod(factors)):
        raise ValueError(f"n_classes must be 0 or the product of label_factors {factors} = {math.prod(factors)}; "
                         f"got {n_classes}")
    return factors


def split_label(y: Tensor, label_factors: Sequence[int]) -> list[Tensor]:
    """The factors (a_1, ..., a_m) of labels y = a_1 + k_1 a_2 + k_1 k_2 a_3 + ⋯, each (N,)   (chapter 8).

    A label made of several conditions, e.g. digit a_1 ∈ 0..9 and colour a_2 ∈ 0..2 as
    y = digit + 10 · colour, is one integer to the training loop and m small labels to a
    factorised net (``label_factors=(10, 3)``). Inverse of :func:`join_label`.
    """
    factors = _check_label_factors(label_factors, 0)
    if not isinstance(y, Tensor) or y.dtype != torch.long or y.dim() != 1:
        got = f"{tuple(y.shape)} {y.dtype}" if isinstance(y, Tensor) else type(y).__name__
        raise TypeError(f"y must be an int64 tensor of shape (N,); got {got}")
    if len(y) and (int(y.min()) < 0 or int(y.max()) >= math.prod(factors)):
        raise ValueError(f"y must hold labels in 0..{math.prod(factors) - 1}; got {int(y.min())}..{int(y.max())}")
    parts = []
    for k in factors:
        parts.append(y % k)
        y = torch.div(y, k, rounding_mode="floor")
    return parts


def join_label(parts: Sequence[Tensor], label_factors: Sequence[int]) -> Tensor:
    """y = a_1 + k_1 a_2 + k_1 k_2 a_3 + ⋯ from the factors a_i ∈ 0..k_i − 1 (inverse of :func:`split_label`)."""
    factors = _check_label_factors(label_factors, 0)
    if len(parts) != len(factors):
        raise ValueError(f"parts must hold one tensor per factor ({len(factors)}); got {len(parts)}")
    y, scale = torch.zeros_like(parts[0]), 1
    for i, (a, k) in enumerate(zip(parts, factors)):
        if len(a) and (int(a.min()) < 0 or int(a.max()) >= k):
            raise ValueError(f"parts[{i}] must hold values in 0..{k - 1}; got {int(a.min())}..{int(a.max())}")
        y, scale = y + scale * a, scale * k
    return y


def _label_code(y: Tensor | None, n: int, n_classes: int, factors: tuple[int, ...] | None) -> Tensor:
    """What a conditional G reads besides z: onehot(y), or [onehot(a_1), ..., onehot(a_m)] when factorised."""
    code = one_hot_labels(y, n, n_classes)  # (N, K): also checks y
    if factors is None:
        return code
    return torch.cat([nn.functional.one_hot(a, k) for a, k in zip(split_label(y, factors), factors)], 1).to(code)


class FactorisedEmbedding(nn.Module):
    """e_y = e¹_{a_1} + ⋯ + eᵐ_{a_m} for a label y made of factors (a_1, ..., a_m) (:func:`split_label`).

    A projection discriminator with this embedding has one vector per *condition value*
    (ten digits, three colours) instead of one per combination, so it can score a
    combination it never saw in training (chapter 8, "Can G compose conditions it never saw together?").
    """

    def __init__(self, label_factors: Sequence[int], dim: int):
        super().__init__()
        self.label_factors = _check_label_factors(label_factors, 0)
        self.tables = nn.ModuleList(nn.Embedding(k, checks.positive_int(dim, "dim")) for k in self.label_factors)

    def forward(self, y: Tensor) -> Tensor:
        parts = split_label(y, self.label_factors)
        return sum(table(a) for table, a in zip(self.tables, parts))  # (N, dim)


def _check_activation(activation: object, name: str = "activation") -> None:
    checks.function(activation, name, "a callable that makes a layer, e.g. nn.ReLU")


def one_hot_labels(y: Tensor | None, n: int, n_classes: int, name: str = "y") -> Tensor:
    """The one-hot code (N, n_classes) of class labels y (N,) for a conditional net (chapter 7, 8).

    Raises a clear error when y is missing, given to an unconditional net, or malformed:
    TypeError when y is not an int64 tensor, ValueError for a wrong shape or label.
    """
    n_classes = _check_n_classes(n_classes)
    n = checks.nonnegative_int(n, "n")
    if n_classes == 0:
        raise ValueError(f"{name} was given, but this network is unconditional (n_classes=0)")
    if y is None:
        raise ValueError(f"{name} (class labels, shape (N,)) is required: this network has n_classes={n_classes}")
    if not isinstance(y, Tensor) or y.dtype != torch.long:
        got = f"{tuple(y.shape)} {y.dtype}" if isinstance(y, Tensor) else type(y).__name__
        raise TypeError(f"{name} must be an int64 tensor of shape ({n},); got {got}")
    if y.shape != (n,):
        raise ValueError(f"{name} must be an int64 tensor of shape ({n},); got {tuple(y.shape)} {y.dtype}")
    if len(y) and (int(y.min()) < 0 or int(y.max()) >= n_classes):
        raise ValueError(f"{name} must hold labels in 0..{n_classes - 1}; got values in {int(y.min())}..{int(y.max())}")
    return nn.functional.one_hot(y, n_classes).to(torch.get_default_dtype())  # (N, n_classes)


class MLPGenerator(nn.Module):
    """G: z ∈ R^{z_dim} ↦ x of shape ``out_shape`` through a fully connected net.

    With ``n_classes = K > 0`` it is conditional: G(z, y) reads [z, onehot(y)] ∈ R^{z_dim + K}.
    """

    def __init__(
        self,
        z_dim: int,
        out_shape: int | Sequence[int],
        *,
        hidden: Sequence[int] = (256, 256),
        activation: Callable[[], nn.Module] = nn.ReLU,
        out_activation: nn.Module | None = None,
        n_classes: int = 0,
    ):
        super().__init__()
        self.z_dim = checks.positive_int(z_dim, "z_dim")
        self.out_shape = checks.as_shape(out_shape, "out_shape")
        self.n_classes = _check_n_classes(n_classes)
        hidden = checks.widths(hidden, "hidden")
        _check_activation(activation)
        if out_activation is not None and not isinstance(out_activation, nn.Module):
            raise TypeError(f"out_activation must be an nn.Module (e.g. nn.Tanh()) or None; got {type(out_activation).__name__}")
        self.net = _mlp(self.z_dim + self.n_classes, hidden, math.prod(self.out_shape), activation)
        self.out_activation = out_activation or nn.Identity()

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        checks.batch(z, "z", (self.z_dim,))
        if self.n_classes or y is not None:
            z = torch.cat([z, one_hot_labels(y, len(z), self.n_classes).to(z)], dim=1)  # (N, z_dim + K)
        x = self.out_activation(self.net(z))  # (N, prod(out_shape))
        return x.view(len(z), *self.out_shape)  # (N, *out_shape)


class MLPDiscriminator(nn.Module):
    """D: x of shape ``in_shape`` ↦ one logit t(x); D(x) = σ(t(x)).

    With ``n_classes = K > 0`` it is conditional: t(x, y) reads [flatten(x), onehot(y)].
    """

    def __init__(
        self,
        in_shape: int | Sequence[int],
        *,
        hidden: Sequence[int] = (256, 256),
        activation: Callable[[], nn.Module] = lambda: nn.LeakyReLU(0.2),
        n_classes: int = 0,
    ):
        super().__init__()
        self.in_shape = checks.as_shape(in_shape, "in_shape")
        self.n_classes = _check_n_classes(n_classes)
        hidden = checks.widths(hidden, "hidden")
        _check_activation(activation)
        self.net = _mlp(math.prod(self.in_shape) + self.n_classes, hidden, 1, activation)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        checks.batch(x, "x", self.in_shape)
        h = x.flatten(1)  # (N, prod(in_shape))
        if self.n_classes or y is not None:
            h = torch.cat([h, one_hot_labels(y, len(x), self.n_classes).to(h)], dim=1)  # (N, D + K)
        return self.net(h).squeeze(1)  # (N,)


class StackedLinear(nn.Module):
    """S independent linear layers applied at once: y_s = x_s W_s + b_s for s = 1..S.

    x (S, B, in) ↦ y (S, B, out) with one batched matrix product (``torch.baddbmm``).
    Each W_s, b_s is initialised as ``nn.Linear`` does: U(−1/√in, 1/√in).
    """

    def __init__(self, members: int, in_dim: int, out_dim: int):
        super().__init__()
        members = checks.positive_int(members, "members")
        in_dim = checks.positive_int(in_dim, "in_dim")
        out_dim = checks.positive_int(out_dim, "out_dim")
        bound = 1 / math.sqrt(in_dim)
        self.weight = nn.Parameter(torch.empty(members, in_dim, out_dim).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(members, 1, out_dim).uniform_(-bound, bound))

    def forward(self, x: Tensor) -> Tensor:
        S, d_in = self.weight.shape[:2]
        checks.tensor(x, "x", nonempty=False, shape=f"({S}, B, {d_in})")
        if x.dim() != 3 or x.shape[0] != S or x.shape[2] != d_in:
            raise ValueError(f"x must have shape ({S}, B, {d_in}); got {tuple(x.shape)}")
        return torch.baddbmm(self.bias, x, self.weight)  # (S, B, out)


class FourierFeatures(nn.Module):
    r"""Random Fourier features: x ↦ [sin(xB), cos(xB)], so an MLP can draw sharp bumps.

    A ReLU MLP on raw 2-D coordinates learns smooth functions first ("spectral bias") and
    needs many steps to carve a bump as narrow as a toy mode (σ = 0.02). Feeding it
    sines and cosines of random projections (Tancik et al., 2020) gives it fine detail
    from the start. Column j of B (in_dim, n_features) is drawn from N(0, s_j² I), with
    the frequency scales s_j spread log-uniformly over ``scales = (lo, hi)``, so one
    embedding serves features from about 2π/lo down to 2π/hi in size. B is fixed (a
    buffer, not trained). x (N, in_dim) ↦ (N, 2·n_features).
    """

    def __init__(self, in_dim: int, n_features: int = 128, *, scales: tuple[float, float] = (1.0, 50.0), seed: int = 0):
        super().__init__()
        checks.positive_int(in_dim, "in_dim")
        checks.positive_int(n_features, "n_features")
        try:
            lo, hi = (checks.positive(v, "scales") for v in scales)
        except (TypeError, ValueError):
            raise ValueError(f"scales must be (lo, hi) with 0 < lo <= hi; got {scales!r}") from None
        seed = checks.integer(seed, "seed", low=0, what="an int >= 0")
        if not 0 < lo <= hi:
            raise ValueError(f"scales must be (lo, hi) with 0 < lo <= hi; got {scales!r}")
        rng = torch.Generator().manual_seed(seed)
        s = lo * (hi / lo) ** torch.rand(n_features, generator=rng)  # (F,) log-uniform in [lo, hi]
        self.register_buffer("B", torch.randn(in_dim, n_features, generator=rng) * s)  # (in, F)
        self.out_dim = 2 * n_features

    def forward(self, x: Tensor) -> Tensor:
        checks.batch(x, "x", (self.B.shape[0],))
        p = x @ self.B.to(x.dtype)  # (N, F)
        return torch.cat([p.sin(), p.cos()], dim=1)  # (N, 2F)


class MLPEnsemble(nn.Module):
    """S independent MLPs in one module: train S seeds of a small GAN for about the price of one.

    The members share nothing but the batched arithmetic: the rows of a batch (S·b, in)
    are dealt out in S consecutive blocks of b, block s goes through member s, and the
    outputs are stacked back to (S·b, out). A loss that is a mean over the rows is
    1/S · Σ_s (member s's own mean loss), so each member gets its own gradient, scaled
    by 1/S — which Adam's update ignores (it divides by the gradient's running scale).

    As a generator: ``MLPEnsemble(S, z_dim, 2, ...)`` with ``.z_dim``; as a discriminator:
    ``MLPEnsemble(S, 2, 1, ...)`` returns one logit per row, shape (S·b,).
    """

    def __init__(
        self,
        members: int,
        in_dim: int,
        out_dim: int,
        *,
        hidden: Sequence[int] = (256, 256),
        activation: Callable[[], nn.Module] = nn.ReLU,
    ):
        super().__init__()
        members = checks.positive_int(members, "members")
        in_dim = checks.positive_int(in_dim, "in_dim")
        out_dim = checks.positive_int(out_dim, "out_dim")
        hidden = checks.widths(hidden, "hidden")
        _check_activation(activation)
        self.members, self.in_dim, self.out_dim = members, in_dim, out_dim
        self.z_dim = in_dim  # read by ganlib.train.generate when this ensemble is a generator
        layers: list[nn.Module] = []
        for width in hidden:
            layers += [StackedLinear(members, in_dim, width), activation()]
            in_dim = width
        layers.append(StackedLinear(members, in_dim, out_dim))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        S = self.members
        checks.tensor(x, "x", nonempty=False, shape=f"(S·b, {self.in_dim})")
        if x.dim() != 2 or x.shape[1] != self.in_dim or len(x) % S:
            raise ValueError(
                f"x must have shape (S·b, {self.in_dim}) with S = {S} members, i.e. a row count divisible by {S}; "
                f"got {tuple(x.shape)}"
            )
        out = self.net(x.reshape(S, len(x) // S, self.in_dim))  # (S, b, out): block s → member s
        out = out.reshape(len(x), self.out_dim)  # (S·b, out)
        return out.squeeze(1) if self.out_dim == 1 else out

    def member_rows(self, x: Tensor) -> Tensor:
        """(S·b, ...) → (S, b, ...): the rows each member produced or saw."""
        if not isinstance(x, Tensor):
            raise TypeError(f"x must be a torch.Tensor of shape (S·b, ...); got {type(x).__name__}")
        if x.dim() < 1 or len(x) % self.members:
            raise ValueError(f"x must have a row count divisible by {self.members} (the members); got {tuple(x.shape)}")
        return x.reshape(self.members, len(x) // self.members, *x.shape[1:])


def _check_image_size(image_size: int) -> None:
    image_size = checks.integer(image_size, "image_size", what="28 or 32")
    if image_size not in (28, 32):
        raise ValueError(f"image_size must be 28 or 32; got {image_size!r}")


def _check_conv_sizes(z_dim: int | None, channels: int, width: int, ref_size: int) -> None:
    if z_dim is not None:
        checks.positive_int(z_dim, "z_dim")
    checks.positive_int(channels, "channels")
    checks.positive_int(width, "width")
    checks.positive_int(ref_size, "ref_size")


NORMS = ("batch", "instance", "layer", "virtual", "none")


class VirtualBatchNorm2d(nn.Module):
    r"""Virtual batch norm (Salimans et al., 2016): normalise with a *fixed* reference batch.

    Batch norm makes each output depend on the other examples of the minibatch. Virtual batch
    norm removes that coupling: every example is normalised with the statistics of a fixed
    reference batch of ``ref_size = n`` examples *together with the example itself*.

    The input must be the reference batch's activations followed by the examples:
    ``x = cat([x_ref, x_batch])``, shape ``(n + N, C, H, W)`` (the DCGAN nets do that for you).
    Per channel c, with means over the reference examples and the H×W positions,

    * μ_ref = mean(x_ref),  s_ref = mean(x_ref²);
    * for example i with spatial means m_i = mean_hw(x_i) and q_i = mean_hw(x_i²):

      μ_i = n/(n+1) · μ_ref + 1/(n+1) · m_i,   σ²_i = n/(n+1) · s_ref + 1/(n+1) · q_i − μ_i²,

      y_i = γ · (x_i − μ_i) / sqrt(σ²_i + eps) + β.

    (This is exactly batch norm over the batch {reference ∪ x_i}.) The reference rows themselves
    are normalised with (μ_ref, s_ref − μ_ref²) alone, so that the next layer receives the
    reference activations it needs for its own statistics. The output keeps all ``n + N`` rows.
    There are no running averages: train and eval mode compute the same thing, and y_i does not
    depend on the other examples x_j (j ≠ i) of the batch. Gradients flow through the reference
    statistics too (the reference is a function of the network's weights).
    """

    def __init__(self, num_features: int, ref_size: int, eps: float = 1e-5, affine: bool = True):
        super().__init__()
        num_features = checks.positive_int(num_features, "num_features")
        eps = checks.positive(eps, "eps")
        self.num_features, self.eps = num_features, eps
        self.ref_size = checks.positive_int(ref_size, "ref_size")
        if affine:
            self.weight = nn.Parameter(torch.ones(num_features))
            self.bias = nn.Parameter(torch.zeros(num_features))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        n = self.ref_size
        checks.tensor(x, "x", nonempty=False, shape=f"(>{n}, {self.num_features}, H, W)")
        if x.dim() != 4 or x.shape[1] != self.num_features or x.shape[0] <= n:
            raise ValueError(
                f"x must be cat([reference ({n} rows), examples]) for VirtualBatchNorm2d, of shape "
                f"(>{n}, {self.num_features}, H, W); got {tuple(x.shape)}"
            )
        ref, xs = x[:n], x[n:]
        mu_ref = ref.mean(dim=(0, 2, 3), keepdim=True)  # (1, C, 1, 1)
        sq_ref = ref.square().mean(dim=(0, 2, 3), keepdim=True)  # (1, C, 1, 1)
        m = xs.mean(dim=(2, 3), keepdim=True)  # (N, C, 1, 1)
        q = xs.square().mean(dim=(2, 3), keepdim=True)  # (N, C, 1, 1)
        w_ref, w_self = n / (n + 1), 1 / (n + 1)
        mu = w_ref * mu_ref + w_self * m  # (N, C, 1, 1)
        var = (w_ref * sq_ref + w_self * q - mu.square()).clamp_min(0)
        var_ref = (sq_ref - mu_ref.square()).clamp_min(0)
        out = torch.cat([(ref - mu_ref) / torch.sqrt(var_ref + self.eps), (xs - mu) / torch.sqrt(var + self.eps)])
        if self.weight is not None:
            out = out * self.weight[:, None, None] + self.bias[:, None, None]
        return out  # (n + N, C, H, W)

    def extra_repr(self) -> str:
        return f"{self.num_features}, ref_size={self.ref_size}, eps={self.eps}"


def _norm2d(kind: str, channels: int, ref_size: int) -> nn.Module:
    """The normalisation layer called ``kind`` for ``channels`` feature maps.

    batch: statistics over (N, H, W) per channel (depends on the minibatch);
    instance: over (H, W) per example and channel; layer: over (C, H, W) per example
    (GroupNorm with one group); virtual: :class:`VirtualBatchNorm2d`; none: identity.
    """
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    if kind == "layer":
        return nn.GroupNorm(1, channels)
    if kind == "virtual":
        return VirtualBatchNorm2d(channels, ref_size)
    return nn.Identity()


class DCGANGenerator(nn.Module):
    """The DCGAN generator: project z to a small feature map, then double its size.

    28×28: z → 7×7×4w → 14×14×2w → 28×28×C.
    32×32: z → 4×4×8w → 8×8×4w → 16×16×2w → 32×32×C.

    Options (the defaults are Radford et al.'s rules; chapter 5 ablates them):

    * ``norm``: "batch" (default), "instance", "layer", "virtual" or "none" after every hidden
      layer. Convolutions followed by a norm layer have no bias (the norm's shift replaces it).
    * ``upsample``: "transposed" (4×4 transposed conv, stride 2) or "nearest" (nearest-neighbour
      ×2 then a 3×3 conv). The first layer (z → start×start map) is always a transposed conv.
    * ``output_norm``: also normalise G's output layer, before tanh (the rules say don't).
    * ``n_classes = K > 0``: conditional, G(z, y) reads [z, onehot(y)] ∈ R^{z_dim + K}.
    * ``label_factors = (k_1, ..., k_m)``: y is made of m conditions (:func:`split_label`) and
      G reads [z, onehot(a_1), ..., onehot(a_m)] ∈ R^{z_dim + k_1 + ⋯ + k_m}; n_classes becomes
      k_1 ⋯ k_m.
    * ``ref_size``: size of the fixed reference batch for ``norm="virtual"``: G keeps reference
      noise ``vbn_z`` (and labels ``vbn_y``) as buffers (saved with the state dict) and forwards
      them in front of z on every call, so each :class:`VirtualBatchNorm2d` sees the reference
      activations of its own layer; the reference rows are dropped from the output.
    """

    def __init__(
        self,
        z_dim: int = 64,
        *,
        channels: int = 1,
        image_size: int = 28,
        width: int = 64,
        norm: str = "batch",
        upsample: str = "transposed",
        output_norm: bool = False,
        n_classes: int = 0,
        label_factors: Sequence[int] | None = None,
        ref_size: int = 64,
    ):
        super().__init__()
        _check_image_size(image_size)
        _check_conv_sizes(z_dim, channels, width, ref_size)
        checks.boolean(output_norm, "output_norm")
        self.z_dim, self.channels, self.image_size = z_dim, channels, image_size
        self.norm = checks.choice(norm, "norm", NORMS)
        self.upsample = checks.choice(upsample, "upsample", ("transposed", "nearest"))
        self.n_classes = _check_n_classes(n_classes)
        self.label_factors = _check_label_factors(label_factors, self.n_classes)
        if self.label_factors:
            self.n_classes = math.prod(self.label_factors)
        code_dim = sum(self.label_factors) if self.label_factors else self.n_classes
        bias = norm == "none"  # a norm layer's shift makes a conv bias redundant

        def up(c_in: int, c_out: int, conv_bias: bool) -> list[nn.Module]:  # doubles H and W
            if upsample == "transposed":
                return [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=conv_bias)]
            return [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c_in, c_out, 3, 1, 1, bias=conv_bias)]

        if image_size == 28:
            start, widths = 7, [4 * width, 2 * width]
        else:
            start, widths = 4, [8 * width, 4 * width, 2 * width]
        layers: list[nn.Module] = [  # (N, z [+K], 1, 1) -> (N, widths[0], start, start)
            nn.ConvTranspose2d(z_dim + code_dim, widths[0], start, 1, 0, bias=bias),
            _norm2d(norm, widths[0], ref_size),
            nn.ReLU(True),
        ]
        for c_in, c_out in zip(widths, widths[1:]):
            layers += [*up(c_in, c_out, bias), _norm2d(norm, c_out, ref_size), nn.ReLU(True)]
        if output_norm and norm != "none":
            layers += [*up(widths[-1], channels, False), _norm2d(norm, channels, ref_size), nn.Tanh()]
        else:
            layers += [*up(widths[-1], channels, True), nn.Tanh()]  # no norm at G's output
        self.net = nn.Sequential(*layers)
        if norm == "virtual":  # the fixed reference batch: drawn once, saved with the weights
            self.register_buffer("vbn_z", torch.randn(ref_size, z_dim))
            if self.n_classes:
                self.register_buffer("vbn_y", torch.arange(ref_size) % self.n_classes)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        checks.batch(z, "z", (self.z_dim,))
        n_ref = 0
        if self.n_classes or y is not None:
            code = _label_code(y, len(z), self.n_classes, self.label_factors).to(z)
            z = torch.cat([z, code], dim=1)  # (N, z_dim + K)
        if self.norm == "virtual":
            ref = self.vbn_z.to(z)
            if self.n_classes:
                code = _label_code(self.vbn_y, len(ref), self.n_classes, self.label_factors).to(z)
                ref = torch.cat([ref, code], dim=1)
            n_ref = len(ref)
            z = torch.cat([ref, z])  # (n_ref + N, z_dim [+K])
        return self.net(z[:, :, None, None])[n_ref:]  # (N, C, H, W) in [-1, 1]


class DCGANDiscriminator(nn.Module):
    """The DCGAN discriminator: strided convolutions halve the size down to 4×4 or 7×7.

    28×28: C → 14×14×w → 7×7×2w → logit.   32×32: C → 16×16×w → 8×8×2w → 4×4×4w → logit.

    Options (the defaults are Radford et al.'s rules; chapter 5 ablates them):

    * ``norm``: "batch" (default), "instance", "layer", "virtual" or "none" after every hidden
      conv except the input layer. With "virtual", call :meth:`set_reference` with a batch of
      ``ref_size`` real images before the first forward pass.
    * ``downsample``: "stride" (4×4 conv, stride 2) or "maxpool" / "avgpool" (3×3 conv,
      stride 1, then 2×2 pooling).
    * ``input_norm``: also normalise after the input layer (the rules say don't).
    * ``activation``: "leaky" (LeakyReLU(0.2)) or "relu".
    * ``n_classes = K > 0``: conditional with a projection term (Miyato & Koyama, 2018):
      D(x, y) = w·φ(x) + b + e_y·φ(x), with φ(x) = :meth:`features` and a learned class
      embedding e_y (initialised at zero, so training starts from the unconditional D).
    * ``label_factors = (k_1, ..., k_m)``: y is made of m conditions and e_y is a
      :class:`FactorisedEmbedding`, one vector per condition value; n_classes becomes k_1 ⋯ k_m.

    :meth:`features` returns φ(x), the flattened feature map before the last layer, shape (N, F).
    """

    def __init__(
        self,
        *,
        channels: int = 1,
        image_size: int = 28,
        width: int = 64,
        norm: str = "batch",
        downsample: str = "stride",
        input_norm: bool = False,
        activation: str = "leaky",
        n_classes: int = 0,
        label_factors: Sequence[int] | None = None,
        ref_size: int = 64,
    ):
        super().__init__()
        _check_image_size(image_size)
        _check_conv_sizes(None, channels, width, ref_size)
        checks.boolean(input_norm, "input_norm")
        self.channels, self.image_size = channels, image_size
        self.norm = checks.choice(norm, "norm", NORMS)
        self.downsample = checks.choice(downsample, "downsample", ("stride", "maxpool", "avgpool"))
        checks.choice(activation, "activation", ("leaky", "relu"))
        self.n_classes = _check_n_classes(n_classes)
        self.label_factors = _check_label_factors(label_factors, self.n_classes)
        if self.label_factors:
            self.n_classes = math.prod(self.label_factors)
        bias = norm == "none"

        def act() -> nn.Module:
            return nn.LeakyReLU(0.2, True) if activation == "leaky" else nn.ReLU(True)

        def down(c_in: int, c_out: int, conv_bias: bool) -> list[nn.Module]:  # halves H and W
            if downsample == "stride":
                return [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=conv_bias)]
            pool = nn.MaxPool2d(2) if downsample == "maxpool" else nn.AvgPool2d(2)
            return [nn.Conv2d(c_in, c_out, 3, 1, 1, bias=conv_bias), pool]

        widths = [width, 2 * width] if image_size == 28 else [width, 2 * width, 4 * width]
        end = 7 if image_size == 28 else 4
        if input_norm and norm != "none":
            layers: list[nn.Module] = [*down(channels, widths[0], False), _norm2d(norm, widths[0], ref_size), act()]
        else:
            layers = [*down(channels, widths[0], True), act()]  # no norm at D's input
        for c_in, c_out in zip(widths, widths[1:]):
            layers += [*down(c_in, c_out, bias), _norm2d(norm, c_out, ref_size), act()]
        layers.append(nn.Conv2d(widths[-1], 1, end, 1, 0))  # (N, 1, 1, 1): one logit, no sigmoid
        self.net = nn.Sequential(*layers)
        self.feature_dim = widths[-1] * end * end
        if self.label_factors:
            self.embed = FactorisedEmbedding(self.label_factors, self.feature_dim)
        elif self.n_classes:
            self.embed = nn.Embedding(self.n_classes, self.feature_dim)
        for table in self.modules() if self.n_classes else ():
            if isinstance(table, nn.Embedding):
                nn.init.zeros_(table.weight)
        self._uses_vbn = any(isinstance(m, VirtualBatchNorm2d) for m in self.net)
        if self._uses_vbn:
            self.register_buffer("vbn_x", torch.zeros(ref_size, channels, image_size, image_size))
            self.register_buffer("vbn_ready", torch.tensor(False))

    @torch.no_grad()
    def set_reference(self, x_ref: Tensor) -> None:
        """Fix the reference batch (``ref_size`` real images) of virtual batch norm."""
        if not self._uses_vbn:
            raise ValueError("set_reference is only for norm='virtual'")
        checks.tensor(x_ref, "x_ref", shape=str(tuple(self.vbn_x.shape)))
        if tuple(x_ref.shape) != tuple(self.vbn_x.shape):
            raise ValueError(f"x_ref must have shape {tuple(self.vbn_x.shape)}; got {tuple(x_ref.shape)}")
        self.vbn_x.copy_(x_ref)
        self.vbn_ready.fill_(True)

    def _body(self, x: Tensor) -> Tensor:
        """The feature map before the last layer, (N, C', end, end)."""
        if not self._uses_vbn:
            return self.net[:-1](x)
        if not bool(self.vbn_ready):
            raise RuntimeError("norm='virtual': call D.set_reference(x_ref) with ref_size real images first")
        n_ref = len(self.vbn_x)
        return self.net[:-1](torch.cat([self.vbn_x.to(x), x]))[n_ref:]

    def features(self, x: Tensor) -> Tensor:
        """φ(x): the flattened features before the last layer, shape (N, F)."""
        checks.batch(x, "x", (self.channels, self.image_size, self.image_size))
        return self._body(x).flatten(1)  # (N, F)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        checks.batch(x, "x", (self.channels, self.image_size, self.image_size))
        if not self.n_classes and y is None and not self._uses_vbn:
            return self.net(x).flatten()  # (N,)
        h = self._body(x)  # (N, C', end, end)
        logit = self.net[-1](h).flatten()  # (N,)
        if self.n_classes or y is not None:
            one_hot_labels(y, len(x), self.n_classes)  # checks y
            logit = logit + (self.embed(y) * h.flatten(1)).sum(1)  # projection term e_y·φ(x)
        return logit


_NORM_LAYERS = (nn.BatchNorm2d, nn.InstanceNorm2d, nn.GroupNorm, nn.LayerNorm, VirtualBatchNorm2d)


@torch.no_grad()
def init_dcgan_weights(module: nn.Module, std: float = 0.02) -> nn.Module:
    """Radford et al.'s initialisation: conv weights ~ N(0, 0.02²); norm scale ~ N(1, 0.02²), shift 0.

    Chooses layers by type (``isinstance``), never by matching class names. Handles every norm
    layer the DCGAN options use (batch, instance, layer/group, virtual); leaves embeddings alone
    (a projection discriminator's class embedding starts at zero).
    """
    checks.module(module, "module")
    std = checks.nonnegative(std, "std")
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, _NORM_LAYERS) and getattr(m, "weight", None) is not None:
            nn.init.normal_(m.weight, 1.0, std)
            nn.init.zeros_(m.bias)
    return module


# --- conditional GANs (chapter 8) --------------------------------------------------------


class LabelBlind(nn.Module):
    """A net that takes a label and ignores it: ``LabelBlind(D)(x, y) = D(x)``   (chapter 8).

    Lets an *unconditional* discriminator play against a conditional generator in the same
    loop as a conditional one ("must D see the condition?"), and is the control that a
    label-accuracy check must fail: a generator wrapped in it draws the same digits
    whatever label it is asked for. ``n_classes`` is read from ``n_classes`` (the labels
    it accepts and checks), ``z_dim`` is copied from the wrapped net when it has one.
    """

    def __init__(self, net: nn.Module, n_classes: int):
        super().__init__()
        self.net = checks.module(net, "net")
        self.n_classes = checks.positive_int(n_classes, "n_classes")
        if hasattr(net, "z_dim"):
            self.z_dim = net.z_dim

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        one_hot_labels(y, len(x), self.n_classes)  # checks y, then drops it
        return self.net(x)


class _Noise(nn.Module):
    """x + σξ, ξ ~ N(0, I), in training mode only: the Gaussian noise layers of Salimans et al. (2016)."""

    def __init__(self, std: float):
        super().__init__()
        self.std = std

    def forward(self, x: Tensor) -> Tensor:
        return x + self.std * torch.randn_like(x) if self.training and self.std else x


class SemiSupervisedDiscriminator(nn.Module):
    r"""A K-class classifier that is also a discriminator (Salimans et al., 2016; chapter 8).

    Flattened digit → Gaussian noise (σ_in) → [Linear → ReLU → noise (σ_h)] per hidden
    width → Linear → K class logits :math:`l(x)`. The fake class is implicit: its logit is
    fixed at 0, so the real-vs-fake logit is :math:`t(x) = \operatorname{logsumexp}_k l_k(x)`
    (see :func:`ganlib.losses.semi_supervised_d_loss`). :meth:`features` is the last hidden
    layer, which feature matching compares. The noise layers are active in training mode
    only; call ``.eval()`` to classify. The defaults follow the paper's MNIST network
    (1000-500-250-250-250 there; narrower here for a CPU).
    """

    def __init__(self, n_classes: int = 10, *, in_shape: int | Sequence[int] = (1, 28, 28),
                 hidden: Sequence[int] = (500, 250, 250), input_noise: float = 0.3, hidden_noise: float = 0.5):
        super().__init__()
        self.n_classes = checks.positive_int(n_classes, "n_classes")
        self.in_shape = checks.as_shape(in_shape, "in_shape")
        hidden = checks.widths(hidden, "hidden")
        input_noise = checks.nonnegative(input_noise, "input_noise")
        hidden_noise = checks.nonnegative(hidden_noise, "hidden_noise")
        layers: list[nn.Module] = [nn.Flatten(), _Noise(input_noise)]
        d_in = math.prod(self.in_shape)
        for width in hidden:
            layers += [nn.Linear(d_in, width), nn.ReLU(), _Noise(hidden_noise)]
            d_in = width
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(d_in, self.n_classes)

    def features(self, x: Tensor) -> Tensor:
        """The last hidden layer f(x), shape (N, hidden[-1])."""
        checks.batch(x, "x", self.in_shape)
        return self.body(x)

    def forward(self, x: Tensor) -> Tensor:
        """Class logits l(x), shape (N, K)."""
        return self.head(self.features(x))  # (N, K)


class InfoGANGenerator(nn.Module):
    r"""InfoGAN's MNIST generator (Chen et al., 2016, Table 1), narrower   (chapter 8, InfoGAN).

    [z, onehot(c), c_cont] (N, in_dim) → Linear (hidden) → BN → ReLU → Linear (2w·7·7) → BN →
    ReLU → (2w, 7, 7) → up-conv 4×4/2 (w) → BN → ReLU → up-conv 4×4/2 (channels) → tanh,
    an image (N, channels, 28, 28) in [-1, 1]. The paper's sizes are hidden = 1024, w = 64.

    Unlike :class:`DCGANGenerator`, the codes first pass through two fully connected layers,
    so every pixel of the 7×7 map can depend on them in any way.
    """

    def __init__(self, in_dim: int, *, channels: int = 1, width: int = 32, hidden: int = 256):
        super().__init__()
        self.in_dim = checks.positive_int(in_dim, "in_dim")
        self.channels = checks.positive_int(channels, "channels")
        width, hidden = checks.positive_int(width, "width"), checks.positive_int(hidden, "hidden")
        self.net = nn.Sequential(
            nn.Linear(in_dim, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(),
            nn.Linear(hidden, 2 * width * 49, bias=False), nn.BatchNorm1d(2 * width * 49), nn.ReLU(),
            nn.Unflatten(1, (2 * width, 7, 7)),
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),  # 14×14
            nn.ConvTranspose2d(width, channels, 4, 2, 1), nn.Tanh(),  # 28×28
        )

    def forward(self, inp: Tensor) -> Tensor:
        checks.tensor(inp, "inp", dims=2, shape=f"(N, {self.in_dim})")
        if inp.shape[1] != self.in_dim:
            raise ValueError(f"inp must have {self.in_dim} columns (noise and codes, "
                             f"conditional.infogan_input); got shape {tuple(inp.shape)}")
        return self.net(inp)


class InfoGANDiscriminator(nn.Module):
    r"""D and Q of InfoGAN (Chen et al., 2016) sharing one body   (chapter 8, "Can a GAN find the condition on its own? InfoGAN").

    x (N, 1, 28, 28) → conv 4×4/2 (w) → LeakyReLU → conv 4×4/2 (2w) → BN → LeakyReLU →
    Linear (hidden) → BN → LeakyReLU = φ(x). Two heads read φ(x):

    * D: one logit t(x) (``forward`` returns it, so this net is a discriminator);
    * Q: a small MLP giving the logits of the categorical code (n_cat values) and the mean
      and log-standard-deviation of a factored Gaussian over the n_cont continuous codes.

    :meth:`heads` returns all of them from one pass: (t, code_logits, mean, log_std).
    log_std is clamped to [-5, 2] so an overconfident Q cannot drive the loss to -∞.
    """

    def __init__(self, n_cat: int = 10, n_cont: int = 2, *, width: int = 16, hidden: int = 128):
        super().__init__()
        self.n_cat = checks.positive_int(n_cat, "n_cat")
        self.n_cont = checks.nonnegative_int(n_cont, "n_cont")
        width, hidden = checks.positive_int(width, "width"), checks.positive_int(hidden, "hidden")
        self.body = nn.Sequential(
            nn.Conv2d(1, width, 4, 2, 1), nn.LeakyReLU(0.2),  # (N, w, 14, 14)
            nn.Conv2d(width, 2 * width, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2),  # 7×7
            nn.Flatten(), nn.Linear(2 * width * 49, hidden, bias=False), nn.BatchNorm1d(hidden), nn.LeakyReLU(0.2),
        )
        self.d_head = nn.Linear(hidden, 1)
        self.q_head = _mlp(hidden, (hidden,), self.n_cat + 2 * self.n_cont, lambda: nn.LeakyReLU(0.2))

    def heads(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """(t(x) (N,), code logits (N, n_cat), mean (N, n_cont), log_std (N, n_cont))."""
        checks.batch(x, "x", (1, 28, 28))
        phi = self.body(x)  # (N, hidden)
        q = self.q_head(phi)  # (N, n_cat + 2 n_cont)
        k, m = self.n_cat, self.n_cont
        return self.d_head(phi).squeeze(1), q[:, :k], q[:, k : k + m], q[:, k + m :].clamp(-5.0, 2.0)

    def forward(self, x: Tensor) -> Tensor:
        return self.heads(x)[0]  # (N,)


# --- image-to-image translation (chapter 9) ------------------------------------------------

TRANSLATION_NORMS = ("instance", "batch", "none")


def _domain_planes(domain: Tensor | None, x: Tensor, n_domains: int) -> Tensor:
    """The one-hot target domain c tiled into n_domains constant planes, (N, n_domains, H, W)."""
    if n_domains == 0:
        raise ValueError("domain was given, but this network has n_domains=0 (it translates one way only)")
    if domain is None:
        raise ValueError(f"domain (the target domains, an int64 tensor of shape (N,)) is required: "
                         f"this network has n_domains={n_domains}")
    code = one_hot_labels(domain, len(x), n_domains, "domain").to(x)  # (N, n_domains): checks domain
    return code[:, :, None, None].expand(-1, -1, *x.shape[2:])  # (N, n_domains, H, W)


class UNet(nn.Module):
    """pix2pix's U-Net generator G: x ↦ y, sized for 28×28 digits   (chapter 9, "Why a PatchGAN, and why skip connections?").

    ``depth`` blocks down [conv 4×4/2 → norm → LeakyReLU(0.2)] (no norm on the first) with
    widths w, 2w, 4w, … give the encoder features e_1, …, e_depth; as many transposed convs
    4×4/2 come back up, [→ norm → ReLU] inside and → tanh at the full-size output, as in
    Isola et al.'s generator (no layer runs at full resolution but the last, which keeps it
    fast on a CPU). With ``skips=True`` the decoder's output at each inner level i is
    concatenated with e_i, so fine detail can bypass the bottleneck (no skip at the
    outermost level, as in pix2pix: depth 1 has none); with ``skips=False`` it is the plain
    encoder-decoder of their Fig. 5 (the same layers without the skip inputs): everything G
    knows about x must pass the bottleneck (N, 2^(depth−1)·w, H/2^depth, W/2^depth).
    pix2pix's decoder also has dropout, its only source of noise, kept on at test time;
    this U-Net has none (G is deterministic, and :func:`ganlib.translation.translate` runs
    it in eval mode).
    H and W must be divisible by 2^depth (28 allows depth 1 or 2).

    ``n_domains = K > 0`` makes it StarGAN's generator G(x, c): the target domain c ∈ 0..K−1
    is given as its one-hot vector tiled into K constant planes, concatenated to x's channels.
    ``norm``: "instance" (pix2pix, CycleGAN and StarGAN use it), "batch" or "none".
    Outputs lie in [-1, 1], like the images.
    """

    def __init__(self, in_channels: int = 1, out_channels: int = 1, *, width: int = 32, depth: int = 2,
                 skips: bool = True, n_domains: int = 0, norm: str = "instance"):
        super().__init__()
        self.in_channels = checks.positive_int(in_channels, "in_channels")
        self.out_channels = checks.positive_int(out_channels, "out_channels")
        width = checks.positive_int(width, "width")
        self.depth = checks.positive_int(depth, "depth")
        self.skips = checks.boolean(skips, "skips")
        self.n_domains = checks.nonnegative_int(n_domains, "n_domains")
        self.norm = checks.choice(norm, "norm", TRANSLATION_NORMS)
        bias = norm == "none"  # a norm layer's shift makes a conv bias redundant
        widths = [width * 2**i for i in range(depth)]  # channels of e_1, ..., e_depth

        def down(i: int) -> nn.Sequential:  # e_i -> e_{i+1} (e_0 = x): halves H and W
            if i == 0:
                return nn.Sequential(nn.Conv2d(self.in_channels + self.n_domains, width, 4, 2, 1), nn.LeakyReLU(0.2))
            return nn.Sequential(nn.Conv2d(widths[i - 1], widths[i], 4, 2, 1, bias=bias),
                                 _norm2d(norm, widths[i], 1), nn.LeakyReLU(0.2))

        def up_in(i: int) -> int:  # what the block producing level i reads: level i+1, with its skip
            return widths[i] * (2 if skips and i + 1 < depth else 1)

        self.down = nn.ModuleList(down(i) for i in range(depth))
        self.up = nn.ModuleList(  # level i+1 -> level i: doubles H and W (bottleneck first)
            nn.Sequential(nn.ConvTranspose2d(up_in(i), widths[i - 1], 4, 2, 1, bias=bias),
                          _norm2d(norm, widths[i - 1], 1), nn.ReLU())
            for i in reversed(range(1, depth)))
        self.head = nn.Sequential(nn.ConvTranspose2d(up_in(0), self.out_channels, 4, 2, 1), nn.Tanh())

    def forward(self, x: Tensor, domain: Tensor | None = None) -> Tensor:
        """G(x) (or G(x, c) with c = ``domain``, int64 (N,)): shape (N, out_channels, H, W)."""
        h, w = checks.image_batch(x, "x", self.in_channels, nonempty=False).shape[2:]
        step = 2**self.depth
        if h % step or w % step:
            raise ValueError(f"x must have a height and width divisible by 2**depth = {step} (depth={self.depth}); "
                             f"got {h}×{w}")
        if self.n_domains or domain is not None:
            x = torch.cat([x, _domain_planes(domain, x, self.n_domains)], dim=1)  # (N, C + K, H, W)
        features = []
        for block in self.down:
            x = block(x)  # e_i: (N, 2^(i−1) w, H/2^i, W/2^i)
            features.append(x)
        out = features.pop()  # the bottleneck e_depth
        for block in self.up:
            out = block(out)  # (N, 2^(i−1) w, H/2^i, W/2^i): one level up
            if self.skips:
                out = torch.cat([out, features.pop()], dim=1)  # (N, 2^i w, H/2^i, W/2^i): with e_i
        return self.head(out)  # (N, out_channels, H, W) in [-1, 1]


def _check_layer_sizes(values: object, name: str) -> tuple[int, ...]:
    """A sequence of positive ints (kernel sizes or strides), one per layer."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a sequence of positive ints, one per layer; got {type(values).__name__}")
    return tuple(checks.positive_int(v, f"{name}[{i}]") for i, v in enumerate(values))


def receptive_field(kernel_sizes: Sequence[int], strides: Sequence[int]) -> int:
    """r = 1 + Σ_l (k_l − 1) Π_{i<l} s_i   (chapter 9, "Why a PatchGAN, and why skip connections?").

    The side of the input window that one output unit of a stack of convolutions sees
    (kernel k_l, stride s_l for layer l = 1, 2, …; dilation 1): layer l widens the window
    by k_l − 1 of its input units, and neighbouring units of its input are Π_{i<l} s_i
    pixels apart. Padding shifts the window but does not change its size. Pooling layers
    count as convolutions. Example: pix2pix's 70×70 PatchGAN, kernels (4, 4, 4, 4, 4) and
    strides (2, 2, 2, 1, 1): 1 + 3·(1 + 2 + 4 + 8 + 8) = 70.
    """
    kernel_sizes = _check_layer_sizes(kernel_sizes, "kernel_sizes")
    strides = _check_layer_sizes(strides, "strides")
    if len(kernel_sizes) != len(strides):
        raise ValueError(f"kernel_sizes and strides must have one entry per layer each; "
                         f"got {len(kernel_sizes)} and {len(strides)}")
    r, jump = 1, 1  # jump = Π_{i<l} s_i: the input distance between neighbouring units of layer l's input
    for k, s in zip(kernel_sizes, strides):
        r += (k - 1) * jump
        jump *= s
    return r


class PatchDiscriminator(nn.Module):
    """pix2pix's PatchGAN: one real-vs-fake logit per overlapping patch   (chapter 9, "Why a PatchGAN, and why skip connections?").

    ``n_layers`` convs 4×4/2 (widths w, 2w, 4w, … capped at 8w; no norm on the first) →
    conv 4×4/1 (norm, LeakyReLU(0.2)) → conv 4×4/1 to one channel. ``forward(x)`` returns the
    patch logits (N, 1, h, w), no sigmoid; each logit judges one receptive field of the input.
    Isola et al.'s 70×70 D is ``n_layers=3`` on 256-pixel images; ``n_layers=0`` is their
    "PixelGAN": 1×1 convolutions only (w, 2w, then 1 channel), each logit sees one pixel.
    :attr:`receptive_field` is computed by :func:`receptive_field` from the layers built:

    * n_layers=1: kernels (4, 4, 4), strides (2, 1, 1): 1 + 3·(1 + 2 + 2) = 16;
    * n_layers=2: (4, 4, 4, 4), (2, 2, 1, 1): 1 + 3·(1 + 2 + 4 + 4) = 34;
    * n_layers=3: (4, 4, 4, 4, 4), (2, 2, 2, 1, 1): 1 + 3·(1 + 2 + 4 + 8 + 8) = 70.

    For n_layers ≥ 1 the side of the input must be at least 3·2^n_layers (the map is
    ⌊H/2^n_layers⌋ − 2 high); the PixelGAN (n_layers=0) keeps the input's size.

    Locality is exact only without normalisation statistics: instance norm (the default,
    as in pix2pix) and batch norm in training mode divide by means over all positions, so
    every logit depends a little on every pixel. Only with ``norm="none"`` (or batch norm in
    eval mode) does a logit see its receptive field and nothing else.

    The losses take one logit per sample; a patch is a sample, so flatten the map:
    ``losses.d_loss("lsgan", D(real).reshape(-1), D(fake).reshape(-1))``.
    ``in_channels=2`` makes pix2pix's conditional D(x, y), reading ``torch.cat([x, y], 1)``.
    ``n_classes = K > 0`` adds StarGAN's auxiliary classifier D_cls: a conv to K channels
    on the shared trunk, averaged over the positions (:meth:`classify`,
    :meth:`forward_with_classes`).
    """

    def __init__(self, in_channels: int = 1, *, width: int = 32, n_layers: int = 2, n_classes: int = 0,
                 norm: str = "instance"):
        super().__init__()
        self.in_channels = checks.positive_int(in_channels, "in_channels")
        width = checks.positive_int(width, "width")
        self.n_layers = checks.nonnegative_int(n_layers, "n_layers")
        self.n_classes = _check_n_classes(n_classes)
        self.norm = checks.choice(norm, "norm", TRANSLATION_NORMS)
        bias = norm == "none"
        k, s, pad = (4, 2, 1) if n_layers else (1, 1, 0)  # PixelGAN: 1×1 convolutions only
        widths = [width * min(2**i, 8) for i in range(n_layers + 1)]  # pix2pix caps the width at 8w
        layers: list[nn.Module] = [nn.Conv2d(self.in_channels, width, k, s, pad), nn.LeakyReLU(0.2)]  # no norm
        kernels, strides = [k], [s]
        for c_in, c_out in zip(widths, widths[1:-1]):  # the other stride-2 convs
            layers += [nn.Conv2d(c_in, c_out, k, 2, pad, bias=bias), _norm2d(norm, c_out, 1), nn.LeakyReLU(0.2)]
            kernels, strides = kernels + [k], strides + [2]
        c_in = widths[-2] if n_layers else width
        c_last = widths[-1] if n_layers else 2 * width
        layers += [nn.Conv2d(c_in, c_last, k, 1, pad, bias=bias), _norm2d(norm, c_last, 1), nn.LeakyReLU(0.2)]
        self.trunk = nn.Sequential(*layers)
        self.patch_head = nn.Conv2d(c_last, 1, k, 1, pad)  # (N, 1, h, w): one logit per patch
        self.receptive_field = receptive_field(kernels + [k, k], strides + [1, 1])
        self._min_size = 3 * 2**n_layers if n_layers else 1
        if self.n_classes:
            self.class_head = nn.Conv2d(c_last, self.n_classes, k, 1, pad)  # (N, K, h, w), then mean

    def _trunk(self, x: Tensor) -> Tensor:
        h, w = checks.image_batch(x, "x", self.in_channels, nonempty=False).shape[2:]
        if min(h, w) < self._min_size:
            raise ValueError(f"x must be at least {self._min_size}×{self._min_size} for n_layers={self.n_layers}; "
                             f"got {h}×{w}")
        return self.trunk(x)  # (N, C', h', w')

    def forward(self, x: Tensor) -> Tensor:
        """The patch logits t(x), shape (N, 1, h, w)."""
        return self.patch_head(self._trunk(x))  # (N, 1, h, w)

    def classify(self, x: Tensor) -> Tensor:
        """D_cls's domain logits (N, n_classes): the class map averaged over the positions."""
        return self.forward_with_classes(x)[1]

    def forward_with_classes(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(patch logits (N, 1, h, w), class logits (N, n_classes)) from one pass of the trunk."""
        if not self.n_classes:
            raise ValueError("this PatchDiscriminator has n_classes=0: it has no domain classifier")
        features = self._trunk(x)  # (N, C', h', w')
        return self.patch_head(features), self.class_head(features).mean(dim=(2, 3))  # (N, 1, h, w), (N, K)
