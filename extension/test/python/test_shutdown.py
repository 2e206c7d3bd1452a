"""The SIGINT/SIGTERM handler that keeps Jupyter's shutdown (kernels) when jupyter-server-proxy supervises a process."""

import unittest

from kitelab_jupyterlab import shutdown


class StopHandlerTest(unittest.TestCase):
    def test_passes_the_signal_on_then_stops_even_when_the_supervisor_exits(self):
        calls = []

        def supervisor(signum, frame):
            calls.append(("forward", signum))
            raise SystemExit(0)  # simpervisor's handler ends with sys.exit(0)

        handler = shutdown.stop_handler(supervisor, lambda signum: calls.append(("stop", signum)))
        handler(15, None)
        self.assertEqual(calls, [("forward", 15), ("stop", 15)])

    def test_stops_when_nothing_was_installed_before(self):
        calls = []
        for previous in (None, 0):  # signal.getsignal gives None or SIG_DFL (0) then
            shutdown.stop_handler(previous, calls.append)(2, None)
        self.assertEqual(calls, [2, 2])

    def test_simpervisor_installs_its_handler_at_once(self):
        self.assertTrue(shutdown.install_supervisor_handler())
        from simpervisor import atexitasync

        self.assertTrue(atexitasync.signal_handler_set)
        self.assertEqual(atexitasync._handlers, [])


if __name__ == "__main__":
    unittest.main()
