"""The mirror on the store network: zeroconf, the HTTP API, share links and the associate console.

``service.NetService`` is the one object the rest of the kiosk uses: ``start()`` runs uvicorn,
the zeroconf announcement, the LAN directory and the webhook outbox on one named thread with
its own asyncio loop; ``stop()`` sends the zeroconf goodbye and joins it.
"""
