import os
import stat

from wtguide.secret import install_secret
from wtguide.settings import Settings


def test_secret_from_settings_wins(tmp_path):
    assert install_secret(Settings(data_dir=tmp_path, secret_key="abc")) == b"abc"
    assert not (tmp_path / "secret.key").exists()


def test_generated_secret_is_kept_private_and_stable(tmp_path):
    first = install_secret(Settings(data_dir=tmp_path))
    assert len(first) == 64 and first == install_secret(Settings(data_dir=tmp_path))
    assert stat.S_IMODE(os.stat(tmp_path / "secret.key").st_mode) == 0o600


def test_unwritable_data_dir_gets_an_ephemeral_secret(tmp_path):
    # Root ignores file modes, so the data dir sits under a regular file: it can never be created.
    (tmp_path / "file").write_text("x")
    settings = Settings(data_dir=tmp_path / "file" / "data")
    assert len(install_secret(settings)) == 64
    assert install_secret(settings) != install_secret(settings)
