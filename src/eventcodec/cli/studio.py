"""`eventcodec studio`: serve the web studio (needs the `[web]` extra)."""

from __future__ import annotations

import argparse
import ipaddress
import sys

from eventcodec.errors import EventCodecError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("studio", help="open the web studio (encode, see, play, edit, export)",
                              description="Serve the studio on http://HOST:PORT (local only by default).")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    p.add_argument("--encoder", default="abs", help="registered encoder to use (default abs)")
    p.add_argument("--max-upload-mb", type=float, default=64.0, help="largest upload in MiB (default 64)")
    p.add_argument("--max-duration-s", type=float, default=120.0, help="longest audio in seconds (default 120)")
    p.add_argument("--threads", type=int, default=1, help="torch threads per encode and for rendering (default 1)")
    p.add_argument("--quiet", action="store_true", help="no request log")
    p.set_defaults(func=run)


def _check(args: argparse.Namespace) -> None:
    try:
        ip = ipaddress.ip_address(args.host)
    except ValueError:
        if args.host != "localhost":
            raise EventCodecError(f"--host must be an IP address or localhost, got {args.host!r}") from None
        ip = ipaddress.ip_address("127.0.0.1")
    if not 0 <= args.port <= 65535:
        raise EventCodecError(f"--port must be 0..65535, got {args.port}")
    if args.max_upload_mb <= 0 or args.max_duration_s <= 0 or args.threads < 1:
        raise EventCodecError("--max-upload-mb, --max-duration-s and --threads must be positive")
    if not ip.is_loopback:
        print(f"eventcodec: warning: binding {args.host}: the studio is reachable from other machines and has "
              "no login", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    _check(args)
    try:
        import uvicorn

        from eventcodec.web.app import LOOPBACK_HOSTS, create_app
    except ImportError as e:
        raise EventCodecError(f"the studio needs the web extra: pip install 'eventcodec[web]' ({e.name} missing)") \
            from None
    import torch

    from eventcodec.web.security import Limits

    torch.set_num_threads(args.threads)
    limits = Limits(max_upload_bytes=int(args.max_upload_mb * 2**20), max_duration_s=args.max_duration_s,
                    encode_threads=args.threads)
    hosts = list(LOOPBACK_HOSTS) + ([] if args.host in ("127.0.0.1", "localhost") else [args.host])
    app = create_app(limits, encoder=args.encoder,
                     allowed_hosts=["*"] if args.host in ("0.0.0.0", "::") else hosts)
    url_host = f"[{args.host}]" if ":" in args.host else args.host  # an IPv6 address is bracketed in URLs
    print(f"eventcodec studio on http://{url_host}:{args.port}/  (Ctrl+C stops it)", file=sys.stderr)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning" if args.quiet else "info",
                    server_header=False, timeout_graceful_shutdown=3)
    except OSError as e:
        raise EventCodecError(f"cannot serve on {args.host}:{args.port}: {e.strerror or e}") from None
    return 0
