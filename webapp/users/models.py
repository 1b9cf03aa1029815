from django.db import models

DNI_MAX_LENGTH = 13
NAME_MAX_LENGTH = 30


class User(models.Model):
    # unique=True is the guard against duplicates: the create service relies on it, not on a
    # lookup before the insert, so racing creates cannot both succeed.
    dni = models.CharField(max_length=DNI_MAX_LENGTH, unique=True)
    name = models.CharField(max_length=NAME_MAX_LENGTH)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.dni} ({self.name})"
