"""Every runnable code example of the teaching section (fenced ``curl``, ``python`` and ``r`` blocks of the
French and English pages) runs against a live test instance whose example dataset is real (Montréal's bike
counts, ingested into the DataStore): placeholders replaced, run in a subprocess with a timeout, exit 0, and
the output contains what the example's ``# attendu :`` / ``# expected:`` line says.

R is needed (``apt-get install r-base-core r-cran-httr r-cran-jsonlite``; ``.ci/run`` installs it): without
``Rscript`` the R examples fail with a message saying so, never skipped."""

import os
import shutil
import subprocess
import sys

import pytest

from ouvert.learn import services

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = services.teaching_examples("all")
TIMEOUT = 60


def test_there_are_examples_in_each_language_and_kind():
    kinds = {(e.language, e.kind) for e in EXAMPLES}
    assert kinds == {(lang, kind) for lang in ("fr", "en") for kind in ("curl", "python", "r")}
    missing = [e.id for e in EXAMPLES if not e.expected]
    assert not missing, f"examples without an expected output line: {missing}"


def _command(kind: str, code: str, folder) -> list[str]:
    if kind == "curl":
        return ["bash", "-e", "-o", "pipefail", "-c", code]
    if kind == "python":
        return [sys.executable, "-c", code]
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.fail("Rscript is missing: the R examples need R (apt-get install -y r-base-core r-cran-httr "
                    "r-cran-jsonlite; .ci/run installs it).", pytrace=False)
    script = folder / "exemple.R"
    script.write_text(code, encoding="utf-8")
    return [rscript, "--vanilla", str(script)]


GROUPS = sorted({(e.language, e.kind) for e in EXAMPLES})


def _run(example, tmp_path) -> str | None:
    """Run one example (placeholders already replaced); ``None`` when it passed, else the failure report."""
    folder = tmp_path / example.id.replace("/", "_").replace(":", "_")
    folder.mkdir(parents=True, exist_ok=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder), "LANG": "C.UTF-8",
           "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8", "NO_PROXY": "*", "no_proxy": "*"}
    try:
        done = subprocess.run(_command(example.kind, example.code, folder), cwd=folder, env=env,
                              capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"{example.id} did not finish in {TIMEOUT} s"
    report = (f"{example.id}\n--- code\n{example.code}\n--- stdout\n{done.stdout[-3000:]}\n"
              f"--- stderr\n{done.stderr[-3000:]}")
    if done.returncode != 0:
        return f"exit {done.returncode}: {report}"
    if example.expected not in done.stdout:
        return f"expected « {example.expected} » in the output\n{report}"
    return None


@pytest.mark.parametrize("language,kind", GROUPS, ids=[f"{lang}-{kind}" for lang, kind in GROUPS])
def test_examples_run(language, kind, live_server, teaching_instance, tmp_path, settings):
    """Every example of one language and kind, against one live instance (the instance and its ingested
    dataset are made once per group, not once per example: each is a database flush and an ingestion)."""
    settings.OUVERT_BASE_URL = live_server.url  # the instance's own address (resource file addresses)
    values = services.teaching_placeholders(base_url=live_server.url)
    assert values["jeu_exemple"] == "comptage-velos-2012"
    assert values["ressource_exemple"] == str(teaching_instance["resource"].pk)
    examples = [e for e in services.teaching_examples(language, placeholders=values) if e.kind == kind]
    assert examples, f"no {kind} example in {language}"
    assert all("{{" not in e.code for e in examples), [e.id for e in examples if "{{" in e.code]
    failures = [failure for failure in (_run(e, tmp_path) for e in examples) if failure]
    assert not failures, f"{len(failures)} of {len(examples)} examples failed:\n\n" + "\n\n".join(failures)
