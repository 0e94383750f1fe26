"""Daily parking housekeeping: store expiries and e-mail renewal reminders (idempotent; run it
from cron or a timer once a day, any number of times).

    rathaus parking_reminders
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rathaus.parking.services import permits_expire, permits_send_reminders


class Command(BaseCommand):
    help = "Markiert abgelaufene Parkausweise und verschickt Erinnerungen vor dem Ablauf."

    def handle(self, *args: Any, **options: Any) -> None:
        expired = permits_expire()
        sent = permits_send_reminders()
        self.stdout.write(f"{expired} Ausweise abgelaufen, {sent} Erinnerungen verschickt.")
