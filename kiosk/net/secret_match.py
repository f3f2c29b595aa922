"""Whether this mirror's store secret is the one the other mirrors on the LAN hold, judged from
what their hellos proved (``peers.PeerBook``), in one sentence for the public health.

A mirror installed with a secret of its own instead of the store's makes loyalty card keys no
other mirror shares and proves itself to none of them; nothing in the mirror itself can tell.
What can: every mirror it says hello to answers with a proof made with another secret
(``trust.WrongSecret``). Anyone on the LAN can answer a hello that way too, so one device that
does not prove the secret, among mirrors that do, is only that: a device that does not prove it
(a mirror holding the wrong secret says so in its own health). Only when devices answer as
mirrors and none proves the secret is this mirror's secret probably the odd one out. A mirror
alone on the LAN, or among devices that do not answer, has nothing to judge and says nothing.

The public health says how many, never where (docs/SECURITY.md); the log names the addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.words import count

LOADED = "the store secret is loaded: other mirrors can be checked"
#: What to do about a secret that is not the store's, as docs/STORE-IT.md says it.
REMEDY = ("copy the store's secret file over this mirror's (/etc/smartmirror/store-secret, as the Ansible "
          "play does with store_secret_file), then restart the kiosk")


@dataclass(frozen=True)
class Tally:
    """What the last hellos to the devices announced on the LAN proved, this mirror left out."""

    proving: int = 0  # other mirrors (by the id each proved) that hold this mirror's secret
    not_proving: int = 0  # addresses answering hellos as a mirror, with a proof made with another secret
    not_proving_at: tuple[str, ...] = ()  # their ADDR:PORT, for the log only

    @property
    def mismatch(self) -> bool:
        """Devices answer as mirrors and none proves it holds this mirror's secret."""
        return self.not_proving > 0 and self.proving == 0


def tally(records, book, own_id: str) -> Tally:
    """The tally over the directory's ``records`` (one per address) from ``book``'s last hellos."""
    proving: set[str] = set()
    not_proving: list[str] = []
    for record in records:
        url = record.base_url()
        if url is None:  # this mirror is left out by the id it proved (below), never by its TXT id
            continue
        where = url.removeprefix("http://")
        if where in not_proving:
            continue
        proven = book.proven_as(where)
        if proven:
            if proven != own_id:
                proving.add(proven)
        elif book.has_wrong_secret(where):
            not_proving.append(where)
    return Tally(len(proving), len(not_proving), tuple(sorted(not_proving)))


def judge(t: Tally | None) -> tuple[bool, str]:
    """(ok, one sentence) for the ``store_secret`` health check; ``None``: no hello judged yet."""
    if t is None or (t.proving == 0 and t.not_proving == 0):
        return True, LOADED
    proving = f"{count(t.proving, 'other mirror')} {'proves it holds' if t.proving == 1 else 'prove they hold'} it"
    if t.not_proving == 0:
        return True, f"the store secret is loaded: {proving}"
    if t.proving:
        return True, (f"the store secret is loaded: {proving}; {count(t.not_proving, 'other device')} answering as a "
                      f"mirror {'does' if t.not_proving == 1 else 'do'} not prove it (a mirror holding another secret "
                      "says so in its own health; otherwise not a mirror of this store)")
    if t.not_proving == 1:
        return False, ("the one other mirror found does not prove it holds this mirror's store secret: this mirror's "
                       "secret or that one's is not the store's (loyalty cards made at one are not found at the other, "
                       "and neither console shows the other); on the one whose secret is not the store's, " + REMEDY)
    return False, (f"none of the {t.not_proving} other mirrors found proves it holds this mirror's store secret: this "
                   "mirror's secret is probably not the store's (loyalty cards made here are not found at the other "
                   "mirrors, and its console shows none of them); " + REMEDY)
