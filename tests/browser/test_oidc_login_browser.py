"""The OIDC stand-in's own pages in a real browser: its login page passes axe and is filled in by
its labels and stable ids, the code comes back to the client, and logout needs no click. The
client here is a bare HTTP server, not the app; the app's journeys build on this."""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest
import requests

from ..oidc.flow import altinn_service, authorize_url, pkce_pair

pytestmark = pytest.mark.browser

CLIENT_PAGE = (
    b'<!DOCTYPE html><html lang="en"><head><title>Client</title></head>'
    b"<body><main><h1>Back at the client</h1></main></body></html>"
)


class ClientPage(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(CLIENT_PAGE)))
        self.end_headers()
        self.wfile.write(CLIENT_PAGE)

    def log_message(self, *_args):
        pass


@pytest.fixture
def client_url(oidc_provider):
    """A stand-in client that only says "back", registered with the provider."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), ClientPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    oidc_provider.allow_base_url(url)
    yield url
    server.shutdown()
    server.server_close()
    thread.join()


def test_the_login_page_passes_axe_and_logout_returns_without_a_click(
    page, axe_audit, oidc_provider, client_url
):
    discovery = requests.get(oidc_provider.discovery_url, timeout=5).json()
    client = oidc_provider.client("ansattporten")
    redirect_uri = oidc_provider.redirect_uri("ansattporten", client_url)
    verifier, challenge = pkce_pair()
    page.goto(
        authorize_url(
            discovery["authorization_endpoint"],
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            code_challenge=challenge,
            state="hello",
            authorization_details=altinn_service(),
        )
    )

    page.get_by_label("Fødselsnummer (11 siffer)").fill("24917898765")
    page.locator("#given_name").fill("Kari")
    page.locator("#family_name").fill("Nordmann")
    page.locator("#email").fill("kari@example.no")
    page.locator("#acr").select_option("idporten-loa-high")
    page.locator("#org_number").fill("987464291")
    page.locator("#org_name").fill("DIGITALISERINGSDIREKTORATET")
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(re.compile(rf"^{re.escape(redirect_uri)}\?code=[^&]+&state=hello"))

    code = re.search(r"code=([^&]+)", page.url).group(1)
    tokens = requests.post(
        discovery["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "client_id": client.client_id,
            "client_secret": client.client_secret,
        },
        timeout=5,
    ).json()
    assert tokens["authorization_details"][0]["reportees"][0]["ID"] == "0192:987464291"

    query = urlencode(
        {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": f"{client_url}/"}
    )
    page.goto(f"{discovery['end_session_endpoint']}?{query}")
    page.wait_for_url(f"{client_url}/")
    assert not any(url.startswith("chrome-error") for url in axe_audit.checked)
