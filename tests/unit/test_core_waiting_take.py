"""A take waiting in the work folder for room (a full disk) goes as soon as its shopper's no is saved."""

from __future__ import annotations

from kiosk.identity import ConsentChanged
from tests.unit._cores import core_config, running, wait_for
from tests.unit.test_recording_recovery import crashed_take


def test_her_no_saved_deletes_her_take_waiting_for_room(tmp_path):
    # The disk filled during her take after her yes: what was recorded waits in work/ for room. She
    # then takes her yes back: it went only at the next start, weeks later on a mirror.
    with running(core_config(tmp_path)) as (core, events):
        core.touch()
        assert wait_for(lambda: core.session.session_id is not None)
        sid = core.session.session_id
        core.ask_consent()
        core.answer_consent(True)
        library = core.parts.library
        assert wait_for(lambda: library.session_answer(sid) is True)
        waiting = crashed_take(library, 2.0, session=sid, consent_by="customer")
        other = crashed_take(library, 2.0, session="an-earlier-visit", consent_by="customer")
        desk = core.parts.identity.consent
        desk.decline(sid, desk.wording.version)  # a no after the yes: withdrawn
        assert wait_for(lambda: any(isinstance(e, ConsentChanged) and e.decision == "withdrawn" for e in events))
        assert wait_for(lambda: not library.layout.take_dir(waiting).exists()), "nothing of hers kept after her no"
        assert library.layout.take_dir(other).is_dir()
