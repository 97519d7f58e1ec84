"""The consultation hub: an aiohttp service holding queue, accounts, signaling, chat, messages.

It imports nothing of ours but ``advisor_app.protocol``.
"""
