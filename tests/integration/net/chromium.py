"""Real headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``).

No websocket library and no open debugging port: Chromium reads NUL-terminated JSON commands
on fd 3 and answers on fd 4. Enough of the protocol for the tests: open a page, emulate a phone,
set its clock and language, evaluate JavaScript and wait for a condition.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--remote-debugging-pipe",
]


class Chromium:
    """One headless browser with one page."""

    def __init__(self) -> None:
        if not os.path.exists(CHROMIUM):
            pytest.skip("chromium is not installed")
        self._ids = itertools.count(1)
        self._answers: dict[int, dict] = {}
        self._cond = threading.Condition()
        self._profile = tempfile.mkdtemp(prefix="chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire_fds() -> None:
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)  # out of the way of 3 and 4 first
            os.dup2(a, 3)
            os.dup2(b, 4)

        self._proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={self._profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire_fds,
            pass_fds=(3, 4),
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._reader = threading.Thread(target=self._read, name="test-cdp", daemon=True)
        self._reader.start()
        targets = self.send("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self._session = self.send("Target.attachToTarget", targetId=page["targetId"], flatten=True)["sessionId"]
        self.send("Page.enable", session=True)
        self.send("Runtime.enable", session=True)

    def tablet(self) -> Chromium:
        """Another tablet in this browser: a page in a browser context of its own (its own storage, its own
        sign-in). It shares this browser's pipe; close the browser through the first one only."""
        other = copy.copy(self)
        context = self.send("Target.createBrowserContext")["browserContextId"]
        target = self.send("Target.createTarget", url="about:blank", browserContextId=context)["targetId"]
        other._session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        other.send("Page.enable", session=True)
        other.send("Runtime.enable", session=True)
        return other

    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(self._from_chrome, 65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                if "id" in msg:
                    with self._cond:
                        self._answers[msg["id"]] = msg
                        self._cond.notify_all()

    def send(self, method: str, session: bool = False, timeout: float = 30, **params) -> dict:
        msg_id = next(self._ids)
        msg = {"id": msg_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self._session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        with self._cond:
            if not self._cond.wait_for(lambda: msg_id in self._answers, timeout):
                raise TimeoutError(f"chromium did not answer {method}")
            answer = self._answers.pop(msg_id)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def phone(self, width: int = 390, height: int = 844) -> None:
        """Behave like a phone: small portrait screen (CSS px), touch, a mobile user agent."""
        self.send("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height, deviceScaleFactor=3,
                  mobile=True)
        self.send("Emulation.setTouchEmulationEnabled", session=True, enabled=True)
        self.send(
            "Emulation.setUserAgentOverride",
            session=True,
            userAgent="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
        )

    def clock(self, timezone: str, locale: str = "en-GB") -> None:
        """Keep time like a phone set to ``timezone`` (an IANA name) and ``locale``."""
        self.send("Emulation.setTimezoneOverride", session=True, timezoneId=timezone)
        self.send("Emulation.setLocaleOverride", session=True, locale=locale)

    def open(self, url: str) -> None:
        self.send("Page.navigate", session=True, url=url)
        self.wait("document.readyState === 'complete' && location.href !== 'about:blank'", 15)

    def js(self, expression: str):
        result = self.send("Runtime.evaluate", session=True, expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails'].get('exception', {}).get('description')}")
        return result["result"].get("value")

    def wait(self, expression: str, timeout: float = 10.0):
        """Wait until ``expression`` is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            try:
                value = self.js(expression)
            except RuntimeError:
                value = None
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression!r} (last value {value!r})")

    def accessible_name(self, selector: str) -> str:
        """The name a screen reader announces for the first element that matches ``selector``."""
        root = self.send("DOM.getDocument", session=True, depth=0)["root"]["nodeId"]
        node = self.send("DOM.querySelector", session=True, nodeId=root, selector=selector)["nodeId"]
        ax = self.send("Accessibility.getPartialAXTree", session=True, nodeId=node, fetchRelatives=False)["nodes"]
        return ax[0].get("name", {}).get("value", "")

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except (OSError, TimeoutError, RuntimeError):
            pass
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(5)
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self._profile, ignore_errors=True)


@pytest.fixture
def chromium():
    browser = Chromium()
    try:
        yield browser
    finally:
        browser.close()
