import multiprocessing

from petri.runtime.doorbell import Doorbell


def test_each_wait_takes_one_ring() -> None:
    bell = Doorbell.open()
    try:
        assert not bell.wait(0)
        bell.ring(2)
        assert bell.wait(5)
        assert bell.wait(5)
        assert not bell.wait(0)
    finally:
        bell.close()


def test_wait_all_takes_every_pending_ring() -> None:
    bell = Doorbell.open()
    try:
        bell.ring(3)
        assert bell.wait_all(5)
        assert not bell.wait(0)
    finally:
        bell.close()


def _ring(bell: Doorbell) -> None:
    bell.ring()


def test_a_forked_process_wakes_its_parent() -> None:
    bell = Doorbell.open()
    try:
        child = multiprocessing.get_context("fork").Process(target=_ring, args=(bell,))
        child.start()
        assert bell.wait(60)
        child.join()
    finally:
        bell.close()


def test_a_full_pipe_never_blocks_the_ringer() -> None:
    bell = Doorbell.open()
    try:
        for _ in range(100):
            bell.ring(4096)  # far past a pipe's buffer
        assert bell.wait_all(5)
    finally:
        bell.close()
