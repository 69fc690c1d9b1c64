"""The server's side of the smoke-test worker: starts it, hands it runs, and ends each run
with an outcome, whatever the worker does.

One worker process is kept between runs (jax imported, compiled samplers cached). A cancel
or a timeout first asks the worker to stop, which it does at its next progress step; a
worker that does not answer within ``grace_s`` (still compiling, or hung in user code) is
asked for its Python stack and killed. A worker that dies (a segfault, ``os._exit``, the
out-of-memory killer) ends the run as soon as its pipe closes. Either way the next run
starts a fresh worker.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from numpyro_lsp.catalog.store import cache_dir
from numpyro_lsp.environment import helper_command, helper_environment, probe, stop_helper
from numpyro_lsp.smoke import protocol
from numpyro_lsp.smoke.protocol import RunRequest

if TYPE_CHECKING:
    from numpyro_lsp.shapes.request import ShapesRequest

log = logging.getLogger(__name__)

WORKER_MODULE = "numpyro_lsp.smoke.worker"
# What the worker imports from numpyro_lsp: handed over with it to the project's interpreter.
WORKER_SHIPPED = [
    "numpyro_lsp.smoke.protocol",
    "numpyro_lsp.shapes.trace",
    "numpyro_lsp.shapes.request",
    "numpyro_lsp.smoke.variants",
    "numpyro_lsp.smoke.chunked_sampler",
    "numpyro_lsp.smoke.compile_cache",
    "numpyro_lsp.smoke.draws",
]
# The worker's persistent compilation cache (``smoke/compile_cache.py``), unless the user's
# environment names one: a folder in the cache folder.
COMPILE_CACHE_FOLDER = "jax-compilation-cache"
# How long a stopped worker may take to answer before it is killed.
GRACE_S = 0.3
# How long to wait for a stack dump, and for a dead worker's last words on stderr.
STACK_DUMP_WAIT_S = 0.3
STDERR_LINES_KEPT = 400
# A faulthandler stack line: ``  File "/x/model.py", line 12 in model``.
STACK_LINE = re.compile(r'^\s*File "(?P<file>.+)", line (?P<line>\d+) in (?P<function>.+)$')

Status = Literal["result", "error", "cancelled", "timeout", "crashed"]
# "... was cancelled <when>": each phase in words.
PHASE_WORDS = {
    "starting": "while the worker started",
    "loading": "while loading the file",
    "compiling": "while compiling",
    "warmup": "during warmup",
    "sampling": "while sampling",
    "tracing": "while tracing the model's shapes",
}


@dataclass(frozen=True)
class Progress:
    # "starting" (the worker), "loading", "compiling", "warmup" or "sampling".
    phase: str
    iteration: int = 0
    total: int = 0


@dataclass(frozen=True)
class StackFrame:
    file: str
    line: int
    function: str


@dataclass
class RunOutcome:
    status: Status
    # Where the run was when it ended: a ``Progress.phase``.
    phase: str
    # The worker's ``result`` or ``error`` message; empty for the other statuses.
    payload: dict[str, Any] = field(default_factory=dict)
    # For cancelled, timeout and crashed: what happened, in a sentence.
    message: str = ""
    # The worker's Python stack when it was killed or crashed, innermost first.
    stack: list[StackFrame] = field(default_factory=list)
    # Seconds to start a worker and import jax, when this run had to.
    startup_s: float | None = None
    wall_s: float = 0.0
    # What the worker wrote on stderr during the run: the user's prints, jax's logging.
    worker_log: str = ""


class RunnerBusy(RuntimeError):
    pass


class WorkerProcess:
    """One worker process, its messages in a queue and the tail of its stderr."""

    def __init__(self, python: str) -> None:
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            helper_command(python, WORKER_MODULE, WORKER_SHIPPED),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            # Without preallocation jax takes GPU memory as it needs it, not 75% at once.
            env=helper_environment(
                XLA_PYTHON_CLIENT_PREALLOCATE=os.environ.get(
                    "XLA_PYTHON_CLIENT_PREALLOCATE", "false"
                ),
                **{protocol.COMPILE_CACHE_VARIABLE: compile_cache_folder()},
                # A figure that a kept statement makes (``fig, ax = plt.subplots()``, a
                # method of the data) is drawn nowhere, whatever the user's backend.
                MPLBACKEND="Agg",
            ),
            # A Ctrl-C in the terminal of the CLI or the editor is not meant for the worker;
            # and it is killed whole (stop_helper).
            start_new_session=True,
        )
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._stderr: deque[str] = deque(maxlen=STDERR_LINES_KEPT)
        self._stderr_lines = 0
        self._stdout_reader = self._thread(self._read_messages, "smoke-worker-stdout")
        self._stderr_reader = self._thread(self._read_stderr, "smoke-worker-stderr")

    def _thread(self, target: Callable[[], None], name: str) -> threading.Thread:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        return thread

    def _read_messages(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                self.messages.put(protocol.decode(line))
            except ValueError:
                log.warning("smoke worker: unreadable message %r", line[:200])
        self.messages.put(None)  # the worker is gone

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr.append(line.rstrip("\n"))
            self._stderr_lines += 1
            log.debug("smoke worker: %s", line.rstrip())

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, message: dict[str, Any]) -> bool:
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(protocol.encode(message))
            self.process.stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            return False

    def stderr_mark(self) -> int:
        """A mark for ``stderr_since``: how many lines the worker has written so far."""
        return self._stderr_lines

    def stderr_since(self, mark: int) -> list[str]:
        new = min(self._stderr_lines - mark, len(self._stderr))
        return list(self._stderr)[-new:] if new > 0 else []

    def dump_stack(self) -> list[StackFrame]:
        """The Python stack the worker prints on SIGUSR1 (``faulthandler``), innermost first."""
        if not hasattr(signal, "SIGUSR1"):
            return []
        mark = self.stderr_mark()
        try:
            os.kill(self.process.pid, signal.SIGUSR1)
        except OSError:
            return []
        deadline = time.perf_counter() + STACK_DUMP_WAIT_S
        while time.perf_counter() < deadline:
            if any("most recent call first" in line for line in self.stderr_since(mark)):
                time.sleep(0.05)  # the rest of the dump is a few writes behind its header
                return parse_stack(self.stderr_since(mark))
            time.sleep(0.01)
        return []

    def last_words(self) -> list[StackFrame]:
        """The stack a crashed worker printed (``faulthandler``), once its stderr closes."""
        self._stderr_reader.join(STACK_DUMP_WAIT_S)
        return parse_stack(list(self._stderr))

    def kill(self) -> None:
        if not stop_helper(self.process):
            log.warning("smoke worker %s did not exit after SIGKILL", self.process.pid)


def compile_cache_folder() -> str:
    """Where the worker keeps compiled programs between runs of the editor."""
    return os.environ.get(protocol.COMPILE_CACHE_VARIABLE) or str(
        cache_dir() / COMPILE_CACHE_FOLDER
    )


def parse_stack(lines: list[str]) -> list[StackFrame]:
    """Frames of the last stack dump in ``lines``, innermost first."""
    starts = [i for i, line in enumerate(lines) if "most recent call first" in line]
    if not starts:
        return []
    # A SIGUSR1 dump lists every thread: the main thread, the one running user code, is the
    # only one whose frames are kept (it is the last block faulthandler writes).
    frames = []
    for line in lines[starts[-1] + 1 :]:
        match = STACK_LINE.match(line)
        if match is None:
            if frames:
                break
            continue
        frames.append(StackFrame(match["file"], int(match["line"]), match["function"]))
    return frames


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "stopped responding"
    if returncode < 0:
        name = signal.Signals(-returncode).name
        what = {
            "SIGSEGV": "crashed with a segmentation fault (SIGSEGV)",
            "SIGBUS": "crashed with a bus error (SIGBUS)",
            "SIGABRT": "aborted (SIGABRT)",
            "SIGFPE": "crashed with a floating-point exception (SIGFPE)",
            "SIGILL": "crashed with an illegal instruction (SIGILL)",
            "SIGKILL": "was killed (SIGKILL); the system may have run out of memory",
        }
        return what.get(name, f"was ended by {name}")
    return f"exited with status {returncode}"


def crash_advice(returncode: int | None) -> str:
    """What to do about a worker that ended that way."""
    killed = getattr(signal, "SIGKILL", None)  # not on Windows
    if killed is not None and returncode == -killed:
        return (
            "Run fewer chains or samples (the smokeTest settings), or free memory, and run "
            "it again."
        )
    return (
        "Its last output is in the server's log (the NumPyro output); the next run starts a "
        "fresh worker."
    )


class SmokeRunner:
    """Runs smoke tests one at a time in a kept worker process."""

    def __init__(self, python: str | None = None, grace_s: float = GRACE_S) -> None:
        self.python = python or sys.executable
        self.grace_s = grace_s
        self._worker: WorkerProcess | None = None
        self._busy = threading.Lock()
        self._last_id = 0

    def run(
        self,
        request: RunRequest | ShapesRequest,
        timeout_s: float,
        cancel: threading.Event,
        on_progress: Callable[[Progress], None] = lambda progress: None,
    ) -> RunOutcome:
        """Run ``request`` (its id is replaced) and return how it ended; never raises for
        anything the worker or the user's code does."""
        if not self._busy.acquire(blocking=False):
            raise RunnerBusy("a smoke test is already running")
        try:
            self._last_id += 1
            if self._worker is None or not self._worker.alive:
                problem = probe(self.python).problem
                if problem is not None:
                    return RunOutcome("crashed", "starting", message=problem)
            return _Run(self, request, self._last_id, timeout_s, cancel, on_progress).wait()
        finally:
            self._busy.release()

    def worker(self) -> tuple[WorkerProcess, bool]:
        """The kept worker, or a fresh one (and True) when there is none alive."""
        if self._worker is None or not self._worker.alive:
            if self._worker is not None:
                self._worker.kill()
            self._worker = WorkerProcess(self.python)
            return self._worker, True
        return self._worker, False

    def discard_worker(self) -> None:
        if self._worker is not None:
            self._worker.kill()
            self._worker = None

    def close(self) -> None:
        self.discard_worker()


class _Run:
    """One run's wait for its outcome."""

    def __init__(
        self,
        runner: SmokeRunner,
        request: RunRequest | ShapesRequest,
        run_id: int,
        timeout_s: float,
        cancel: threading.Event,
        on_progress: Callable[[Progress], None],
    ) -> None:
        self.runner = runner
        self.run_id = run_id
        self.request = replace(request, id=run_id)
        self.timeout_s = timeout_s
        self.cancel = cancel
        self.on_progress = on_progress
        self.started = time.perf_counter()
        self.deadline = self.started + timeout_s
        self.phase = "loading"
        self.startup_s: float | None = None
        # A shape trace (``shapes/``) has no iterations.
        self.total = request.warmup + request.samples if isinstance(request, RunRequest) else 0
        # Where the worker's stderr stood when this run began.
        self.stderr_mark = 0

    def wait(self) -> RunOutcome:
        worker, fresh = self.runner.worker()
        self.stderr_mark = worker.stderr_mark()
        if fresh:
            self._enter("starting")
        if not worker.send(self.request.as_json()):
            return self._crashed(worker)
        while True:
            if self.cancel.is_set():
                return self._stop(worker, "cancelled", "The smoke test was cancelled")
            remaining = self.deadline - time.perf_counter()
            if remaining <= 0:
                return self._stop(
                    worker, "timeout", f"The smoke test timed out after {self.timeout_s:g} s"
                )
            try:
                message = worker.messages.get(timeout=min(0.05, remaining))
            except queue.Empty:
                continue
            if message is None:
                return self._crashed(worker)
            outcome = self._handle(message, worker, fresh)
            if outcome is not None:
                return outcome

    def _handle(
        self, message: dict[str, Any], worker: WorkerProcess, fresh: bool
    ) -> RunOutcome | None:
        kind = message["type"]
        if kind == protocol.READY:
            if fresh:
                self.startup_s = time.perf_counter() - worker.started
                self._enter("loading")
            return None
        if message.get("id") != self.run_id:
            return None  # a late word about an earlier, abandoned run
        if kind == protocol.PHASE:
            self._enter(message["phase"])
        elif kind == protocol.PROGRESS:
            iteration = message["iteration"]
            phase = "warmup" if iteration <= self.request.warmup else "sampling"
            self.phase = phase
            self.on_progress(Progress(phase, iteration, self.total))
        elif kind in (protocol.RESULT, protocol.ERROR):
            status: Status = "result" if kind == protocol.RESULT else "error"
            if status == "error":
                self.phase = message["phase"]
            return self._outcome(status, worker, payload=message)
        return None

    def _enter(self, phase: str) -> None:
        self.phase = phase
        self.on_progress(Progress(phase, 0, self.total))

    def _stop(self, worker: WorkerProcess, status: Status, message: str) -> RunOutcome:
        """Ask the worker to stop the run; kill it when it does not answer in time."""
        worker.send({"type": protocol.CANCEL, "id": self.run_id})
        deadline = time.perf_counter() + self.runner.grace_s
        while (remaining := deadline - time.perf_counter()) > 0:
            try:
                reply = worker.messages.get(timeout=remaining)
            except queue.Empty:
                break
            if reply is None:
                return self._crashed(worker)
            if reply.get("id") == self.run_id and reply["type"] in (
                protocol.CANCELLED,
                protocol.RESULT,
                protocol.ERROR,
            ):
                return self._outcome(
                    status, worker, message=f"{message} {PHASE_WORDS[self.phase]}."
                )
        stack = worker.dump_stack()
        self.runner.discard_worker()
        return self._outcome(
            status,
            worker,
            message=f"{message} {PHASE_WORDS[self.phase]}; the worker did not stop and was killed.",
            stack=stack,
        )

    def _crashed(self, worker: WorkerProcess) -> RunOutcome:
        try:
            returncode = worker.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            returncode = None
        stack = worker.last_words()
        self.runner.discard_worker()
        return self._outcome(
            "crashed",
            worker,
            message=(
                f"The smoke-test worker {describe_exit(returncode)} {PHASE_WORDS[self.phase]}. "
                + crash_advice(returncode)
            ),
            stack=stack,
        )

    def _outcome(
        self,
        status: Status,
        worker: WorkerProcess,
        payload: dict[str, Any] | None = None,
        message: str = "",
        stack: list[StackFrame] | None = None,
    ) -> RunOutcome:
        return RunOutcome(
            status=status,
            phase=self.phase,
            payload=payload or {},
            message=message,
            stack=stack or [],
            startup_s=self.startup_s,
            wall_s=time.perf_counter() - self.started,
            worker_log="\n".join(worker.stderr_since(self.stderr_mark)),
        )
