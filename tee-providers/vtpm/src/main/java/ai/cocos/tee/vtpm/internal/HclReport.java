package ai.cocos.tee.vtpm.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * An Azure confidential VM's HCL (host compatibility layer) attestation report, read from the
 * vTPM's NV index 0x01400001, parsed. Layout (little-endian; from the vectors README "Azure HCL
 * report layout", matching Microsoft's IGVM attestation report definitions):
 *
 * <pre>
 * 0x000  32  header: "HCLA", u32 version (1|2), u32 report_size, u32 request_type (2), u32 status,
 *            12 reserved
 * 0x020 1184 hardware report: an SEV-SNP ATTESTATION_REPORT, or a 1024-byte TDREPORT + zeros
 * 0x4C0  20  IGVM request data header: u32 data_size, u32 version (1), u32 report_type
 *            (2 = SNP, 4 = TDX), u32 hash_type (1 = SHA-256, 2 = SHA-384, 3 = SHA-512),
 *            u32 variable_data_size
 * 0x4D4  var runtime data: JSON whose hash (hash_type) is the hardware report's report_data prefix
 * </pre>
 *
 * @param version the header version
 * @param reportSize the header's total size of header, hardware report and request data
 * @param hardwareReport the 1184-byte hardware report area
 * @param reportType {@link #TYPE_SNP} or {@link #TYPE_TDX}
 * @param hashType the runtime data's hash: 1 SHA-256, 2 SHA-384, 3 SHA-512
 * @param runtimeData the runtime data JSON, exactly the hashed bytes
 */
public record HclReport(
    int version,
    long reportSize,
    byte[] hardwareReport,
    int reportType,
    int hashType,
    byte[] runtimeData) {

  /** "HCLA". */
  static final byte[] SIGNATURE = "HCLA".getBytes(StandardCharsets.US_ASCII);

  /** Offset of the hardware report. */
  static final int HW_REPORT = 0x20;

  /** Size of the hardware report area (an SNP report's 0x4A0). */
  static final int HW_REPORT_SIZE = 0x4A0;

  /** Offset of the IGVM request data header. */
  static final int REQUEST_DATA = 0x4C0;

  /** Size of the IGVM request data header. */
  static final int REQUEST_DATA_HEADER = 20;

  /** Offset of the runtime data. */
  static final int RUNTIME_DATA = REQUEST_DATA + REQUEST_DATA_HEADER;

  /** request_type of an attestation report request. */
  static final int REQUEST_TYPE_ATTESTATION = 2;

  /** report_type: SEV-SNP. */
  public static final int TYPE_SNP = 2;

  /** report_type: TDX. */
  public static final int TYPE_TDX = 4;

  /** Offset of REPORT_DATA in an SEV-SNP report (AMD SEV-SNP ABI, ATTESTATION_REPORT table). */
  static final int SNP_REPORT_DATA = 0x50;

  /** Offset of MEASUREMENT in an SEV-SNP report (same table). */
  static final int SNP_MEASUREMENT = 0x90;

  /** Size of a TDREPORT_STRUCT (Intel TDX Module ABI, TDREPORT_STRUCT). */
  static final int TD_REPORT_SIZE = 1024;

  /**
   * Offset of REPORTMACSTRUCT.REPORTDATA in a TDREPORT (REPORTMACSTRUCT at 0, REPORTDATA at 128).
   */
  static final int TD_REPORT_DATA = 0x80;

  /** Offset of TDINFO.MRTD in a TDREPORT (TDINFO at 512, after ATTRIBUTES and XFAM). */
  static final int TD_MRTD = 0x210;

  /** Copies. */
  public HclReport {
    hardwareReport = hardwareReport.clone();
    runtimeData = runtimeData.clone();
  }

  /**
   * Parses a report.
   *
   * @param bytes the NV index contents (may be longer than the report: the index is fixed-size)
   * @return the parsed report
   * @throws MalformedException naming the field that does not fit
   */
  public static HclReport parse(byte[] bytes) throws MalformedException {
    if (bytes.length < RUNTIME_DATA) {
      throw new MalformedException(
          "HCL report: "
              + bytes.length
              + " bytes, shorter than its fixed part ("
              + RUNTIME_DATA
              + ")");
    }
    if (!Arrays.equals(bytes, 0, 4, SIGNATURE, 0, 4)) {
      throw new MalformedException("HCL report: does not start with \"HCLA\"");
    }
    Cursor h = new Cursor(bytes, 4, HW_REPORT, "HCL report header");
    int version = (int) h.u32le("version");
    long reportSize = h.u32le("report_size");
    long requestType = h.u32le("request_type");
    if (version != 1 && version != 2) {
      throw new MalformedException("HCL report: header version " + version + ", expected 1 or 2");
    }
    if (requestType != REQUEST_TYPE_ATTESTATION) {
      throw new MalformedException("HCL report: request_type " + requestType + ", expected 2");
    }
    Cursor r = new Cursor(bytes, REQUEST_DATA, RUNTIME_DATA, "HCL request data");
    long dataSize = r.u32le("data_size");
    long dataVersion = r.u32le("version");
    int reportType = (int) r.u32le("report_type");
    int hashType = (int) r.u32le("hash_type");
    long variable = r.u32le("variable_data_size");
    if (dataVersion != 1) {
      throw new MalformedException("HCL request data: version " + dataVersion + ", expected 1");
    }
    if (reportType != TYPE_SNP && reportType != TYPE_TDX) {
      throw new MalformedException(
          "HCL request data: report_type " + reportType + ", expected 2 (SNP) or 4 (TDX)");
    }
    if (hashType < 1 || hashType > 3) {
      throw new MalformedException("HCL request data: hash_type " + hashType + " is unknown");
    }
    if (variable > bytes.length - RUNTIME_DATA || dataSize != REQUEST_DATA_HEADER + variable) {
      throw new MalformedException(
          "HCL request data: variable_data_size "
              + variable
              + " does not fit the report (data_size "
              + dataSize
              + ", "
              + (bytes.length - RUNTIME_DATA)
              + " bytes follow)");
    }
    if (reportSize != REQUEST_DATA + dataSize) {
      throw new MalformedException(
          "HCL report: report_size "
              + reportSize
              + ", the parts add up to "
              + (REQUEST_DATA + dataSize));
    }
    return new HclReport(
        version,
        reportSize,
        Arrays.copyOfRange(bytes, HW_REPORT, HW_REPORT + HW_REPORT_SIZE),
        reportType,
        hashType,
        Arrays.copyOfRange(bytes, RUNTIME_DATA, RUNTIME_DATA + (int) variable));
  }

  @Override
  public byte[] hardwareReport() {
    return hardwareReport.clone();
  }

  @Override
  public byte[] runtimeData() {
    return runtimeData.clone();
  }

  /**
   * The hash of the runtime data, with the report's hash type.
   *
   * @return the digest
   */
  public byte[] runtimeDataHash() {
    String alg =
        switch (hashType) {
          case 1 -> "SHA-256";
          case 2 -> "SHA-384";
          default -> "SHA-512";
        };
    try {
      return MessageDigest.getInstance(alg).digest(runtimeData);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(alg + " missing", e);
    }
  }

  /**
   * The hash type's name.
   *
   * @return {@code SHA-256}, {@code SHA-384} or {@code SHA-512}
   */
  public String hashName() {
    return hashType == 1 ? "SHA-256" : hashType == 2 ? "SHA-384" : "SHA-512";
  }

  /**
   * The report data of the hardware report (SNP REPORT_DATA, or the TDREPORT's REPORTDATA).
   *
   * @return 64 bytes
   */
  public byte[] hardwareReportData() {
    int off = reportType == TYPE_SNP ? SNP_REPORT_DATA : TD_REPORT_DATA;
    return Arrays.copyOfRange(hardwareReport, off, off + 64);
  }

  /**
   * The SNP report's MEASUREMENT (report type SNP only).
   *
   * @return 48 bytes
   */
  public byte[] snpMeasurement() {
    return Arrays.copyOfRange(hardwareReport, SNP_MEASUREMENT, SNP_MEASUREMENT + 48);
  }

  /**
   * The TDREPORT's MRTD (report type TDX only).
   *
   * @return 48 bytes
   */
  public byte[] tdMrtd() {
    return Arrays.copyOfRange(hardwareReport, TD_MRTD, TD_MRTD + 48);
  }
}
