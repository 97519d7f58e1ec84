"""Typed keys for what the aiohttp application holds."""

from __future__ import annotations

from aiohttp import web

from advisor_app.hub.service import Hub

HUB = web.AppKey("hub", Hub)
