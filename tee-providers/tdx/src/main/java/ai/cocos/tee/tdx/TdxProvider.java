package ai.cocos.tee.tdx;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.ChainVerifier;
import ai.cocos.attestation.ConfigfsTsm;
import ai.cocos.attestation.guest.GuestDevices;
import ai.cocos.tee.tdx.internal.Roots;
import ai.cocos.tee.tdx.internal.TdxCollateralSources;
import ai.cocos.tee.tdx.internal.TdxGuest;
import ai.cocos.tee.tdx.internal.TdxQuoteFields;
import ai.cocos.tee.tdx.internal.TdxVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Intel TDX: verifies DCAP quotes v4 and v5 against a policy, and gathers quotes inside a TD. Works
 * on a plain class path (construct it, call {@link #verify}) and is what the OSGi component
 * delegates to.
 *
 * <h2>Evidence</h2>
 *
 * {@link Evidence#report()} is the quote as the quoting enclave produced it (padding after the
 * declared end is allowed and ignored). Attachments, all optional:
 *
 * <table>
 *   <caption>attachment names</caption>
 *   <tr><th>name</th><th>content</th></tr>
 *   <tr><td>{@value #TCB_INFO}</td><td>Intel PCS TDX TCB info response body ({@code
 *       {"tcbInfo":{...},"signature":"hex"}})</td></tr>
 *   <tr><td>{@value #TCB_INFO_ISSUER_CHAIN}</td><td>PEM chain that signed it (PCS header
 *       {@code TCB-Info-Issuer-Chain}, URL-decoded)</td></tr>
 *   <tr><td>{@value #QE_IDENTITY}</td><td>Intel PCS TD QE identity response body</td></tr>
 *   <tr><td>{@value #QE_IDENTITY_ISSUER_CHAIN}</td><td>its PEM chain (default: the TCB info's)</td></tr>
 *   <tr><td>{@value #PCK_CRL}</td><td>CRL of the PCK Platform/Processor CA, DER or PEM</td></tr>
 *   <tr><td>{@value #ROOT_CA_CRL}</td><td>CRL of the Intel SGX Root CA, DER or PEM</td></tr>
 *   <tr><td>{@value #COLLATERAL}</td><td>all of the above in one PCCS / dcap-qvl style JSON
 *       object (the separate attachments take precedence)</td></tr>
 *   <tr><td>{@value #CCEL}</td><td>the CCEL event log, replayed into RTMR0..3</td></tr>
 * </table>
 *
 * Collateral not attached comes from the collateral cache, else from Intel's PCS unless the request
 * is offline. Collateral is never trusted for where it came from: its signatures are checked to the
 * pinned Intel SGX Root CA like the quote's.
 */
public final class TdxProvider implements TeeProvider {
  /** Attachment name: Intel PCS TDX TCB info response body. */
  public static final String TCB_INFO = "tcb_info";

  /** Attachment name: the PEM issuer chain of the TCB info. */
  public static final String TCB_INFO_ISSUER_CHAIN = "tcb_info_issuer_chain";

  /** Attachment name: Intel PCS TD QE identity response body. */
  public static final String QE_IDENTITY = "qe_identity";

  /** Attachment name: the PEM issuer chain of the QE identity. */
  public static final String QE_IDENTITY_ISSUER_CHAIN = "qe_identity_issuer_chain";

  /** Attachment name: the PCK CA's CRL. */
  public static final String PCK_CRL = "pck_crl";

  /** Attachment name: the Intel SGX Root CA's CRL. */
  public static final String ROOT_CA_CRL = "root_ca_crl";

  /** Attachment name: all collateral in one PCCS / dcap-qvl style JSON object. */
  public static final String COLLATERAL = "collateral";

  /** Attachment name: the CCEL event log. */
  public static final String CCEL = "ccel";

  /**
   * The largest CCEL log attached to gathered evidence (the ACPI table's usual area is 256 KiB).
   */
  static final int MAX_CCEL = 16 * 1024 * 1024;

  /** The configfs-tsm provider name of the TDX guest driver. */
  static final String TSM_PROVIDER = "tdx_guest";

  /** The TDX guest driver's device: present only inside a TD. */
  static final Path TDX_GUEST_DEVICE = Path.of("/dev/tdx_guest");

  private final TdxSettings settings;
  private final TdxVerifier verifier;
  private final Path guestDevice;
  private final GuestDevices devices;

  /** A provider with {@link TdxSettings#defaults()}: what {@link java.util.ServiceLoader} uses. */
  public TdxProvider() {
    this(TdxSettings.defaults());
  }

  /**
   * A provider with explicit settings.
   *
   * @param settings where to gather and how to find collateral
   */
  public TdxProvider(TdxSettings settings) {
    this(settings, TDX_GUEST_DEVICE, GuestDevices.linux());
  }

  /**
   * A provider whose guest device is elsewhere or played by a test.
   *
   * @param settings where to gather and how to find collateral
   * @param guestDevice the tdx-guest device
   * @param devices opens it
   */
  TdxProvider(TdxSettings settings, Path guestDevice, GuestDevices devices) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.guestDevice = Objects.requireNonNull(guestDevice, "guestDevice");
    this.devices = Objects.requireNonNull(devices, "devices");
    this.verifier =
        new TdxVerifier(
            Roots.intelSgxRootCa(), TdxCollateralSources.of(settings), ChainVerifier.shared());
  }

  @Override
  public String platform() {
    return TDX;
  }

  @Override
  public boolean canGather() {
    return new ConfigfsTsm(settings.tsmReportDir()).available() && Files.exists(guestDevice);
  }

  /**
   * Gets a quote through configfs-tsm with the request's report data (zero-padded to 64 bytes), and
   * attaches the CCEL event log when the firmware published one. The quote must carry exactly that
   * report data. In a TD whose kernel has no configfs-tsm, the tdx-guest device gives only a
   * TDREPORT, which is not evidence: the error then says so, with the TD's MRTD.
   *
   * @param request the report data to bind
   * @return the evidence
   * @throws AttestationException if this is not a TDX guest or quote generation fails
   */
  @Override
  public Evidence gather(EvidenceRequest request) throws AttestationException {
    byte[] reportData = Arrays.copyOf(request.reportData(), EvidenceRequest.MAX_REPORT_DATA);
    ConfigfsTsm tsm = new ConfigfsTsm(settings.tsmReportDir());
    if (!tsm.available() && Files.exists(guestDevice)) {
      throw new AttestationException(
          "TDX quote unavailable: "
              + TdxGuest.noQuote(devices, guestDevice, settings.tsmReportDir(), reportData)
                  .getMessage());
    }
    byte[] quote;
    try {
      quote = tsm.get(reportData, OptionalInt.empty(), TSM_PROVIDER).outblob();
    } catch (AttestationException e) {
      throw new AttestationException("TDX quote unavailable: " + e.getMessage(), e);
    }
    String quoted;
    try {
      quoted = TdxQuoteFields.read(quote).get("report_data");
    } catch (IllegalArgumentException e) {
      throw new AttestationException(
          "the TDX quoting service returned a malformed quote: " + e.getMessage(), e);
    }
    if (!quoted.equals(HexFormat.of().formatHex(reportData))) {
      throw new AttestationException(
          "the TDX quoting service returned a quote for other report data than requested:"
              + " refusing it");
    }
    Map<String, byte[]> attachments = new HashMap<>();
    try {
      if (Files.isReadable(settings.ccelLog()) && Files.size(settings.ccelLog()) <= MAX_CCEL) {
        attachments.put(CCEL, Files.readAllBytes(settings.ccelLog()));
      }
    } catch (IOException e) {
      // The log is optional evidence; a policy that requires it will say so.
    }
    return new Evidence(TDX, quote, attachments);
  }

  @Override
  public Verdict verify(VerificationRequest request) {
    return verifier.verify(request);
  }
}
