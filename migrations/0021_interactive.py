"""An outgoing message may carry reply buttons or a list (interactive messages)."""

from peewee import TextField


class JSONText(TextField):
    field_type = "LONGTEXT"


def up(migrator, db):
    migrator.migrate(migrator.add_column("outbound_message", "interactive", JSONText(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("outbound_message", "interactive"))
