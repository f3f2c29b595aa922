"""AskedBook: a sign-in asking again gets its last answer while that is still good, a new one otherwise."""

from __future__ import annotations

import threading

import pytest

from kiosk.net.asked import AskedBook


class Maker:
    """Makes numbered answers, counting the calls."""

    def __init__(self):
        self.made = 0

    def __call__(self) -> int:
        self.made += 1
        return self.made


def always(_) -> bool:
    return True


def test_the_same_sign_in_asking_again_gets_the_same_answer():
    book, make = AskedBook(), Maker()
    assert book.once("a", "x", always, make) == (1, True)
    assert book.once("a", "x", always, make) == (1, False)
    assert make.made == 1


@pytest.mark.parametrize("session, asked", [("b", "x"), ("a", "y")], ids=["another-sign-in", "something-else"])
def test_another_sign_in_or_another_thing_asked_gets_its_own(session, asked):
    book, make = AskedBook(), Maker()
    book.once("a", "x", always, make)
    assert book.once(session, asked, always, make) == (2, True)


def test_an_answer_no_longer_good_is_made_again_and_that_one_kept():
    book, make = AskedBook(), Maker()
    book.once("a", "x", always, make)
    assert book.once("a", "x", lambda kept: kept != 1, make) == (2, True)  # 1 was revoked, say
    assert book.once("a", "x", always, make) == (2, False)


def test_the_store_token_always_gets_a_new_one():
    book, make = AskedBook(), Maker()
    assert [book.once(None, "x", always, make) for _ in range(3)] == [(1, True), (2, True), (3, True)]
    assert len(book) == 0


def test_a_failed_make_keeps_nothing_and_forgets_the_stale_answer():
    book, make = AskedBook(), Maker()
    book.once("a", "x", always, make)

    def refuse():
        raise RuntimeError("queue full")

    with pytest.raises(RuntimeError):
        book.once("a", "x", lambda _: False, refuse)
    assert len(book) == 0
    assert book.once("a", "x", always, make) == (2, True)


def test_the_book_is_bounded_forgetting_the_least_recently_asked():
    book, make = AskedBook(max_entries=2), Maker()
    book.once("a", "x", always, make)
    book.once("b", "x", always, make)
    book.once("a", "x", always, make)  # asked again: the newest
    book.once("c", "x", always, make)  # "b" goes
    assert len(book) == 2
    assert book.once("a", "x", always, make) == (1, False)
    assert book.once("b", "x", always, make) == (4, True)


def test_two_requests_at_once_get_one_answer():
    book, answers = AskedBook(), []
    inside, go = threading.Event(), threading.Event()

    def slow():
        inside.set()
        go.wait(5)
        return object()

    first = threading.Thread(target=lambda: answers.append(book.once("a", "x", always, slow)[0]))
    first.start()
    assert inside.wait(5)
    second = threading.Thread(target=lambda: answers.append(book.once("a", "x", always, slow)[0]))
    second.start()
    go.set()
    first.join(5)
    second.join(5)
    assert len(answers) == 2 and answers[0] is answers[1]


def test_a_sign_in_that_ended_leaves_nothing_in_the_book():
    # its entries hold raw share tokens: they go with the sign-in, not when 1000 newer ones push them out
    book, make = AskedBook(), Maker()
    book.once("a", "x", always, make)
    book.once("a", "y", always, make)
    book.once("b", "x", always, make)
    book.end("a")
    assert len(book) == 1
    assert book.once("b", "x", always, make) == (3, False), "another sign-in keeps its own"
    book.end("nobody")  # a sign-in that asked for nothing
    assert len(book) == 1


def test_an_answer_made_while_its_sign_in_ends_is_not_kept():
    book, answers = AskedBook(), []
    inside, go = threading.Event(), threading.Event()

    def slow():
        inside.set()
        go.wait(5)
        return "link"

    asking = threading.Thread(target=lambda: answers.append(book.once("a", "x", always, slow)))
    asking.start()
    assert inside.wait(5)
    book.end("a")  # signed out while the link was being made
    go.set()
    asking.join(5)
    assert answers == [("link", True)] and len(book) == 0


def test_a_request_that_reaches_the_book_after_its_sign_out_keeps_nothing():
    # it passed its sign-in check just before the sign-out, then the sign-out ended the sign-in
    # while nothing of it was in the book yet: its link's token must not stay behind it
    book, make = AskedBook(), Maker()
    book.end("a")
    assert book.once("a", "x", always, make) == (1, True)
    assert len(book) == 0
    assert book.once("b", "x", always, make) == (2, True) and len(book) == 1, "another sign-in keeps its own"


def test_the_sign_ins_that_ended_are_remembered_within_a_bound():
    book, make = AskedBook(max_entries=2), Maker()
    for session in ("a", "b", "c"):
        book.end(session)
    book.once("a", "x", always, make)  # "a" left the bound for "c": the book does not grow with every sign-out
    assert len(book) == 1
    book.once("c", "x", always, make)
    assert len(book) == 1


def test_a_sign_in_waits_for_no_other_sign_ins_database_work():
    book, make = AskedBook(), Maker()
    inside, go = threading.Event(), threading.Event()

    def slow():
        inside.set()
        go.wait(10)
        return 0

    stalled = threading.Thread(target=book.once, args=("a", "x", always, slow))
    stalled.start()
    assert inside.wait(5)
    answers = []
    other = threading.Thread(target=lambda: answers.append(book.once("b", "x", always, make)))
    other.start()
    other.join(5)
    done = not other.is_alive()
    go.set()
    stalled.join(5)
    other.join(5)
    assert done and answers == [(1, True)], "a slow database for one console stalled another"
