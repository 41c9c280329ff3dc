package ai.cocos.tee.vtpm;

/**
 * Names of the {@link ai.cocos.api.tee.Evidence#attachments() attachments} the vTPM provider reads
 * and writes. The provider's README describes each with an example.
 *
 * <p>Platform {@code vtpm}: the evidence's report is either a TPMS_ATTEST (the primary quote) with
 * the attachments below, or a go-tpm-tools {@code attest.Attestation} protobuf (CocosAI's vTPM
 * evidence), which carries everything itself.
 *
 * <p>Platforms {@code azure-snp-vtpm} and {@code azure-tdx-vtpm}: the report is the HCL report read
 * from the vTPM's NV index 0x01400001, and the quote travels in {@link #TPM_QUOTE}.
 */
public final class VtpmAttachments {
  /** TPMT_SIGNATURE over the report (or over {@link #TPM_QUOTE} in the Azure forms). */
  public static final String SIGNATURE = "signature";

  /**
   * A bare RSASSA-PKCS1-v1_5 / SHA-256 signature (no TPMT_SIGNATURE header), as Azure's tooling
   * ships it; used only when {@link #SIGNATURE} is absent.
   */
  public static final String SIGNATURE_RAW = "signature.raw";

  /**
   * The attestation key: a TPMT_PUBLIC (preferred: its attributes prove a restricted TPM key), or a
   * SubjectPublicKeyInfo in DER or PEM. Not used by the Azure forms, whose AK comes from the HCL
   * report.
   */
  public static final String AK_PUB = "ak_pub";

  /** The AK certificate, DER or PEM. */
  public static final String AK_CERT = "ak_cert";

  /** Certificates that may complete the AK certificate's chain (PEM, or one DER certificate). */
  public static final String AK_CHAIN = "ak_chain";

  /**
   * The quoted PCR values as JSON, {@code {"sha256": {"0": "<hex>", ...}, ...}} (banks {@code
   * sha1}, {@code sha256}, {@code sha384}, {@code sha512}).
   */
  public static final String PCRS = "pcrs";

  /**
   * The TPM's endorsement-key certificate (DER or PEM), read from the TCG EK credential NV index
   * when the TPM has one (e.g. swtpm manufactured with {@code swtpm_setup --create-ek-cert}). It
   * names the TPM's certifying CA; nothing in a quote binds the AK to it.
   */
  public static final String EK_CERT = "ek_cert";

  /** Certificates that may complete the EK certificate's chain (PEM, or one DER certificate). */
  public static final String EK_CHAIN = "ek_chain";

  /** The TCG event log (binary, SHA-1 or crypto-agile format). */
  public static final String EVENT_LOG = "event_log";

  /**
   * Prefix of further quotes (other PCR banks) of the same evidence: {@code quote.1}, {@code
   * quote.2}, ..., each with its {@code signature.1}, ... and optionally {@code pcrs.1}, ... (else
   * {@link #PCRS} supplies the values).
   */
  public static final String QUOTE_PREFIX = "quote.";

  /** Azure forms: the TPMS_ATTEST of the vTPM quote. */
  public static final String TPM_QUOTE = "tpm_quote";

  /** Azure TDX form: the TDX quote over the TD report (from Azure's IMDS quote endpoint). */
  public static final String TD_QUOTE = "td_quote";

  /**
   * Azure forms: attachments with this prefix are handed, prefix removed, to the SEV-SNP provider
   * with the embedded SNP report (e.g. {@code snp.vcek}).
   */
  public static final String SNP_PREFIX = "snp.";

  /**
   * Azure forms: attachments with this prefix are handed, prefix removed, to the TDX provider with
   * {@link #TD_QUOTE} (e.g. collateral).
   */
  public static final String TDX_PREFIX = "tdx.";

  private VtpmAttachments() {}
}
