"""Connector for case systems that speak the ZGW APIs (Zaken, Catalogi, Notificaties).

Reads zaken, their status history and zaaktypen from the Zaken and Catalogi APIs (as
Open Zaak serves them), maps them to our case events (``mapping``), and sends them to
ingest with the connector SDK, by polling (``sync.Connector.poll_once``) and on
Notificaties API callbacks (``server``). A notice of default has no ZGW object, so it
is registered by hand with ``python -m connectors.zgw notice``. See ``cli`` for the
command line.
"""

from connectors.zgw.cli import main

__all__ = ["main"]
