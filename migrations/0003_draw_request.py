"""Draws remember how many winners were asked for and who asked."""

from peewee import CharField, IntegerField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("draw", "winner_count", IntegerField(default=1)),
        migrator.add_column("draw", "requested_by", CharField(max_length=20, default="")),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("draw", "winner_count"),
        migrator.drop_column("draw", "requested_by"),
    )
