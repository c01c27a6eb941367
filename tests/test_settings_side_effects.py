"""Settings are read, not acted on: importing them writes nothing; log lines say when, how
serious and where from."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_importing_settings_creates_no_folder(tmp_path):
    # A copy of the settings module in an empty project folder: whatever it creates shows there.
    (tmp_path / "config").mkdir()
    shutil.copy(ROOT / "config" / "settings.py", tmp_path / "config" / "settings.py")
    (tmp_path / "config" / "__init__.py").write_text("")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }

    subprocess.run(
        [sys.executable, "-c", "import config.settings"], cwd=tmp_path, env=env, check=True
    )

    assert sorted(path.name for path in tmp_path.iterdir()) == ["config"]


def test_log_lines_carry_time_level_and_logger_name():
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "import logging; logging.getLogger('booking.services').warning('slot taken')",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )

    line = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING booking\.services: slot taken", line
    ), line
