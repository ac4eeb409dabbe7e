"""Draws freeze their entries at close and are decided by a drand round fixed then."""

from peewee import BigIntegerField, CharField, DateTimeField, IntegerField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("draw", "frozen_at", DateTimeField(null=True)),
        migrator.add_column("draw", "beacon_round", BigIntegerField(null=True)),
        migrator.add_column("draw", "beacon_margin", IntegerField(default=0)),
        migrator.add_column("draw", "chain_hash", CharField(max_length=64, default="")),
        migrator.add_column("draw", "beacon_randomness", CharField(max_length=64, default="")),
        migrator.add_column("draw", "beacon_signature", CharField(max_length=192, default="")),
        migrator.add_column("draw", "source", CharField(max_length=10, default="beacon")),
    )


def down(migrator, db):
    migrator.migrate(
        *(
            migrator.drop_column("draw", name)
            for name in (
                "frozen_at",
                "beacon_round",
                "beacon_margin",
                "chain_hash",
                "beacon_randomness",
                "beacon_signature",
                "source",
            )
        )
    )
