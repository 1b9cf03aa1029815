from django.db import models

DNI_MAX_LENGTH = 13
NAME_MAX_LENGTH = 30
# BigAutoField: the largest id the database can hold (PostgreSQL bigint, SQLite integer).
MAX_ID = 2**63 - 1


class User(models.Model):
    # unique=True is the guard against duplicates: the create service relies on it, not on a
    # lookup before the insert, so racing creates cannot both succeed.
    dni = models.CharField(max_length=DNI_MAX_LENGTH, unique=True)
    name = models.CharField(max_length=NAME_MAX_LENGTH)

    class Meta:
        # The table of the original service, whose app label was "api": kept, so that existing
        # databases keep their data (migration 0001_initial says how their history carries on).
        db_table = "api_user"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.dni} ({self.name})"
