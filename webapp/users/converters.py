"""The user id in a URL, parsed once by the URL resolver instead of in each view."""

from webapp.users.models import MAX_ID


class UserIdConverter:
    """ASCII digits naming an id the database can hold: 1 to MAX_ID, leading zeros allowed.

    Anything else (0, a sign, letters, other scripts' digits, an id beyond 64 bits) does not
    match: raising ValueError makes the resolver try the next route.
    """

    # [0-9], not \d: in a str pattern \d also matches non-ASCII digits such as U+0661.
    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        user_id = int(value)
        if not 1 <= user_id <= MAX_ID:
            raise ValueError(f"no user can have the id {value}")
        return user_id

    def to_url(self, value: int) -> str:
        return str(value)
