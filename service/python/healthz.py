#!/usr/bin/env python3
"""healthz: the write-up's aiohttp service. GET /healthz answers 200 {"status":"ok"}; any other
path is aiohttp's 404. Listens on 0.0.0.0, port from argv[1], else $PORT, else 8080.

SIGTERM (docker stop) and SIGINT end it with exit status 0: web.run_app turns them into a graceful
shutdown.
"""
import functools
import os
import sys

from aiohttp import web

DEFAULT_PORT = 8080
# The same bytes as the C++ service sends.
HEALTH_BODY = b'{"status":"ok"}'
# Bounds the graceful shutdown, well inside docker stop's 10 s grace period.
SHUTDOWN_TIMEOUT_S = 2.0


async def healthz(_request: web.Request) -> web.Response:
    return web.Response(body=HEALTH_BODY, content_type="application/json")


def port_from(argv: list, environ: dict) -> int:
    text = argv[1] if len(argv) > 1 else environ.get("PORT") or str(DEFAULT_PORT)
    if not text.isdigit() or int(text) > 65535:
        sys.exit(f"healthz: port: expected 0-65535, got {text!r}")
    return int(text)


def main() -> int:
    port = port_from(sys.argv, os.environ)
    app = web.Application()
    app.router.add_get("/healthz", healthz)
    # No access log: a line per request would be most of what a health probe measures.
    web.run_app(
        app,
        host="0.0.0.0",
        port=port,
        access_log=None,
        shutdown_timeout=SHUTDOWN_TIMEOUT_S,
        print=functools.partial(print, file=sys.stderr, flush=True),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
