"""The jupyter-server-proxy entry point and the process report, as jupyter-server-proxy uses them."""

import stat
import tempfile
import unittest
from pathlib import Path

from kitelab_jupyterlab import launches, proxy, settings


class TempHome(unittest.TestCase):
    def setUp(self):
        self._dir = tempfile.TemporaryDirectory()
        self.home = Path(self._dir.name)
        self.env = {"KITELAB_HOME": str(self.home), "HOME": str(self.home), "PATH": ""}
        launches.forget_launch()

    def tearDown(self):
        self._dir.cleanup()


class KitelabHomeTest(TempHome):
    def test_defaults_to_kitelab_in_the_users_home(self):
        self.assertEqual(settings.kitelab_home({"HOME": "/home/ada"}), Path("/home/ada/kitelab"))

    def test_the_environment_wins_and_tilde_means_the_users_home(self):
        self.assertEqual(settings.kitelab_home({"HOME": "/home/ada", "KITELAB_HOME": "~/lab1"}), Path("/home/ada/lab1"))
        self.assertEqual(settings.kitelab_home({"KITELAB_HOME": "/srv/k"}), Path("/srv/k"))


class TokenTest(TempHome):
    def test_no_token_before_the_scheduler_first_started(self):
        self.assertIsNone(settings.read_api_token(self.env))
        self.assertEqual(proxy.request_headers(self.env), {})

    def test_reads_the_token_file_the_scheduler_writes(self):
        token_file = self.home / "api_token"
        token_file.write_text("s3cret\n")
        token_file.chmod(0o600)
        self.assertEqual(
            proxy.request_headers(self.env),
            {"X-Kitelab-Token": "s3cret", "Authorization": "Bearer s3cret"},
        )
        self.assertEqual(stat.S_IMODE(token_file.stat().st_mode), 0o600, "reading never loosens the mode")

    def test_a_configured_auth_token_wins_over_the_file(self):
        (self.home / "api_token").write_text("from-file")
        (self.home / "airflow.cfg").write_text("[core]\ndags_folder = x\n\n[webserver]\nauth_token = from-cfg-100%%\n")
        self.assertEqual(settings.read_api_token(self.env), "from-cfg-100%")
        self.assertEqual(settings.read_api_token({**self.env, "KITELAB__WEBSERVER__AUTH_TOKEN": "from-env"}), "from-env")

    def test_an_empty_auth_token_in_the_config_falls_back_to_the_file(self):
        (self.home / "api_token").write_text("from-file")
        (self.home / "airflow.cfg").write_text("[webserver]\nauth_token =\n")
        self.assertEqual(settings.read_api_token(self.env), "from-file")


class CommandTest(TempHome):
    def test_runs_standalone_under_the_full_proxy_prefix(self):
        env = {**self.env, "KITELAB_COMMAND": "node /x/fake-kitelab.mjs"}
        self.assertEqual(
            proxy.standalone_command(41234, "/user/ada/", env),
            ["node", "/x/fake-kitelab.mjs", "standalone", "--port", "41234", "--host", "127.0.0.1",
             "--base-url", "/user/ada/kitelab/", "--take-over-notebook-scheduler"],
        )
        self.assertEqual(launches.last_launch().port, 41234)

    def test_finds_kitelab_on_path(self):
        bin_dir = self.home / "bin"
        bin_dir.mkdir()
        shim = bin_dir / "kitelab"
        shim.write_text("#!/bin/sh\n")
        shim.chmod(0o755)
        self.assertEqual(proxy.kitelab_executable({**self.env, "PATH": str(bin_dir)}), [str(shim)])

    def test_falls_back_to_the_checkout_named_by_kitelab_repo(self):
        script = self.home / "kernel-lib" / "bin" / "kitelab.mjs"
        script.parent.mkdir(parents=True)
        script.write_text("")
        env = {**self.env, "KITELAB_REPO": str(self.home)}
        self.assertEqual(proxy.kitelab_executable(env, python_bin=self.home / "no-venv")[1:], [str(script)])

    def test_says_what_to_do_when_kitelab_is_nowhere(self):
        with self.assertRaisesRegex(FileNotFoundError, "npm run setup"):
            proxy.kitelab_executable(self.env, python_bin=self.home / "no-venv")

    def test_uses_the_kitelab_beside_this_python_when_path_lacks_it(self):
        venv_bin = self.home / "venv-bin"
        venv_bin.mkdir()
        (venv_bin / "kitelab").write_text("#!/bin/sh\n")
        (venv_bin / "kitelab").chmod(0o755)
        self.assertEqual(proxy.kitelab_executable(self.env, python_bin=venv_bin), [str(venv_bin / "kitelab")])


class ServerProcessConfigTest(unittest.TestCase):
    def test_is_what_jupyter_server_proxy_accepts(self):
        from jupyter_server_proxy.config import ServerProcess

        config = proxy.setup_kitelab()
        process = ServerProcess(name="kitelab", **config)
        self.assertFalse(process.launcher_entry.enabled, "our own Launcher card replaces the generic one")
        self.assertTrue(process.absolute_url, "the scheduler sees <base_url>kitelab/... and builds links with it")
        self.assertGreaterEqual(process.timeout, 60)
        self.assertTrue(callable(process.request_headers_override), "the token is read per request")
        self.assertFalse(process.new_browser_tab)

    def test_is_registered_as_an_entry_point(self):
        from importlib.metadata import entry_points

        names = [ep.name for ep in entry_points(group="jupyter_serverproxy_servers")]
        self.assertIn("kitelab", names)


class ProcessStateTest(unittest.TestCase):
    def test_follows_launch_and_port(self):
        launch = launches.Launch(port=1, started_at=100.0)
        self.assertEqual(launches.process_state(None, False, 200.0, 120.0), "not-started")
        self.assertEqual(launches.process_state(launch, False, 150.0, 120.0), "starting")
        self.assertEqual(launches.process_state(launch, True, 150.0, 120.0), "running")
        self.assertEqual(launches.process_state(launch, False, 300.0, 120.0), "exited")


if __name__ == "__main__":
    unittest.main()
