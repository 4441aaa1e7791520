"""Project-wide pytest set-up: the --stage / --base-url options of the stage fixture, and
the one headless browser of the session."""

pytest_plugins = ["tests.stage_options", "tests.browser_support"]
