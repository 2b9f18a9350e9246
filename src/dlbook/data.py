"""Verified datasets for the course.

Every file is identified by its SHA-256 hash (the values of ``shared/data/SHA256SUMS``).

* Online (the default), files are downloaded once with :mod:`pooch` from the publishers'
  canonical URLs (a mirror is tried when the first address fails) into a cache folder
  (``DLBOOK_CACHE``, or the operating system's cache folder) and verified.
* Offline, set ``DLBOOK_DATA`` to a folder laid out like ``shared/data/`` (``mnist/``,
  ``fashion-mnist/``, ``tinyshakespeare/``, ``timeseries/``); files are read from there
  and verified the same way.

A file whose hash does not match is refused (:class:`DataIntegrityError` names the file,
the expected and the actual hash); a missing offline file raises
:class:`DataNotFoundError` with one line naming the folder and ``DLBOOK_DATA``; a
malformed IDX file raises :class:`IDXFormatError` and is never half-read.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import math
import os
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "DATASETS",
    "DataIntegrityError",
    "DataNotFoundError",
    "IDXFormatError",
    "PAD",
    "UNKNOWN",
    "Speakers",
    "encode_words",
    "fetch",
    "load_airline_passengers",
    "load_fashion_mnist",
    "load_mnist",
    "load_speakers",
    "load_tinyshakespeare",
    "parse_idx",
    "read_idx",
    "sha256_of",
    "speeches_of",
    "split_of",
    "tokenize",
    "word_vocabulary",
]

ENV_DATA = "DLBOOK_DATA"
ENV_CACHE = "DLBOOK_CACHE"


class DataNotFoundError(FileNotFoundError):
    """A data file is not where the offline folder says it should be."""


class DataIntegrityError(ValueError):
    """A data file's SHA-256 hash is not the published one."""


class IDXFormatError(ValueError):
    """A file is not a well-formed IDX array."""


@dataclass(frozen=True)
class Dataset:
    """A dataset: where it comes from, under which licence,
    and the hash of every file."""

    name: str
    folder: str
    urls: tuple[str, ...]  # base URLs, tried in order; a file's URL is base + file name
    files: dict[str, str]  # file name -> SHA-256
    publisher: str
    licence: str
    homepage: str


def _idx_files(
    train_images: str, train_labels: str, test_images: str, test_labels: str
) -> dict[str, str]:
    """The four files of an MNIST-like dataset (as :func:`_load_idx_pair` reads them),
    each with its SHA-256."""
    return {
        "train-images-idx3-ubyte.gz": train_images,
        "train-labels-idx1-ubyte.gz": train_labels,
        "t10k-images-idx3-ubyte.gz": test_images,
        "t10k-labels-idx1-ubyte.gz": test_labels,
    }


DATASETS: dict[str, Dataset] = {
    "mnist": Dataset(
        name="MNIST",
        folder="mnist",
        urls=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ),
        files=_idx_files(
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        ),
        publisher="Yann LeCun, Corinna Cortes and Christopher J.C. Burges",
        licence="CC BY-SA 3.0",
        homepage="http://yann.lecun.com/exdb/mnist/",
    ),
    "fashion-mnist": Dataset(
        name="Fashion-MNIST",
        folder="fashion-mnist",
        urls=(
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        ),
        files=_idx_files(
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        ),
        publisher="Zalando Research (Han Xiao, Kashif Rasul, Roland Vollgraf)",
        licence="MIT (Copyright (c) 2017 Zalando SE)",
        homepage="https://github.com/zalandoresearch/fashion-mnist",
    ),
    "tinyshakespeare": Dataset(
        name="Tiny Shakespeare",
        folder="tinyshakespeare",
        urls=(
            "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/",
        ),
        files={
            "input.txt": (
                "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
            ),
        },
        publisher="Andrej Karpathy, char-rnn (2015); text by William Shakespeare",
        licence=(
            "public domain text (distributed in the MIT-licensed char-rnn repository)"
        ),
        homepage="https://github.com/karpathy/char-rnn",
    ),
    "timeseries": Dataset(
        name="International airline passengers, monthly 1949-1960",
        folder="timeseries",
        urls=("https://raw.githubusercontent.com/jbrownlee/Datasets/master/",),
        files={
            "airline-passengers.csv": (
                "8cb51be753a718d9be5d76d7e238cc224792754676adc21faa59e954b0201621"
            ),
        },
        publisher=(
            "G.E.P. Box and G.M. Jenkins, "
            "Time Series Analysis: Forecasting and Control, Series G"
        ),
        licence=(
            "factual series from a published book, "
            "redistributed for teaching (no licence given)"
        ),
        homepage="https://github.com/jbrownlee/Datasets",
    ),
}

_SPLIT_PREFIX = {"train": "train", "test": "t10k"}


def sha256_of(path: str | os.PathLike) -> str:
    """Return the hex SHA-256 digest of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify(path: Path, expected: str) -> Path:
    actual = sha256_of(path)
    if actual != expected:
        raise DataIntegrityError(
            f"{path}: SHA-256 mismatch, the file is corrupted or not the published one "
            f"(expected {expected}, got {actual}). Delete it and fetch it again."
        )
    return path


def _cache_dir() -> Path:
    env = os.environ.get(ENV_CACHE)
    if env:
        return Path(env).expanduser()
    import pooch

    return Path(pooch.os_cache("dlbook"))


def _download(dataset: Dataset, filename: str, expected: str) -> Path:
    import pooch

    folder = _cache_dir() / dataset.folder
    errors, corrupted = [], False
    for base in dataset.urls:
        try:
            fetched = pooch.retrieve(
                base + filename,
                known_hash=f"sha256:{expected}",
                fname=filename,
                path=folder,
                progressbar=False,
            )
        except ValueError as e:  # pooch's hash mismatch: the download is discarded
            corrupted = True
            errors.append(f"{base + filename}: {e}")
        except Exception as e:  # network errors: try the next address
            errors.append(f"{base + filename}: {type(e).__name__}: {e}")
        else:
            return _verify(Path(fetched), expected)
    if corrupted:
        raise DataIntegrityError(
            f"{dataset.folder}/{filename}: every download failed its SHA-256 check "
            f"(expected {expected}): {'; '.join(errors)}"
        )
    raise DataNotFoundError(
        f"could not download {dataset.folder}/{filename} ({'; '.join(errors)}). "
        f"Offline? Set {ENV_DATA} to a folder laid out like shared/data/."
    )


def fetch(dataset: str, filename: str) -> Path:
    """Return the local path of a verified data file, downloading it if needed.

    ``dataset`` is a key of :data:`DATASETS` (``"mnist"``, ``"fashion-mnist"``,
    ``"tinyshakespeare"``, ``"timeseries"``) and ``filename`` one of its files.
    """
    if dataset not in DATASETS:
        raise KeyError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")
    info = DATASETS[dataset]
    if filename not in info.files:
        raise KeyError(
            f"{dataset} has no file {filename!r}; its files: {', '.join(info.files)}"
        )
    expected = info.files[filename]
    offline = os.environ.get(ENV_DATA)
    if offline:
        root = Path(offline).expanduser()
        path = root / info.folder / filename
        if not path.is_file():
            where = (
                "does not exist"
                if not root.is_dir()
                else f"has no {info.folder}/{filename}"
            )
            raise DataNotFoundError(
                f"{ENV_DATA}={offline}: the folder {where}; "
                f"it must be laid out like shared/data/ (expected {path})."
            )
        return _verify(path, expected)
    return _download(info, filename, expected)


# --- IDX ------------------------------------------------------------------------------

_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def parse_idx(raw: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse the bytes of an (uncompressed) IDX file into a NumPy array.

    The format (LeCun et al.): two zero bytes, a type code, the number of dimensions
    ``d``, then ``d`` big-endian 32-bit sizes, then the data in C order. Anything else
    is refused.
    """
    if len(raw) < 4:
        raise IDXFormatError(f"{name}: {len(raw)} bytes is too short for an IDX header")
    zero0, zero1, code, ndim = raw[:4]
    if zero0 != 0 or zero1 != 0 or code not in _IDX_DTYPES:
        raise IDXFormatError(
            f"{name}: bad IDX magic number 0x{raw[:4].hex()} "
            f"(expected 0x0000 then a type code in {[hex(c) for c in _IDX_DTYPES]})"
        )
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise IDXFormatError(
            f"{name}: IDX header says {ndim} dimensions but the file ends early"
        )
    shape = tuple(
        int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)
    )
    dtype = _IDX_DTYPES[code]
    # Python ints: no overflow on forged sizes
    expected = math.prod(shape) * dtype.itemsize
    if len(raw) - header != expected:
        raise IDXFormatError(
            f"{name}: IDX header promises shape {shape} ({expected} data bytes) "
            f"but the file holds {len(raw) - header} data bytes"
        )
    array = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file, gzip-compressed if its name ends in ``.gz``."""
    path = Path(path)
    try:
        raw = (
            gzip.decompress(path.read_bytes())
            if path.suffix == ".gz"
            else path.read_bytes()
        )
    except (OSError, EOFError, zlib.error) as e:  # zlib.error: corrupted deflate data
        raise IDXFormatError(f"{path}: not a readable gzip file ({e})") from e
    return parse_idx(raw, name=str(path))


def _load_idx_pair(dataset: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    if split not in _SPLIT_PREFIX:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    prefix = _SPLIT_PREFIX[split]
    images = read_idx(fetch(dataset, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(fetch(dataset, f"{prefix}-labels-idx1-ubyte.gz"))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise IDXFormatError(
            f"{dataset} {split}: images {images.shape} and labels {labels.shape} "
            "do not pair up"
        )
    return images, labels.astype(np.int64)


def load_mnist(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """MNIST digits: ``(images uint8 (N, 28, 28), labels int64 (N,))``;
    N = 60,000 or 10,000."""
    return _load_idx_pair("mnist", split)


def load_fashion_mnist(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST articles: ``(images uint8 (N, 28, 28), labels int64 (N,))``."""
    return _load_idx_pair("fashion-mnist", split)


FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


def load_tinyshakespeare() -> str:
    """The Tiny Shakespeare corpus (1,115,394 characters) as one string."""
    return fetch("tinyshakespeare", "input.txt").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Speakers:
    """Speaker attribution on Tiny Shakespeare (chapters 4 and 5).

    ``speakers`` are the most frequent speakers, most frequent first; ``splits`` maps
    ``"train"``, ``"val"`` and ``"test"`` to lists of ``(speaker index, speech)``;
    ``n_speeches`` counts every speech of the corpus, all speakers.
    """

    speakers: tuple[str, ...]
    splits: dict[str, list[tuple[int, str]]]
    n_speeches: int


def speeches_of(text: str) -> list[tuple[str, str]]:
    """``(speaker, words)`` for each block of ``text`` that starts with ``NAME:``."""
    speeches = []
    for block in text.strip().split("\n\n"):
        lines = block.split("\n")
        if len(lines) > 1 and lines[0].endswith(":"):
            speeches.append((lines[0][:-1], " ".join(lines[1:])))
    return speeches


def split_of(index: int, section: int = 40, gap: int = 3) -> str | None:
    """The split of the ``index``-th speech: the play is cut into sections of
    ``section`` speeches; of every five sections in a row, the fourth is for
    validation, the fifth for test and the first three for training. The ``gap``
    speeches at each end of a section belong to none, so that no dialogue runs
    across two splits."""
    number, position = divmod(index, section)
    if position < gap or position >= section - gap:
        return None  # the buffer between sections
    return {3: "val", 4: "test"}.get(number % 5, "train")


def load_speakers(n_speakers: int = 5, text: str | None = None) -> Speakers:
    """The speeches of the ``n_speakers`` most frequent speakers of Tiny Shakespeare,
    split by position in the play (:func:`split_of`), with the speaker as the label."""
    speeches = speeches_of(load_tinyshakespeare() if text is None else text)
    counts = Counter(name for name, _ in speeches)
    speakers = tuple(name for name, _ in counts.most_common(n_speakers))
    splits: dict[str, list[tuple[int, str]]] = {"train": [], "val": [], "test": []}
    for index, (name, words) in enumerate(speeches):
        part = split_of(index)
        if name in speakers and part is not None:
            splits[part].append((speakers.index(name), words))
    return Speakers(speakers, splits, len(speeches))


PAD, UNKNOWN = 0, 1  # the word ids of padding and of words not in the vocabulary


def tokenize(words: str) -> list[str]:
    """Lower-case words (letters and apostrophes)."""
    return re.findall(r"[a-z']+", words.lower())


def word_vocabulary(rows: list[tuple[int, str]], min_count: int = 2) -> dict[str, int]:
    """Ids from 2 up for the words seen ``min_count`` times or more in ``rows``
    (training rows only: a word seen less often becomes ``UNKNOWN``)."""
    counts = Counter(word for _, words in rows for word in tokenize(words))
    kept = sorted(word for word, count in counts.items() if count >= min_count)
    return {word: i + 2 for i, word in enumerate(kept)}


def encode_words(
    rows: list[tuple[int, str]], vocabulary: dict[str, int], max_words: int = 80
) -> tuple[np.ndarray, np.ndarray]:
    """``(ids, labels)``: ``ids`` of shape ``(len(rows), max_words)``, each speech's
    first ``max_words`` word ids then ``PAD``; ``labels`` the speaker indices."""
    ids = np.full((len(rows), max_words), PAD, dtype=np.int64)
    for n, (_, words) in enumerate(rows):
        tokens = [vocabulary.get(word, UNKNOWN) for word in tokenize(words)][:max_words]
        ids[n, : len(tokens)] = tokens
    return ids, np.array([label for label, _ in rows], dtype=np.int64)


def load_airline_passengers() -> tuple[np.ndarray, np.ndarray]:
    """Monthly international airline passengers, 1949-01 to 1960-12.

    Returns ``(months, passengers)``: 144 ``datetime64[M]`` values and 144 counts
    (thousands of passengers, int64).
    """
    text = fetch("timeseries", "airline-passengers.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    if rows[0] != ["Month", "Passengers"]:
        raise ValueError(f"airline-passengers.csv: unexpected header {rows[0]}")
    months = np.array([row[0] for row in rows[1:]], dtype="datetime64[M]")
    passengers = np.array([int(row[1]) for row in rows[1:]], dtype=np.int64)
    return months, passengers
