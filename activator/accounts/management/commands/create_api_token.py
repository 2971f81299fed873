from django.core.management.base import BaseCommand, CommandError

from activator.accounts.models import User
from activator.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for the person with this e-mail address and print it."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="command line", help="What the token is for.")

    def handle(self, *args, email: str, name: str, **options):
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"No active person with the e-mail address {email}.")
        _token, secret = api_token_create(user=user, name=name)
        self.stdout.write(secret)
