"""A built site served from 127.0.0.1 on a free port, for the browser tests."""
from __future__ import annotations

import functools
import http.server
import threading
from contextlib import contextmanager
from pathlib import Path


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(directory: Path):
    """Yields the base URL (no trailing slash) while `directory` is served."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def watched_page(context):
    """A new page that records what a reader must never meet in `page.problems` (console errors, page
    errors, dialogs, which it dismisses, and requests leaving the machine, which it aborts) and the path of
    every request in `page.fetched`. The browser tests open their pages through it."""
    from urllib.parse import urlsplit

    pg = context.new_page()
    pg.problems, pg.fetched = [], []
    pg.on("console", lambda m: pg.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
    pg.on("dialog", lambda d: (pg.problems.append(f"dialog: {d.message}"), d.dismiss()))
    pg.on("request", lambda r: pg.fetched.append(urlsplit(r.url).path))

    def guard(route):
        if urlsplit(route.request.url).hostname not in ("127.0.0.1", "localhost"):
            pg.problems.append(f"third-party request: {route.request.url}")
            route.abort()
        else:
            route.continue_()

    pg.route("**/*", guard)
    return pg
