"""The narrow door between the page and training: the page imports this module and nothing else of
``cells.train``; it imports no torch (workers do, in their own processes).

    from cells.train import jobs
    job = jobs.submit(jobs.Settings(task="anbn", cell="lstm"), root)   # -> job id
    jobs.status(job)          # Status: state, queue position, step, losses, held-out metric, error
    jobs.stop(job)            # ends training (the model so far is kept) or leaves the queue
    jobs.result_folder(job)   # the trained model's folder (safetensors + card), once finished

Each job is ``python -m cells.train.job_worker <folder>`` in its own process group, at most
``max_workers`` at once (≤ the number of cores); the rest wait in a queue, first come first
served. Caps per job: steps (``GATESCOPE_TRAIN_MAX_STEPS`` in the server's environment raises it),
hidden size, wall time (the worker stops itself; the door kills it
``KILL_GRACE`` seconds later) and memory (the worker's own ``RLIMIT_AS``). The worker writes only
JSON and safetensors into the job's folder; this side only reads them.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROGRESS, SETTINGS, STOP, SNAPSHOTS, MODEL, LOG = (
    "progress.json", "settings.json", "stop", "snapshots", "model", "worker.log")

TASKS = ("anbn", "agreement")  # the tasks a job can train (job_worker.TASKS)
TRAIN_MAX_N = 20  # aⁿbⁿ jobs train on n = 1..TRAIN_MAX_N
CELLS = ("lstm", "gru", "sgru", "rnn")
STATES = ("queued", "running", "done", "stopped", "failed")
# why a job failed (Status.error_kind); the page words each kind in its language, Status.error is
# the raw detail: "worker" it raised an error, "memory" over its memory cap (both from the worker),
# "crashed" it exited with an error code, "silent" it ended without a word, "overdue" it was killed
# still running after its time limit (the door).
ERROR_KINDS = ("worker", "memory", "crashed", "silent", "overdue")
FINISHED = ("done", "stopped", "failed")


def _env_int(name: str, default: int) -> int:
    """A cap the server's operator may raise (``GATESCOPE_TRAIN_MAX_STEPS=20000``); else the default.
    A value that is not a whole number keeps the default, and the server's log says so."""
    raw = os.environ.get(name, "")
    try:
        return max(1, int(raw)) if raw.strip() else default
    except ValueError:
        print(f"gatescope: {name}={raw!r} is not a whole number of steps; using {default}",
              file=sys.stderr)
        return default


@dataclass(frozen=True)
class Limits:
    max_steps: int = _env_int("GATESCOPE_TRAIN_MAX_STEPS", 3000)  # a 3000-step job: ~8 s, 2 cores
    max_hidden: int = 64
    min_hidden: int = 2
    max_seconds: float = 120.0  # wall time per job, measured by the worker
    memory_mb: int = 1536  # address space per worker (torch itself takes about 700 MB of it)
    max_workers: int = max(1, min(2, os.cpu_count() or 1))
    max_queue: int = 16


LIMITS = Limits()
KILL_GRACE = 15.0  # seconds after the time cap before the door kills a worker that did not stop


@dataclass(frozen=True)
class Settings:
    task: str = "anbn"
    cell: str = "lstm"
    hidden: int = 10
    steps: int = 1000
    seed: int = 0
    snapshot_every: int = 0  # 0: about 30 snapshots over the run
    time_limit: float = LIMITS.max_seconds
    fail_for_test: str = ""  # tests only: the worker raises this message instead of training


DEFAULTS = Settings()


def check(settings: Settings, limits: Limits = LIMITS) -> Settings:
    """The settings with the snapshot interval filled in; ValueError saying what was expected."""
    s = settings
    if s.task not in TASKS:
        raise ValueError(f"task: expected one of {TASKS}, got {s.task!r}")
    if s.cell not in CELLS:
        raise ValueError(f"cell: expected one of {CELLS}, got {s.cell!r}")
    if not limits.min_hidden <= int(s.hidden) <= limits.max_hidden:
        raise ValueError(f"hidden size: expected {limits.min_hidden}..{limits.max_hidden}, got {s.hidden}")
    if not 1 <= int(s.steps) <= limits.max_steps:
        raise ValueError(f"steps: expected 1..{limits.max_steps}, got {s.steps}")
    if not 0 < float(s.time_limit) <= limits.max_seconds:
        raise ValueError(f"time limit: expected (0, {limits.max_seconds}] s, got {s.time_limit}")
    every = int(s.snapshot_every) or max(1, int(s.steps) // 30)
    return Settings(**{**asdict(s), "snapshot_every": every})


@dataclass
class Status:
    id: str
    state: str  # one of STATES
    settings: Settings
    queue_position: int = 0  # 1: next to start; 0: not waiting
    step: int = 0
    steps: int = 0
    losses: list[float] = field(default_factory=list)  # one per step done
    heldout: list[tuple[int, float]] = field(default_factory=list)  # (step, metric) per snapshot
    heldout_name: str = ""  # "max_n_all_correct" (aⁿbⁿ) or "accuracy" (agreement)
    snapshots: list[int] = field(default_factory=list)  # steps with a snapshot folder
    metric_summary: str = ""
    heldout_final: float | None = None  # the held-out metric of the trained model
    error: str = ""  # the raw detail, in English (a log line, an exception)
    error_kind: str = ""  # one of ERROR_KINDS when failed
    stopped_by: str = ""  # "user" | "time_limit" | ""
    seconds: float = 0.0
    probe: str = ""  # the fixed input of the time-lapse

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def fraction(self) -> float:
        return min(1.0, self.step / self.steps) if self.steps else 0.0


@dataclass
class _Job:
    id: str
    folder: Path
    settings: Settings
    process: subprocess.Popen | None = None
    started: float = 0.0
    final: str = ""  # a state the door decided (stopped while queued, killed, crashed)
    error: str = ""
    error_kind: str = ""


class Pool:
    """A bounded set of worker processes and a queue. Thread-safe: one pool serves every session
    of the server. Finished processes are reaped, and queued jobs started, on every call and by a
    small daemon thread while jobs are alive."""

    def __init__(self, limits: Limits = LIMITS, python: str = sys.executable):
        if not 1 <= limits.max_workers <= (os.cpu_count() or 1):
            raise ValueError(f"max_workers: expected 1..{os.cpu_count()}, got {limits.max_workers}")
        self.limits, self.python = limits, python
        self.jobs: dict[str, _Job] = {}
        self.queue: list[str] = []
        self.lock = threading.RLock()
        self.thread: threading.Thread | None = None

    # -- the door

    def submit(self, settings: Settings, root: Path | str) -> str:
        settings = check(settings, self.limits)
        with self.lock:
            self._pump()
            if len(self.queue) >= self.limits.max_queue:
                raise RuntimeError(f"the training queue is full ({self.limits.max_queue} jobs waiting)")
            job_id = uuid.uuid4().hex[:12]
            folder = Path(root) / f"job-{job_id}"
            folder.mkdir(parents=True)
            fields = {**asdict(settings), "memory_mb": self.limits.memory_mb}
            (folder / SETTINGS).write_text(json.dumps(fields), "utf-8")
            self.jobs[job_id] = _Job(job_id, folder, settings)
            self.queue.append(job_id)
            self._pump()
            self._watch()
        return job_id

    def status(self, job_id: str) -> Status:
        with self.lock:
            self._pump()
            job = self._job(job_id)
            if job_id in self.queue:
                return Status(job_id, "queued", job.settings, self.queue.index(job_id) + 1,
                              steps=job.settings.steps)
            progress = _read_progress(job.folder)
            state = job.final or progress.get("state", "running")
            error = job.error or progress.get("error", "")
            kind = job.error_kind or progress.get("error_kind", "") or ("worker" if error else "")
            if state == "running" and job.process is None:
                state, error = "failed", error or "the worker ended without a word"
                kind = kind or "silent"
            elif state in FINISHED and job.process is not None:
                state = "running"  # finished only once its process is gone
        return Status(
            job_id, state, job.settings, 0, int(progress.get("step", 0)),
            int(progress.get("steps", job.settings.steps)), list(progress.get("losses", [])),
            [tuple(p) for p in progress.get("heldout", [])], progress.get("heldout_name", ""),
            list(progress.get("snapshots", [])), progress.get("metric_summary", ""),
            progress.get("heldout_final"), error, kind if state == "failed" else "",
            progress.get("stopped_by", ""), float(progress.get("seconds", 0.0)),
            progress.get("probe", ""),
        )

    def stop(self, job_id: str, wait: float = 5.0) -> None:
        """Leave the queue, or end training: the worker saves the model so far and exits; one
        that has not exited after ``wait`` seconds is killed with its process group."""
        with self.lock:
            job = self._job(job_id)
            if job_id in self.queue:
                self.queue.remove(job_id)
                job.final = "stopped"
                return
            if job.process is None:
                return
            (job.folder / STOP).touch()
            process = job.process
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            with self.lock:
                self._kill(job, "stopped", "", "")
        with self.lock:
            self._pump()

    def result_folder(self, job_id: str) -> Path | None:
        """The trained model's folder once the job has finished with one, else None."""
        folder = self._job(job_id).folder / MODEL
        return folder if (folder / "card.json").exists() and self.status(job_id).finished else None

    def snapshot_folder(self, job_id: str, step: int) -> Path:
        return self._job(job_id).folder / SNAPSHOTS / f"s{int(step):06d}"

    def folder(self, job_id: str) -> Path:
        return self._job(job_id).folder

    def pids(self) -> list[int]:
        """The worker processes alive now."""
        with self.lock:
            self._pump()
            return [j.process.pid for j in self.jobs.values() if j.process is not None]

    def shutdown(self) -> None:
        """Kill every worker and empty the queue (tests; server exit)."""
        with self.lock:
            for job_id in list(self.queue):
                self.jobs[job_id].final = "stopped"
            self.queue.clear()
            for job in self.jobs.values():
                if job.process is not None:
                    self._kill(job, "stopped", "", "")

    # -- inside

    def _job(self, job_id: str) -> _Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise KeyError(f"no training job {job_id!r} in this server (known: {len(self.jobs)})")
        return job

    def _running(self) -> list[_Job]:
        return [j for j in self.jobs.values() if j.process is not None]

    def _pump(self) -> None:
        """Reap finished workers, kill overdue ones, start queued jobs while there is room."""
        now = time.time()
        for job in self._running():
            code = job.process.poll()
            if code is None:
                if now - job.started > job.settings.time_limit + KILL_GRACE:
                    self._kill(job, "failed", "overdue", f"killed: still running {KILL_GRACE:.0f} s after its"
                               f" time limit of {job.settings.time_limit:.0f} s")
                continue
            job.process = None
            if code != 0 and _read_progress(job.folder).get("state") not in FINISHED:
                job.final, job.error_kind = "failed", "crashed"
                job.error = f"the worker exited with code {code}: {_log_tail(job.folder)}"
        while self.queue and len(self._running()) < self.limits.max_workers:
            self._start(self.jobs[self.queue.pop(0)])

    def _start(self, job: _Job) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        with open(job.folder / LOG, "wb") as log:
            job.process = subprocess.Popen(
                [self.python, "-m", "cells.train.job_worker", str(job.folder)], cwd=ROOT, env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a kill takes its children too
            )
        job.started = time.time()

    def _kill(self, job: _Job, state: str, kind: str, error: str) -> None:
        process = job.process
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()  # reaped: no zombie left
        job.process = None
        if _read_progress(job.folder).get("state") not in FINISHED:
            job.final, job.error_kind, job.error = state, kind, error

    def _watch(self) -> None:
        """A daemon thread that keeps the queue moving while nobody asks for a status."""
        if self.thread is not None and self.thread.is_alive():
            return

        def loop() -> None:
            while True:
                time.sleep(0.5)
                with self.lock:
                    self._pump()
                    if not self.queue and not self._running():
                        self.thread = None
                        return

        self.thread = threading.Thread(target=loop, name="gatescope-train-pool", daemon=True)
        self.thread.start()


def _read_progress(folder: Path) -> dict:
    try:
        return json.loads((folder / PROGRESS).read_text("utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _log_tail(folder: Path, chars: int = 400) -> str:
    try:
        text = (folder / LOG).read_text("utf-8", errors="replace").strip()
    except FileNotFoundError:
        return "(no log)"
    return text[-chars:] or "(empty log)"


# one pool per server process, shared by every browser session; its workers end with the server
# (here at a normal exit; a worker also stops by itself when its parent process is gone)
POOL = Pool()
atexit.register(POOL.shutdown)


def submit(settings: Settings, root: Path | str) -> str:
    return POOL.submit(settings, root)


def status(job_id: str) -> Status:
    return POOL.status(job_id)


def stop(job_id: str) -> None:
    POOL.stop(job_id)


def result_folder(job_id: str) -> Path | None:
    return POOL.result_folder(job_id)


def snapshot_folder(job_id: str, step: int) -> Path:
    return POOL.snapshot_folder(job_id, step)
