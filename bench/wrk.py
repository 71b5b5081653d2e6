"""wrk for bench/http.py: a scenario of requests becomes a Lua script, wrk's report a Result."""

import json
import os
import re
import statistics
import subprocess
import tempfile
from dataclasses import dataclass, field

# Counts responses by status class in every wrk thread, and prints them as one JSON line at the end.
STATUS_LUA = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  s2, s3, s4, s5 = 0, 0, 0, 0
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end
function response(status, headers, body)
  if status >= 500 then s5 = s5 + 1 elseif status >= 400 then s4 = s4 + 1
  elseif status >= 300 then s3 = s3 + 1 else s2 = s2 + 1 end
end
function done(summary, latency, requests)
  local t = {0, 0, 0, 0}
  for _, thread in ipairs(threads) do
    t[1] = t[1] + thread:get("s2"); t[2] = t[2] + thread:get("s3")
    t[3] = t[3] + thread:get("s4"); t[4] = t[4] + thread:get("s5")
  end
  io.write(string.format('STATUS {"2xx": %d, "3xx": %d, "4xx": %d, "5xx": %d}\n', t[1], t[2], t[3], t[4]))
end
"""


@dataclass
class Scenario:
    name: str
    label: str
    # Each request: (method, path, headers, body); wrk sends them round-robin (or at random: mixed).
    requests: list
    target: float | None = None
    pick: str = "cycle"


@dataclass
class Result:
    label: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    socket_errors: int
    statuses: dict = field(default_factory=dict)
    ratio: float | None = None
    target: float | None = None
    baseline_rps: float | None = None

    @property
    def failed_requests(self) -> int:
        return self.socket_errors + self.statuses.get("4xx", 0) + self.statuses.get("5xx", 0)


def lua_for(scenario: Scenario) -> str:
    lines = ["local reqs = {}"]
    for method, path, headers, body in scenario.requests:
        header_table = ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())
        body_lua = json.dumps(body) if body is not None else "nil"
        request = f"wrk.format({json.dumps(method)}, {json.dumps(path)}, {{{header_table}}}, {body_lua})"
        lines.append(f"table.insert(reqs, {request})")
    if scenario.pick == "random":
        lines.append("request = function() return reqs[math.random(#reqs)] end")
    else:
        lines.append("local i = 0")
        lines.append("request = function() i = i % #reqs + 1; return reqs[i] end")
    return "\n".join(lines) + "\n" + STATUS_LUA


def ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run(port: int, scenario: Scenario, duration: int, connections: int) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_for(scenario))
    try:
        completed = subprocess.run(
            [
                "wrk",
                f"--threads={min(2, connections)}",
                f"--connections={connections}",
                f"--duration={duration}s",
                "--timeout=10s",
                "--latency",
                f"--script={script.name}",
                f"http://127.0.0.1:{port}/",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(script.name)
    out = completed.stdout
    # wrk prints no distribution when nothing completed; that shows as 0 requests and failed checks.
    percentiles = {"50": "0us", "99": "0us"} | dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.MULTILINE))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return Result(
        label=scenario.label,
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=ms(percentiles["50"]),
        p99_ms=ms(percentiles["99"]),
        requests=int(re.search(r"(\d+) requests in", out).group(1)),
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
        statuses=json.loads(re.search(r"^STATUS (.*)$", out, re.MULTILINE).group(1)),
        target=scenario.target,
    )


def median_result(runs: list[Result]) -> Result:
    """One page over the rounds: the median of each figure, every request and error counted."""
    statuses = {key: sum(r.statuses.get(key, 0) for r in runs) for key in ("2xx", "3xx", "4xx", "5xx")}
    return Result(
        label=runs[0].label,
        rps=statistics.median(r.rps for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        requests=sum(r.requests for r in runs),
        socket_errors=sum(r.socket_errors for r in runs),
        statuses=statuses,
        ratio=statistics.median(r.ratio for r in runs),
        target=runs[0].target,
        baseline_rps=statistics.median(r.baseline_rps for r in runs),
    )


def print_table(results: list[Result], baseline_rps: float) -> None:
    print(
        f"\n{'median of the rounds':32} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'baseline':>9} {'ratio':>6} "
        f"{'target':>7} {'errors':>7}"
    )
    for r in results:
        target = f">={r.target:.2f}" if r.target else ""
        print(
            f"{r.label:32} {r.rps:9.0f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} {r.baseline_rps:9.0f} {r.ratio:6.2f} "
            f"{target:>7} {r.failed_requests:7d}"
        )
    print(f"(bare Django view, median of the runs around the pages: {baseline_rps:.0f} req/s)")
