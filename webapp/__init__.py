"""The users API: a Django REST service whose OpenAPI contract is committed in contract/."""
