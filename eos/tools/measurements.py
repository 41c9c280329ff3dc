#!/usr/bin/python3
"""PCR values of EOS reference boots: parses each boot's console and the firmware's TCG event log,
and merges them into eos-measurements.json; or checks a boot against the values recorded there.

  measurements.py record IMAGE_DIR REFERENCE_JSON SHAPE CONSOLE_LOG [SHAPE CONSOLE_LOG]...
  measurements.py check  IMAGE_DIR N CONSOLE_LOG

IMAGE_DIR holds bzImage, the initrd and eos-measurements.json. REFERENCE_JSON describes the boots
(QEMU, firmware, devices); SHAPE is the -smp/-m/-cpu options of the boot whose console follows.
record writes "reference" (with each shape's PCR values) and "pcrs" (their union: one value, or
the list of values where shapes differ), and eos-eventlog-N.bin/.txt next to the image. check
compares a boot with shape N's recorded values. Exit status 0 on success, 1 with a message naming
what differs.
"""

import base64
import hashlib
import json
import re
import struct
import sys
from pathlib import Path

PCR_LINE = re.compile(r"cocos-eos: reference pcr-(sha1|sha256|sha384) (\d+) ([0-9A-Fa-f]+)\s*$")
BANK_SIZES = {"sha1": 20, "sha256": 32, "sha384": 48}

# TCG PC Client Platform Firmware Profile, section 10.4.1 (event types) and 10.2.1/10.2.2 (the
# SHA-1 log header TCG_PCClientPCREvent and the crypto-agile TCG_PCR_EVENT2 that follow it).
EVENT_TYPES = {
    0x03: "EV_NO_ACTION", 0x04: "EV_SEPARATOR", 0x05: "EV_ACTION", 0x06: "EV_EVENT_TAG",
    0x07: "EV_S_CRTM_CONTENTS", 0x08: "EV_S_CRTM_VERSION", 0x0D: "EV_IPL",
    0x80000001: "EV_EFI_VARIABLE_DRIVER_CONFIG", 0x80000002: "EV_EFI_VARIABLE_BOOT",
    0x80000003: "EV_EFI_BOOT_SERVICES_APPLICATION", 0x80000004: "EV_EFI_BOOT_SERVICES_DRIVER",
    0x80000007: "EV_EFI_ACTION", 0x80000008: "EV_EFI_PLATFORM_FIRMWARE_BLOB",
    0x80000009: "EV_EFI_HANDOFF_TABLES", 0x8000000A: "EV_EFI_PLATFORM_FIRMWARE_BLOB2",
    0x8000000B: "EV_EFI_HANDOFF_TABLES2", 0x800000E0: "EV_EFI_VARIABLE_AUTHORITY",
    0x80000006: "EV_EFI_GPT_EVENT",
}
ALG_NAMES = {0x0004: "sha1", 0x000B: "sha256", 0x000C: "sha384", 0x000D: "sha512"}
SPEC_ID_ALG_COUNT_OFFSET = 24  # TCG_EfiSpecIDEvent: signature[16], class, minor, major, errata, uintnSize
LOG_HEADER_DIGEST = 20         # the first event is in the SHA-1 format


def fail(message):
    print("eos reference: " + message, file=sys.stderr)
    sys.exit(1)


def parse_console(console):
    text = Path(console).read_text(errors="replace").replace("\r", "")
    pcrs = {}
    for line in text.splitlines():
        m = PCR_LINE.search(line)
        if m:
            bank, index, value = m.group(1), int(m.group(2)), m.group(3).lower()
            if len(value) != 2 * BANK_SIZES[bank]:
                fail(f"console line for pcr-{bank} {index} has {len(value) // 2} bytes")
            pcrs.setdefault(bank, {})[str(index)] = value
    if "sha256" not in pcrs or len(pcrs["sha256"]) < 24:
        tail = "\n".join(text.splitlines()[-15:])
        fail(f"the boot printed no complete SHA-256 PCR bank; console ends with:\n{tail}")
    log = None
    m = re.search(r"cocos-eos: reference eventlog-begin\n(.*?)cocos-eos: reference eventlog-end",
                  text, re.S)
    if m:
        log = base64.b64decode("".join(l.strip() for l in m.group(1).splitlines()
                                       if not l.startswith("cocos-eos:")))
    return pcrs, log


def parse_event_log(log):
    """Events of a crypto-agile TCG event log: (pcr, type name, {bank: digest}, data)."""
    events = []
    off = 8 + LOG_HEADER_DIGEST
    size, = struct.unpack_from("<I", log, off)
    spec = log[off + 4: off + 4 + size]
    off += 4 + size
    count, = struct.unpack_from("<I", spec, SPEC_ID_ALG_COUNT_OFFSET)
    sizes = {}
    for i in range(count):
        alg, digest_size = struct.unpack_from("<HH", spec, SPEC_ID_ALG_COUNT_OFFSET + 4 + 4 * i)
        sizes[alg] = digest_size
    while off < len(log):
        pcr, event_type, n = struct.unpack_from("<III", log, off)
        off += 12
        digests = {}
        for _ in range(n):
            alg, = struct.unpack_from("<H", log, off)
            off += 2
            digests[ALG_NAMES.get(alg, hex(alg))] = log[off: off + sizes[alg]].hex()
            off += sizes[alg]
        size, = struct.unpack_from("<I", log, off)
        data = log[off + 4: off + 4 + size]
        off += 4 + size
        events.append((pcr, EVENT_TYPES.get(event_type, hex(event_type)), digests, data))
    return events


def describe(event_type, data):
    if event_type in ("EV_EFI_ACTION", "EV_ACTION"):
        return data.decode("ascii", "replace")
    if event_type == "EV_EVENT_TAG" and len(data) > 8:
        return data[8:].rstrip(b"\0").decode("ascii", "replace")
    if event_type.startswith("EV_EFI_VARIABLE") and len(data) >= 32:
        length, = struct.unpack_from("<Q", data, 16)
        return "variable " + data[32: 32 + 2 * length].decode("utf-16-le", "replace")
    if event_type == "EV_EFI_BOOT_SERVICES_APPLICATION":
        return "the kernel (bzImage), PE/Authenticode digest"
    if event_type == "EV_EFI_PLATFORM_FIRMWARE_BLOB":
        return "firmware volume"
    return ""


def replay(events, bank):
    size = BANK_SIZES[bank]
    pcrs = {}
    for pcr, _, digests, _ in events:
        if bank in digests:
            old = pcrs.get(pcr, bytes(size))
            pcrs[pcr] = hashlib.new(bank, old + bytes.fromhex(digests[bank])).digest()
    return {str(k): v.hex() for k, v in pcrs.items()}


def predicted_pcr9(image_dir, measurements, bank):
    """PCR9 as Linux's EFI stub extends it: the load options OVMF hands the kernel (the command
    line, then " initrd=initrd", UTF-16LE with its NUL), then the initrd file."""
    options = (measurements["cmdline"] + " initrd=initrd\0").encode("utf-16-le")
    initrd = (Path(image_dir) / measurements["initrd"]["file"]).read_bytes()
    value = bytes(BANK_SIZES[bank])
    for data in (options, initrd):
        value = hashlib.new(bank, value + hashlib.new(bank, data).digest()).digest()
    return value.hex()


def check_boot(image_dir, measurements, pcrs):
    for bank in ("sha256", "sha384"):
        expected = predicted_pcr9(image_dir, measurements, bank)
        if bank in pcrs and pcrs[bank]["9"] != expected:
            fail(f"PCR9 ({bank}) of the boot is {pcrs[bank]['9']}, but the command line and "
                 f"{measurements['initrd']['file']} give {expected}: "
                 "the VM did not boot this image with this command line")


ROLES = {
    "0": "firmware code (OVMF volumes, CRTM version); changes with QEMU's -smp and -m options",
    "1": "boot variables OVMF creates for the -kernel boot option",
    "2": "option ROMs (none: virtio-net-pci romfile= empty)",
    "3": "option ROM configuration (none)",
    "4": "the kernel: bzImage's PE/Authenticode digest as QEMU hands it over (its setup header "
         "holds the initrd's address, so -m below 2 GiB matters), plus OVMF's boot action",
    "5": "ExitBootServices actions",
    "6": "platform specific (none)",
    "7": "Secure Boot state and keys (disabled, empty)",
    "8": "unused",
    "9": "Linux EFI stub: the load options (command line + ' initrd=initrd') and the initrd",
    "10": "IMA boot aggregate (of PCR 0-9)",
}


def main():
    if len(sys.argv) < 5 or sys.argv[1] not in ("record", "check"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    mode, image_dir = sys.argv[1], Path(sys.argv[2])
    mfile = image_dir / "eos-measurements.json"
    measurements = json.loads(mfile.read_text())

    if mode == "check":
        n, console = int(sys.argv[3]), sys.argv[4]
        pcrs, _ = parse_console(console)
        check_boot(image_dir, measurements, pcrs)
        shapes = measurements.get("reference", {}).get("shapes", [])
        if not 0 < n <= len(shapes):
            fail(f"{mfile} records no shape {n} (run eos/reference-boot.sh)")
        recorded = shapes[n - 1]["pcrs"]
        differ = [f"PCR{index} ({bank}) is {pcrs.get(bank, {}).get(index)} on this boot, {value}"
                  " on the reference boot"
                  for bank, values in recorded.items() for index, value in values.items()
                  if pcrs.get(bank, {}).get(index) != value]
        if differ:
            fail("\n  ".join([f"this boot's PCR values differ from the recorded ones of "
                              f"[{shapes[n - 1]['qemu_options']}]:"] + differ))
        print(f"eos reference: this boot's PCR values equal the recorded ones of "
              f"[{shapes[n - 1]['qemu_options']}] "
              f"({', '.join(f'{b}: {len(v)}' for b, v in recorded.items())})")
        return

    reference = json.loads(Path(sys.argv[3]).read_text())
    pairs = sys.argv[4:]
    if len(pairs) % 2:
        fail("record needs SHAPE CONSOLE pairs")
    for old in image_dir.glob("eos-eventlog*"):
        old.unlink()
    shapes = []
    for i in range(0, len(pairs), 2):
        shape, console = pairs[i], pairs[i + 1]
        number = i // 2 + 1
        pcrs, log = parse_console(console)
        check_boot(image_dir, measurements, pcrs)
        if log is None:
            fail(f"the boot [{shape}] printed no event log (is securityfs there?)")
        events = parse_event_log(log)
        for bank in ("sha256", "sha384"):
            for index, value in replay(events, bank).items() if bank in pcrs else []:
                if index in pcrs[bank] and index != "10" and pcrs[bank][index] != value:
                    fail(f"[{shape}]: the event log replays PCR{index} ({bank}) to {value}, the "
                         f"TPM says {pcrs[bank][index]}")
        (image_dir / f"eos-eventlog-{number}.bin").write_bytes(log)
        with open(image_dir / f"eos-eventlog-{number}.txt", "w") as out:
            out.write(f"# The firmware's TCG event log of reference boot {number} [{shape}]\n")
            out.write("# (eos-eventlog-{number}.bin): PCR, event type, SHA-256 digest, what.\n"
                      .replace("{number}", str(number)))
            for pcr, event_type, digests, data in events:
                out.write(f"{pcr:2d} {event_type:34s} {digests.get('sha256', '-')} "
                          f"{describe(event_type, data)}\n")
        shapes.append({"qemu_options": shape,
                       "pcrs": {bank: {str(i): pcrs[bank][str(i)] for i in range(0, 11)}
                                for bank in ("sha256", "sha384") if bank in pcrs}})

    union = {}
    for bank in shapes[0]["pcrs"]:
        union[bank] = {}
        for index in shapes[0]["pcrs"][bank]:
            values = []
            for shape in shapes:
                v = shape["pcrs"].get(bank, {}).get(index)
                if v is not None and v not in values:
                    values.append(v)
            union[bank][index] = values[0] if len(values) == 1 else values
    measurements["pcrs"] = union
    measurements["pcr_roles"] = ROLES
    measurements["policy_pcrs"] = {
        "image": [4, 9],
        "platform": [0, 1, 2, 3, 5, 6, 7],
        "note": "PCR 9 follows from the image and command line alone, PCR 4 also from -m; the "
                "platform PCRs from the firmware build and QEMU's devices, -smp and -m (see "
                "reference.shapes). A policy for VMs the manager starts pins them all; PCR 16 "
                "holds the manifest (the agent extends it).",
    }
    reference["shapes"] = shapes
    measurements["reference"] = reference
    mfile.write_text(json.dumps(measurements, indent=2) + "\n")
    print(f"eos reference: PCR 0-10 of {len(shapes)} VM shape(s) recorded in {mfile}; "
          f"event logs in eos-eventlog-N.txt")


if __name__ == "__main__":
    main()
