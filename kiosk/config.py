"""The kiosk's configuration: one TOML file, checked strictly at start-up.

Where the file comes from: ``--config``, else ``$KIOSK_CONFIG``, else
``/etc/smartmirror/kiosk.toml`` if it exists, else the built-in defaults (which work on a
laptop). Unknown keys, wrong types and out-of-range values stop start-up with a ``ConfigError``
naming the file, the key and what was expected. Every setting is documented in
``docs/kiosk.example.toml``; ``tests/unit/test_config_file.py`` checks the two stay in step.

Each section is owned by the capability that uses it; the fields carry their bounds and a
one-line description, which is also the documentation.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from kiosk.errors import ConfigError

SYSTEM_CONFIG = Path("/etc/smartmirror/kiosk.toml")
#: How a file that does not parse is named; tomllib's words after it point at a line and column, not a key.
NOT_TOML = "not valid TOML"
NOT_FOUND = "configuration file not found"
UNREADABLE = "cannot read the configuration file"
NOT_TEXT = "not a text file (expected UTF-8 TOML)"
# The site's environment overrides (KIOSK_LOG_LEVEL, TZ…): the units' EnvironmentFile=, not settings.
SYSTEM_ENV_FILE = Path("/etc/smartmirror/kiosk.env")


class Section(BaseModel):
    """Base for every section: unknown keys are errors, values are checked on assignment too."""

    model_config = ConfigDict(extra="forbid", strict=True, validate_assignment=True)


class CameraConfig(Section):
    """The camera the mirror shows."""

    source: str = Field(
        "auto",
        description="Camera source spec (v4l2:/dev/video0?width=1920&height=1080&fps=30&fourcc=MJPG, "
        "file:PATH?loop=1&realtime=1, synthetic:?width=1280&height=720&fps=30), or auto: "
        "the first working V4L2 camera, else the synthetic one.",
    )
    watchdog_s: float = Field(2.0, ge=0.2, le=60, description="Seconds without a picture before the camera is reopened.")
    backoff_max_s: float = Field(10.0, ge=0.5, le=300, description="Longest wait between two tries to reopen the camera.")

    @field_validator("source")
    @classmethod
    def _check_source(cls, value: str) -> str:
        if value != "auto":
            from kiosk.source_spec import SourceSpecError, parse_source_spec

            try:
                parse_source_spec(value)
            except SourceSpecError as exc:
                raise ValueError(str(exc)) from None
        return value


class DisplayConfig(Section):
    """How the picture is shown; all of it is done by the GPU, not per pixel in Python."""

    rotation: Literal[0, 90, 180, 270] = Field(
        0, description="Clockwise rotation of the picture in degrees: 90 or 270 for a portrait screen."
    )
    mirror: bool = Field(True, description="Flip left/right like a real mirror.")
    fill: Literal["crop", "fit"] = Field("crop", description="crop fills the screen (edges cut off); fit shows the whole picture.")
    zoom: float = Field(1.0, ge=1.0, le=4.0, description="Extra zoom on top of the fill, e.g. 1.2 to frame a person tighter.")
    pan_x: float = Field(0.0, ge=-1.0, le=1.0, description="Horizontal shift of the zoomed picture, -1 (left edge) to 1 (right edge).")
    pan_y: float = Field(0.0, ge=-1.0, le=1.0, description="Vertical shift of the zoomed picture, -1 (top) to 1 (bottom).")
    fullscreen: bool = Field(True, description="Full screen without decorations or cursor (kiosk run --windowed overrides).")
    window_width: int = Field(540, ge=160, le=7680, description="Window width with --windowed.")
    window_height: int = Field(960, ge=160, le=7680, description="Window height with --windowed.")
    show_status: bool = Field(
        False, description="Show the small status line (fps, camera state): for setting up, shoppers see it too."
    )
    sleep_after_s: float = Field(
        120.0, ge=0.0, le=86400.0, description="Seconds with nobody in view and no touch before the screen goes dark; 0: never."
    )
    opening_hours: str = Field(
        "", description="Store hours, e.g. 'Mo-Sa 09:00-20:00; Su 11:00-17:00': outside them the screen stays dark "
        "unless touched; empty: always open."
    )
    power: Literal["auto", "wlr-randr", "xset", "vcgencmd", "backlight", "black"] = Field(
        "auto", description="How the screen is switched off: auto tries wlr-randr, xset, vcgencmd, a backlight, then a black screen."
    )
    power_output: str = Field("", description="wlr-randr output to switch, e.g. HDMI-A-1; empty: every output.")
    dark_analysis_fps: float = Field(
        4.0, ge=1.0, le=30.0, description="Frames analysed per second while the screen is dark (to notice someone stepping in)."
    )

    @field_validator("opening_hours")
    @classmethod
    def _check_hours(cls, value: str) -> str:
        from kiosk.opening_hours import parse_opening_hours

        parse_opening_hours(value)  # its ValueError names what is wrong
        return value


class SessionConfig(Section):
    """When the mirror wakes up and goes back to the attract screen."""

    idle_timeout_s: float = Field(
        60.0, ge=5, le=3600, description="Seconds without anyone in front (or any touch) before the attract screen returns."
    )
    wake_after_s: float = Field(0.7, ge=0.0, le=10, description="Seconds a full-body person must be in view to wake the mirror.")
    end_after_s: float = Field(
        20.0, ge=1.0, le=600, description="Seconds a person must be gone before their session ends (brief occlusions do not count)."
    )


class ApiConfig(Section):
    """The mirror on the store network: zeroconf name, HTTP API, associate console."""

    name: str = Field("Smart Mirror", min_length=1, max_length=63, description="Name announced on the LAN, e.g. 'Fitting Room 3 Mirror'.")
    room: str = Field("", max_length=63, description="Fitting room shown to associates, e.g. '3'.")
    store: str = Field("", max_length=63, description="Store name, shown on share pages and announced on the LAN.")
    mirror_id: str = Field("", description="Stable UUID of this mirror; empty: created once and kept in the network database.")
    port: int = Field(8080, ge=0, le=65535, description="TCP port of the HTTP API, share pages and console (0: any free port).")
    bind: str = Field("0.0.0.0", description="IPv4 address the HTTP server listens on (0.0.0.0: every one; 127.0.0.1: this device only).")
    interfaces: list[str] = Field(
        default_factory=list, description="IPv4 addresses to announce on; empty: every address except loopback."
    )
    announce: bool = Field(True, description="Announce the mirror on the LAN by zeroconf (mDNS).")
    token: str = Field(
        "", description="Bearer token for the API and console, at least 32 characters (KIOSK_API_TOKEN overrides); empty: API locked."
    )
    pin: str = Field("", description="Associate console PIN (4-12 digits); empty: sign in with the token only.")
    public_url: str = Field("", description="Base URL put in share links, e.g. http://mirror3.local:8080; empty: as the client called us.")
    cors_origins: list[str] = Field(default_factory=list, description="Web origins allowed to call the API from a browser; empty: none.")
    max_body_bytes: int = Field(65536, ge=1024, le=16 * 1024 * 1024, description="Largest request body accepted, in bytes.")
    txt_interval_s: float = Field(2.0, ge=0.2, le=60, description="Shortest time between two zeroconf state updates.")
    video_mb_s: float = Field(
        8.0, ge=0, le=1000, description="Megabytes per second all video downloads share (0: no limit), so the screen never stutters."
    )

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        # announced on the LAN as one DNS label (zeroconf refuses a longer one, and the mirror would not be found)
        size = len(value.encode("utf-8"))
        if size > 63:
            raise ValueError(f"{size} bytes long in UTF-8 (letters such as \u00f6 take two): at most 63, as a name on the LAN")
        return value

    @field_validator("token")
    @classmethod
    def _check_token(cls, value: str) -> str:
        if value and len(value) < 32:
            raise ValueError("too short: use at least 32 random characters (e.g. openssl rand -hex 24)")
        return value

    @field_validator("bind")
    @classmethod
    def _check_bind(cls, value: str) -> str:
        # the HTTP server listens on an IPv4 socket (kiosk.net.service); "" is every address, as 0.0.0.0,
        # and "localhost" (which that socket resolves to 127.0.0.1) was always accepted
        if value and value != "localhost":
            import ipaddress

            try:
                ipaddress.IPv4Address(value)
            except ValueError:
                raise ValueError(f"expected an IPv4 address such as 0.0.0.0 or 127.0.0.1, got {value!r}") from None
        return value

    @field_validator("interfaces")
    @classmethod
    def _check_interfaces(cls, value: list[str]) -> list[str]:
        from kiosk.net.addresses import check_interfaces

        return check_interfaces(value)  # its ValueError names the address that is wrong

    @field_validator("pin")
    @classmethod
    def _check_pin(cls, value: str) -> str:
        if value and not (value.isdigit() and 4 <= len(value) <= 12):
            raise ValueError("expected 4 to 12 digits")
        return value

    @field_validator("mirror_id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if value:
            import uuid

            try:
                uuid.UUID(value)
            except ValueError:
                raise ValueError("expected a UUID such as 0b8e2c5e-5d0e-4c3a-9a57-0c1d2e3f4a5b") from None
        return value


class SharingConfig(Section):
    """Share links (QR codes) for consented looks."""

    expiry_h: float = Field(24.0, ge=0.1, le=24 * 30, description="Hours a share link works.")


class WebhookConfig(Section):
    """Optional store service that receives events and shared looks (HMAC-signed JSON)."""

    url: str = Field("", description="http(s) URL to POST to; empty: no webhook.")
    secret: str = Field("", description="HMAC-SHA256 key for the X-Smartmirror-Signature header; at least 16 characters when url is set.")
    timeout_s: float = Field(5.0, ge=0.5, le=60, description="Seconds to wait for the store service per try.")
    max_backoff_s: float = Field(300.0, ge=1, le=3600, description="Longest wait between two tries of a failing delivery.")

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return value

    @model_validator(mode="after")
    def _check_secret(self) -> WebhookConfig:
        # unsigned deliveries would let anyone on the LAN post events in the mirror's name
        if self.url and len(self.secret) < 16:
            raise PydanticCustomError(
                "setting_error",
                "needs at least 16 characters when webhook.url is set (the store service checks signatures with it)",
                {"field": "secret"},
            )
        return self


class RecordingConfig(Section):
    """How looks are recorded: encoder, pre-roll, length limits and the disk-space floor."""

    encoder: Literal["auto", "libx264", "h264_v4l2m2m"] = Field(
        "auto", description="H.264 encoder: auto tries the hardware encoder (h264_v4l2m2m) first, then libx264."
    )
    crf: int = Field(23, ge=15, le=35, description="libx264 quality (lower: better and bigger).")
    max_bitrate_kbps: int = Field(8000, ge=500, le=50000, description="Bitrate cap in kbit/s (the hardware encoder's target).")
    keyframe_interval_s: float = Field(1.0, ge=0.25, le=5.0, description="Seconds between keyframes: the pre-roll's granularity.")
    preroll_s: float = Field(2.0, ge=0.0, le=10.0, description="Seconds before the start request that a recording includes.")
    max_s: float = Field(15.0, ge=2.0, le=120.0, description="Longest recording in seconds; it stops by itself there.")
    min_s: float = Field(1.0, ge=0.0, le=30.0, description="Recordings shorter than this many seconds are discarded.")
    min_free_mb: int = Field(500, ge=1, le=1_000_000, description="Free disk space (MB) below which no recording starts.")

    @field_validator("min_s")
    @classmethod
    def _check_min_s(cls, value: float, info) -> float:
        if "max_s" in info.data and value >= info.data["max_s"]:
            raise ValueError(f"must be shorter than max_s ({info.data['max_s']:g} s)")
        return value


class LibraryConfig(Section):
    """Where looks are kept and for how long."""

    data_dir: str = Field(
        "",
        description="Folder of the look library and the other data files; empty: $STATE_DIRECTORY (systemd), "
        "else /var/lib/smartmirror as root, else ~/.local/share/smartmirror.",
    )
    max_age_days: float = Field(30.0, ge=0.0, le=3650.0, description="Days a kept look is stored; 0: no age limit.")
    max_gb: float = Field(0.0, ge=0.0, le=100_000.0, description="Gigabytes all looks may use (oldest deleted first); 0: no limit.")


class AnalysisConfig(Section):
    """Body analysis: the pose model, presence, the 360° turn and touchless gestures."""

    enabled: bool = Field(True, description="Run the body analysis (presence, turn detection, gestures).")
    model_complexity: Literal[0, 1, 2] = Field(
        1, description="mediapipe pose model: 0 lite, 1 full, 2 heavy; mediapipe 0.10.18 bundles only 1."
    )
    input_size: int = Field(320, ge=128, le=1920, description="Longest side in pixels of the picture given to the pose model.")
    crop_to_person: bool = Field(True, description="Hand the model a crop around the person seen last (sharper when they are small).")
    face_check: bool = Field(True, description="Look for a face on the head to tell a front view from a back view.")
    max_fps: float = Field(15.0, ge=1.0, le=60.0, description="Most frames analysed per second; the rest are skipped.")
    min_fps: float = Field(
        5.0, ge=0.5, le=60.0,
        description="Fewest frames analysed per second when the mirror needs the CPU (the pacer's floor and start).",
    )
    runner: Literal["thread", "process"] = Field(
        "process", description="Run the pose model in a separate process (frames in shared memory) or in a thread of the kiosk."
    )
    nice: int = Field(10, ge=0, le=19, description="How much lower the pose model's scheduling priority is than the kiosk's (0–19).")
    idle_priority: bool = Field(
        False, description="Run the pose model only on CPU time nothing else wants (Linux SCHED_IDLE)."
    )
    turn_start_deg: float = Field(
        75.0, ge=30.0, le=180.0, description="Degrees of rotation that start a turn (and its recording; the pre-roll keeps its beginning)."
    )
    turn_complete_deg: float = Field(300.0, ge=240.0, le=360.0, description="Degrees of rotation that make a complete turn.")
    turn_pause_max_s: float = Field(6.0, ge=0.5, le=30.0, description="Longest pause within a turn before it counts as given up.")
    turn_max_s: float = Field(20.0, ge=2.0, le=120.0, description="Longest a turn may take.")
    presence_bridge_s: float = Field(0.5, ge=0.0, le=5.0, description="Seconds a change of presence must last before it counts.")
    gestures: bool = Field(True, description="Recognise touchless gestures (hand held up, sideways swipe).")
    gesture_hold_s: float = Field(1.0, ge=0.3, le=5.0, description="Seconds a hand must be held above the head.")


class ReaderConfig(Section):
    """The loyalty card reader on a serial line (PN532 NFC, RDM6300 125 kHz, or one ID per line)."""

    port: str = Field(
        "", description="pyserial URL of the reader, e.g. /dev/serial/by-id/usb-...; empty: no card reader."
    )
    protocol: Literal["auto", "pn532", "rdm6300", "line"] = Field(
        "auto", description="Reader type; auto asks for a PN532, else listens for RDM6300 frames or ID lines."
    )
    baudrate: int = Field(0, ge=0, le=4_000_000, description="Serial speed; 0: the reader's usual one (PN532 115200, others 9600).")
    removal_s: float = Field(0.5, ge=0.1, le=10.0, description="Seconds a card must be unseen before it counts as taken away.")
    poll_interval_s: float = Field(0.1, ge=0.02, le=2.0, description="Pause between two PN532 polls for a card.")
    backoff_max_s: float = Field(10.0, ge=0.5, le=300.0, description="Longest wait between two tries to reopen a lost reader.")


class IdentityConfig(Section):
    """Loyalty cards as keys: the store secret and the local customer directory."""

    secret_file: str = Field(
        "", description="Store secret (hex) that card numbers are hashed with; empty: store-secret in the library's data folder."
    )
    database: str = Field("", description="Customer directory (SQLite); empty: identity.sqlite3 in the library's data folder.")
    associate_unlock_s: float = Field(
        120.0, ge=5, le=3600,
        description="Seconds a staff card's tap opens the associate panel for (a tap renews it); then it closes and clears.",
    )


class Config(Section):
    """The whole configuration file."""

    camera: CameraConfig = Field(default_factory=CameraConfig)
    display: DisplayConfig = Field(default_factory=DisplayConfig)
    session: SessionConfig = Field(default_factory=SessionConfig)
    api: ApiConfig = Field(default_factory=ApiConfig)
    sharing: SharingConfig = Field(default_factory=SharingConfig)
    webhook: WebhookConfig = Field(default_factory=WebhookConfig)
    recording: RecordingConfig = Field(default_factory=RecordingConfig)
    library: LibraryConfig = Field(default_factory=LibraryConfig)
    reader: ReaderConfig = Field(default_factory=ReaderConfig)
    identity: IdentityConfig = Field(default_factory=IdentityConfig)
    analysis: AnalysisConfig = Field(default_factory=AnalysisConfig)

    #: Where the settings came from ("built-in defaults" or a file path), for messages.
    origin: str = Field("built-in defaults", exclude=True)


def resolve_config_path(explicit: str | None) -> Path | None:
    """The file to read: ``--config``, else ``$KIOSK_CONFIG``, else the system file if present."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("KIOSK_CONFIG")
    if env:
        return Path(env)
    return SYSTEM_CONFIG if SYSTEM_CONFIG.exists() else None


def load_config(explicit: str | None = None) -> Config:
    """Read and check the configuration; raise ``ConfigError`` with one plain sentence."""
    path = resolve_config_path(explicit)
    if path is None:
        return Config()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: {NOT_FOUND}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: {UNREADABLE} ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: {NOT_TEXT}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {NOT_TOML}: {exc}") from None
    return parse_config(data, str(path))


def parse_config(data: dict, origin: str) -> Config:
    """Check a parsed TOML document; ``origin`` names it in error messages."""
    if "origin" in data:
        raise ConfigError(f"{origin}: unknown key 'origin'")
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: {describe_error(exc)}") from None
    config.origin = origin
    return config


#: Settings whose values are never repeated in a message: a mistyped secret is still nearly the secret.
SECRET_KEYS = frozenset({"token", "pin", "secret"})


class _Hidden:
    def __repr__(self) -> str:
        return "(a value not shown: it is a secret)"


def describe_error(exc: ValidationError) -> str:
    """Turn pydantic's first error into 'key: what was expected, got what' (secrets never shown)."""
    err = exc.errors(include_url=False)[0]
    key = ".".join(str(part) for part in err["loc"]) or "(top level)"
    kind = err["type"]
    got = err.get("input")
    if err["loc"] and str(err["loc"][-1]) in SECRET_KEYS:
        got = _Hidden()
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        section = ".".join(str(p) for p in err["loc"][:-1])
        return f"unknown key '{key}'" + (f" (not a setting of [{section}])" if section else "")
    if kind == "setting_error":  # a check across settings names the one to change
        return f"{key}.{ctx['field']}: {err['msg']}"
    if kind == "literal_error":
        return f"{key}: expected one of {ctx.get('expected')}, got {got!r}"
    bounds = {
        "greater_than_equal": "≥ {ge}",
        "greater_than": "> {gt}",
        "less_than_equal": "≤ {le}",
        "less_than": "< {lt}",
    }
    if kind in bounds:
        return f"{key}: expected a value {bounds[kind].format(**ctx)}, got {got!r}"
    if kind == "value_error":
        return f"{key}: {ctx.get('error', err['msg'])}"
    expected = {
        "bool_type": "true or false",
        "bool_parsing": "true or false",
        "int_type": "a whole number",
        "int_parsing": "a whole number",
        "int_from_float": "a whole number",
        "float_type": "a number",
        "float_parsing": "a number",
        "string_type": "a string",
        "model_type": "a table",
        "dict_type": "a table",
        "list_type": "a list",
    }.get(kind)
    if expected:
        return f"{key}: expected {expected}, got {got!r}"
    return f"{key}: {err['msg']}"
