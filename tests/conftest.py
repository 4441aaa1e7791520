"""Project-wide pytest set-up: the --stage / --base-url options of the stage fixture."""

pytest_plugins = ["tests.stage_options"]
