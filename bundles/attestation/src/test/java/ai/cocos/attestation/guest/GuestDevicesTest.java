package ai.cocos.attestation.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Linux guest devices through the real C library (JNA): request numbers as the kernel headers
 * compute them, and the errors of devices that are missing or are not the driver asked for. The
 * SEV-SNP and TDX guest drivers do not exist here; their structures are tested in the providers.
 */
class GuestDevicesTest {
  @TempDir Path dir;

  @Test
  void requestNumbersAreTheKernelsIowr() {
    // linux/sev-guest.h: _IOWR('S', 0x0, struct snp_guest_request_ioctl), 32 bytes on 64-bit.
    assertEquals(0xC0205300L, Ioctl.iowr('S', 0x0, 32));
    // _IOWR('S', 0x2, ...): SNP_GET_EXT_REPORT.
    assertEquals(0xC0205302L, Ioctl.iowr('S', 0x2, 32));
    // linux/tdx-guest.h: _IOWR('T', 1, struct tdx_report_req), 64 + 1024 bytes.
    assertEquals(0xC4405401L, Ioctl.iowr('T', 1, 1088));
    assertThrows(IllegalArgumentException.class, () -> Ioctl.iowr('S', 256, 32));
    assertThrows(IllegalArgumentException.class, () -> Ioctl.iowr('S', 0, 1 << 14));
  }

  @Test
  void aMissingDeviceIsNoSuchFile() {
    NoSuchFileException e =
        assertThrows(
            NoSuchFileException.class, () -> GuestDevices.linux().open(dir.resolve("sev-guest")));
    assertEquals(dir.resolve("sev-guest").toString(), e.getFile());
  }

  @Test
  void aDeviceOfAnotherDriverRefusesTheRequestWithEnotty() throws Exception {
    try (GuestDevice d = GuestDevices.linux().open(Path.of("/dev/null"))) {
      GuestDevice.Buffer b = d.allocate(32);
      assertNotEquals(0L, b.address());
      assertEquals(32, b.size());
      assertArrayEquals(new byte[32], b.read(0, 32), "buffers start zeroed");
      b.write(8, new byte[] {1, 2, 3});
      assertArrayEquals(new byte[] {0, 1, 2, 3, 0}, b.read(7, 5));
      IoctlException e = assertThrows(IoctlException.class, () -> d.ioctl(0xC0205300L, b));
      assertEquals(Ioctl.ENOTTY, e.errno());
      assertEquals(0xC0205300L, e.request());
      assertEquals(
          "ioctl 0xc0205300 on /dev/null failed: ENOTTY (errno 25, inappropriate ioctl for"
              + " device)",
          e.getMessage());
    }
  }

  @Test
  void otherOpenFailuresNameTheErrno() {
    IOException e = assertThrows(IOException.class, () -> GuestDevices.linux().open(dir));
    assertEquals("cannot open " + dir + ": EISDIR (errno 21, is a directory)", e.getMessage());
    assertEquals("errno 200", Ioctl.describeErrno(200));
  }
}
