"""Ports for the native runner come from below the kernel's ephemeral range, where no
outgoing connection can take a stopped server's port before it is started again."""

from __future__ import annotations

from pathlib import Path

from common.runtime.ports import LOWEST, PortAllocator, allocation_range


def test_ports_are_drawn_below_the_ephemeral_range(tmp_path: Path) -> None:
    ephemeral = tmp_path / "ip_local_port_range"
    ephemeral.write_text("32768\t60999\n")
    ports = allocation_range(ephemeral)
    assert (ports.start, ports.stop) == (LOWEST, 32768)

    allocator = PortAllocator(ports=ports)
    drawn = [allocator.allocate() for _ in range(20)]

    assert len(set(drawn)) == 20
    assert all(LOWEST <= port < 32768 for port in drawn)


def test_without_room_below_the_ephemeral_range_the_kernel_chooses(tmp_path: Path) -> None:
    ephemeral = tmp_path / "ip_local_port_range"
    ephemeral.write_text("1024 65535\n")
    allocator = PortAllocator(ports=allocation_range(ephemeral))
    assert len({allocator.allocate() for _ in range(5)}) == 5
