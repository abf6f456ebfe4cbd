"""Requests to addresses someone typed go to the public internet only (no SSRF).

Every request the app makes to a URL or host that an operator or a location typed (webhook
endpoints, item and notification webhooks, the Bambora / Forte / Clover API addresses, the
bank's SFTP host) goes through this module:

- the scheme is http or https;
- the host is resolved here, once per connection, and every address it resolves to must be
  public: loopback in every spelling (127.1, 0x7f000001, 2130706433, ::1, ::ffff:127.0.0.1,
  localhost), 0.0.0.0, private ranges, link-local (the cloud metadata address 169.254.169.254),
  shared CGNAT space (100.64.0.0/10), multicast, reserved, unique-local IPv6, and public-looking
  IPv6 forms carrying one of those (6to4, NAT64, Teredo) are refused;
- the connection goes to the very address that was checked (the URL's host keeps its place in
  the Host header and in TLS, where the certificate is still checked against the name), so a
  name that answers a public address to the check and a private one a moment later (DNS
  rebinding) reaches nothing;
- redirects are never followed, and the environment's proxy settings are not used;
- refusals and failed connections raise one exception type, so callers tell the operator the
  same thing whatever the state of the port (no scanning of internal ports through error texts).

`ALLOW_INTERNAL_URLS=1` (development, and the tests' local stand-ins on 127.0.0.1) lets
internal addresses through; everything else stays the same.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from app.settings import get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")


class OutboundRefused(httpx.TransportError):
    """This URL or host may not be reached from here; `reason` says why, for a person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- the test hook: names resolved without DNS, addresses counted as public -------------

_test_names: dict[str, list[str]] = {}
_test_public: set[str] = set()


@contextmanager
def test_network(
    names: dict[str, list[str]] | None = None, public: set[str] | frozenset[str] = frozenset()
) -> Iterator[None]:
    """For tests: resolve `names` to the addresses given (other names through DNS as usual)
    and count the addresses in `public` as public (a stand-in on 127.0.0.2 posing as a shop's
    server). Restored on exit."""
    saved_names, saved_public = dict(_test_names), set(_test_public)
    _test_names.update({name.lower().rstrip("."): list(addresses) for name, addresses in (names or {}).items()})
    _test_public.update(public)
    try:
        yield
    finally:
        _test_names.clear()
        _test_names.update(saved_names)
        _test_public.clear()
        _test_public.update(saved_public)


# --- addresses ---------------------------------------------------------------------------


def internal_kind(address: IPAddress) -> str | None:
    """Why `address` is not on the public internet ("loopback", "private", ...), or None."""
    if str(address) in _test_public:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return internal_kind(embedded)
    if address.is_loopback:
        return "loopback"
    if address.is_unspecified or (isinstance(address, ipaddress.IPv4Address) and address in _THIS_NETWORK):
        return "unspecified"
    if address.is_link_local:
        return "link-local (cloud metadata)"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return "shared (carrier-grade NAT)"
    if address.is_private:
        return "private"
    if address.is_reserved or not address.is_global:
        return "reserved"
    return None


def _resolve(host: str, port: int) -> list[IPAddress]:
    name = host.lower().rstrip(".")
    if name in _test_names:
        return [ipaddress.ip_address(found) for found in _test_names[name]]
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise OutboundRefused(f"the server name {host} could not be found") from error
    found: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    if not found:
        raise OutboundRefused(f"the server name {host} could not be found")
    return found


def checked_address(host: str, port: int) -> str:
    """The address to connect to for `host`: resolved now, every answer public (unless
    ALLOW_INTERNAL_URLS). Raises OutboundRefused naming what it found."""
    if not host:
        raise OutboundRefused("the address has no server name")
    addresses = _resolve(host, port)
    if not get_settings().allow_internal_urls:
        for address in addresses:
            kind = internal_kind(address)
            if kind is not None:
                shown = host if host == str(address) else f"{host} ({address})"
                raise OutboundRefused(f"{shown} is a {kind} address, not one on the public internet")
    return str(addresses[0])


def parse_http_url(url: str) -> httpx.URL:
    """`url` as httpx reads it, when it is an absolute http(s) URL with a host; else OutboundRefused."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as error:
        raise OutboundRefused("it is not a URL") from error
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise OutboundRefused("only http:// and https:// URLs with a server name are allowed")
    return parsed


def check_url(url: str) -> None:
    """When a URL is saved: http(s), and (unless ALLOW_INTERNAL_URLS) its host resolves, to
    public addresses only. Raises OutboundRefused with the reason."""
    parsed = parse_http_url(url)
    if get_settings().allow_internal_urls:
        return
    checked_address(parsed.raw_host.decode("ascii"), parsed.port or (443 if parsed.scheme == "https" else 80))


def check_host(host: str, port: int) -> None:
    """When a host (an SFTP server) is saved: unless ALLOW_INTERNAL_URLS, it resolves, to public
    addresses only. Raises OutboundRefused with the reason."""
    if get_settings().allow_internal_urls:
        return
    checked_address(host, port)


# --- connecting --------------------------------------------------------------------------


class GuardedTransport(httpx.HTTPTransport):
    """An httpx transport that resolves the host once, checks every address, and connects to
    the checked one while the Host header and TLS (SNI, certificate) keep the name."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise OutboundRefused("only http:// and https:// URLs are allowed")
        port = url.port or (443 if url.scheme == "https" else 80)
        host = url.raw_host.decode("ascii")  # the name as sent (IDNA-encoded), as TLS wants it
        address = checked_address(host, port)
        if address != host:
            if url.scheme == "https":
                request.extensions = {**request.extensions, "sni_hostname": host}
            request.url = url.copy_with(host=address)
        return super().handle_request(request)


def http_client(*, timeout: httpx.Timeout | float) -> httpx.Client:
    """The client for every request to a typed URL: guarded, no redirects, no proxy from the environment."""
    # trust_env=False on the client: no HTTP(S)_PROXY from the environment (a proxy would connect
    # to the name itself); the transport keeps SSL_CERT_FILE / SSL_CERT_DIR for custom CAs.
    return httpx.Client(transport=GuardedTransport(), follow_redirects=False, trust_env=False, timeout=timeout)


def open_socket(host: str, port: int, *, timeout: float) -> socket.socket:
    """A TCP connection to `host` (a typed SFTP server) at its checked address."""
    return socket.create_connection((checked_address(host, port), port), timeout=timeout)
