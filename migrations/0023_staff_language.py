"""A team member's language (en or ms), as they last wrote a command; "" until they have."""

from peewee import CharField


def up(migrator, db):
    migrator.migrate(migrator.add_column("wocs_user", "lang", CharField(max_length=2, default="")))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("wocs_user", "lang"))
