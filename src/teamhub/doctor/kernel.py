"""Run code in a kernel of a user's server: the REST API to start it, the websocket to execute."""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import quote, urlparse

import websocket

from teamhub.doctor.http import Answer, call
from teamhub.errors import TeamhubError


class KernelError(TeamhubError):
    """A kernel would not start, died, or did not finish the code in time."""


class ServerClient:
    """One user's single-user server, reached through the proxy with that user's API token."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base = base_url.rstrip("/") + "/"
        self.token = token

    def api(self, method: str, path: str, body: object = None, timeout: float = 30.0) -> Answer:
        """A call to the server's REST API (`path` below /api/)."""
        return call(method, self.base + "api/" + path, self.token, body, timeout)

    def kernelspecs(self) -> dict[str, dict]:
        """The kernels the server offers: name -> spec (argv, env, display_name, metadata)."""
        answer = self.api("GET", "kernelspecs")
        if not answer.ok:
            raise KernelError(f"the server did not list its kernels ({answer.message()})")
        return {name: found.get("spec", {}) for name, found in answer.data["kernelspecs"].items()}

    def start_kernel(self, name: str) -> str:
        """Start a kernel; its id."""
        answer = self.api("POST", "kernels", {"name": name}, timeout=60)
        if not answer.ok:
            raise KernelError(f"could not start: {answer.message()}")
        return str(answer.data["id"])

    def shutdown_kernel(self, kernel_id: str) -> None:
        """Shut a kernel down (nothing happens when it is gone)."""
        self.api("DELETE", f"kernels/{quote(kernel_id)}")

    def execute(self, kernel_id: str, code: str, timeout: float = 60.0) -> str:
        """Run code and return what it printed; raise KernelError with the traceback when it fails."""
        parsed = urlparse(self.base)
        scheme = "wss" if parsed.scheme == "https" else "ws"
        url = f"{scheme}://{parsed.netloc}{parsed.path}api/kernels/{quote(kernel_id)}/channels"
        try:
            conn = websocket.create_connection(
                url, header=[f"Authorization: token {self.token}"], timeout=timeout
            )
        except (OSError, websocket.WebSocketException) as exc:
            raise KernelError(f"could not connect to the kernel ({exc})") from None
        try:
            return _execute(conn, code, timeout)
        except (OSError, websocket.WebSocketException) as exc:
            raise KernelError(f"the kernel connection broke ({exc})") from None
        finally:
            conn.close()

    def run(self, kernel_name: str, code: str, timeout: float = 60.0) -> str:
        """Start a kernel, run code in it, shut it down; what it printed."""
        kernel_id = self.start_kernel(kernel_name)
        try:
            return self.execute(kernel_id, code, timeout)
        finally:
            self.shutdown_kernel(kernel_id)


def execute_request(code: str) -> tuple[str, str]:
    """The message id and the JSON text of an execute_request on the shell channel."""
    msg_id = uuid.uuid4().hex
    message = {
        "header": {
            "msg_id": msg_id,
            "username": "teamhub-doctor",
            "session": uuid.uuid4().hex,
            "msg_type": "execute_request",
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "channel": "shell",
        "content": {
            "code": code,
            "silent": False,
            "store_history": False,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
    }
    return msg_id, json.dumps(message)


def _execute(conn: websocket.WebSocket, code: str, timeout: float) -> str:
    msg_id, request = execute_request(code)
    conn.send(request)
    output: list[str] = []
    error: str | None = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            msg = json.loads(conn.recv())
        except websocket.WebSocketTimeoutException:
            break
        kind, content = msg.get("msg_type"), msg.get("content", {})
        if kind == "status" and content.get("execution_state") == "dead":
            raise KernelError("the kernel died")
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        if kind == "stream":
            output.append(content["text"])
        elif kind in ("execute_result", "display_data"):
            output.append(content["data"].get("text/plain", "") + "\n")
        elif kind == "error":
            error = f"{content.get('ename')}: {content.get('evalue')}"
        elif kind == "status" and content.get("execution_state") == "idle":
            if error is not None:
                raise KernelError(error)
            return "".join(output)
    raise KernelError(f"the kernel did not finish within {timeout:.0f} s")
