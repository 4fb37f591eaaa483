"""bench.deployment runs the commands docs/deployment.md gives a company."""

from __future__ import annotations

from bench.deployment import Shape, production_commands


def test_the_default_is_the_documented_deployment():
    commands = production_commands(Shape(), web_port=8000, smtpd_port=2525)
    assert set(commands) == {"web", "worker"}
    assert commands["web"][-2:] == ["--workers", "2"]
    worker = " ".join(commands["worker"][2:])
    assert worker.startswith("celery -A destek.worker worker ")
    for part in ("--concurrency 2", "--beat", "--smtpd-port 2525"):
        assert part in worker


def test_beat_and_the_smtp_door_can_run_on_their_own():
    commands = production_commands(Shape(beat=True, separate_smtpd=True), web_port=8000,
                                   smtpd_port=2525)
    assert set(commands) == {"web", "worker", "beat", "smtpd"}
    assert "--beat" not in commands["worker"] and "--smtpd-port" not in commands["worker"]
    assert commands["smtpd"][-1] == "2525"
