package ai.cocos.attestation.snp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;

/**
 * An SEV-SNP ATTESTATION_REPORT, parsed. This is the one place that reads report bytes: offsets and
 * sizes are the constants below, from the AMD SEV-SNP Firmware ABI Specification (publication
 * 56860), Table 23 "ATTESTATION_REPORT Structure" (rev. 1.57/1.58; version 5 adds the mitigation
 * vectors at 0x1F8 and 0x200) and Table "Signature Format for ECDSA P-384 with SHA-384". Integers
 * are little endian.
 *
 * @param version VERSION (2, 3 or 5 are accepted)
 * @param guestSvn GUEST_SVN
 * @param policy POLICY, the guest policy the VM was launched with
 * @param familyId FAMILY_ID (16 bytes)
 * @param imageId IMAGE_ID (16 bytes)
 * @param vmpl VMPL the report was requested at
 * @param signatureAlgo SIGNATURE_ALGO (1 = ECDSA P-384 with SHA-384)
 * @param currentTcb CURRENT_TCB, raw
 * @param platformInfo PLATFORM_INFO
 * @param authorKeyEn AUTHOR_KEY_EN (bit 0 at 0x48)
 * @param maskChipKey MASK_CHIP_KEY (bit 1 at 0x48)
 * @param signingKey SIGNING_KEY (bits 4:2 at 0x48): 0 VCEK, 1 VLEK, 7 none
 * @param reportData REPORT_DATA (64 bytes)
 * @param measurement MEASUREMENT, the launch digest (48 bytes)
 * @param hostData HOST_DATA (32 bytes)
 * @param idKeyDigest ID_KEY_DIGEST (48 bytes)
 * @param authorKeyDigest AUTHOR_KEY_DIGEST (48 bytes)
 * @param reportId REPORT_ID (32 bytes)
 * @param reportIdMa REPORT_ID_MA (32 bytes)
 * @param reportedTcb REPORTED_TCB, raw: the TCB the VCEK certifies
 * @param cpuidFamily CPUID_FAM_ID, or -1 in a v2 report
 * @param cpuidModel CPUID_MOD_ID, or -1 in a v2 report
 * @param cpuidStepping CPUID_STEP, or -1 in a v2 report
 * @param chipId CHIP_ID (64 bytes)
 * @param committedTcb COMMITTED_TCB, raw
 * @param currentBuild CURRENT_BUILD
 * @param currentMinor CURRENT_MINOR
 * @param currentMajor CURRENT_MAJOR
 * @param committedBuild COMMITTED_BUILD
 * @param committedMinor COMMITTED_MINOR
 * @param committedMajor COMMITTED_MAJOR
 * @param launchTcb LAUNCH_TCB, raw
 * @param launchMitVector LAUNCH_MIT_VECTOR (v5), else 0
 * @param currentMitVector CURRENT_MIT_VECTOR (v5), else 0
 * @param signedBytes the signed part, bytes 0x000-0x29F
 * @param signatureR the signature's R, 48 bytes big endian
 * @param signatureS the signature's S, 48 bytes big endian
 */
public record SnpReport(
    int version,
    long guestSvn,
    long policy,
    byte[] familyId,
    byte[] imageId,
    int vmpl,
    int signatureAlgo,
    long currentTcb,
    long platformInfo,
    boolean authorKeyEn,
    boolean maskChipKey,
    int signingKey,
    byte[] reportData,
    byte[] measurement,
    byte[] hostData,
    byte[] idKeyDigest,
    byte[] authorKeyDigest,
    byte[] reportId,
    byte[] reportIdMa,
    long reportedTcb,
    int cpuidFamily,
    int cpuidModel,
    int cpuidStepping,
    byte[] chipId,
    long committedTcb,
    int currentBuild,
    int currentMinor,
    int currentMajor,
    int committedBuild,
    int committedMinor,
    int committedMajor,
    long launchTcb,
    long launchMitVector,
    long currentMitVector,
    byte[] signedBytes,
    byte[] signatureR,
    byte[] signatureS) {

  /** Size of a report: 0x4A0 bytes. */
  public static final int SIZE = 0x4A0;

  /** SIGNING_KEY value of a VCEK-signed report. */
  public static final int KEY_VCEK = 0;

  /** SIGNING_KEY value of a VLEK-signed report. */
  public static final int KEY_VLEK = 1;

  /** SIGNING_KEY value of an unsigned report. */
  public static final int KEY_NONE = 7;

  /** SIGNATURE_ALGO of ECDSA P-384 with SHA-384. */
  public static final int ALGO_ECDSA_P384_SHA384 = 1;

  /** POLICY bit 16: SMT allowed. */
  public static final long POLICY_SMT = 1L << 16;

  /** POLICY bit 18: a migration agent may be associated. */
  public static final long POLICY_MIGRATE_MA = 1L << 18;

  /** POLICY bit 19: debugging allowed (the hypervisor can read and write guest memory). */
  public static final long POLICY_DEBUG = 1L << 19;

  /** POLICY bit 20: single socket only. */
  public static final long POLICY_SINGLE_SOCKET = 1L << 20;

  // Offsets of Table 23 "ATTESTATION_REPORT Structure".
  static final int VERSION = 0x000;
  static final int GUEST_SVN = 0x004;
  static final int POLICY = 0x008;
  static final int FAMILY_ID = 0x010;
  static final int IMAGE_ID = 0x020;
  static final int VMPL = 0x030;
  static final int SIGNATURE_ALGO = 0x034;
  static final int CURRENT_TCB = 0x038;
  static final int PLATFORM_INFO = 0x040;
  static final int KEY_INFO = 0x048; // AUTHOR_KEY_EN bit 0, MASK_CHIP_KEY bit 1, SIGNING_KEY 4:2
  static final int REPORT_DATA = 0x050;
  static final int MEASUREMENT = 0x090;
  static final int HOST_DATA = 0x0C0;
  static final int ID_KEY_DIGEST = 0x0E0;
  static final int AUTHOR_KEY_DIGEST = 0x110;
  static final int REPORT_ID = 0x140;
  static final int REPORT_ID_MA = 0x160;
  static final int REPORTED_TCB = 0x180;
  static final int CPUID_FAM_ID = 0x188; // v3+
  static final int CPUID_MOD_ID = 0x189; // v3+
  static final int CPUID_STEP = 0x18A; // v3+
  static final int CHIP_ID = 0x1A0;
  static final int COMMITTED_TCB = 0x1E0;
  static final int CURRENT_BUILD = 0x1E8;
  static final int CURRENT_MINOR = 0x1E9;
  static final int CURRENT_MAJOR = 0x1EA;
  static final int COMMITTED_BUILD = 0x1EC;
  static final int COMMITTED_MINOR = 0x1ED;
  static final int COMMITTED_MAJOR = 0x1EE;
  static final int LAUNCH_TCB = 0x1F0;
  static final int LAUNCH_MIT_VECTOR = 0x1F8; // v5
  static final int CURRENT_MIT_VECTOR = 0x200; // v5
  static final int SIGNATURE = 0x2A0; // the signed part is 0x000-0x29F
  // Signature format for ECDSA P-384 with SHA-384: R and S are 72-byte little-endian fields, of
  // which 48 bytes are significant; the rest of the 512-byte signature field is reserved.
  static final int SIG_R = 0x00;
  static final int SIG_S = 0x48;
  static final int SIG_COMPONENT = 0x48;
  static final int SIG_SIGNIFICANT = 48;
  static final int SIG_RESERVED = 0x90;
  static final int SIG_SIZE = 0x200;

  /**
   * Parses a report.
   *
   * @param bytes exactly {@link #SIZE} bytes
   * @return the report
   * @throws SnpFormatException naming the field that is wrong
   */
  public static SnpReport parse(byte[] bytes) throws SnpFormatException {
    if (bytes == null || bytes.length != SIZE) {
      throw new SnpFormatException(
          "an SEV-SNP report has 1184 (0x4A0) bytes, this one has "
              + (bytes == null ? 0 : bytes.length));
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int version = b.getInt(VERSION);
    if (version < 2 || version > 5) {
      throw new SnpFormatException(
          "unsupported SEV-SNP report version "
              + Integer.toUnsignedString(version)
              + " (2, 3, 4 and 5 are supported)");
    }
    int algo = b.getInt(SIGNATURE_ALGO);
    int keyInfo = b.getInt(KEY_INFO);
    byte[] sig = Arrays.copyOfRange(bytes, SIGNATURE, SIGNATURE + SIG_SIZE);
    for (int i = SIG_RESERVED; i < SIG_SIZE; i++) {
      if (sig[i] != 0) {
        throw new SnpFormatException(
            "reserved bytes of the signature field are not zero (offset 0x"
                + Integer.toHexString(SIGNATURE + i)
                + ")");
      }
    }
    boolean v3 = version >= 3;
    boolean v5 = version >= 5;
    return new SnpReport(
        version,
        Integer.toUnsignedLong(b.getInt(GUEST_SVN)),
        b.getLong(POLICY),
        slice(bytes, FAMILY_ID, 16),
        slice(bytes, IMAGE_ID, 16),
        b.getInt(VMPL),
        algo,
        b.getLong(CURRENT_TCB),
        b.getLong(PLATFORM_INFO),
        (keyInfo & 1) != 0,
        (keyInfo & 2) != 0,
        (keyInfo >>> 2) & 7,
        slice(bytes, REPORT_DATA, 64),
        slice(bytes, MEASUREMENT, 48),
        slice(bytes, HOST_DATA, 32),
        slice(bytes, ID_KEY_DIGEST, 48),
        slice(bytes, AUTHOR_KEY_DIGEST, 48),
        slice(bytes, REPORT_ID, 32),
        slice(bytes, REPORT_ID_MA, 32),
        b.getLong(REPORTED_TCB),
        v3 ? bytes[CPUID_FAM_ID] & 0xff : -1,
        v3 ? bytes[CPUID_MOD_ID] & 0xff : -1,
        v3 ? bytes[CPUID_STEP] & 0xff : -1,
        slice(bytes, CHIP_ID, 64),
        b.getLong(COMMITTED_TCB),
        bytes[CURRENT_BUILD] & 0xff,
        bytes[CURRENT_MINOR] & 0xff,
        bytes[CURRENT_MAJOR] & 0xff,
        bytes[COMMITTED_BUILD] & 0xff,
        bytes[COMMITTED_MINOR] & 0xff,
        bytes[COMMITTED_MAJOR] & 0xff,
        b.getLong(LAUNCH_TCB),
        v5 ? b.getLong(LAUNCH_MIT_VECTOR) : 0,
        v5 ? b.getLong(CURRENT_MIT_VECTOR) : 0,
        Arrays.copyOf(bytes, SIGNATURE),
        component(sig, SIG_R, "R"),
        component(sig, SIG_S, "S"));
  }

  private static byte[] slice(byte[] b, int off, int len) {
    return Arrays.copyOfRange(b, off, off + len);
  }

  /** A little-endian 72-byte signature component as 48 big-endian bytes. */
  private static byte[] component(byte[] sig, int off, String name) throws SnpFormatException {
    for (int i = off + SIG_SIGNIFICANT; i < off + SIG_COMPONENT; i++) {
      if (sig[i] != 0) {
        throw new SnpFormatException(
            "signature " + name + " has non-zero bytes beyond its 48 significant bytes");
      }
    }
    byte[] be = new byte[SIG_SIGNIFICANT];
    for (int i = 0; i < SIG_SIGNIFICANT; i++) {
      be[i] = sig[off + SIG_SIGNIFICANT - 1 - i];
    }
    return be;
  }

  /**
   * The signature as IEEE P1363 {@code R || S} (for {@code SHA384withECDSAinP1363Format}).
   *
   * @return 96 bytes
   */
  public byte[] signatureP1363() {
    byte[] out = new byte[2 * SIG_SIGNIFICANT];
    System.arraycopy(signatureR, 0, out, 0, SIG_SIGNIFICANT);
    System.arraycopy(signatureS, 0, out, SIG_SIGNIFICANT, SIG_SIGNIFICANT);
    return out;
  }

  /**
   * The product from the CPUID fields (v3+ reports).
   *
   * @return the product, or empty for v2 reports and CPUs not listed
   */
  public Optional<SnpProduct> cpuidProduct() {
    return cpuidFamily < 0 ? Optional.empty() : SnpProduct.fromCpuid(cpuidFamily, cpuidModel);
  }

  /**
   * Whether POLICY allows debugging.
   *
   * @return POLICY bit 19
   */
  public boolean debug() {
    return (policy & POLICY_DEBUG) != 0;
  }

  /**
   * The signing key's name.
   *
   * @return {@code vcek}, {@code vlek}, {@code none}, or {@code reserved(n)}
   */
  public String signingKeyName() {
    return switch (signingKey) {
      case KEY_VCEK -> "vcek";
      case KEY_VLEK -> "vlek";
      case KEY_NONE -> "none";
      default -> "reserved(" + signingKey + ")";
    };
  }

  /**
   * The running firmware version.
   *
   * @return {@code major.minor.build}, e.g. {@code 1.55.40}
   */
  public String firmware() {
    return currentMajor + "." + currentMinor + "." + currentBuild;
  }

  /**
   * Writes a report's bytes from parts (used by the emulated provider, which produces evidence in
   * this format). Fields not given are zero; the signature is added by {@link #withSignature}.
   *
   * @param fields the field values
   * @return the unsigned report bytes ({@link #SIZE} bytes, signature field zero)
   */
  public static byte[] encode(Fields fields) {
    ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(VERSION, fields.version());
    b.putInt(GUEST_SVN, (int) fields.guestSvn());
    b.putLong(POLICY, fields.policy());
    b.put(FAMILY_ID, fixed(fields.familyId(), 16));
    b.put(IMAGE_ID, fixed(fields.imageId(), 16));
    b.putInt(VMPL, fields.vmpl());
    b.putInt(SIGNATURE_ALGO, ALGO_ECDSA_P384_SHA384);
    b.putLong(CURRENT_TCB, fields.tcb());
    b.putLong(PLATFORM_INFO, fields.platformInfo());
    b.putInt(KEY_INFO, (fields.signingKey() & 7) << 2);
    b.put(REPORT_DATA, fixed(fields.reportData(), 64));
    b.put(MEASUREMENT, fixed(fields.measurement(), 48));
    b.put(HOST_DATA, fixed(fields.hostData(), 32));
    b.put(REPORT_ID, fixed(fields.reportId(), 32));
    b.put(REPORT_ID_MA, fixed(new byte[] {}, 32));
    b.putLong(REPORTED_TCB, fields.tcb());
    if (fields.version() >= 3) {
      b.put(CPUID_FAM_ID, (byte) fields.cpuidFamily());
      b.put(CPUID_MOD_ID, (byte) fields.cpuidModel());
      b.put(CPUID_STEP, (byte) fields.cpuidStepping());
    }
    b.put(CHIP_ID, fixed(fields.chipId(), 64));
    b.putLong(COMMITTED_TCB, fields.tcb());
    b.put(CURRENT_BUILD, (byte) fields.firmwareBuild());
    b.put(CURRENT_MINOR, (byte) fields.firmwareMinor());
    b.put(CURRENT_MAJOR, (byte) fields.firmwareMajor());
    b.put(COMMITTED_BUILD, (byte) fields.firmwareBuild());
    b.put(COMMITTED_MINOR, (byte) fields.firmwareMinor());
    b.put(COMMITTED_MAJOR, (byte) fields.firmwareMajor());
    b.putLong(LAUNCH_TCB, fields.tcb());
    return b.array();
  }

  /**
   * Puts a P1363 {@code R || S} signature into a report's signature field (little endian, zero
   * padded).
   *
   * @param unsigned the report bytes from {@link #encode}
   * @param p1363 96 bytes {@code R || S}, big endian
   * @return the signed report bytes
   */
  public static byte[] withSignature(byte[] unsigned, byte[] p1363) {
    if (unsigned.length != SIZE || p1363.length != 2 * SIG_SIGNIFICANT) {
      throw new IllegalArgumentException("need a 1184-byte report and a 96-byte signature");
    }
    byte[] out = unsigned.clone();
    Arrays.fill(out, SIGNATURE, SIZE, (byte) 0);
    for (int i = 0; i < SIG_SIGNIFICANT; i++) {
      out[SIGNATURE + SIG_R + i] = p1363[SIG_SIGNIFICANT - 1 - i];
      out[SIGNATURE + SIG_S + i] = p1363[2 * SIG_SIGNIFICANT - 1 - i];
    }
    return out;
  }

  /**
   * The signed part of report bytes.
   *
   * @param report report bytes
   * @return bytes 0x000-0x29F
   */
  public static byte[] signedPart(byte[] report) {
    return Arrays.copyOf(report, SIGNATURE);
  }

  private static byte[] fixed(byte[] v, int len) {
    if (v.length > len) {
      throw new IllegalArgumentException(
          "value of " + v.length + " bytes for a " + len + "-byte field");
    }
    return Arrays.copyOf(v, len);
  }

  /**
   * Field values for {@link #encode}.
   *
   * @param version VERSION
   * @param guestSvn GUEST_SVN
   * @param policy POLICY
   * @param familyId FAMILY_ID (up to 16 bytes)
   * @param imageId IMAGE_ID (up to 16 bytes)
   * @param vmpl VMPL
   * @param tcb the value for every TCB field (current, reported, committed, launch)
   * @param platformInfo PLATFORM_INFO
   * @param signingKey SIGNING_KEY
   * @param reportData REPORT_DATA (up to 64 bytes)
   * @param measurement MEASUREMENT (up to 48 bytes)
   * @param hostData HOST_DATA (up to 32 bytes)
   * @param reportId REPORT_ID (up to 32 bytes)
   * @param cpuidFamily CPUID_FAM_ID (v3+)
   * @param cpuidModel CPUID_MOD_ID (v3+)
   * @param cpuidStepping CPUID_STEP (v3+)
   * @param chipId CHIP_ID (up to 64 bytes)
   * @param firmwareMajor CURRENT/COMMITTED_MAJOR
   * @param firmwareMinor CURRENT/COMMITTED_MINOR
   * @param firmwareBuild CURRENT/COMMITTED_BUILD
   */
  public record Fields(
      int version,
      long guestSvn,
      long policy,
      byte[] familyId,
      byte[] imageId,
      int vmpl,
      long tcb,
      long platformInfo,
      int signingKey,
      byte[] reportData,
      byte[] measurement,
      byte[] hostData,
      byte[] reportId,
      int cpuidFamily,
      int cpuidModel,
      int cpuidStepping,
      byte[] chipId,
      int firmwareMajor,
      int firmwareMinor,
      int firmwareBuild) {}
}
