"""``bench/consult.py --quick`` runs end to end (a new database, a live server, concurrent clients) and
finds every acknowledged support in the database, none counted twice."""

import json
import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_quick_runs_and_counts_right(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "consult.py"), "--quick", "--no-opinions",
                           "--port", str(random.randint(20000, 40000))], env=env, capture_output=True, text=True,
                          timeout=600, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["bench"] == "consult" and result["quick"] is True
    assert result["consistency"]["ok"], result["consistency"]
    assert result["consistency"]["support_rows"] == result["consistency"]["expected_rows"]
    assert result["load"]["double_submits_answered_existing"] > 0
    assert set(result["load"]["statuses"]) <= {"200", "comment_201"}
    assert result["pages"]["proposal_list"]["errors"] == 0 and result["pages"]["proposal_page"]["errors"] == 0
    assert result["baseline"]["raw_insert"]["inserts"] > 0
