"""Outbound HTTP that cannot be turned against our own network (no SSRF).

Every hop of a request is checked after DNS resolution: a host that resolves to
a private, loopback, link-local, reserved, multicast or otherwise non-public
address is refused, and the connection goes to the very address that was
checked (the Host header and TLS server name carry the original host name), so
a second DNS answer cannot swap in another address. Redirects are followed by
hand, each one checked the same way. Time, size and the number of redirects are
bounded.

The one exception is settings.FETCH_ALLOWED_HOSTS: exact "host:port" pairs an
operator names (`make run` names its own server, whose demo feed it polls).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx
from django.conf import settings

DEFAULT_PORTS = {"http": 80, "https": 443}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._-]+)""", re.IGNORECASE)


class FetchError(Exception):
    """The URL cannot be used; `code` says why (it becomes the API error code)."""

    def __init__(self, message: str, *, code: str = "fetch_failed") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def address_allowed(address: str, *, allow_loopback: bool = False) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return allow_loopback
    return ip.is_global and not (
        ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified
    )


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (an IP literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_url(url: str, *, allow_loopback: bool = False) -> tuple[httpx.URL, str]:
    """The parsed URL and the one address to connect to; FetchError if refused."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError(f"{url!r} is not a valid URL.", code="url_not_allowed") from exc
    if parsed.scheme not in DEFAULT_PORTS:
        raise FetchError("Only http and https URLs can be fetched.", code="url_not_allowed")
    if not parsed.host:
        raise FetchError("The URL has no host.", code="url_not_allowed")
    if parsed.userinfo:
        raise FetchError("URLs with credentials are not fetched.", code="url_not_allowed")
    port = parsed.port or DEFAULT_PORTS[parsed.scheme]
    # Named by the operator, host and port exactly: a redirect to another port
    # or another loopback address is still checked below.
    allowed = f"{parsed.host}:{port}".lower() in {name.lower() for name in settings.FETCH_ALLOWED_HOSTS}
    try:
        addresses = resolve(parsed.host, port)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise FetchError(f"The host {parsed.host!r} could not be resolved.", code="url_unresolvable") from exc
    if not addresses:
        raise FetchError(f"The host {parsed.host!r} could not be resolved.", code="url_unresolvable")
    # One refused address refuses the host: a round-robin answer must not be a way in.
    for address in addresses:
        if not allowed and not address_allowed(address, allow_loopback=allow_loopback):
            raise FetchError(
                f"The host {parsed.host!r} resolves to a non-public address; it is not fetched.",
                code="url_not_allowed",
            )
    return parsed, addresses[0]


@dataclass(frozen=True)
class Fetched:
    url: str
    status: int
    content_type: str
    charset: str | None
    body: bytes
    # The answer's headers, lower-cased names (conditional GET needs ETag and Last-Modified).
    headers: Mapping[str, str] = field(default_factory=dict)

    def text(self) -> str:
        charset = self.charset
        if charset is None and "html" in self.content_type:
            found = _META_CHARSET.search(self.body[:4096])
            charset = found.group(1).decode("ascii") if found else None
        try:
            return self.body.decode(charset or "utf-8", errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


def _pinned(target: httpx.URL, address: str) -> tuple[httpx.URL, dict[str, str], dict]:
    """The URL to the checked address, with the headers and TLS name of the real host."""
    host_header = target.netloc.decode("ascii")
    extensions: dict = {}
    if target.scheme == "https":
        extensions["sni_hostname"] = target.host
    return target.copy_with(host=address), {"Host": host_header}, extensions


def request(
    method: str,
    url: str,
    *,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
    allow_loopback: bool = False,
    follow_redirects: bool = True,
    timeout: float | None = None,
    max_bytes: int | None = None,
    max_redirects: int | None = None,
) -> Fetched:
    """Send one request through the address guard and read at most `max_bytes` of the answer."""
    timeout = settings.FETCH_TIMEOUT_SECONDS if timeout is None else timeout
    max_bytes = settings.FETCH_MAX_BYTES if max_bytes is None else max_bytes
    max_redirects = settings.FETCH_MAX_REDIRECTS if max_redirects is None else max_redirects
    deadline = time.monotonic() + timeout
    # identity: a compressed answer could expand far past max_bytes in one chunk.
    base_headers = {"User-Agent": settings.FETCH_USER_AGENT, "Accept-Encoding": "identity", **(headers or {})}
    # trust_env=False: a proxy from the environment would connect by host name,
    # around the address check.
    with httpx.Client(timeout=httpx.Timeout(timeout), trust_env=False, follow_redirects=False, verify=True) as client:
        for _hop in range(max_redirects + 1):
            target, address = check_url(url, allow_loopback=allow_loopback)
            pinned, host_headers, extensions = _pinned(target, address)
            try:
                outgoing = client.build_request(
                    method, pinned, content=content, headers={**base_headers, **host_headers}, extensions=extensions
                )
                response = client.send(outgoing, stream=True)
            except httpx.TimeoutException as exc:
                raise FetchError(f"{target.host} did not answer in time.", code="fetch_timeout") from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"{target.host} could not be reached: {exc}", code="fetch_failed") from exc
            try:
                if follow_redirects and response.is_redirect and "location" in response.headers:
                    url = str(target.join(response.headers["location"]))
                    if response.status_code in (301, 302, 303):
                        method, content = "GET", None
                    continue
                return _read(response, url=str(target), max_bytes=max_bytes, deadline=deadline)
            finally:
                response.close()
    raise FetchError(f"More than {max_redirects} redirects.", code="fetch_failed")


def _read(response: httpx.Response, *, url: str, max_bytes: int, deadline: float) -> Fetched:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"The answer is larger than {max_bytes:,} bytes.", code="fetch_too_large")
    body = bytearray()
    try:
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > max_bytes:
                raise FetchError(f"The answer is larger than {max_bytes:,} bytes.", code="fetch_too_large")
            if time.monotonic() > deadline:
                raise FetchError("The answer took too long to arrive.", code="fetch_timeout")
    except httpx.TimeoutException as exc:
        raise FetchError("The answer took too long to arrive.", code="fetch_timeout") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"The answer could not be read: {exc}", code="fetch_failed") from exc
    content_type, _, params = response.headers.get("content-type", "").partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.lower() == "charset" and value:
            charset = value.strip("\"' ")
    return Fetched(
        url=url,
        status=response.status_code,
        content_type=content_type.strip().lower(),
        charset=charset,
        body=bytes(body),
        headers={name.lower(): value for name, value in response.headers.items()},
    )


PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


def fetch_page(url: str) -> tuple[str, str]:
    """An article page for submission: (text or HTML, content type). Never a
    non-public address, never more than FETCH_MAX_BYTES."""
    fetched = page(url)
    return fetched.text(), fetched.content_type


def page(url: str) -> Fetched:
    """An HTML or plain-text page that answered 2xx, with the URL it ended at after redirects."""
    fetched = request("GET", url, headers={"Accept": "text/html,application/xhtml+xml,text/plain;q=0.9"})
    if not 200 <= fetched.status < 300:
        raise FetchError(f"The page answered HTTP {fetched.status}.", code="fetch_failed")
    if fetched.content_type not in PAGE_TYPES:
        raise FetchError(
            f"The page is {fetched.content_type or 'of no stated type'}; only HTML and plain text are read.",
            code="unsupported_content",
        )
    return fetched
