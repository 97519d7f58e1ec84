"""The hub's storage interface and its records. SQLite is the default backend."""

from advisor_app.hub.storage.base import (
    AdvisorRecord,
    ChatRecord,
    ConsultationRecord,
    CustomerRecord,
    LoginLimits,
    NewCustomer,
    OfflineMessageRecord,
    PurgeCounts,
    Storage,
    StorageError,
)

__all__ = [
    "AdvisorRecord",
    "ChatRecord",
    "ConsultationRecord",
    "CustomerRecord",
    "LoginLimits",
    "NewCustomer",
    "OfflineMessageRecord",
    "PurgeCounts",
    "Storage",
    "StorageError",
]
