"""`python manage.py seed_demo`: demo clinics, people and slots; idempotent."""

from django.core.management.base import BaseCommand

from booking.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create demo clinics, therapists, working hours, slots and accounts (idempotent)."

    def handle(self, *args, **options):
        seed_demo()
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Every demo account's password: {DEMO_PASSWORD}")
        )
