import hashlib

import pytest

from qa.errors import ModelFileError
from qa.model_file import ModelFile, ModelSpec


@pytest.fixture
def parts(tmp_path):
    paths = []
    for i, data in enumerate([b"abc" * 1000, b"def" * 1000, b"ghi"]):
        p = tmp_path / f"part{i}.bin"
        p.write_bytes(data)
        paths.append(p)
    return paths


def spec_for(parts, **changes):
    data = b"".join(p.read_bytes() for p in parts)
    values = dict(
        filename="m.gguf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        parts=lambda: parts,
    )
    values.update(changes)
    return ModelSpec(**values)


def test_builds_and_verifies(tmp_path, parts):
    mf = ModelFile(spec_for(parts), tmp_path / "cache")
    path = mf.ensure()
    assert path.read_bytes() == b"".join(p.read_bytes() for p in parts)
    assert not list(path.parent.glob("*.tmp"))


def test_second_use_does_not_rebuild(tmp_path, parts):
    mf = ModelFile(spec_for(parts), tmp_path)
    mtime = mf.ensure().stat().st_mtime_ns
    assert mf.ensure().stat().st_mtime_ns == mtime


def test_partial_file_is_rebuilt(tmp_path, parts):
    mf = ModelFile(spec_for(parts), tmp_path)
    path = mf.ensure()
    path.write_bytes(path.read_bytes()[:100])
    assert mf.ensure().stat().st_size == mf.spec.size


def test_corrupt_file_of_the_right_size_is_rebuilt(tmp_path, parts):
    mf = ModelFile(spec_for(parts), tmp_path)
    path = mf.ensure()
    data = bytearray(path.read_bytes())
    data[10] ^= 0xFF
    path.write_bytes(bytes(data))
    assert hashlib.sha256(mf.ensure().read_bytes()).hexdigest() == mf.spec.sha256


def test_wrong_parts_fail_and_leave_nothing(tmp_path, parts):
    mf = ModelFile(spec_for(parts, sha256="0" * 64), tmp_path / "cache")
    with pytest.raises(ModelFileError, match="expected"):
        mf.ensure()
    assert not (tmp_path / "cache" / "m.gguf").exists()
    assert not list((tmp_path / "cache").glob("*"))


def test_missing_part_is_named(tmp_path, parts):
    spec = ModelSpec("m.gguf", 3, "0" * 64, parts=lambda: [tmp_path / "nope.bin"])
    with pytest.raises(ModelFileError, match="nope.bin"):
        ModelFile(spec, tmp_path).ensure()
