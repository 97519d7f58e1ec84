"""Every message that crosses a process boundary, as msgspec Structs.

Used by the hub, the advisor workstation and the tests; ``docs/protocol.md`` documents it for
the customer page. Imports no transport and no Qt.
"""

PROTOCOL_VERSION = 1
