"""H.264 decoder setup as mp4 stores it: the avcC record and its parameter sets.

An H.264 slice names the picture parameter set (PPS) it was coded with, and
that PPS names its sequence parameter set (SPS), each by a small id. An mp4
track lists every SPS and PPS its samples use in one avcC record, so a track
can hold pictures from two encoders as long as their parameter sets have
different ids and both sets are listed (ISO/IEC 14496-15, 5.3.3).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from scenemaker_desktop.engine.errors import MediaError

# profile_idc of Baseline, Main and High, the profiles an 8-bit 4:2:0 clip uses;
# libx264 knows them by these names.
PROFILE_NAMES = {66: "baseline", 77: "main", 100: "high"}
_SPS_COUNT_MASK = 0x1F


@dataclass(frozen=True)
class AvcConfig:
    """The payload of an avcC box: profile, level and the parameter sets, in stored order."""

    profile: int
    compatibility: int
    level: int
    # the byte holding the NAL length size (low 2 bits); written back as read
    length_size_byte: int
    sps: tuple[bytes, ...]
    pps: tuple[bytes, ...]
    # High-profile fields after the PPS list (chroma format, bit depths, SPS extensions)
    trailer: bytes = b""

    def used_ids(self) -> set[int]:
        """Every SPS and PPS id this record defines."""
        return {sps_id(nal) for nal in self.sps} | {pps_ids(nal)[0] for nal in self.pps}

    def with_sets_of(self, other: AvcConfig) -> AvcConfig:
        """This record listing ``other``'s parameter sets too (ids must not clash)."""
        clash = {sps_id(n) for n in self.sps} & {sps_id(n) for n in other.sps}
        clash |= {pps_ids(n)[0] for n in self.pps} & {pps_ids(n)[0] for n in other.pps}
        if clash:
            raise MediaError(f"parameter set ids {sorted(clash)} are used twice")
        return replace(
            self,
            # the record's profile byte holds only constraint flags every SPS meets
            compatibility=self.compatibility & other.compatibility,
            level=max(self.level, other.level),
            sps=self.sps + other.sps,
            pps=self.pps + other.pps,
        )


def parse_avcc(data: bytes) -> AvcConfig:
    """Read an avcC payload (everything after the box header)."""
    try:
        if data[0] != 1:
            raise MediaError(f"unknown avcC version {data[0]}")
        at = 6
        sps, at = _nal_list(data, at, data[5] & _SPS_COUNT_MASK)
        pps, at = _nal_list(data, at + 1, data[at])
    except IndexError as exc:
        raise MediaError("the H.264 decoder setup (avcC) is cut short") from exc
    return AvcConfig(data[1], data[2], data[3], data[4], sps, pps, data[at:])


def avcc_bytes(config: AvcConfig) -> bytes:
    """The avcC payload for ``config`` (the inverse of ``parse_avcc``)."""
    out = bytearray([1, config.profile, config.compatibility, config.level])
    out += bytes([config.length_size_byte, 0xE0 | len(config.sps)])
    for nal in config.sps:
        out += len(nal).to_bytes(2, "big") + nal
    out.append(len(config.pps))
    for nal in config.pps:
        out += len(nal).to_bytes(2, "big") + nal
    return bytes(out + config.trailer)


def sps_id(nal: bytes) -> int:
    """seq_parameter_set_id of an SPS NAL unit (after profile, constraints and level)."""
    return _BitReader(_rbsp(nal)[4:]).exp_golomb()


def pps_ids(nal: bytes) -> tuple[int, int]:
    """(pic_parameter_set_id, seq_parameter_set_id) of a PPS NAL unit."""
    bits = _BitReader(_rbsp(nal)[1:])
    return bits.exp_golomb(), bits.exp_golomb()


def _nal_list(data: bytes, at: int, count: int) -> tuple[tuple[bytes, ...], int]:
    nals = []
    for _ in range(count):
        size = int.from_bytes(data[at : at + 2], "big")
        nal = data[at + 2 : at + 2 + size]
        if len(nal) != size:
            raise IndexError("parameter set runs past the record")
        nals.append(nal)
        at += 2 + size
    return tuple(nals), at


def _rbsp(nal: bytes) -> bytes:
    """The NAL unit without emulation prevention (00 00 03 stands for 00 00)."""
    out = bytearray()
    zeros = 0
    for byte in nal:
        if zeros >= 2 and byte == 3:
            zeros = 0
            continue
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


class _BitReader:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._bit = 0

    def _next(self) -> int:
        byte = self._bit // 8
        if byte >= len(self._data):
            raise MediaError("an H.264 parameter set is cut short")
        value = (self._data[byte] >> (7 - self._bit % 8)) & 1
        self._bit += 1
        return value

    def exp_golomb(self) -> int:
        """An unsigned Exp-Golomb code, ue(v) in the H.264 spec."""
        zeros = 0
        while self._next() == 0:
            zeros += 1
            if zeros > 31:
                raise MediaError("an H.264 parameter set is damaged")
        value = 0
        for _ in range(zeros):
            value = value << 1 | self._next()
        return (1 << zeros) - 1 + value
