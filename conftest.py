"""Doc tests: every ```python block of README.md and docs/*.md runs as part of ``python -m pytest``.

Sybil collects each page (new pages too: the patterns are globs); the blocks of one page run in order in one
namespace, so a later block can use what an earlier one defined. A block that cannot run here (a GPU, the
network, a model) is preceded by a skip directive with its reason; docs/contributing.md says how.
"""

from __future__ import annotations

try:
    from sybil import Sybil
    from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser
except ImportError:  # the dev extra brings sybil; without it the doc pages are reported as skipped
    import pytest

    class _NoSybil(pytest.Item):
        def runtest(self) -> None:
            pytest.skip("doc tests need sybil: pip install -e '.[dev]'")

    class _DocFile(pytest.File):
        def collect(self):
            yield _NoSybil.from_parent(self, name="python blocks")

    def pytest_collect_file(file_path, parent):
        if file_path.suffix == ".md" and (file_path.name == "README.md" or file_path.parent.name == "docs"):
            return _DocFile.from_parent(parent, path=file_path)
        return None

else:
    from sybil.integration import pytest as _sybil_pytest

    _sybil_filter = _sybil_pytest.SybilItem._traceback_filter

    def _traceback_filter(self, excinfo):  # sybil 10 + pytest 9: a one-entry traceback must not crash pytest
        try:
            return _sybil_filter(self, excinfo)
        except IndexError:
            return excinfo.traceback

    _sybil_pytest.SybilItem._traceback_filter = _traceback_filter

    import os
    import shutil
    import tempfile

    def _enter_scratch_dir(namespace: dict) -> None:
        """Each page runs in a fresh temporary folder: files a snippet writes never land in the checkout."""
        namespace["_doc_cwd"], namespace["_doc_tmp"] = os.getcwd(), tempfile.mkdtemp(prefix="execgym-doc-")
        os.chdir(namespace["_doc_tmp"])

    def _leave_scratch_dir(namespace: dict) -> None:
        os.chdir(namespace["_doc_cwd"])
        shutil.rmtree(namespace["_doc_tmp"], ignore_errors=True)

    pytest_collect_file = Sybil(
        parsers=[PythonCodeBlockParser(), SkipParser()],
        patterns=["README.md", "docs/*.md"],
        setup=_enter_scratch_dir,
        teardown=_leave_scratch_dir,
    ).pytest()
