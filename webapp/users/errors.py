"""What can go wrong in the users domain, said without HTTP.

Services and views raise these; the API's one exception handler (webapp/api/errors.py) decides
the status and the body each one gets.
"""


class UserAlreadyExists(Exception):
    """Another user already has this dni."""


class UserNotFound(Exception):
    """No user has this id."""
