from django.core.management.base import BaseCommand, CommandError

from aiassets.models import ApiToken


class Command(BaseCommand):
    help = "Create a bearer token for a generator. The token is printed once, on the last line."

    def add_arguments(self, parser):
        parser.add_argument("name", help="A name for the generator, unique.")
        parser.add_argument(
            "--rotate", action="store_true", help="Replace the token of an existing name."
        )
        parser.add_argument(
            "--scopes",
            help="Comma-separated scopes: ingest, read (default: both for a new token; "
            "a rotated token keeps its scopes).",
        )

    def handle(self, name: str, rotate: bool, scopes: str | None = None, **options):
        name = name.strip()
        if not name or len(name) > 100:
            raise CommandError("The name must be 1 to 100 characters.")
        existing = ApiToken.objects.filter(name=name).first()
        if existing and not rotate:
            raise CommandError(f"A token named {name!r} exists. Use --rotate to replace it.")
        token = existing or ApiToken(name=name)
        if scopes is not None:
            try:
                token.set_scopes(s.strip() for s in scopes.split(",") if s.strip())
            except ValueError as exc:
                raise CommandError(str(exc))
        raw = token.set_new_token()
        token.is_active = True
        token.save()
        self.stderr.write(
            f"Token for {name!r} ({'rotated' if existing else 'created'}). Keep it secret:"
        )
        self.stdout.write(raw)
