"""``kiosk config check``: read and check the configuration, print what is in force."""

from __future__ import annotations

import argparse
import json

from kiosk.config import SECRET_KEYS, load_config, resolve_config_path


def register(subparsers) -> None:
    p = subparsers.add_parser("config", help="check the configuration file")
    sub = p.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="check the configuration (--json: and print the settings in force)")
    check.add_argument("--config", help="configuration file (default: $KIOSK_CONFIG, else /etc/smartmirror/kiosk.toml)")
    check.add_argument("--json", action="store_true", help="print the settings as JSON")
    check.set_defaults(func=check_config)


def check_config(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.json:
        print(json.dumps(_hide_secrets(config.model_dump(mode="json")), indent=2))
    else:
        path = resolve_config_path(args.config)
        print(f"{path or 'built-in defaults'}: OK")
    return 0


def _hide_secrets(settings):
    """The settings with every secret's value replaced by whether it is set: this output is
    pasted into tickets and chats, and a token or PIN there is a working key to the mirror."""
    if isinstance(settings, dict):
        return {key: (_SET if value else "") if key in SECRET_KEYS and isinstance(value, str) else _hide_secrets(value)
                for key, value in settings.items()}
    if isinstance(settings, list):
        return [_hide_secrets(value) for value in settings]
    return settings


_SET = "(set, not shown)"
