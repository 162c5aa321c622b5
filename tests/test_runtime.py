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
    monkeypatch.setenv("GANLIB_DEVICE", "cpu")
    assert ganlib.get_device() == torch.device("cpu")
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        ganlib.seed_everything(-1)
