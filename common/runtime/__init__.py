"""Native runner: runs a stage's compose.yaml as local processes on loopback, without Docker.

Entry points: ``compose.load_stage`` reads the topology, ``supervisor.Supervisor`` starts and
stops it, ``cli.register`` adds ``up/down/status/logs`` to the ``shop`` command.
"""
