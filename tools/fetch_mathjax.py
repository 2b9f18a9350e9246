"""Put MathJax 3 into book/_static/mathjax/ so that
the built book renders math with no network.

The tarball comes from the npm registry (the package MathJax publishes) and is verified
by its SHA-256 before anything is unpacked. Run by `make book`; does nothing when
already in place.
"""

from __future__ import annotations

import hashlib
import io
import sys
import tarfile
import urllib.request

from tools.repository import BOOK, relative

VERSION = "3.2.2"
URL = f"https://registry.npmjs.org/mathjax/-/mathjax-{VERSION}.tgz"
SHA256 = "1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09"
TARGET = BOOK / "_static" / "mathjax"
STAMP = TARGET / ".version"


def main() -> int:
    if STAMP.is_file() and STAMP.read_text().strip() == VERSION:
        return 0
    print(f"fetching MathJax {VERSION} from the npm registry ...")
    with urllib.request.urlopen(URL, timeout=120) as response:
        data = response.read()
    actual = hashlib.sha256(data).hexdigest()
    if actual != SHA256:
        print(
            f"error: {URL}: SHA-256 {actual}, expected {SHA256}; not unpacked",
            file=sys.stderr,
        )
        return 1
    TARGET.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith("package/es5/"):
                continue
            out = TARGET / member.name.removeprefix("package/es5/")
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(tar.extractfile(member).read())
    STAMP.write_text(VERSION + "\n")
    print(f"MathJax {VERSION} is in {relative(TARGET)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
