"""The load tool: wrk with a Lua script that sends each pre-signed body once.

The script gives each wrk thread every n-th line of the data file, so no two
requests of a run carry the same body until a thread runs out and starts over
(counted as `wraps`; the benchmark sizes the file so that it does not happen).
Its `done()` prints one `BENCH-RESULT {json}` line, parsed by `run_wrk`.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

WEBHOOK_PATH = "/api/webhooks/customer-created"
RESULT_PREFIX = "BENCH-RESULT "
WRK_GRACE_S = 30.0

LUA_SCRIPT = r"""
-- Written by bench/wrk.py: one pre-signed CUSTOMER_CREATED body per request.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local path, api_url, nthreads = args[1], args[2], tonumber(args[3])
  local headers = {["Content-Type"] = "application/json", ["Saleor-Api-Url"] = api_url}
  prepared, position, wraps = {}, 0, 0
  local index = 0
  for line in io.lines(path) do
    if index % nthreads == id then
      local tab = line:find("\t", 1, true)
      headers["Saleor-Signature"] = line:sub(1, tab - 1)
      prepared[#prepared + 1] = wrk.format("POST", nil, headers, line:sub(tab + 1))
    end
    index = index + 1
  end
end

function request()
  position = position + 1
  if position > #prepared then
    position, wraps = 1, wraps + 1
  end
  return prepared[position]
end

function done(summary, latency, requests)
  local wrapped = 0
  for _, thread in ipairs(threads) do
    wrapped = wrapped + thread:get("wraps")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, ' ..
    '"p99_us": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "status_errors": %d, "timeouts": %d, "wraps": %d}\n',
    summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout,
    wrapped))
end
"""


@dataclass(frozen=True)
class Load:
    """How hard wrk pushes: threads, open connections and seconds."""

    threads: int = 2
    connections: int = 32
    duration_s: int = 10


@dataclass(frozen=True)
class WrkResult:
    """One wrk run, as its `done()` reported it."""

    requests: int
    duration_us: int
    p50_us: int
    p99_us: int
    connect_errors: int
    read_errors: int
    write_errors: int
    status_errors: int
    timeouts: int
    wraps: int

    @property
    def ok_per_s(self) -> float:
        """Successful (2xx/3xx) requests per second."""
        return (self.requests - self.status_errors) / (self.duration_us / 1e6)

    @property
    def errors(self) -> int:
        """Every failed request: socket errors, timeouts and non-2xx answers."""
        socket_errors = self.connect_errors + self.read_errors + self.write_errors
        return socket_errors + self.status_errors + self.timeouts


def ensure_wrk() -> str:
    """The path of `wrk`, installed with apt-get when missing and we are root.

    Raises:
        SystemExit: wrk is missing and cannot be installed here; says what to do.
    """
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise SystemExit("bench needs wrk: install the Debian package `wrk`")
    print("bench: wrk is missing; installing it with apt-get", flush=True)
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], check=False)
        subprocess.run(install, check=False)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("bench: `apt-get install -y wrk` failed; install wrk first")
    return found


def wrk_version(wrk: str) -> str:
    """The first line wrk prints about itself, e.g. `wrk 4.1.0 [epoll] ...`."""
    shown = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    lines = (shown.stdout + shown.stderr).strip().splitlines()
    return lines[0] if lines else "wrk (version unknown)"


def write_script(directory: Path) -> Path:
    """Write the Lua script into `directory` and return its path."""
    path = directory / "intake.lua"
    path.write_text(LUA_SCRIPT.lstrip(), encoding="utf-8")
    return path


async def run_wrk(
    wrk: str, script: Path, base_url: str, data: Path, api_url: str, load: Load
) -> WrkResult:
    """Run wrk against `base_url`'s webhook endpoint and parse its result.

    Raises:
        RuntimeError: wrk failed or printed no result line.
    """
    command = [wrk, f"-t{load.threads}", f"-c{load.connections}"]
    command += [f"-d{load.duration_s}s", "--timeout", "5s", "-s", str(script)]
    command += [base_url + WEBHOOK_PATH, "--", str(data), api_url, str(load.threads)]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    async with asyncio.timeout(load.duration_s + WRK_GRACE_S):
        output, _ = await process.communicate()
    text = output.decode(errors="replace")
    for line in text.splitlines():
        if line.startswith(RESULT_PREFIX):
            return WrkResult(**json.loads(line.removeprefix(RESULT_PREFIX)))
    raise RuntimeError(f"wrk printed no result (exit {process.returncode}):\n{text}")
