"""The frozen ``advisor-app``'s entry script (PyInstaller).

``multiprocessing.freeze_support()`` must come first: the document renderer's process pool
starts its workers with "spawn", which in a frozen app re-runs this executable; without the call
each worker would start the whole workstation again.

TLS certificates are then checked against the operating system's trust store (truststore):
Windows' certificate stores, the macOS Keychain, the Linux distribution's CA bundle. A frozen
Python otherwise looks for OpenSSL's CA files where the build machine had them, which on a
Mac does not exist (every https connection to the hub would fail), and it would not see a
bank's own root CA that IT rolls out to the system store.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()

    import truststore

    truststore.inject_into_ssl()

    from advisor_app.__main__ import main

    sys.exit(main())
