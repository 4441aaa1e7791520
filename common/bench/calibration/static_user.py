"""The calibration workload: one static 2 KB file from nginx, as fast as one core can ask."""

from __future__ import annotations

from locust import FastHttpUser, constant, task


class StaticFileUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def static_file(self) -> None:
        self.client.get("/static-2k.bin", name="/static-2k.bin")
