"""`docket monitor` on the demo store: quiet before anything shifts."""

from __future__ import annotations

from assistant.views import Identity
from cli.demo import seed_demo
from tests.conftest import ServiceFactory


def test_the_demo_raises_no_alert_before_anything_shifts(open_service: ServiceFactory) -> None:
    service = open_service("docket/demo", "system")
    seed_demo(service, cases=200, history=300)
    service.identity = Identity("ana", "operator")

    alerts = service.check_alerts("credit")

    assert alerts == [], [(a.kind, a.message) for a in alerts]
    report = service.drift("credit")
    assert report.prediction is not None  # the scores were compared, and found alike
    assert not report.prediction.drifted
