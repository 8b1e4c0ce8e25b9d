"""Ack latency and throughput of `okrbot serve` beside a bare Bolt app, at 1, 10 and 50 concurrent clients.

Slack gives an app 3 seconds to acknowledge a request and shows the person an error after that, so the
time from Slack's POST to okrbot's HTTP 200 is what people feel. Every server here is a real gunicorn
started the way production starts it (`okrbot serve`, and `python -m bench.bare_serve` for the bare
app, both through `bot.cli.run_gunicorn` with the same workers and threads), every request is signed as
Slack signs it, and the load generator runs in its own process on keep-alive connections, one per client.

Run: `python -m bench ack` (`--quick` for a short run). Writes bench/results/ack.md.
"""

from __future__ import annotations

import functools
import http.client
import os
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench.common import (
    BOT_TOKEN,
    SIGNING_SECRET,
    TEAM,
    VENV_BIN,
    LoadResult,
    ServerProcess,
    databases,
    free_port,
    generate_load_in_process,
    ms,
    postgres_backends,
    process_cpu,
    scratch_directory,
    start_fake_slack,
    table,
    wait_for_quiet,
    write_result,
)
from bot.sandbox.slack.payloads import event_callback, reaction_event, slash_command

NAME = "ack"
CONCURRENCY = (1, 10, 50)
WORKERS, THREADS = 2, 8  # `okrbot serve`'s defaults (WEB_CONCURRENCY unset, --threads 8)
# Cheap, realistic commands; the first one okrbot handles is measured.
COMMAND_CANDIDATES = (("/kudos", "help"), ("/okr", "help"), ("/request-1on1", "help"))
REACTION = "eyes"  # an everyday reaction: not a kudos reaction, not on an OKR message
TARGET_RATIO = 1.5
TARGET_P99 = 0.100
BARE = "bare Bolt"


@dataclass(frozen=True)
class Plan:
    """Per client and round: warm-up requests (not measured), then measured ones; rounds alternate the apps."""

    warmup: int
    measured: int
    rounds: int = 3


FULL = {1: Plan(20, 200), 10: Plan(5, 35), 50: Plan(3, 14)}
QUICK = {1: Plan(10, 100, 1), 10: Plan(3, 20, 1), 50: Plan(2, 6, 1)}


# --------------------------------------------------------------------------- requests (picklable builders)


def build_command(command: str, text: str, response_urls: Sequence[str], per_client: int,
                  client: int, index: int) -> tuple[str, bytes]:
    """`/command text` by UMARIA in #general, each with its own response_url."""
    url = response_urls[(client * per_client + index) % len(response_urls)]
    return slash_command(TEAM, "UMARIA", command, text, channel_id="CGENERAL", response_url=url)


def build_reaction(run: str, client: int, index: int) -> tuple[str, bytes]:
    """`reaction_added` by URAVI on a message of ULENA's, with an event_id never sent before."""
    event = reaction_event("URAVI", REACTION, channel="CGENERAL", ts=f"{1_700_000_000 + index}.{client:06d}",
                           item_user="ULENA")
    return event_callback(TEAM, event, event_id=f"Ev{run}C{client:03d}N{index:06d}")


# --------------------------------------------------------------------------- servers


def start_okrbot(label: str, database_url: str, fake_url: str, log_dir: Path) -> ServerProcess:
    """`okrbot serve` on a free port against `database_url` and the loopback Slack."""
    port = free_port()
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake_url,
           "DATABASE_URL": database_url, "OKRBOT_KUDOS_CHANNEL": "CKUDOS", "OKRBOT_OKR_CHANNEL": "COKRS"}
    argv = [str(VENV_BIN / "okrbot"), "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
            "--threads", str(THREADS)]
    return ServerProcess(label, argv, env, port, log_dir)


def start_bare(fake_url: str, log_dir: Path) -> ServerProcess:
    """The bare Bolt app behind the same gunicorn setup."""
    port = free_port()
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake_url,
           "DATABASE_URL": "sqlite://"}
    argv = [str(VENV_BIN / "python"), "-m", "bench.bare_serve", "--bind", f"127.0.0.1:{port}", "--workers",
            str(WORKERS), "--threads", str(THREADS)]
    return ServerProcess(BARE, argv, env, port, log_dir)


def _post_signed(port: int, built: tuple[str, bytes]) -> int:
    from bot.sandbox.slack.sender import sign

    content_type, body = built
    timestamp = int(time.time())
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/slack/events", body, {
        "Content-Type": content_type, "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": sign(SIGNING_SECRET, body, timestamp)})
    status = connection.getresponse().status
    connection.close()
    return status


def pick_command(server: ServerProcess, fake: object) -> tuple[str, str] | None:
    """The first candidate command okrbot answers with 200 (None when it handles none of them yet)."""
    for command, text in COMMAND_CANDIDATES:
        url = fake.new_response_url(channel="CGENERAL", user="UMARIA")  # type: ignore[attr-defined]
        if _post_signed(server.port, slash_command(TEAM, "UMARIA", command, text, channel_id="CGENERAL",
                                                   response_url=url)) == 200:
            return command, text
    return None


# --------------------------------------------------------------------------- the bench


@dataclass(frozen=True)
class Row:
    """One (request kind, concurrency, app): pooled rounds, CPU per request, how busy the machine was before."""

    kind: str
    clients: int
    app: str
    result: LoadResult
    cpu_per_request: float
    busy_before: float


@dataclass
class Target:
    """A server under test, and its PostgreSQL database when it has one (its backends' CPU counts too)."""

    server: ServerProcess
    postgres_url: str | None = None

    def cpu_seconds(self) -> float:
        """CPU used so far by the server's processes and, on PostgreSQL, by the backends serving it."""
        total = self.server.cpu_seconds()
        if self.postgres_url:
            total += sum(process_cpu(pid) for pid in postgres_backends(self.postgres_url))
        return total


def run(quick: bool = False) -> tuple[list[Row], dict[str, str]]:
    """Measure every (request kind, concurrency, app); returns the rows and facts about the setup."""
    plans = QUICK if quick else FULL
    rows: list[Row] = []
    facts: dict[str, str] = {"load": f"{os.getloadavg()[0]:.1f}",
                             "date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")}
    fake = start_fake_slack()
    try:
        with scratch_directory("okrbot-bench-ack-") as tmp, databases(tmp) as found:
            targets = [Target(start_bare(fake.base_url, tmp))]
            targets += [Target(start_okrbot(f"okrbot ({label})", url, fake.base_url, tmp),
                               url if label == "PostgreSQL" else None) for label, url in found]
            try:
                for target in targets:
                    target.server.wait_ready(workers=WORKERS)
                command = pick_command(targets[1].server, fake)
                facts["command"] = f"`{command[0]} {command[1]}`" if command else "none handled yet"
                kinds: list[tuple[str, tuple[str, str] | None]] = []
                if command:
                    kinds.append((f"`{command[0]} {command[1]}`", command))
                kinds.append(("`reaction_added`", None))
                for clients in CONCURRENCY:
                    for kind, spec in kinds:
                        rows += _measure(targets, kind, spec, clients, plans[clients], fake, quick)
            finally:
                for target in targets:
                    target.server.stop()
                for target in targets:
                    if "Traceback" in target.server.log_tail(2000):
                        print(f"  note: {target.server.name} logged a traceback:\n{target.server.log_tail(40)}",
                              flush=True)
    finally:
        fake.stop()
    facts["load"] += f" → {os.getloadavg()[0]:.1f}"
    facts["plan"] = ", ".join(f"{c} client{'s' if c > 1 else ''} × {p.measured} × {p.rounds} round"
                              f"{'s' if p.rounds > 1 else ''} (+{p.warmup} warm-up a round)" for c, p in plans.items())
    return rows, facts


def _measure(targets: list[Target], kind: str, spec: tuple[str, str] | None, clients: int, plan: Plan,
             fake: object, quick: bool) -> list[Row]:
    """One request kind at one concurrency on every target, in rounds that alternate the order."""
    busy = wait_for_quiet(max_wait=10 if quick else 90)
    parts: dict[str, list[LoadResult]] = {t.server.name: [] for t in targets}
    cpu = dict.fromkeys(parts, 0.0)
    sent = dict.fromkeys(parts, 0)
    for round_ in range(plan.rounds):
        for target in targets if round_ % 2 == 0 else targets[::-1]:
            name = target.server.name
            builder = _builder(spec, fake, clients, plan)
            before = target.cpu_seconds()
            parts[name].append(generate_load_in_process(
                f"http://127.0.0.1:{target.server.port}/slack/events", SIGNING_SECRET, builder, clients=clients,
                per_client=plan.measured, warmup=plan.warmup))
            target.server.settle()  # the listeners' work after the ack belongs to this run, not the next
            cpu[name] += target.cpu_seconds() - before
            sent[name] += clients * (plan.warmup + plan.measured)
    rows = []
    for target in targets:
        name = target.server.name
        result = LoadResult.merge(parts[name])
        rows.append(Row(kind, clients, name, result, cpu[name] / max(1, sent[name]), busy))
        print(f"  {kind:24} {clients:3} clients  {name:22} p50 {ms(result.p50):>7} ms  p99 {ms(result.p99):>7} ms"
              f"  {result.throughput:6.0f} req/s  CPU {cpu[name] / max(1, sent[name]) * 1e6:6.0f} µs/req"
              f"  errors {result.errors}  (machine {busy:.0%} busy before)", flush=True)
    return rows


def _builder(spec: object, fake: object, clients: int, plan: Plan):  # noqa: ANN202 - a picklable partial
    per_client = plan.warmup + plan.measured
    if spec is None:
        return functools.partial(build_reaction, secrets.token_hex(4).upper())
    command, text = spec  # type: ignore[misc]
    urls = [fake.new_response_url(channel="CGENERAL", user="UMARIA")  # type: ignore[attr-defined]
            for _ in range(clients * per_client)]
    return functools.partial(build_command, command, text, urls, per_client)


# --------------------------------------------------------------------------- the report


def render(rows: list[Row], facts: dict[str, str], quick: bool) -> str:
    """bench/results/ack.md: what was measured, the table, then the targets checked."""
    bare = {(r.kind, r.clients): r.result for r in rows if r.app == BARE}
    busiest = max((r.busy_before for r in rows), default=0.0)
    lines = [
        "## Ack latency: `okrbot serve` beside a bare Bolt app (`bench/ack.py`)",
        "",
        "Time from sending the POST to reading the whole HTTP 200 that acknowledges it, measured by the client; "
        "throughput is acknowledged requests per second. Every server is gunicorn through `bot.cli.run_gunicorn` "
        f"({WORKERS} workers × {THREADS} threads, gthread) on 127.0.0.1 with the loopback Slack Web API; requests "
        "are signed as Slack signs them; each client keeps one connection alive and sends its next request as "
        "soon as the previous one is acknowledged. The load generator, the servers, PostgreSQL and the loopback "
        "Slack share the machine's cores.",
        "",
        f"- Slash command: {facts.get('command')} by a person in a channel. "
        f"Event: `reaction_added` (:{REACTION}:) with a new `event_id` each time, so okrbot's "
        "de-duplication inserts a row before acking.",
        "- The bare app is Bolt with one listener per request kind that only calls `ack()` "
        "(`bench/bare_app.py`), no database.",
        f"- Requests: {facts.get('plan')}{'; a quick run' if quick else ''}. "
        "Rounds alternate the order of the apps; their latencies are pooled.",
        "- CPU µs/req: CPU time of the server's processes (and of its PostgreSQL backends) divided by the "
        "requests sent, including what the listeners do after the ack.",
        f"- Run {facts.get('date')}. The machine is shared: before each group of runs the bench waits (a while) "
        f"for it to be quiet; the busiest it was then: {busiest:.0%} of all cores. Load average "
        f"{facts.get('load')} (start → end).",
        "",
    ]
    body = []
    for row in rows:
        base = bare.get((row.kind, row.clients))
        ratio = "" if row.app == BARE or base is None else f"{row.result.p99 / base.p99:.2f}×"
        body.append([row.kind, row.clients, row.app, ms(row.result.p50), ms(row.result.p99),
                     f"{row.result.throughput:.0f}", f"{row.cpu_per_request * 1e6:.0f}", row.result.errors, ratio])
    lines.append(table(["request", "clients", "app", "p50 ms", "p99 ms", "req/s", "CPU µs/req", "errors",
                        "p99 vs bare"], body, align="lrlrrrrrr").rstrip("\n"))
    top = max(CONCURRENCY)
    lines += ["", f"Targets at {top} concurrent clients: okrbot's p99 within {TARGET_RATIO}× the bare app's, "
              f"and under {TARGET_P99 * 1000:.0f} ms.", ""]
    for row in rows:
        base = bare.get((row.kind, row.clients))
        if row.app == BARE or row.clients != top or base is None:
            continue
        ratio_ok = row.result.p99 <= TARGET_RATIO * base.p99
        abs_ok = row.result.p99 < TARGET_P99
        lines.append(f"- {row.app}, {row.kind}: p99 {ms(row.result.p99)} ms = {row.result.p99 / base.p99:.2f}× "
                     f"bare ({ms(base.p99)} ms) {'✅' if ratio_ok else '❌'}; "
                     f"under {TARGET_P99 * 1000:.0f} ms {'✅' if abs_ok else '❌'}")
    return "\n".join(lines) + "\n"


def main(quick: bool = False) -> None:
    """Run the bench and write bench/results/ack.md."""
    rows, facts = run(quick)
    path = write_result(NAME, render(rows, facts, quick))
    print(f"wrote {path}")


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)
