"""A browser-like client for tests: the real login form, spawn, and code run in a kernel."""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import urlparse

import requests
import websocket

from teamhub.doctor.kernel import execute_request


class LoginRefused(Exception):
    """The hub's login form did not accept the name and password."""


class HubSession:
    """One user's session with the hub, as a browser would hold it."""

    def __init__(self, url: str, name: str) -> None:
        self.url = url.rstrip("/") + "/"
        self.name = name
        self.http = requests.Session()

    def login(self, password: str) -> requests.Response:
        """Post the login form; raise LoginRefused when the hub says no."""
        form = self.http.get(self.url + "hub/login", timeout=30)
        form.raise_for_status()
        xsrf = self.http.cookies.get("_xsrf", "")
        answer = self.http.post(
            self.url + "hub/login?next=",
            data={"username": self.name, "password": password, "_xsrf": xsrf},
            allow_redirects=False,
            timeout=60,
        )
        if answer.status_code != 302 or "jupyterhub-session-id" not in self.http.cookies:
            raise LoginRefused(f"{answer.status_code}: {answer.text[:200]}")
        return answer

    def open_server(self, deadline_s: float = 120.0) -> str:
        """Follow the hub to the user's server as a browser does (spawning it); its landing URL."""
        deadline = time.monotonic() + deadline_s
        self.http.get(self.url + "hub/spawn", timeout=60)
        server = self.url + f"user/{self.name}/"
        while time.monotonic() < deadline:
            page = self.http.get(server, timeout=60)
            if page.ok and page.url.startswith(server):
                return page.url
            time.sleep(0.3)
        raise TimeoutError(f"{self.name}'s server did not start within {deadline_s:.0f} s")

    def _server_api(self, method: str, path: str, **kwargs) -> requests.Response:
        xsrf = self.http.cookies.get("_xsrf", path=f"/user/{self.name}/") or self.http.cookies.get(
            "_xsrf", ""
        )
        headers = {"X-XSRFToken": xsrf}
        return self.http.request(
            method, self.url + f"user/{self.name}/api/{path}", headers=headers, timeout=60, **kwargs
        )

    def start_kernel(self, kernel_name: str | None = None) -> str:
        """Start a kernel on the user's server; its id."""
        body = {"name": kernel_name} if kernel_name else {}
        answer = self._server_api("POST", "kernels", json=body)
        answer.raise_for_status()
        return answer.json()["id"]

    def run_code(self, kernel_id: str, code: str, deadline_s: float = 60.0) -> str:
        """Execute code in the kernel and return everything it printed (stdout and results)."""
        parsed = urlparse(self.url)
        scheme = "wss" if parsed.scheme == "https" else "ws"
        ws_url = f"{scheme}://{parsed.netloc}{parsed.path}user/{self.name}/api/kernels/{kernel_id}/channels"
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        conn = websocket.create_connection(ws_url, header=[f"Cookie: {cookie}"], timeout=deadline_s)
        try:
            return _execute(conn, code, deadline_s)
        finally:
            conn.close()

    def kernelspecs(self) -> dict:
        """The server's /api/kernelspecs answer: {'default': name, 'kernelspecs': {...}}."""
        answer = self._server_api("GET", "kernelspecs")
        answer.raise_for_status()
        return answer.json()

    def shutdown_kernel(self, kernel_id: str) -> None:
        """Stop a kernel started with start_kernel."""
        self._server_api("DELETE", f"kernels/{kernel_id}")

    def run_in_terminal(self, command: str, deadline_s: float = 60.0) -> str:
        """Open a JupyterLab terminal, run one shell command in it, close it; what it printed."""
        answer = self._server_api("POST", "terminals")
        answer.raise_for_status()
        term = answer.json()["name"]
        parsed = urlparse(self.url)
        scheme = "wss" if parsed.scheme == "https" else "ws"
        ws_url = f"{scheme}://{parsed.netloc}{parsed.path}user/{self.name}/terminals/websocket/{term}"
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        conn = websocket.create_connection(ws_url, header=[f"Cookie: {cookie}"], timeout=deadline_s)
        marker = uuid.uuid4().hex
        try:
            # printf assembles the markers, so the shell's echo of the typed line never contains them
            line = f"printf '%s-%s\\n' {marker} start; {command}; printf '%s-%s\\n' {marker} end\r"
            conn.send(json.dumps(["stdin", line]))
            seen = ""
            deadline = time.monotonic() + deadline_s
            while time.monotonic() < deadline:
                message = json.loads(conn.recv())
                if message[0] == "stdout":
                    seen += message[1]
                if f"{marker}-end" in seen and f"{marker}-start" in seen:
                    return seen[seen.index(f"{marker}-start") + len(marker) + 6 : seen.index(f"{marker}-end")]
            raise TimeoutError(f"the terminal did not finish {command!r} in time: {seen[-500:]!r}")
        finally:
            conn.close()
            self._server_api("DELETE", f"terminals/{term}")

    def run_in_new_kernel(self, code: str, kernel_name: str | None = None) -> str:
        """Start a kernel, run code in it, shut it down; the output."""
        kernel = self.start_kernel(kernel_name)
        try:
            return self.run_code(kernel, code)
        finally:
            self._server_api("DELETE", f"kernels/{kernel}")


def _execute(conn: websocket.WebSocket, code: str, deadline_s: float) -> str:
    msg_id, request = execute_request(code)
    conn.send(request)
    output: list[str] = []
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        msg = json.loads(conn.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            output.append(content["text"])
        elif kind in ("execute_result", "display_data"):
            output.append(content["data"].get("text/plain", "") + "\n")
        elif kind == "error":
            output.append("\n".join(content["traceback"]))
        elif kind == "status" and content["execution_state"] == "idle":
            return "".join(output)
    raise TimeoutError("the kernel did not finish in time")
