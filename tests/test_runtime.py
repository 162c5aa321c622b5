import pytest
import torch

import ganlib


def test_budget_follows_the_profile(monkeypatch):
    for name, expected in (("quick", 1), ("full", 2), ("long", 3)):
        monkeypatch.setenv("GANLIB_PROFILE", name)
        assert ganlib.budget(quick=1, full=2, long=3) == expected
    monkeypatch.setenv("GANLIB_PROFILE", "long")
    assert ganlib.budget(quick=1, full=2) == 2  # long defaults to full
    monkeypatch.delenv("GANLIB_PROFILE")
    assert ganlib.profile() == "full"


def test_unknown_profile_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("GANLIB_PROFILE", "fast")
    with pytest.raises(ValueError, match="GANLIB_PROFILE must be one of .*'fast'"):
        ganlib.budget(quick=1, full=2)


def test_setup_seeds_torch_and_reports(capsys, monkeypatch):
    monkeypatch.setenv("GANLIB_PROFILE", "quick")
    rt = ganlib.setup(3)
    a = torch.rand(3)
    ganlib.setup(3, verbose=False)
    assert torch.equal(a, torch.rand(3))
    out = capsys.readouterr().out
    assert "device=" in out and "profile=quick" in out and rt.seed == 3


def test_device_override(monkeypatch):
    # On a CPU-only machine "cpu" is what get_device() returns anyway; with a GPU present
    # (made to look present here) only the override can make it "cpu".
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.delenv("GANLIB_DEVICE", raising=False)
    assert ganlib.get_device() == torch.device("cuda")  # the default the override must beat
    monkeypatch.setenv("GANLIB_DEVICE", "cpu")
    assert ganlib.get_device() == torch.device("cpu")
    assert ganlib.get_device("cpu") == torch.device("cpu")  # prefer= overrides as well
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        ganlib.seed_everything(-1)


@pytest.mark.parametrize("kind", ["cuda", "cuda:0", "mps"])
def test_a_missing_gpu_is_a_clear_error(kind, monkeypatch):
    monkeypatch.delenv("GANLIB_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(ValueError, match=f"device='{kind}' asks for .*Runtime → Change runtime type"):
        ganlib.setup(device=kind, verbose=False)
    monkeypatch.setenv("GANLIB_DEVICE", kind)  # the environment variable is named when it is the cause
    with pytest.raises(ValueError, match=f"GANLIB_DEVICE='{kind}' asks for"):
        ganlib.get_device()


def test_device_and_seed_arguments_are_checked(monkeypatch):
    monkeypatch.delenv("GANLIB_DEVICE", raising=False)
    with pytest.raises(ValueError, match="device must be a device name .* got 'gpu'"):
        ganlib.setup(device="gpu", verbose=False)
    with pytest.raises(TypeError, match="device must be a device name"):
        ganlib.setup(device=0.5, verbose=False)
    with pytest.raises(TypeError, match="seed must be a non-negative int"):
        ganlib.setup("3", verbose=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # so that "cpu" is a choice, not the default
    assert ganlib.setup(verbose=False).device == torch.device("cuda")
    assert ganlib.setup(device="cpu", verbose=False).device == torch.device("cpu")
    assert ganlib.get_device(torch.device("cpu")) == torch.device("cpu")


def test_share_cores_divides_the_cores_and_respects_a_setting(monkeypatch):
    import os

    import torch

    from ganlib import runtime

    before = torch.get_num_threads()
    try:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setattr(os, "cpu_count", lambda: 8)
        assert runtime.share_cores(2) == 4 and os.environ["OMP_NUM_THREADS"] == "4"
        assert torch.get_num_threads() == 4
        monkeypatch.setenv("OMP_NUM_THREADS", "3")  # set already: kept
        assert runtime.share_cores(2) == 3
        monkeypatch.delenv("OMP_NUM_THREADS")
        assert runtime.share_cores(16) == 1  # never below one thread
    finally:
        torch.set_num_threads(before)
