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


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_example_runs(example, live_server, teaching_instance, tmp_path, settings):
    settings.OUVERT_BASE_URL = live_server.url  # the instance's own address (resource file addresses)
    values = services.teaching_placeholders(base_url=live_server.url)
    assert values["jeu_exemple"] == "comptage-velos-2012"
    assert values["ressource_exemple"] == str(teaching_instance["resource"].pk)
    ran = next(e for e in services.teaching_examples(example.language, placeholders=values) if e.id == example.id)
    assert "{{" not in ran.code
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8", "NO_PROXY": "*", "no_proxy": "*"}
    try:
        done = subprocess.run(_command(ran.kind, ran.code, tmp_path), cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{ran.id} did not finish in {TIMEOUT} s", pytrace=False)
    report = f"{ran.id}\n--- code\n{ran.code}\n--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}"
    assert done.returncode == 0, report
    assert ran.expected in done.stdout, f"expected « {ran.expected} » in the output\n{report}"
