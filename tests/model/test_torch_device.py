import pytest
import torch

from vpjnd_cli.errors import UsageError
from vpjnd_cli.model import device as device_module
from vpjnd_cli.model.device import autocast_dtype, resolve_device


def test_cpu_and_auto_without_accelerators(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(device_module, "_mps_available", lambda: False)
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto") == torch.device("cpu")


@pytest.mark.parametrize("name", ["cuda", "cuda:0", "mps"])
def test_missing_accelerator_is_a_usage_error(monkeypatch, name):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(device_module, "_mps_available", lambda: False)
    with pytest.raises(UsageError, match="asked for"):
        resolve_device(name)


@pytest.mark.parametrize("name", ["tpu", "cuda:x", "cpu:0", ""])
def test_unknown_device_is_a_usage_error(name):
    with pytest.raises(UsageError, match="unknown device"):
        resolve_device(name)


def test_cpu_stays_float32():
    assert autocast_dtype(torch.device("cpu")) is None
