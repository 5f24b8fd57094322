"""Open a page in headless Chromium as a person would, and report what went wrong.

Chromium is driven over its DevTools protocol through a pipe (`--remote-debugging-pipe`,
file descriptors 3 and 4, NUL-separated JSON), so no extra client library is needed. What a
reader would notice is collected: console errors, uncaught exceptions, resources that failed
to load, and log entries at error level.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def browser_tools_missing() -> list[str]:
    """The command-line tools the document tests need that are not installed (`make browser-tools`)."""
    return [tool for tool in ("chromium", "pdftoppm", "pdftotext", "pdfinfo") if shutil.which(tool) is None]


@dataclass
class PageLoad:
    """What happened while a page loaded."""

    loaded: bool = False
    problems: list[str] = field(default_factory=list)
    body_text: str = ""


class _Pipe:
    def __init__(self, write_fd: int, read_fd: int) -> None:
        self.write_fd, self.read_fd, self.buffer, self.next_id = write_fd, read_fd, b"", 0
        self.selector = selectors.DefaultSelector()
        self.selector.register(read_fd, selectors.EVENT_READ)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> int:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        return self.next_id

    def receive(self, deadline: float) -> dict[str, Any] | None:
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self.selector.select(remaining):
                return None
            chunk = os.read(self.read_fd, 1 << 16)
            if not chunk:
                return None
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return dict(json.loads(message))

    def call(self, method: str, params: dict[str, Any], session: str | None, deadline: float,
             events: list[dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
        wanted = self.send(method, params, session)
        while (message := self.receive(deadline)) is not None:
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            events.append(message)
        raise TimeoutError(f"chromium did not answer {method}")


def _problem(event: dict[str, Any]) -> str | None:
    method, params = event.get("method"), event.get("params", {})
    if method == "Network.loadingFailed":
        return f"resource failed: {params.get('errorText')} ({params.get('type')})"
    if method == "Runtime.exceptionThrown":
        return f"exception: {params.get('exceptionDetails', {}).get('text')}"
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        return "console error: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
    if method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
        return f"log error: {params['entry'].get('text')} {params['entry'].get('url', '')}"
    return None


def _wire(commands: int, answers: int) -> None:
    """In the child: the browser reads commands on fd 3 and writes answers on fd 4."""
    os.dup2(commands, 3)
    os.dup2(answers, 4)


def open_in_chromium(path: Path, timeout: float = 60.0) -> PageLoad:
    """Load `path` in a fresh headless Chromium profile; the page's problems and visible text."""
    result = PageLoad()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        to_browser_read, to_browser_write = os.pipe()
        from_browser_read, from_browser_write = os.pipe()
        process = subprocess.Popen(
            ["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=lambda: _wire(to_browser_read, from_browser_write),
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        pipe = _Pipe(to_browser_write, from_browser_read)
        events: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        try:
            target = pipe.call("Target.createTarget", {"url": "about:blank"}, None, deadline, events)
            attached = pipe.call(
                "Target.attachToTarget",
                {"targetId": target["targetId"], "flatten": True},
                None,
                deadline,
                events,
            )
            session = attached["sessionId"]
            for domain in ("Runtime", "Log", "Network", "Page"):
                pipe.call(f"{domain}.enable", {}, session, deadline, events)
            pipe.call("Page.navigate", {"url": path.resolve().as_uri()}, session, deadline, events)
            while not any(e.get("method") == "Page.loadEventFired" for e in events):
                message = pipe.receive(deadline)
                if message is None:
                    break
                events.append(message)
            result.loaded = any(e.get("method") == "Page.loadEventFired" for e in events)
            # Late console messages and failures still arrive for a moment after the load event.
            settle = min(deadline, time.monotonic() + 1.0)
            while (message := pipe.receive(settle)) is not None:
                events.append(message)
            text = pipe.call(
                "Runtime.evaluate", {"expression": "document.body.innerText", "returnByValue": True},
                session, deadline, events,
            )  # fmt: skip
            result.body_text = str(text.get("result", {}).get("value", ""))
            result.problems = [p for p in map(_problem, events) if p]
            pipe.send("Browser.close")
        finally:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            os.close(to_browser_write)
            os.close(from_browser_read)
    return result
