"""The SSRF guard of claims.services.fetch: what may be fetched, checked after DNS
resolution, on every redirect, with bounded time and size."""

from __future__ import annotations

import pytest
from werkzeug import Response

from claims.services import fetch


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "::1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "192.0.2.10",  # documentation
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
    ],
)
def test_it_refuses_non_public_addresses(address):
    assert not fetch.address_allowed(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::6810:85e5", "8.8.8.8"])
def test_it_allows_public_addresses(address):
    assert fetch.address_allowed(address)


def test_it_allows_loopback_only_when_asked():
    assert fetch.address_allowed("127.0.0.1", allow_loopback=True)
    assert not fetch.address_allowed("10.0.0.1", allow_loopback=True)


def test_it_checks_the_address_a_name_resolves_to(monkeypatch):
    monkeypatch.setattr(fetch, "resolve", lambda host, port: ["93.184.215.14", "10.1.2.3"])
    with pytest.raises(fetch.FetchError) as refused:
        fetch.check_url("https://news.example/story")
    assert refused.value.code == "url_not_allowed"


@pytest.mark.parametrize(
    "url", ["http://localhost:8000/", "http://0x7f000001/", "http://2130706433/", "http://0177.0.0.1/", "http://127.1/"]
)
def test_it_resolves_names_and_odd_spellings_before_refusing_them(url):
    with pytest.raises(fetch.FetchError) as refused:
        fetch.check_url(url)
    assert refused.value.code == "url_not_allowed"


@pytest.mark.parametrize(
    "url", ["ftp://example.org/file", "file:///etc/passwd", "http://user:pw@example.org/", "gopher://x/", "http:///x"]
)
def test_it_refuses_other_schemes_credentials_and_hostless_urls(url):
    with pytest.raises(fetch.FetchError) as refused:
        fetch.check_url(url)
    assert refused.value.code == "url_not_allowed"


def test_it_connects_to_the_checked_address_with_the_real_host_name(httpserver, loopback_is_public, monkeypatch):
    monkeypatch.setattr(fetch, "resolve", lambda host, port: ["127.0.0.1"] if host == "news.example" else [])
    httpserver.expect_request("/story").respond_with_data("<html><p>Hello</p></html>", content_type="text/html")
    body, content_type = fetch.fetch_page(f"http://news.example:{httpserver.port}/story")
    assert content_type == "text/html"
    assert "Hello" in body
    request, _ = httpserver.log[0]
    assert request.headers["Host"] == f"news.example:{httpserver.port}"
    assert request.headers["User-Agent"].startswith("factcheck/")


def test_it_follows_a_redirect_to_a_public_address(httpserver, loopback_is_public):
    httpserver.expect_request("/old").respond_with_response(Response(status=301, headers={"Location": "/new"}))
    httpserver.expect_request("/new").respond_with_data("moved here", content_type="text/plain")
    assert fetch.fetch_page(httpserver.url_for("/old")) == ("moved here", "text/plain")


def test_it_refuses_a_redirect_to_a_private_address(httpserver, loopback_is_public):
    target = f"http://127.0.0.2:{httpserver.port}/internal"
    httpserver.expect_request("/hop").respond_with_response(Response(status=302, headers={"Location": target}))
    with pytest.raises(fetch.FetchError) as refused:
        fetch.fetch_page(httpserver.url_for("/hop"))
    assert refused.value.code == "url_not_allowed"
    assert [request.path for request, _ in httpserver.log] == ["/hop"]


def test_it_stops_after_too_many_redirects(httpserver, loopback_is_public, settings):
    settings.FETCH_MAX_REDIRECTS = 2
    httpserver.expect_request("/loop").respond_with_response(Response(status=302, headers={"Location": "/loop"}))
    with pytest.raises(fetch.FetchError, match="redirects"):
        fetch.fetch_page(httpserver.url_for("/loop"))
    assert len(httpserver.log) == 3


def test_it_caps_the_size_of_the_answer(httpserver, loopback_is_public, settings):
    settings.FETCH_MAX_BYTES = 1000
    httpserver.expect_request("/big").respond_with_data("x" * 5000, content_type="text/plain")
    with pytest.raises(fetch.FetchError) as refused:
        fetch.fetch_page(httpserver.url_for("/big"))
    assert refused.value.code == "fetch_too_large"


def test_it_caps_an_answer_that_does_not_declare_its_size(httpserver, loopback_is_public, settings):
    settings.FETCH_MAX_BYTES = 1000

    def stream():
        for _ in range(50):
            yield b"y" * 100

    httpserver.expect_request("/stream").respond_with_response(Response(stream(), content_type="text/plain"))
    with pytest.raises(fetch.FetchError) as refused:
        fetch.fetch_page(httpserver.url_for("/stream"))
    assert refused.value.code == "fetch_too_large"


def test_it_gives_up_on_a_slow_server(httpserver, loopback_is_public, settings):
    import time

    settings.FETCH_TIMEOUT_SECONDS = 0.3

    def slow(request):
        time.sleep(1.0)
        return Response("late", content_type="text/plain")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    with pytest.raises(fetch.FetchError) as refused:
        fetch.fetch_page(httpserver.url_for("/slow"))
    assert refused.value.code == "fetch_timeout"


def test_it_reads_only_html_and_text(httpserver, loopback_is_public):
    httpserver.expect_request("/doc.pdf").respond_with_data(b"%PDF-1.7", content_type="application/pdf")
    with pytest.raises(fetch.FetchError) as refused:
        fetch.fetch_page(httpserver.url_for("/doc.pdf"))
    assert refused.value.code == "unsupported_content"


def test_it_reports_an_error_status(httpserver, loopback_is_public):
    httpserver.expect_request("/gone").respond_with_data("nope", status=410, content_type="text/plain")
    with pytest.raises(fetch.FetchError, match="410"):
        fetch.fetch_page(httpserver.url_for("/gone"))


def test_it_decodes_by_the_declared_charset(httpserver, loopback_is_public):
    httpserver.expect_request("/latin").respond_with_data(
        "Café".encode("latin-1"), content_type="text/plain; charset=iso-8859-1"
    )
    assert fetch.fetch_page(httpserver.url_for("/latin"))[0] == "Café"
