"""The training door (``cells.train.jobs``): a bounded pool with a queue, stop, caps and failures
that leave a message and no process. Jobs here are tiny (a few dozen steps, a few seconds each,
most of it importing torch in the worker)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import cells
from cells.train import jobs

TINY = jobs.Settings(task="anbn", cell="lstm", hidden=4, steps=40, seed=0)


def wait_for(pool: jobs.Pool, job_id: str, until, timeout: float = 90.0) -> jobs.Status:
    end = time.time() + timeout
    while time.time() < end:
        st = pool.status(job_id)
        if until(st):
            return st
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not get there in {timeout} s: {pool.status(job_id)}")


def alive(pid: int) -> bool:
    """Whether a process with this pid exists and is not a zombie."""
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().split(")")[-1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.fixture
def pool():
    p = jobs.Pool(jobs.Limits(max_workers=2))
    yield p
    p.shutdown()


def test_two_jobs_run_at_once_and_a_third_waits_in_the_queue(pool, tmp_path):
    ids = [pool.submit(TINY, tmp_path) for _ in range(2)]
    third = pool.submit(jobs.Settings(**{**TINY.__dict__, "seed": 1}), tmp_path)
    waiting = pool.status(third)
    assert waiting.state == "queued" and waiting.queue_position == 1
    assert [pool.status(i).state for i in ids] == ["running", "running"]
    assert len(pool.pids()) == 2  # the pool's bound: the third has no process yet
    seen_two_running = False
    while not pool.status(ids[0]).finished or not pool.status(ids[1]).finished:
        states = [pool.status(i).state for i in ids]
        seen_two_running |= states == ["running", "running"] and pool.status(third).state == "queued"
        time.sleep(0.1)
    assert seen_two_running
    done = [wait_for(pool, i, lambda s: s.finished) for i in [*ids, third]]
    assert [s.state for s in done] == ["done"] * 3, [s.error for s in done]
    for st in done:
        assert st.step == TINY.steps and len(st.losses) == TINY.steps
        assert st.losses[-1] < st.losses[0]  # it trained
        assert st.snapshots[0] == 0 and st.snapshots[-1] == TINY.steps
        assert pool.result_folder(st.id) is not None
    assert pool.pids() == []


def test_a_stopped_job_keeps_its_model_so_far_and_leaves_no_process(pool, tmp_path):
    job = pool.submit(jobs.Settings(task="anbn", cell="gru", hidden=8, steps=3000), tmp_path)
    wait_for(pool, job, lambda s: s.step > 5)
    [pid] = pool.pids()
    assert alive(pid)
    pool.stop(job)
    st = pool.status(job)
    assert st.state == "stopped" and st.stopped_by == "user" and 5 < st.step < 3000
    assert not alive(pid) and pool.pids() == []
    model = cells.load(pool.result_folder(job))
    assert model.card.training["steps"] == st.step


def test_a_worker_that_will_not_stop_is_killed_with_nothing_left(pool, tmp_path):
    job = pool.submit(jobs.Settings(task="anbn", cell="lstm", hidden=8, steps=3000), tmp_path)
    wait_for(pool, job, lambda s: s.state == "running" and s.step > 0)
    [pid] = pool.pids()
    pool.stop(job, wait=0.0)  # no time to finish: killed with its process group
    assert not alive(pid) and pool.pids() == []
    assert pool.status(job).state == "stopped"
    assert pool.result_folder(job) is None  # killed before it saved a model


def test_a_queued_job_that_is_stopped_never_starts(tmp_path):
    pool = jobs.Pool(jobs.Limits(max_workers=1))
    try:
        first = pool.submit(TINY, tmp_path)
        second = pool.submit(TINY, tmp_path)
        assert pool.status(second).queue_position == 1
        pool.stop(second)
        wait_for(pool, first, lambda s: s.finished)
        time.sleep(0.6)
        assert pool.status(second).state == "stopped" and not (pool.folder(second) / jobs.PROGRESS).exists()
    finally:
        pool.shutdown()


def test_a_failing_job_says_why(pool, tmp_path):
    job = pool.submit(jobs.Settings(**{**TINY.__dict__, "fail_for_test": "the data went missing"}),
                      tmp_path)
    st = wait_for(pool, job, lambda s: s.finished)
    assert st.state == "failed" and "the data went missing" in st.error
    assert st.error_kind == "worker"  # the page words it by its kind
    assert pool.result_folder(job) is None and pool.pids() == []


def test_a_worker_over_its_memory_cap_fails_with_a_message(tmp_path):
    pool = jobs.Pool(jobs.Limits(max_workers=1, memory_mb=200))  # torch alone needs more
    try:
        job = pool.submit(TINY, tmp_path)
        st = wait_for(pool, job, lambda s: s.finished)
        assert st.state == "failed" and st.error, st
        assert "memory" in st.error.lower() or "200 MB" in st.error
        assert st.error_kind in ("memory", "crashed"), st  # torch may die at import, before a word
    finally:
        pool.shutdown()


def test_a_worker_that_dies_without_a_word_is_reported(pool, tmp_path):
    job = pool.submit(jobs.Settings(task="anbn", cell="lstm", hidden=8, steps=3000), tmp_path)
    wait_for(pool, job, lambda s: s.step > 0)
    [pid] = pool.pids()
    (pool.folder(job) / jobs.PROGRESS).write_text(json.dumps({"state": "running"}))
    subprocess.run(["kill", "-9", str(pid)], check=True)
    st = wait_for(pool, job, lambda s: s.finished, timeout=10)
    assert st.state == "failed" and "exited with code -9" in st.error and st.error_kind == "crashed"
    assert not alive(pid)


@pytest.mark.parametrize(("field", "value", "words"), [
    ("task", "chess", "task: expected one of"),
    ("cell", "transformer", "cell: expected one of"),
    ("hidden", 65, "hidden size: expected 2..64, got 65"),
    ("steps", 0, "steps: expected 1..3000, got 0"),
    ("time_limit", 1000, "time limit"),
])
def test_settings_beyond_the_caps_are_refused_with_what_was_expected(field, value, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace("..", r"\.\.")):
        jobs.check(jobs.Settings(**{**jobs.DEFAULTS.__dict__, field: value}))
    assert jobs.check(jobs.DEFAULTS).snapshot_every == jobs.DEFAULTS.steps // 30


def test_the_door_imports_no_torch():
    code = ("import sys, cells.train.jobs\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'"
            " or m.startswith('cells.train.') and m != 'cells.train.jobs'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout.strip()
    assert out == "[]"


def test_a_worker_whose_server_is_gone_stops_by_itself(tmp_path):
    """The server killed outright (no atexit): its workers notice that their parent is gone."""
    code = (
        "import sys, time\n"
        "from cells.train import jobs\n"
        "settings = jobs.Settings(task='anbn', cell='lstm', hidden=8, steps=3000)\n"
        f"job = jobs.submit(settings, {str(tmp_path)!r})\n"
        "while jobs.status(job).step == 0: time.sleep(0.1)\n"
        "print(jobs.POOL.pids()[0], flush=True)\n"
        "time.sleep(600)\n"
    )
    server = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[1])
    try:
        pid = int(server.stdout.readline())
        assert alive(pid)
    finally:
        server.kill()
        server.wait()
    end = time.time() + 30
    while alive(pid) and time.time() < end:
        time.sleep(0.1)
    assert not alive(pid)
    [folder] = tmp_path.glob("job-*")
    assert json.loads((folder / jobs.PROGRESS).read_text())["stopped_by"] == "server_gone"


@pytest.mark.parametrize(("raw", "expected", "said"), [
    ("", 3000, False), ("20000", 20000, False), (" 500 ", 500, False), ("0", 1, False),
    ("lots", 3000, True), ("1e5", 3000, True),
])
def test_the_operators_step_cap_is_read_or_refused_aloud(monkeypatch, capsys, raw, expected, said):
    """GATESCOPE_TRAIN_MAX_STEPS raises the cap; a value that is not a whole number keeps the
    default, and the server's log says which value was refused."""
    monkeypatch.setenv("GATESCOPE_TRAIN_MAX_STEPS", raw)
    assert jobs._env_int("GATESCOPE_TRAIN_MAX_STEPS", 3000) == expected
    err = capsys.readouterr().err
    assert (f"GATESCOPE_TRAIN_MAX_STEPS={raw!r}" in err) is said, err
