"""Starts and stops the ID-porten/Ansattporten stand-in (``tests/oidc/provider.mjs``).

One Node process serves both clients, ``idporten`` (single sign-on, as ID-porten) and
``ansattporten`` (a fresh login every time, as Ansattporten), under one issuer. Each client
accepts allauth's callback ``{base_url}/konto/oidc/<client>/login/callback/`` and the
post-logout redirect ``{base_url}/`` for every base URL registered: ``http://testserver`` for the
Django test client from the start, the live server's URL once a browser test adds it.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("provider.mjs")
CLIENT_NAMES = ("idporten", "ansattporten")
CLIENT_TITLES = {"idporten": "ID-porten (test)", "ansattporten": "Ansattporten (test)"}
NO_SSO = {"ansattporten"}
CALLBACK_PATH = "/konto/oidc/{name}/login/callback/"
TEST_SERVER = "http://testserver"


@dataclass(frozen=True)
class OidcClient:
    client_id: str
    client_secret: str


class OidcProviderError(RuntimeError):
    pass


class OidcProvider:
    """The stand-in as a child process.

    Usage::

        provider = OidcProvider(base_urls=["http://testserver"])
        provider.start()
        provider.issuer                   # "http://127.0.0.1:<port>"
        provider.client("idporten")       # OidcClient(client_id=..., client_secret=...)
        provider.allow_base_url(live_server.url)
        provider.stop()
    """

    def __init__(
        self,
        *,
        base_urls: tuple[str, ...] | list[str] = (TEST_SERVER,),
        clients: tuple[str, ...] = CLIENT_NAMES,
        callback_path: str = CALLBACK_PATH,
        timeout: float = 20.0,
    ) -> None:
        self.callback_path = callback_path
        self.timeout = timeout
        self.base_urls: list[str] = []
        for base_url in base_urls:
            self._add_base_url(base_url)
        self._clients = {
            name: OidcClient(client_id=name, client_secret=secrets.token_urlsafe(24))
            for name in clients
        }
        self._admin_token = secrets.token_urlsafe(24)
        self._process: subprocess.Popen | None = None
        self._log = None
        self.issuer = ""

    # --- what tests use ----------------------------------------------------------------------

    def client(self, name: str) -> OidcClient:
        return self._clients[name]

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def redirect_uri(self, name: str, base_url: str = TEST_SERVER) -> str:
        return base_url.rstrip("/") + self.callback_path.format(name=name)

    def allow_base_url(self, base_url: str) -> None:
        """Accept callbacks and post-logout redirects on ``base_url`` too (idempotent)."""
        if self._add_base_url(base_url) and self._process is not None:
            self._put_clients()

    @property
    def output(self) -> str:
        """Everything the process printed so far (stdout and stderr)."""
        if self._log is None:
            return ""
        self._log.flush()
        return Path(self._log.name).read_text(encoding="utf-8", errors="replace")

    # --- process ---------------------------------------------------------------------------

    def start(self) -> OidcProvider:
        node = shutil.which("node")
        if node is None:
            raise OidcProviderError("Node.js is not installed: the OIDC stand-in needs `node`.")
        if not (ROOT / "node_modules" / "oidc-provider").is_dir():
            raise OidcProviderError("node_modules/oidc-provider is missing: run `make install`.")
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in stop())
            mode="w+", prefix="oidc-provider-", suffix=".log", encoding="utf-8"
        )
        env = {
            **os.environ,
            "PORT": "0",
            "HOST": "127.0.0.1",
            "CLIENTS": json.dumps(self._client_metadata()),
            "ADMIN_TOKEN": self._admin_token,
        }
        self._process = subprocess.Popen(  # noqa: S603 (fixed command)
            [node, str(SCRIPT)],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            for line in self.output.splitlines():
                if line.startswith("ready "):
                    self.issuer = line.split(" ", 1)[1].strip()
                    return self
            if self._process.poll() is not None:
                output = self.output
                self.stop()
                raise OidcProviderError(
                    f"the OIDC stand-in exited with {self._process.returncode}:\n{output}"
                )
            time.sleep(0.05)
        output = self.output
        self.stop()
        raise OidcProviderError(
            f"the OIDC stand-in did not print `ready` within {self.timeout:g} s:\n{output}"
        )

    def stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
                try:
                    self._process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> OidcProvider:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    # --- internals -------------------------------------------------------------------------

    def _add_base_url(self, base_url: str) -> bool:
        base_url = base_url.rstrip("/")
        if base_url in self.base_urls:
            return False
        self.base_urls.append(base_url)
        return True

    def _client_metadata(self) -> list[dict]:
        return [
            {
                "client_id": client.client_id,
                "client_secret": client.client_secret,
                "client_name": CLIENT_TITLES.get(name, name),
                "redirect_uris": [self.redirect_uri(name, base) for base in self.base_urls],
                "post_logout_redirect_uris": [f"{base}/" for base in self.base_urls],
                "token_endpoint_auth_method": "client_secret_post",
                "sso": name not in NO_SSO,
            }
            for name, client in self._clients.items()
        ]

    def _put_clients(self) -> None:
        request = urllib.request.Request(  # noqa: S310 (our own http://127.0.0.1 issuer)
            f"{self.issuer}/__admin/clients",
            data=json.dumps(self._client_metadata()).encode(),
            method="PUT",
            headers={
                "Authorization": f"Bearer {self._admin_token}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            if response.status != 204:
                raise OidcProviderError(f"could not update the clients: {response.status}")
