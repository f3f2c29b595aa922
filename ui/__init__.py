"""The mirror's screen: PySide6 Qt Quick (QML files) and thin bridges over the kiosk core.

Bridges only translate: core state becomes Qt properties with notify signals, QML intents
become calls into the core. Decisions live in ``kiosk``.
"""
