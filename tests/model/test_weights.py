import json
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from vpjnd_cli.errors import ExitCode, InputError, ToolMissingError
from vpjnd_cli.model import locate
from vpjnd_cli.model.weights import (
    load_model,
    read_header,
    require_weights,
    save_weights,
)


def inputs(config, seed=3):
    g = torch.Generator().manual_seed(seed)
    s = config.patch_size
    ref = torch.randint(0, 256, (2, 3, 3, s, s), generator=g, dtype=torch.uint8)
    return ref, ref.flip(-1), torch.rand((2, 3, 1, s, s), generator=g) * 10


def test_round_trip_gives_identical_outputs(tmp_path, small_model, small_config):
    path = tmp_path / "net.safetensors"
    save_weights(small_model, path, training={"epochs": 3, "sources": "MCL-JCI"}, ema=True)
    loaded = load_model(path, "cpu")
    assert loaded.config == small_config and not loaded.training
    with torch.inference_mode():
        assert torch.equal(small_model(*inputs(small_config)), loaded(*inputs(small_config)))
    header = read_header(path)
    assert header.ema is True and header.training == {"epochs": 3, "sources": "MCL-JCI"}
    assert not path.with_name("net.safetensors.part").exists()


def test_the_same_model_and_header_give_the_same_bytes(tmp_path, small_model):
    from vpjnd_cli.model.peak import PeakCalibration

    options = dict(training={"epochs": 3, "seed": 0, "corpus": "c"}, ema=True,
                   calibration=PeakCalibration(net_scale=0.7, bias=-13.9, peak_slope=-2.8))
    first, second = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    save_weights(small_model, first, **options)
    save_weights(small_model, second, **options)
    assert first.read_bytes() == second.read_bytes()


def test_files_are_plain_safetensors_for_other_readers(tmp_path, small_model):
    path = tmp_path / "net.safetensors"
    save_weights(small_model, path, training={"epochs": 3}, ema=True)
    with safe_open(str(path), framework="pt") as f:
        assert f.metadata()["format"] == "vpjndnet" and json.loads(f.metadata()["training"]) == {"epochs": 3}
        assert sorted(f.keys()) == sorted(small_model.state_dict())
        for name, tensor in small_model.state_dict().items():
            assert torch.equal(f.get_tensor(name), tensor.float())
    assert int.from_bytes(path.read_bytes()[:8], "little") % 8 == 0  # the header is padded as the format asks


def write_raw(path, model, metadata):
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path), metadata=metadata)


def test_foreign_config_is_refused(tmp_path, small_model, small_config):
    path = tmp_path / "foreign.safetensors"
    other = dict(small_config.to_dict(), channels=[16, 32, 32, 64])
    meta = {"format": "vpjndnet", "format_version": "1", "config": json.dumps(other)}
    write_raw(path, small_model, meta)
    with pytest.raises(InputError, match="foreign config") as caught:
        load_model(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("metadata", "cause"),
    [
        (None, "not a VP-JNDnet weights file"),
        ({"format": "vpjndnet", "format_version": "7", "config": "{}"}, "version"),
        ({"format": "vpjndnet", "format_version": "1", "config": '{"size": 1}'}, "bad network config"),
        ({"format": "vpjndnet", "format_version": "1"}, "bad network config"),
    ],
)
def test_bad_headers_are_refused(tmp_path, small_model, metadata, cause):
    path = tmp_path / "w.safetensors"
    write_raw(path, small_model, metadata)
    with pytest.raises(InputError, match=cause):
        load_model(path)


def test_non_safetensors_and_missing_files_are_refused(tmp_path):
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"PK\x03\x04 certainly not safetensors")
    with pytest.raises(InputError, match="not a readable safetensors file"):
        load_model(junk)
    with pytest.raises(InputError, match="not found"):
        load_model(tmp_path / "absent.safetensors")


def test_require_weights_without_any_is_exit_3(tmp_path, monkeypatch):
    monkeypatch.delenv(locate.ENV_VARS["paper"], raising=False)
    monkeypatch.setattr(locate, "shipped_weights_path", lambda criterion="paper": tmp_path / "none.safetensors")
    assert locate.default_weights_path() is None
    with pytest.raises(ToolMissingError, match="--judge pjnd or --weights PATH") as caught:
        require_weights(None)
    assert caught.value.exit_code == ExitCode.TOOL_MISSING == 3


def test_require_weights_prefers_explicit_then_env(tmp_path, monkeypatch):
    monkeypatch.setenv(locate.ENV_VARS["paper"], str(tmp_path / "env.safetensors"))
    assert require_weights(None) == tmp_path / "env.safetensors"
    assert require_weights(tmp_path / "mine.safetensors") == tmp_path / "mine.safetensors"


def test_the_shipped_weights_are_package_data():
    import vpjnd_cli

    assert locate.shipped_weights_path() == Path(vpjnd_cli.__file__).parent / "weights" / "vpjndnet.safetensors"
    assert locate.shipped_weights_path().is_file()


def test_the_peak_calibration_travels_in_the_header(tmp_path, small_model):
    from vpjnd_cli.model.peak import PeakCalibration

    path = tmp_path / "net.safetensors"
    save_weights(small_model, path)
    assert read_header(path).calibration is None  # older files: the network alone
    calibration = PeakCalibration(net_scale=0.7, bias=-13.9, peak_slope=-2.8)
    save_weights(small_model, path, calibration=calibration)
    assert read_header(path).calibration == calibration


def test_codec_heads_travel_in_the_header_beside_the_calibration(tmp_path, small_model, small_config):
    from vpjnd_cli.model.peak import PeakCalibration

    path = tmp_path / "net.safetensors"
    shared = PeakCalibration(net_scale=0.7, bias=-13.9, peak_slope=-2.8)
    heads = {"webp": PeakCalibration(net_scale=0.9, bias=-12.0, peak_slope=-2.5)}
    save_weights(small_model, path, calibration=shared, codec_calibrations=heads)
    assert read_header(path).calibration == shared and read_header(path).codec_calibrations == heads
    with pytest.raises(ValueError, match="need the file's calibration"):
        save_weights(small_model, path, codec_calibrations=heads)
    with pytest.raises(ValueError, match="must measure the luma at its downscale"):
        other_scale = PeakCalibration(net_scale=0.9, bias=-12.0, peak_slope=-2.5, downscale=1)
        save_weights(small_model, path, calibration=shared, codec_calibrations={"webp": other_scale})
    own_reduction = {"webp": PeakCalibration(net_scale=0.9, bias=-12.0, peak_slope=-2.5, sigma=5.0, norm=3.0)}
    save_weights(small_model, path, calibration=shared, codec_calibrations=own_reduction)  # the luma is shared
    assert read_header(path).codec_calibrations == own_reduction
    other_scale_json = json.dumps({"webp": {**heads["webp"].to_dict(), "downscale": 1}})
    for metadata in ({"codec_peak_calibrations": json.dumps({"webp": heads["webp"].to_dict()})},  # no shared one
                     {"peak_calibration": json.dumps(shared.to_dict()), "codec_peak_calibrations": other_scale_json}):
        write_raw(path, small_model, {**header_config(small_config), **metadata})
        with pytest.raises(InputError, match="codec calibrations need the file's calibration"):
            read_header(path)
    write_raw(path, small_model, {**header_config(small_config), "peak_calibration": json.dumps(shared.to_dict()),
                                  "codec_peak_calibrations": "[1, 2]"})
    with pytest.raises(InputError, match="bad peak calibration"):
        read_header(path)


@pytest.mark.parametrize("record", ['{"net_scale": 1}', '[1, 2, 3]', "not json",
                                    '{"net_scale": 1, "bias": 0, "peak_slope": 0, "sigma": -1}',
                                    '{"net_scale": 1, "bias": 0, "peak_slope": 0, "sigma": 1e9}',
                                    '{"net_scale": 1, "bias": NaN, "peak_slope": 0}',
                                    '{"net_scale": 1, "bias": 0, "peak_slope": 0, "downscale": 100000}'])
def test_a_bad_peak_calibration_is_refused(tmp_path, small_model, small_config, record):
    path = tmp_path / "w.safetensors"
    write_raw(path, small_model, {"format": "vpjndnet", "format_version": "1",
                                  "config": json.dumps(small_config.to_dict()), "peak_calibration": record})
    with pytest.raises(InputError, match="bad peak calibration") as caught:
        load_model(path)
    assert str(path) in str(caught.value)


def header_config(small_config, **changes) -> dict:
    return {"format": "vpjndnet", "format_version": "1", "config": json.dumps({**small_config.to_dict(), **changes})}


@pytest.mark.parametrize(
    ("changes", "cause"),
    [
        ({"hidden": 10**9}, "hidden must be 1 to 8192"),
        ({"patch_size": 2**20}, "patch_size must be 1 to 512"),
        ({"channels": [2048, 16, 16, 32]}, "channels must be 1 to 8 widths of 1 to 1024"),
        ({"channels": [1024, 16, 16, 32], "patch_size": 256}, "block 1 would hold 67,108,864 values per patch"),
        ({"channels": [8, 16, 32], "attention": ["channel", "channel", "nonlocal"], "patch_size": 512},
         "the non-local block 3 would relate 16,384 positions"),
        ({"dropout": float("nan")}, "dropout must be a finite number"),
        ({"difference_gain": float("inf")}, "difference_gain must be a finite number"),
        ({"in_channels": 1}, "in_channels must be 3"),
    ],
)
def test_a_config_beyond_its_limits_is_refused_before_anything_is_built(tmp_path, small_model, small_config,
                                                                         changes, cause):
    path = tmp_path / "w.safetensors"
    write_raw(path, small_model, header_config(small_config, **changes))
    with pytest.raises(InputError, match=f"bad network config in the weights header: {cause}") as caught:
        load_model(path)
    assert str(path) in str(caught.value)


def test_a_config_within_limits_builds_nothing_before_its_tensors_are_checked(tmp_path, small_model, small_config):
    """A header asking for 150 M parameters over the small model's tensors: refused as foreign without
    first allocating 600 MB."""
    import subprocess
    import sys

    path = tmp_path / "w.safetensors"
    write_raw(path, small_model, header_config(small_config, channels=[1024] * 4, patch_size=64, hidden=8192))
    probe = ("import sys; from pathlib import Path; from vpjnd_cli.model.weights import load_model\n"
             "try: load_model(Path(sys.argv[1]))\nexcept Exception as e: print(e)\n"  # then the peak RSS in MB:
             "print(next(int(l.split()[1]) // 1024 for l in open('/proc/self/status') if l.startswith('VmHWM')))")
    result = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=120)
    message, peak_mb = result.stdout.strip().rsplit("\n", 1)
    assert "foreign config" in message
    assert int(peak_mb) < 500


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_tensor_holding_nan_or_infinity_is_refused(tmp_path, small_model, small_config, value):
    tensors = {k: v.clone() for k, v in small_model.state_dict().items()}
    name = sorted(tensors)[3]
    tensors[name].view(-1)[0] = value
    path = tmp_path / "w.safetensors"
    save_file(tensors, str(path), metadata=header_config(small_config))
    with pytest.raises(InputError, match=f"tensor {name} holds NaN or infinite values") as caught:
        load_model(path)
    assert str(path) in str(caught.value)
