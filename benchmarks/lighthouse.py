"""Lighthouse mobile scores (Performance, Accessibility) of the client-facing pages.

Run on demand: ``.venv/bin/python benchmarks/lighthouse.py``. It serves the app as production
would (gunicorn, DEBUG off, compressed static files) on 127.0.0.1 with the demo data, installs
Lighthouse from npm into ``var/lighthouse`` once, and audits each page with the system
Chromium. Targets: Performance ≥ 95, Accessibility 100.
"""

import json
import os
import subprocess
from pathlib import Path

import support

LIGHTHOUSE_DIR = support.ROOT / "var" / "lighthouse"
LIGHTHOUSE_VERSION = "12.8.2"
PORT = 8765
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)
PAGES = [
    "/",
    "/accounts/signup/",
    "/accounts/login/",
    "/book/",
    "/book/clinic/camden-bump-clinic/",
]


def install_lighthouse() -> Path:
    binary = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        LIGHTHOUSE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "--prefix",
                str(LIGHTHOUSE_DIR),
                f"lighthouse@{LIGHTHOUSE_VERSION}",
            ],
            check=True,
        )
    return binary


def serve(env: dict[str, str]) -> subprocess.Popen:
    support.manage(env, ["migrate", "--noinput"], ["seed_demo"], ["collectstatic", "--noinput"])
    return support.start_gunicorn(env, PORT, workers=2, ready_path="/healthz", attempts=50)


def audit(binary: Path, path: str) -> dict[str, float]:
    report = LIGHTHOUSE_DIR / "report.json"
    subprocess.run(
        [
            str(binary),
            f"http://127.0.0.1:{PORT}{path}",
            "--quiet",
            f"--chrome-flags={CHROME_FLAGS}",
            "--only-categories=performance,accessibility",
            "--output=json",
            f"--output-path={report}",
        ],
        env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
        check=True,
        timeout=180,
    )
    categories = json.loads(report.read_text())["categories"]
    return {name: round(category["score"] * 100) for name, category in categories.items()}


def main() -> None:
    binary = install_lighthouse()
    server = serve(support.production_env())
    try:
        print(f"{'page':45} performance  accessibility")
        for path in PAGES:
            scores = audit(binary, path)
            print(f"{path:45} {scores['performance']:>11}  {scores['accessibility']:>13}")
    finally:
        support.stop_server(server)


if __name__ == "__main__":
    main()
