"""The test identity provider issues what Authlib (st.login's OIDC client) accepts, and refuses
what a real provider refuses: a wrong secret, a reused code, a PKCE verifier that does not match."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.auth.oidc_provider import running_provider

REDIRECT = "http://127.0.0.1:8599/oauth2callback"


@pytest.fixture
def provider():
    with running_provider((REDIRECT,)) as running:
        yield running


def _code(provider, email: str, lifetime: int, verifier: str, nonce: str = "n-1") -> str:
    """Choose a user on the account chooser, as a browser would, and return the code sent back."""
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid email profile",
        "state": "s-1",
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    chooser = httpx.get(f"{provider.issuer}/authorize", params=query)
    assert chooser.status_code == 200 and 'name="email"' in chooser.text
    sent = httpx.post(
        f"{provider.issuer}/authorize",
        data={**query, "email": email, "name": "Ana", "lifetime": str(lifetime)},
    )
    back = parse_qs(urlparse(sent.headers["location"]).query)
    assert sent.status_code == 302 and back["state"] == ["s-1"]
    return back["code"][0]


def _client(provider, secret: str | None = None) -> OAuth2Client:
    return OAuth2Client(provider.client_id, secret or provider.client_secret, redirect_uri=REDIRECT)


def test_the_id_token_verifies_against_the_jwks_and_expires_when_the_chooser_said(provider):
    verifier = "v" * 48
    code = _code(provider, "ana@acme.com", lifetime=90, verifier=verifier)
    token = _client(provider).fetch_token(
        f"{provider.issuer}/token", code=code, code_verifier=verifier
    )
    keys = KeySet.import_key_set(httpx.get(f"{provider.issuer}/jwks").json())
    claims = jwt.decode(token["id_token"], keys).claims
    assert claims["email"] == "ana@acme.com" and claims["email_verified"] is True
    assert claims["aud"] == provider.client_id and claims["iss"] == provider.issuer
    assert claims["nonce"] == "n-1"
    assert abs(claims["exp"] - (time.time() + 90)) < 5
    assert provider.signed_in == ["ana@acme.com"]


@pytest.mark.parametrize("fault", ["wrong secret", "wrong verifier", "code used twice"])
def test_the_token_endpoint_refuses_what_a_real_provider_refuses(provider, fault):
    verifier = "w" * 48
    code = _code(provider, "ana@acme.com", lifetime=60, verifier=verifier)
    if fault == "code used twice":
        _client(provider).fetch_token(f"{provider.issuer}/token", code=code, code_verifier=verifier)
    with pytest.raises(Exception, match="invalid_client|invalid_grant"):
        _client(provider, "nope" if fault == "wrong secret" else None).fetch_token(
            f"{provider.issuer}/token",
            code=code,
            code_verifier="x" * 48 if fault == "wrong verifier" else verifier,
        )


def test_an_unregistered_redirect_uri_gets_no_chooser(provider):
    answer = httpx.get(
        f"{provider.issuer}/authorize",
        params={"client_id": provider.client_id, "redirect_uri": "http://evil.test/cb"},
    )
    assert answer.status_code == 400
