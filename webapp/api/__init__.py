"""Cross-cutting API plumbing: the JSON error shape, request limits and the OpenAPI hooks."""
