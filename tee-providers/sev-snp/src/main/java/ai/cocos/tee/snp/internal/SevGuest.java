package ai.cocos.tee.snp.internal;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.attestation.guest.GuestDevice;
import ai.cocos.attestation.guest.GuestDevices;
import ai.cocos.attestation.guest.Ioctl;
import ai.cocos.attestation.guest.IoctlException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The sev-guest driver's report requests ({@code include/uapi/linux/sev-guest.h}, Linux 5.19+), the
 * fallback for guests whose kernel has no configfs-tsm (before 6.7): {@code SNP_GET_EXT_REPORT} for
 * the report and the host's certificate table, or {@code SNP_GET_REPORT} where the driver or host
 * offers no extended request. Structures are laid out here, in one place, as the header declares
 * them on 64-bit Linux (little endian, natural alignment); the response carries the firmware's
 * MSG_REPORT_RSP (SEV-SNP Firmware ABI, "MSG_REPORT_RSP Message Structure").
 */
public final class SevGuest {
  // struct snp_report_req { __u8 user_data[64]; __u32 vmpl; __u8 rsvd[28]; }
  static final int REQ_USER_DATA = 0;
  static final int REQ_USER_DATA_SIZE = 64;
  static final int REQ_VMPL = 64;
  static final int REQ_SIZE = 96;

  // struct snp_ext_report_req { struct snp_report_req data; __u64 certs_address; __u32 certs_len; }
  static final int EXT_REQ_CERTS_ADDRESS = 96;
  static final int EXT_REQ_CERTS_LEN = 104;
  static final int EXT_REQ_SIZE = 112; // 108 bytes of members, padded to the u64 alignment

  // struct snp_report_resp { __u8 data[4000]; }
  static final int RESP_SIZE = 4000;

  // MSG_REPORT_RSP inside snp_report_resp.data
  static final int RSP_STATUS = 0x0;
  static final int RSP_REPORT_SIZE = 0x4;
  static final int RSP_REPORT = 0x20;

  // struct snp_guest_request_ioctl { __u8 msg_version; __u64 req_data; __u64 resp_data;
  //   union { __u64 exitinfo2; struct { __u32 fw_error; __u32 vmm_error; }; }; }
  static final int IOCTL_MSG_VERSION = 0;
  static final int IOCTL_REQ_DATA = 8;
  static final int IOCTL_RESP_DATA = 16;
  static final int IOCTL_EXITINFO2 = 24;
  static final int IOCTL_SIZE = 32;

  /** The message version the driver requires (non-zero). */
  static final int MSG_VERSION = 1;

  /** {@code SNP_GET_REPORT = _IOWR('S', 0x0, struct snp_guest_request_ioctl)}. */
  public static final long SNP_GET_REPORT = Ioctl.iowr('S', 0x0, IOCTL_SIZE);

  /** {@code SNP_GET_EXT_REPORT = _IOWR('S', 0x2, struct snp_guest_request_ioctl)}. */
  public static final long SNP_GET_EXT_REPORT = Ioctl.iowr('S', 0x2, IOCTL_SIZE);

  /**
   * Room for the host's certificate table: the driver's {@code SEV_FW_BLOB_MAX_SIZE}, a multiple of
   * the page size as the driver requires.
   */
  static final int CERTS_SIZE = 0x4000;

  /** {@code SNP_GUEST_VMM_ERR_INVALID_LEN}: the certificate buffer was too small. */
  static final int VMM_ERR_INVALID_LEN = 1;

  /** {@code SNP_GUEST_VMM_ERR_BUSY}: the host throttled the request. */
  static final int VMM_ERR_BUSY = 2;

  /** {@code SNP_GUEST_VMM_ERR_GENERIC}: the host failed otherwise. */
  static final int VMM_ERR_GENERIC = 1 << 31;

  /** Certificate-table entry size (GUID 16, offset 4, length 4). */
  static final int TABLE_ENTRY = 24;

  private SevGuest() {}

  /**
   * A report and the host's certificate table, if it supplied one.
   *
   * @param report the ATTESTATION_REPORT
   * @param certificates the certificate table (the same format as configfs-tsm's auxblob)
   * @param request which request produced them ({@code SNP_GET_EXT_REPORT} or {@code
   *     SNP_GET_REPORT})
   */
  public record Result(byte[] report, Optional<byte[]> certificates, String request) {}

  /**
   * Gets a report through the device.
   *
   * @param devices the devices (the real ones, or a test's driver)
   * @param device the device node
   * @param userData the 64 bytes of report data
   * @param vmpl the VMPL to request the report at
   * @return the report and the certificate table
   * @throws AttestationException naming the device, the request and the driver's or firmware's
   *     error
   */
  public static Result get(GuestDevices devices, Path device, byte[] userData, int vmpl)
      throws AttestationException {
    if (userData.length != REQ_USER_DATA_SIZE) {
      throw new IllegalArgumentException("user data must be 64 bytes");
    }
    try (GuestDevice d = devices.open(device)) {
      GuestDevice.Buffer resp = d.allocate(RESP_SIZE);
      GuestDevice.Buffer certs = d.allocate(CERTS_SIZE);
      GuestDevice.Buffer ext = d.allocate(EXT_REQ_SIZE);
      GuestDevice.Buffer arg = d.allocate(IOCTL_SIZE);
      ext.write(0, extReportRequest(userData, vmpl, certs.address(), CERTS_SIZE));
      arg.write(0, ioctlRequest(ext.address(), resp.address()));
      try {
        d.ioctl(SNP_GET_EXT_REPORT, arg);
        byte[] report = report(resp, device, "SNP_GET_EXT_REPORT");
        return new Result(report, table(certs.read(0, CERTS_SIZE)), "SNP_GET_EXT_REPORT");
      } catch (IoctlException e) {
        long exitInfo2 = exitInfo2(arg);
        if (exitInfo2 != 0 || !unsupported(e.errno())) {
          throw refused(device, "SNP_GET_EXT_REPORT", e, exitInfo2, vmpl);
        }
        // The driver or host has no extended request: the plain report, without certificates
        // (the verifier then takes the VCEK from AMD's KDS or its cache).
      }
      GuestDevice.Buffer plain = d.allocate(REQ_SIZE);
      GuestDevice.Buffer arg2 = d.allocate(IOCTL_SIZE);
      plain.write(0, reportRequest(userData, vmpl));
      arg2.write(0, ioctlRequest(plain.address(), resp.address()));
      try {
        d.ioctl(SNP_GET_REPORT, arg2);
      } catch (IoctlException e) {
        throw refused(device, "SNP_GET_REPORT", e, exitInfo2(arg2), vmpl);
      }
      return new Result(report(resp, device, "SNP_GET_REPORT"), Optional.empty(), "SNP_GET_REPORT");
    } catch (NoSuchFileException e) {
      throw new AttestationException(
          "not an SEV-SNP guest: "
              + device
              + " does not exist (the sev-guest driver is loaded only in an SNP guest)",
          e);
    } catch (AccessDeniedException e) {
      throw new AttestationException(
          "cannot open " + device + ": permission denied (the agent must run as root)", e);
    } catch (IOException e) {
      throw new AttestationException("SEV-SNP report through " + device + ": " + e.getMessage(), e);
    }
  }

  /** Errors of a driver that does not know the request (rather than of the firmware). */
  private static boolean unsupported(int errno) {
    return errno == Ioctl.ENOTTY || errno == Ioctl.EINVAL || errno == Ioctl.EOPNOTSUPP;
  }

  /**
   * The {@code struct snp_report_req} bytes.
   *
   * @param userData 64 bytes
   * @param vmpl the VMPL
   * @return 96 bytes
   */
  static byte[] reportRequest(byte[] userData, int vmpl) {
    ByteBuffer b = ByteBuffer.allocate(REQ_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.put(REQ_USER_DATA, userData);
    b.putInt(REQ_VMPL, vmpl);
    return b.array();
  }

  /**
   * The {@code struct snp_ext_report_req} bytes.
   *
   * @param userData 64 bytes
   * @param vmpl the VMPL
   * @param certsAddress where the driver copies the certificate table to
   * @param certsLength that buffer's size (a multiple of the page size)
   * @return 112 bytes
   */
  static byte[] extReportRequest(byte[] userData, int vmpl, long certsAddress, int certsLength) {
    ByteBuffer b = ByteBuffer.allocate(EXT_REQ_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.put(0, reportRequest(userData, vmpl));
    b.putLong(EXT_REQ_CERTS_ADDRESS, certsAddress);
    b.putInt(EXT_REQ_CERTS_LEN, certsLength);
    return b.array();
  }

  /**
   * The {@code struct snp_guest_request_ioctl} bytes.
   *
   * @param request the request structure's address
   * @param response the response structure's address
   * @return 32 bytes, exitinfo2 zero
   */
  static byte[] ioctlRequest(long request, long response) {
    ByteBuffer b = ByteBuffer.allocate(IOCTL_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.put(IOCTL_MSG_VERSION, (byte) MSG_VERSION);
    b.putLong(IOCTL_REQ_DATA, request);
    b.putLong(IOCTL_RESP_DATA, response);
    return b.array();
  }

  private static long exitInfo2(GuestDevice.Buffer arg) {
    return ByteBuffer.wrap(arg.read(IOCTL_EXITINFO2, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  /** The report from MSG_REPORT_RSP, refusing a failed status or an impossible size. */
  private static byte[] report(GuestDevice.Buffer resp, Path device, String request)
      throws AttestationException {
    byte[] r = resp.read(0, RESP_SIZE);
    ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN);
    int status = b.getInt(RSP_STATUS);
    long size = Integer.toUnsignedLong(b.getInt(RSP_REPORT_SIZE));
    if (status != 0) {
      throw new AttestationException(
          request + " on " + device + ": the firmware answered status " + firmwareError(status));
    }
    if (size == 0 || size > RESP_SIZE - RSP_REPORT) {
      throw new AttestationException(
          request + " on " + device + ": the firmware answered a report of " + size + " bytes");
    }
    return Arrays.copyOfRange(r, RSP_REPORT, RSP_REPORT + (int) size);
  }

  /** The certificate table in the buffer, cut to its extent, or empty if the host gave none. */
  static Optional<byte[]> table(byte[] buffer) {
    ByteBuffer b = ByteBuffer.wrap(buffer).order(ByteOrder.LITTLE_ENDIAN);
    long end = 0;
    int at = 0;
    for (; at + TABLE_ENTRY <= buffer.length; at += TABLE_ENTRY) {
      boolean zero = true;
      for (int i = at; i < at + TABLE_ENTRY; i++) {
        zero &= buffer[i] == 0;
      }
      if (zero) {
        break;
      }
      long off = Integer.toUnsignedLong(b.getInt(at + 16));
      long len = Integer.toUnsignedLong(b.getInt(at + 20));
      end = Math.max(end, off + len);
    }
    if (at == 0) {
      return Optional.empty();
    }
    // A malformed table is shipped as it came (up to the buffer): the verifier names the problem.
    int extent = (int) Math.min(buffer.length, Math.max(end, at + TABLE_ENTRY));
    return Optional.of(Arrays.copyOf(buffer, extent));
  }

  private static AttestationException refused(
      Path device, String request, IoctlException e, long exitInfo2, int vmpl) {
    int fw = (int) exitInfo2;
    int vmm = (int) (exitInfo2 >>> 32);
    StringBuilder m = new StringBuilder();
    m.append(request).append(" on ").append(device).append(" refused: ");
    m.append(Ioctl.describeErrno(e.errno()));
    if (e.errno() == Ioctl.ENOTTY) {
      m.append(": ").append(device).append(" is not the sev-guest driver");
    }
    if (fw != 0) {
      m.append("; firmware error ").append(firmwareError(fw));
      if (fw == 0x16) {
        m.append(" (is VMPL ").append(vmpl).append(" below the guest's own? set the vmpl setting)");
      }
    }
    if (vmm != 0) {
      m.append("; host (VMM) error ").append(vmmError(vmm));
    }
    if (exitInfo2 == 0) {
      m.append(" (no firmware or host error reported)");
    }
    return new AttestationException(m.toString(), e);
  }

  /**
   * A firmware status code's name ({@code include/uapi/linux/psp-sev.h}, SEV-SNP ABI "Status
   * Codes").
   *
   * @param code the code
   * @return e.g. {@code SEV_RET_INVALID_PARAM (0x16)}
   */
  static String firmwareError(int code) {
    String name =
        switch (code) {
          case 0x01 -> "SEV_RET_INVALID_PLATFORM_STATE";
          case 0x02 -> "SEV_RET_INVALID_GUEST_STATE";
          case 0x03 -> "SEV_RET_INVALID_CONFIG";
          case 0x04 -> "SEV_RET_INVALID_LEN";
          case 0x05 -> "SEV_RET_ALREADY_OWNED";
          case 0x06 -> "SEV_RET_INVALID_CERTIFICATE";
          case 0x07 -> "SEV_RET_POLICY_FAILURE";
          case 0x08 -> "SEV_RET_INACTIVE";
          case 0x09 -> "SEV_RET_INVALID_ADDRESS";
          case 0x0A -> "SEV_RET_BAD_SIGNATURE";
          case 0x0B -> "SEV_RET_BAD_MEASUREMENT";
          case 0x0C -> "SEV_RET_ASID_OWNED";
          case 0x0D -> "SEV_RET_INVALID_ASID";
          case 0x0E -> "SEV_RET_WBINVD_REQUIRED";
          case 0x0F -> "SEV_RET_DFFLUSH_REQUIRED";
          case 0x10 -> "SEV_RET_INVALID_GUEST";
          case 0x11 -> "SEV_RET_INVALID_COMMAND";
          case 0x12 -> "SEV_RET_ACTIVE";
          case 0x13 -> "SEV_RET_HWSEV_RET_PLATFORM";
          case 0x14 -> "SEV_RET_HWSEV_RET_UNSAFE";
          case 0x15 -> "SEV_RET_UNSUPPORTED";
          case 0x16 -> "SEV_RET_INVALID_PARAM";
          case 0x17 -> "SEV_RET_RESOURCE_LIMIT";
          case 0x18 -> "SEV_RET_SECURE_DATA_INVALID";
          case 0x19 -> "SEV_RET_INVALID_PAGE_SIZE";
          case 0x1A -> "SEV_RET_INVALID_PAGE_STATE";
          case 0x1B -> "SEV_RET_INVALID_MDATA_ENTRY";
          case 0x1C -> "SEV_RET_INVALID_PAGE_OWNER";
          case 0x1D -> "SEV_RET_AEAD_OFLOW";
          case 0x1F -> "SEV_RET_EXIT_RING_BUFFER";
          case 0x20 -> "SEV_RET_RMP_INIT_REQUIRED";
          case 0x21 -> "SEV_RET_BAD_SVN";
          case 0x22 -> "SEV_RET_BAD_VERSION";
          default -> "unknown";
        };
    return String.format(Locale.ROOT, "%s (0x%x)", name, code);
  }

  /**
   * A host (VMM) error's name ({@code linux/sev-guest.h}).
   *
   * @param code the upper half of exitinfo2
   * @return e.g. {@code SNP_GUEST_VMM_ERR_BUSY (2)}
   */
  static String vmmError(int code) {
    return switch (code) {
      case VMM_ERR_INVALID_LEN ->
          "SNP_GUEST_VMM_ERR_INVALID_LEN (1: the host's certificates exceed "
              + CERTS_SIZE
              + " bytes)";
      case VMM_ERR_BUSY -> "SNP_GUEST_VMM_ERR_BUSY (2: the host throttled the request; retry)";
      case VMM_ERR_GENERIC -> "SNP_GUEST_VMM_ERR_GENERIC (0x80000000)";
      default -> String.format(Locale.ROOT, "0x%x", code);
    };
  }
}
