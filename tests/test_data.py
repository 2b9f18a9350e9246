"""dlbook.data: the verified datasets, the IDX parser and the download path
(faked, no network)."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pooch
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlbook.data import (
    DATASETS,
    PAD,
    UNKNOWN,
    DataIntegrityError,
    DataNotFoundError,
    IDXFormatError,
    encode_words,
    fetch,
    load_airline_passengers,
    load_fashion_mnist,
    load_mnist,
    load_speakers,
    load_tinyshakespeare,
    parse_idx,
    read_idx,
    sha256_of,
    speeches_of,
    split_of,
    tokenize,
    word_vocabulary,
)

from helpers import property_checks

# Label counts per class, from shared/data/README.md.
MNIST_COUNTS = {
    "train": [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    "test": [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
}
FASHION_COUNTS = {"train": [6000] * 10, "test": [1000] * 10}
SIZES = {"train": 60000, "test": 10000}
# Mean pixel intensity / 255 of each training set (the usual normalisation constants).
TRAIN_PIXEL_MEAN = {"mnist": 0.1307, "fashion-mnist": 0.2860}

# The published SHA-256 of the files the download tests fake
# (also in shared/data/SHA256SUMS).
SHA_T10K_LABELS = "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
SHA_AIRLINE = "8cb51be753a718d9be5d76d7e238cc224792754676adc21faa59e954b0201621"
MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
MNIST_MIRROR = "https://storage.googleapis.com/cvdf-datasets/mnist/"
AIRLINE_URL = (
    "https://raw.githubusercontent.com/jbrownlee/Datasets/master/airline-passengers.csv"
)


# --- the real datasets (offline mirror) -----------------------------------------------


@pytest.mark.parametrize("split", ["train", "test"])
@pytest.mark.parametrize(
    ("loader", "key", "counts"),
    [
        (load_mnist, "mnist", MNIST_COUNTS),
        (load_fashion_mnist, "fashion-mnist", FASHION_COUNTS),
    ],
    ids=["mnist", "fashion-mnist"],
)
def test_idx_datasets(offline_data, loader, key, counts, split):
    images, labels = loader(split)
    n = SIZES[split]
    assert images.dtype == np.uint8 and labels.dtype == np.int64
    assert images.shape == (n, 28, 28) and labels.shape == (n,)
    assert np.bincount(labels, minlength=10).tolist() == counts[split]
    assert labels.min() == 0 and labels.max() == 9
    assert images.min() == 0 and images.max() == 255
    if split == "train":
        assert images.mean() / 255 == pytest.approx(TRAIN_PIXEL_MEAN[key], abs=5e-4)


def test_tinyshakespeare(offline_data):
    text = load_tinyshakespeare()
    assert isinstance(text, str)
    assert len(text) == 1_115_394
    assert len(set(text)) == 65
    assert text.startswith("First Citizen:")


def test_airline_passengers(offline_data):
    months, passengers = load_airline_passengers()
    assert months.dtype == np.dtype("datetime64[M]") and passengers.dtype == np.int64
    assert months.shape == passengers.shape == (144,)
    assert months[0] == np.datetime64("1949-01") and months[-1] == np.datetime64(
        "1960-12"
    )
    assert (
        np.diff(months) == np.timedelta64(1, "M")
    ).all()  # every month once, in order
    assert (
        passengers.sum() == 40363
        and passengers.min() == 104
        and passengers.max() == 622
    )
    # R's AirPassengers starts 112 118 132
    assert passengers[:3].tolist() == [
        112,
        118,
        132,
    ]


def test_hashes_match_the_mirror_sha256sums(shared_data_dir):
    published = {}
    for line in (shared_data_dir / "SHA256SUMS").read_text().splitlines():
        digest, rel = line.split()
        published[rel] = digest
    ours = {
        f"{d.folder}/{name}": digest
        for d in DATASETS.values()
        for name, digest in d.files.items()
    }
    assert ours == {
        rel: digest for rel, digest in published.items() if not rel.endswith("LICENSE")
    }


def test_fetch_returns_the_verified_mirror_file(offline_data):
    path = fetch("timeseries", "airline-passengers.csv")
    assert path == offline_data / "timeseries" / "airline-passengers.csv"
    assert sha256_of(path) == SHA_AIRLINE


def test_sha256_of_reads_in_blocks(tmp_path):
    blob = (
        np.random.default_rng(0)
        .integers(0, 256, size=(5 << 20) // 2, dtype=np.uint8)
        .tobytes()
    )
    path = tmp_path / "blob.bin"
    path.write_bytes(blob)  # 2.5 MiB: more than two 1 MiB blocks
    assert sha256_of(path) == hashlib.sha256(blob).hexdigest()


# --- errors: corruption, missing files, unknown names ---------------------------------


@pytest.mark.parametrize(
    ("rel", "load"),
    [
        ("timeseries/airline-passengers.csv", load_airline_passengers),
        ("tinyshakespeare/input.txt", load_tinyshakespeare),
        (
            "mnist/t10k-labels-idx1-ubyte.gz",
            lambda: read_idx(fetch("mnist", "t10k-labels-idx1-ubyte.gz")),
        ),
    ],
    ids=["csv", "txt", "gz"],
)
def test_corrupted_file_is_refused(fake_data_dir, rel, load):
    path = fake_data_dir / rel
    expected = sha256_of(path)
    load()  # the intact copy loads
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01  # flip one bit in the middle
    path.write_bytes(bytes(raw))
    actual = hashlib.sha256(raw).hexdigest()
    with pytest.raises(DataIntegrityError) as info:
        load()
    message = str(info.value)
    assert Path(rel).name in message
    assert expected in message and actual in message


def test_missing_folder(tmp_path, monkeypatch):
    folder = tmp_path / "no-such-folder"
    monkeypatch.setenv("DLBOOK_DATA", str(folder))
    with pytest.raises(DataNotFoundError) as info:
        load_tinyshakespeare()
    message = str(info.value)
    assert "\n" not in message
    assert (
        str(folder) in message
        and "DLBOOK_DATA" in message
        and "does not exist" in message
    )
    assert isinstance(info.value, FileNotFoundError)


def test_folder_missing_a_file(fake_data_dir):
    with pytest.raises(DataNotFoundError) as info:
        load_mnist("test")  # the fake folder has the test labels but not the images
    message = str(info.value)
    assert "\n" not in message
    assert str(fake_data_dir) in message and "DLBOOK_DATA" in message
    assert "mnist/t10k-images-idx3-ubyte.gz" in message


@pytest.mark.parametrize(
    ("dataset", "filename"),
    [
        ("cifar10", "data_batch_1"),
        ("mnist", "train-images.gz"),
        ("timeseries", "input.txt"),
    ],
)
def test_unknown_names_raise_key_error(dataset, filename):
    with pytest.raises(KeyError, match=filename if dataset in DATASETS else dataset):
        fetch(dataset, filename)


def test_unknown_split():
    with pytest.raises(ValueError, match="split"):
        load_mnist("validation")


# --- IDX parsing ----------------------------------------------------------------------

IDX_CODES = {
    "uint8": 0x08,
    "int8": 0x09,
    "int16": 0x0B,
    "int32": 0x0C,
    "float32": 0x0D,
    "float64": 0x0E,
}


def encode_idx(array: np.ndarray, code: int | None = None) -> bytes:
    """The IDX bytes of ``array``, written independently of dlbook.data."""
    code = IDX_CODES[array.dtype.name] if code is None else code
    header = bytes([0, 0, code, array.ndim]) + b"".join(
        s.to_bytes(4, "big") for s in array.shape
    )
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


idx_arrays = st.sampled_from(list(IDX_CODES)).flatmap(
    lambda name: hnp.arrays(
        np.dtype(name), hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5)
    )
)


@property_checks(25)
@given(array=idx_arrays)
def test_parse_idx_round_trip(array):
    parsed = parse_idx(encode_idx(array))
    assert parsed.dtype == array.dtype and parsed.dtype.isnative
    assert parsed.shape == array.shape
    assert parsed.tobytes() == array.tobytes()  # bit for bit (NaNs, -0.0 included)
    assert parsed.flags.writeable  # a copy, not a read-only view of the buffer


def test_parse_idx_big_endian_int32():
    raw = (
        bytes([0, 0, 0x0C, 1, 0, 0, 0, 2])
        + bytes([0, 0, 1, 2])
        + bytes([0xFF, 0xFF, 0xFF, 0xFE])
    )
    assert parse_idx(raw).tolist() == [258, -2]


@property_checks(25)
@given(array=idx_arrays, data=st.data())
def test_parse_idx_refuses_any_truncation_or_extra_bytes(array, data):
    raw = encode_idx(array)
    cut = data.draw(st.integers(0, len(raw) - 1), label="cut")
    with pytest.raises(IDXFormatError):
        parse_idx(raw[:cut])
    extra = data.draw(st.binary(min_size=1, max_size=9), label="extra")
    with pytest.raises(IDXFormatError):
        parse_idx(raw + extra)


GOOD = encode_idx(np.arange(6, dtype=np.uint8).reshape(2, 3))


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        (b"\x01" + GOOD[1:], "magic"),  # first byte not zero
        (GOOD[:2] + b"\x0a" + GOOD[3:], "magic"),  # unknown type code
        (GOOD[:-1], "data bytes"),  # truncated data
        (GOOD + b"\x00", "data bytes"),  # trailing extra byte
        (
            GOOD[:3] + b"\x03" + GOOD[4:12],
            "ends early",
        ),  # 3 dimensions announced, header has room for 2
        (GOOD[:8], "ends early"),  # header cut after the first size
        (GOOD[:3] + b"\x00", "ends early"),  # zero dimensions
        (b"\x00\x00", "too short"),
        (
            bytes([0, 0, 8, 4]) + (1 << 16).to_bytes(4, "big") * 4,
            "data bytes",
        ),  # 2**64 entries, no data
    ],
    ids=[
        "magic",
        "type-code",
        "truncated",
        "trailing",
        "short-header",
        "cut-header",
        "0-dim",
        "tiny",
        "overflow",
    ],
)
def test_parse_idx_refuses_malformed(raw, match):
    with pytest.raises(IDXFormatError, match=match):
        parse_idx(raw, name="bad.idx")


def test_read_idx_plain_and_gzip(tmp_path):
    array = np.arange(24, dtype=np.int32).reshape(2, 3, 4) - 12
    (tmp_path / "a.idx").write_bytes(encode_idx(array))
    (tmp_path / "a.idx.gz").write_bytes(gzip.compress(encode_idx(array)))
    np.testing.assert_array_equal(read_idx(tmp_path / "a.idx"), array)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.idx.gz"), array)


@pytest.mark.parametrize(
    "damage", ["truncate-end", "truncate-half", "bad-block-type", "bad-crc", "not-gzip"]
)
def test_read_idx_refuses_broken_gzip(tmp_path, damage):
    raw = encode_idx(
        np.random.default_rng(1).integers(0, 256, size=(50, 28, 28), dtype=np.uint8)
    )
    packed = bytearray(gzip.compress(raw))
    if damage == "truncate-end":
        packed = packed[:-10]
    elif damage == "truncate-half":
        packed = packed[: len(packed) // 2]
    elif damage == "bad-block-type":
        packed[10] |= (
            0b110  # first deflate block: BTYPE 11 is reserved (zlib.error, not OSError)
        )
    elif damage == "bad-crc":
        packed[-8] ^= 0xFF  # the CRC-32 in the trailer
    else:
        packed = bytearray(raw)  # an uncompressed file named .gz
    path = tmp_path / "images-idx3-ubyte.gz"
    path.write_bytes(bytes(packed))
    with pytest.raises(IDXFormatError, match="images-idx3-ubyte.gz"):
        read_idx(path)


def test_read_idx_of_the_real_labels(fake_data_dir):
    labels = read_idx(fake_data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz")
    assert labels.dtype == np.uint8 and labels.shape == (10000,)
    assert np.bincount(labels).tolist() == MNIST_COUNTS["test"]


# --- the download path (pooch faked: no network) --------------------------------------


class FakeRetrieve:
    """Stands in for ``pooch.retrieve``:
    replays one outcome per call and records the calls.

    An outcome is an exception to raise, or the path of a file to "download" (copied to
    the cache).
    """

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.calls: list[dict] = []

    def __call__(self, url, known_hash=None, fname=None, path=None, **kwargs):
        self.calls.append(
            {"url": url, "known_hash": known_hash, "fname": fname, "path": Path(path)}
        )
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        target = Path(path) / fname
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(outcome, target)
        return str(target)


@pytest.fixture
def online(tmp_path, monkeypatch):
    """DLBOOK_DATA unset, DLBOOK_CACHE in tmp_path:
    the loaders take the download path."""
    monkeypatch.delenv("DLBOOK_DATA", raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("DLBOOK_CACHE", str(cache))
    return cache


def fake(monkeypatch, *outcomes) -> FakeRetrieve:
    retrieve = FakeRetrieve(*outcomes)
    monkeypatch.setattr(pooch, "retrieve", retrieve)
    return retrieve


def test_download_uses_canonical_url_and_hash(online, shared_data_dir, monkeypatch):
    retrieve = fake(
        monkeypatch, shared_data_dir / "timeseries" / "airline-passengers.csv"
    )
    months, passengers = load_airline_passengers()
    assert passengers.sum() == 40363
    [call] = retrieve.calls
    assert call["url"] == AIRLINE_URL
    assert call["known_hash"] == f"sha256:{SHA_AIRLINE}"
    assert call["fname"] == "airline-passengers.csv"
    assert call["path"] == online / "timeseries"


def test_download_falls_back_to_the_mirror(online, shared_data_dir, monkeypatch):
    source = shared_data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz"
    retrieve = fake(monkeypatch, OSError("connection refused"), source)
    path = fetch("mnist", "t10k-labels-idx1-ubyte.gz")
    assert [c["url"] for c in retrieve.calls] == [
        MNIST_URL + "t10k-labels-idx1-ubyte.gz",
        MNIST_MIRROR + "t10k-labels-idx1-ubyte.gz",
    ]
    assert all(c["known_hash"] == f"sha256:{SHA_T10K_LABELS}" for c in retrieve.calls)
    assert path == online / "mnist" / "t10k-labels-idx1-ubyte.gz"
    assert sha256_of(path) == SHA_T10K_LABELS


def test_download_hash_mismatch_everywhere(online, monkeypatch):
    mismatch = ValueError(
        "SHA256 hash of downloaded file does not match the known hash"
    )
    retrieve = fake(monkeypatch, mismatch, mismatch)
    with pytest.raises(DataIntegrityError) as info:
        fetch("mnist", "t10k-labels-idx1-ubyte.gz")
    assert len(retrieve.calls) == 2
    message = str(info.value)
    assert "t10k-labels-idx1-ubyte.gz" in message and SHA_T10K_LABELS in message


def test_download_network_errors_everywhere(online, monkeypatch):
    retrieve = fake(
        monkeypatch, OSError("Name or service not known"), TimeoutError("timed out")
    )
    with pytest.raises(DataNotFoundError) as info:
        fetch("mnist", "t10k-labels-idx1-ubyte.gz")
    assert len(retrieve.calls) == 2
    message = str(info.value)
    assert "DLBOOK_DATA" in message
    assert MNIST_URL in message and MNIST_MIRROR in message and "timed out" in message


def test_downloaded_file_is_verified_again(online, tmp_path, monkeypatch):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text('"Month","Passengers"\n"1949-01",1\n')
    fake(monkeypatch, wrong)
    with pytest.raises(
        DataIntegrityError, match=hashlib.sha256(wrong.read_bytes()).hexdigest()
    ):
        load_airline_passengers()


def test_cache_defaults_to_the_os_cache(monkeypatch):
    monkeypatch.delenv("DLBOOK_DATA", raising=False)
    monkeypatch.delenv("DLBOOK_CACHE", raising=False)
    retrieve = fake(monkeypatch, OSError("offline"))
    with pytest.raises(DataNotFoundError):
        fetch("timeseries", "airline-passengers.csv")
    assert retrieve.calls[0]["path"] == Path(pooch.os_cache("dlbook")) / "timeseries"


def test_no_test_downloads_by_accident(online):
    # The autouse guard in conftest.py turns an unfaked download into an error.
    with pytest.raises(DataNotFoundError, match="a test tried to download"):
        fetch("tinyshakespeare", "input.txt")


# ---- speaker attribution (chapters 4 and 5) ----

PLAY = "\n\n".join(
    f"{name}:\nline one of speech {i}\nline two"
    for i, name in enumerate("ABACABDA" * 30)
)


def test_speeches_of_reads_name_blocks_only():
    text = "ALICE:\nHello there\nfriend\n\nStage directions without a name\n\nBOB:\nBye"
    assert speeches_of(text) == [("ALICE", "Hello there friend"), ("BOB", "Bye")]


def test_split_of_cuts_sections_with_gaps():
    parts = [split_of(i) for i in range(200)]
    assert parts[:3] == [None] * 3 and parts[37:43] == [None] * 6
    assert parts[3:37] == ["train"] * 34
    assert set(parts[123:157]) == {"val"} and set(parts[163:197]) == {"test"}


def test_load_speakers_on_a_small_play():
    data = load_speakers(n_speakers=2, text=PLAY)
    assert data.speakers == ("A", "B") and data.n_speeches == 240
    rows = [row for part in data.splits.values() for row in part]
    assert {label for label, _ in rows} == {0, 1}
    # every kept speech is a speech of A or B at an index split_of assigns
    kept = [i for i, name in enumerate("ABACABDA" * 30) if name in "AB" and split_of(i)]
    assert len(rows) == len(kept)


def test_vocabulary_and_encoding():
    rows = [(0, "The cat, the CAT's hat"), (1, "a dog")]
    vocabulary = word_vocabulary(rows, min_count=2)
    assert vocabulary == {"the": 2}
    ids, labels = encode_words(rows + [(1, "the " * 5)], vocabulary, max_words=3)
    assert ids.dtype == np.int64 and ids.shape == (3, 3)
    assert ids.tolist() == [[2, UNKNOWN, 2], [UNKNOWN, UNKNOWN, PAD], [2, 2, 2]]
    assert labels.tolist() == [0, 1, 1]
    assert tokenize("Don't STOP, Romeo!") == ["don't", "stop", "romeo"]


def test_speakers_of_tiny_shakespeare(offline_data):
    # the counts chapters 4 and 5 print
    data = load_speakers()
    assert data.n_speeches == 7095
    assert data.speakers == (
        "GLOUCESTER",
        "DUKE VINCENTIO",
        "MENENIUS",
        "ROMEO",
        "PETRUCHIO",
    )
    sizes = {part: len(rows) for part, rows in data.splits.items()}
    assert sizes == {"train": 423, "val": 135, "test": 176}
    assert len(word_vocabulary(data.splits["train"])) + 2 == 1082
