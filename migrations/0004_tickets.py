"""Entry tickets (published in the draw instead of phones) and double-precision engagement."""

from peewee import CharField, DoubleField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("entry", "ticket", CharField(max_length=12, default="")),
        migrator.alter_column_type("hook", "engagement_rate", DoubleField(default=0.0)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("entry", "ticket"),
        migrator.alter_column_type("hook", "engagement_rate", DoubleField(default=0.0)),
    )
