"""Seed users straight into the database (for the 100,000-user list), far faster than the API.

    python -m bench.seed TOTAL     # with the server's DATABASE_URL / DATA_DIR in the environment

Adds users until the table holds at least TOTAL of them; prints how many it added, then how
many the table holds.
"""

import os
import sys
import time

BATCH = 5_000


def main() -> None:
    total = int(sys.argv[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    import django

    django.setup()
    from django.db import transaction

    from webapp.users.models import User

    missing = total - User.objects.count()
    tag = format(int(time.time()) % 36**3, "x")[-3:]
    added = 0
    while added < missing:
        size = min(BATCH, missing - added)
        with transaction.atomic():
            User.objects.bulk_create(
                User(dni=f"S{tag}{added + i:08x}", name=f"Seeded user {added + i}")
                for i in range(size)
            )
        added += size
    print(added)
    print(User.objects.count())


if __name__ == "__main__":
    main()
