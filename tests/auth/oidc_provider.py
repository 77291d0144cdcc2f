"""A small OpenID Connect provider on 127.0.0.1 for tests: discovery, JWKS, authorize, token.

It plays the identity provider `st.login` talks to, as Streamlit's own end-to-end tests do
with a mock server, and needs no network. ID tokens are signed (RS256) with a key made at start
and published at /jwks. The authorize endpoint shows an account chooser: whoever drives the
browser types the email and name that sign in and how many seconds the ID token lasts (its
`exp`), so a test chooses its user and can make a token that expires. The token endpoint checks
the client's secret, the redirect URI, the one-time code and the PKCE verifier, as a real
provider does.

Try sign-in by hand: `python -m tests.auth.oidc_provider --port 9000 --redirect-uri
http://localhost:8501/oauth2callback`, then point secrets.toml's server_metadata_url at
http://127.0.0.1:9000/.well-known/openid-configuration (client qualify-test, secret printed).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "qualify-test"
DEFAULT_LIFETIME = 3600  # seconds an ID token lasts unless the sign-in form says otherwise


@dataclass
class Grant:
    """One authorization code, waiting to be exchanged for tokens (once)."""

    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    claims: dict[str, Any]
    lifetime: int


@dataclass
class OidcProvider:
    """The provider's settings and state: its client, the redirect URIs it accepts, its key."""

    redirect_uris: tuple[str, ...]
    client_id: str = CLIENT_ID
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(
            2048, {"alg": "RS256", "use": "sig"}, True, True
        )
    )
    issuer: str = ""
    grants: dict[str, Grant] = field(default_factory=dict)
    signed_in: list[str] = field(default_factory=list)  # emails, in the order tokens were issued

    def discovery(self) -> dict[str, Any]:
        """Return the discovery document (/.well-known/openid-configuration)."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "name", "exp", "iat", "nonce"],
        }

    def id_token(self, grant: Grant) -> str:
        """Return the signed ID token of a grant, expiring `grant.lifetime` seconds from now."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": hashlib.sha256(grant.claims["email"].encode()).hexdigest()[:16],
            "aud": self.client_id,
            "iat": now,
            "exp": now + grant.lifetime,
            **({"nonce": grant.nonce} if grant.nonce else {}),
            **grant.claims,
        }
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)


def _pkce_ok(challenge: str | None, verifier: str | None) -> bool:
    if challenge is None:
        return True
    if not verifier:
        return False
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge


CHOOSER = """<!doctype html><html><head><title>Test identity provider</title></head>
<body style="font-family:sans-serif;max-width:28em;margin:4em auto">
<h1>Test identity provider</h1><p>Choose who signs in to {client}.</p>
<form method="post" action="/authorize">{hidden}
<p><label>Email <input id="email" name="email" size="32" required></label></p>
<p><label>Name <input id="name" name="name" size="32"></label></p>
<p><label>ID token lasts (seconds)
<input id="lifetime" name="lifetime" value="{lifetime}"></label></p>
<p><button id="continue" type="submit">Continue</button></p></form></body></html>"""


def _handler(provider: OidcProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet: pytest shows failures
            pass

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path == "/.well-known/openid-configuration":
                self._json(provider.discovery())
            elif url.path == "/jwks":
                self._json({"keys": [provider.key.as_dict(private=False)]})
            elif url.path == "/authorize":
                self._chooser({k: v[0] for k, v in parse_qs(url.query).items()})
            else:
                self._json({"error": "not_found"}, 404)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            path = urlparse(self.path).path
            if path == "/authorize":
                self._authorize(form)
            elif path == "/token":
                self._token(form)
            else:
                self._json({"error": "not_found"}, 404)

        def _chooser(self, query: dict[str, str]) -> None:
            if query.get("client_id") != provider.client_id:
                return self._json({"error": "unauthorized_client"}, 400)
            if query.get("redirect_uri") not in provider.redirect_uris:
                return self._json(
                    {"error": "invalid_request", "uri": query.get("redirect_uri")}, 400
                )
            hidden = "".join(
                f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                for k, v in query.items()
            )
            page = CHOOSER.format(
                client=provider.client_id, hidden=hidden, lifetime=DEFAULT_LIFETIME
            )
            self._send(200, page.encode(), "text/html; charset=utf-8")

        def _authorize(self, form: dict[str, str]) -> None:
            if form.get("redirect_uri") not in provider.redirect_uris:
                return self._json({"error": "invalid_request"}, 400)
            code = secrets.token_urlsafe(16)
            email = form["email"].strip()
            provider.grants[code] = Grant(
                redirect_uri=form["redirect_uri"],
                nonce=form.get("nonce"),
                code_challenge=form.get("code_challenge"),
                claims={"email": email, "email_verified": True, "name": form.get("name") or email},
                lifetime=int(form.get("lifetime") or DEFAULT_LIFETIME),
            )
            back = {"code": code, **({"state": form["state"]} if "state" in form else {})}
            self.send_response(302)
            self.send_header("Location", f"{form['redirect_uri']}?{urlencode(back)}")
            self.end_headers()

        def _token(self, form: dict[str, str]) -> None:
            client_id, secret = self._client(form)
            if (client_id, secret) != (provider.client_id, provider.client_secret):
                return self._json({"error": "invalid_client"}, 401)
            grant = provider.grants.pop(form.get("code", ""), None)
            if (
                grant is None
                or form.get("grant_type") != "authorization_code"
                or form.get("redirect_uri") != grant.redirect_uri
                or not _pkce_ok(grant.code_challenge, form.get("code_verifier"))
            ):
                return self._json({"error": "invalid_grant"}, 400)
            provider.signed_in.append(grant.claims["email"])
            self._json(
                {
                    "access_token": secrets.token_urlsafe(24),
                    "token_type": "Bearer",
                    "expires_in": grant.lifetime,
                    "scope": "openid email profile",
                    "id_token": provider.id_token(grant),
                }
            )

        def _client(self, form: dict[str, str]) -> tuple[str | None, str | None]:
            header = self.headers.get("Authorization", "")
            if header.startswith("Basic "):
                pair = base64.b64decode(header[6:]).decode()
                user, _, password = pair.partition(":")
                return user, password
            return form.get("client_id"), form.get("client_secret")

        def _json(self, body: dict[str, Any], status: int = 200) -> None:
            self._send(status, json.dumps(body).encode(), "application/json")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def running_provider(redirect_uris: tuple[str, ...], port: int = 0) -> Iterator[OidcProvider]:
    """Serve a provider on 127.0.0.1 (a free port unless given) in a thread; stop it after."""
    provider = OidcProvider(redirect_uris)
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(provider))
    provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    """Serve a provider until interrupted, printing what secrets.toml needs."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--port", type=int, default=9000)
    args.add_argument("--redirect-uri", default="http://localhost:8501/oauth2callback")
    options = args.parse_args()
    with running_provider((options.redirect_uri,), options.port) as provider:
        print(f'client_id = "{provider.client_id}"')
        print(f'client_secret = "{provider.client_secret}"')
        print(f'server_metadata_url = "{provider.issuer}/.well-known/openid-configuration"')
        threading.Event().wait()


if __name__ == "__main__":
    main()
