package ai.cocos.tee.tdx.internal;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.attestation.guest.GuestDevice;
import ai.cocos.attestation.guest.GuestDevices;
import ai.cocos.attestation.guest.Ioctl;
import ai.cocos.attestation.guest.IoctlException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The tdx-guest driver's {@code TDX_CMD_GET_REPORT0} ({@code include/uapi/linux/tdx-guest.h}): what
 * a TD can get from its device when the kernel has no configfs-tsm. It is a TDREPORT, which the TDX
 * module MACs with a key of this CPU alone: nobody else can check it, so it is not evidence. Only
 * the Quoting Enclave turns it into a signed quote, and Linux reaches the QE through configfs-tsm
 * (6.7+). This class gets the TDREPORT only to say exactly that, with the TD's identity, instead of
 * a vague failure; it never returns it as evidence.
 */
public final class TdxGuest {
  // struct tdx_report_req { __u8 reportdata[64]; __u8 tdreport[1024]; }
  static final int REQ_REPORT_DATA = 0;
  static final int REPORT_DATA_SIZE = 64;
  static final int REQ_TDREPORT = 64;
  static final int TDREPORT_SIZE = 1024;
  static final int REQ_SIZE = REQ_TDREPORT + TDREPORT_SIZE;

  /** {@code TDX_CMD_GET_REPORT0 = _IOWR('T', 1, struct tdx_report_req)}. */
  public static final long TDX_CMD_GET_REPORT0 = Ioctl.iowr('T', 1, REQ_SIZE);

  // TDREPORT_STRUCT (Intel TDX Module ABI): REPORTMACSTRUCT (256) with REPORTDATA at 128;
  // TEE_TCB_INFO (239) and 17 reserved bytes; TDINFO (512) at 512: ATTRIBUTES, XFAM, MRTD, ...
  static final int TDREPORT_REPORT_DATA = 128;
  static final int TDREPORT_MRTD = 512 + 8 + 8;
  static final int MRTD_SIZE = 48;

  private TdxGuest() {}

  /**
   * A TDREPORT as the device returned it.
   *
   * @param reportData its REPORTMACSTRUCT.REPORTDATA
   * @param mrtd its TDINFO.MRTD
   */
  public record TdReportFields(byte[] reportData, byte[] mrtd) {
    /**
     * Reads the fields of a TDREPORT_STRUCT.
     *
     * @param tdReport 1024 bytes
     * @return the fields
     */
    static TdReportFields of(byte[] tdReport) {
      return new TdReportFields(
          Arrays.copyOfRange(
              tdReport, TDREPORT_REPORT_DATA, TDREPORT_REPORT_DATA + REPORT_DATA_SIZE),
          Arrays.copyOfRange(tdReport, TDREPORT_MRTD, TDREPORT_MRTD + MRTD_SIZE));
    }
  }

  /**
   * The {@code struct tdx_report_req} bytes.
   *
   * @param reportData 64 bytes
   * @return 1088 bytes, the TDREPORT part zero
   */
  static byte[] request(byte[] reportData) {
    byte[] r = new byte[REQ_SIZE];
    System.arraycopy(reportData, 0, r, REQ_REPORT_DATA, REPORT_DATA_SIZE);
    return r;
  }

  /**
   * Gets the TDREPORT for report data.
   *
   * @param devices the devices
   * @param device the device node ({@code /dev/tdx_guest})
   * @param reportData 64 bytes
   * @return the TDREPORT's fields
   * @throws AttestationException naming the device and errno, or a report for other data
   */
  public static TdReportFields tdReport(GuestDevices devices, Path device, byte[] reportData)
      throws AttestationException {
    if (reportData.length != REPORT_DATA_SIZE) {
      throw new IllegalArgumentException("report data must be 64 bytes");
    }
    byte[] out;
    try (GuestDevice d = devices.open(device)) {
      GuestDevice.Buffer req = d.allocate(REQ_SIZE);
      req.write(0, request(reportData));
      d.ioctl(TDX_CMD_GET_REPORT0, req);
      out = req.read(REQ_TDREPORT, TDREPORT_SIZE);
    } catch (NoSuchFileException e) {
      throw new AttestationException("not a TDX guest: " + device + " does not exist", e);
    } catch (AccessDeniedException e) {
      throw new AttestationException(
          "cannot open " + device + ": permission denied (the agent must run as root)", e);
    } catch (IoctlException e) {
      throw new AttestationException(
          "TDX_CMD_GET_REPORT0 on "
              + device
              + " refused: "
              + Ioctl.describeErrno(e.errno())
              + (e.errno() == Ioctl.ENOTTY ? ": " + device + " is not the tdx-guest driver" : ""),
          e);
    } catch (IOException e) {
      throw new AttestationException("TDREPORT through " + device + ": " + e.getMessage(), e);
    }
    TdReportFields f = TdReportFields.of(out);
    if (!MessageDigest.isEqual(f.reportData(), reportData)) {
      throw new AttestationException(
          "the TDX module returned a TDREPORT for other report data than requested");
    }
    return f;
  }

  /**
   * Why a TD without configfs-tsm cannot give a quote, with what its device answered.
   *
   * @param devices the devices
   * @param device the device node
   * @param tsmReportDir the missing configfs-tsm folder
   * @param reportData the request's 64 bytes of report data
   * @return the error to throw (never evidence)
   */
  public static AttestationException noQuote(
      GuestDevices devices, Path device, Path tsmReportDir, byte[] reportData) {
    String missing =
        "no TDX quote can be produced here: configfs-tsm ("
            + tsmReportDir
            + ") is missing (Linux before 6.7, or configfs not mounted at /sys/kernel/config)";
    String why =
        ". A TDREPORT is MACed with a key only this CPU holds, so it is not evidence anyone else"
            + " can check; only Intel's Quoting Enclave signs a quote, and Linux reaches it"
            + " through configfs-tsm (CONFIG_TSM_REPORTS, Linux 6.7+) (a QGS over vsock is not"
            + " supported). Boot a kernel with configfs-tsm and mount configfs.";
    try {
      TdReportFields f = tdReport(devices, device, reportData);
      return new AttestationException(
          missing
              + "; "
              + device
              + " answered TDX_CMD_GET_REPORT0 with a TDREPORT for the requested report data"
              + " (MRTD "
              + HexFormat.of().formatHex(f.mrtd())
              + ")"
              + why);
    } catch (AttestationException e) {
      return new AttestationException(missing + "; and " + e.getMessage() + why, e);
    }
  }
}
