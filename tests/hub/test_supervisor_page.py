"""The hub serves the supervisor page at /supervisor/ (and sends /supervisor there) from the
web root, with the same security headers as the customer page; a web root without it is a
configuration error."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from advisor_app.hub.app import web_root_problem
from advisor_app.hub.security import CONTENT_SECURITY_POLICY
from advisor_app.paths import resources_dir
from tests.support.hub import RunningHub

SAME_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
)


async def test_the_page_is_served_with_the_customer_pages_headers(hub: RunningHub) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{hub.url}/") as response:
            customer = {name: response.headers.get(name) for name in SAME_HEADERS}
        async with session.get(f"{hub.url}/supervisor/") as response:
            assert response.status == 200
            assert response.content_type == "text/html"
            page = await response.text()
            assert {name: response.headers.get(name) for name in SAME_HEADERS} == customer
            assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert '<script type="module" src="js/main.js">' in page
        # No inline script or style: the policy would refuse them.
        assert "<script>" not in page and "<style" not in page and " style=" not in page
        async with session.get(f"{hub.url}/supervisor", allow_redirects=False) as response:
            assert response.status == 308
            assert response.headers["Location"] == "/supervisor/"
            assert response.headers["X-Frame-Options"] == "DENY"
        for asset in ("/supervisor/js/main.js", "/supervisor/supervisor.css", "/js/i18n-core.js"):
            async with session.get(f"{hub.url}{asset}") as response:
                assert response.status == 200, asset
                assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_web_root_without_the_supervisor_page_is_refused(tmp_path: Path) -> None:
    assert web_root_problem(resources_dir() / "web") is None
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html>", "utf-8")
    (web / "notices.json").write_text('{"version": "1"}', "utf-8")
    assert web_root_problem(web) == (
        f"the supervisor page is missing: {web} has no supervisor/index.html"
    )
    (web / "supervisor" / "js").mkdir(parents=True)
    (web / "supervisor" / "index.html").write_text("<!doctype html>", "utf-8")
    assert web_root_problem(web) == (
        f"the supervisor page is missing: {web} has no supervisor/js/main.js"
    )
    (web / "supervisor" / "js" / "main.js").write_text("", "utf-8")
    (web / "supervisor" / "supervisor.css").write_text("", "utf-8")
    assert web_root_problem(web) is None
